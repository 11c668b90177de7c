"""site.yml --tags formation alone (the benchmark's like-for-like run) on engines opened by
bench/floor.sh --listen-only: a cluster created in this run, then the same plays on it again."""

import os

import pytest

from labkit import ROOT, Lab, node_list, playbook, sh, task_output, unchanged

SITE = os.path.join(ROOT, "site.yml")
FLOOR = os.path.join(ROOT, "bench", "floor.sh")
READ = "swarm_agent : Read the host's Swarm state, where the play did not"
REPORT = "swarm_agent : Report each agent about to join the cluster"
FANOUT = "swarm_agent : Join the new agents from the first manager, all at once, through their engines"


@pytest.fixture(scope="module")
def lab():
    lab = Lab("tform", 3, kinds=["debian12"])
    sh([FLOOR, "--listen-only"] + ["%s:%s" % (h, lab.ip(h)) for h in lab.names()])
    yield lab
    lab.down()


def test_a_cluster_created_in_the_run_reports_every_agent_without_asking(lab):
    """The prepare play did not run (nothing was read), but the first manager created the cluster in
    this run: no agent can be in it yet, so none is read; each reports its join before it, and the
    first manager joins them all (its module reads each engine before telling it to join)."""
    h = lab.names()
    _rc, out, recap = playbook(SITE, lab.inventory, "-v", "--tags", "formation")
    assert all("skipping: [%s]" % agent in task_output(out, READ) for agent in h[1:])
    report = task_output(out, REPORT)
    assert all("changed: [%s]" % agent in report for agent in h[1:]), report
    assert '"joined": ["%s", "%s"]' % (h[1], h[2]) in out, out
    assert all(recap[agent]["changed"] == 1 and recap[agent]["failed"] == 0 for agent in h[1:]), recap
    nodes = node_list(lab, h[1], "tcp://%s:2376" % lab.ip(h[0]))
    assert sorted((n["Hostname"], n["Status"]) for n in nodes) == sorted((host, "Ready") for host in h)


def test_on_a_cluster_that_existed_it_reads_and_changes_nothing(lab):
    """On the cluster made before this run, each agent's own read finds it a worker of the cluster:
    no agent reports a change, and the first manager joins nobody."""
    h = lab.names()
    _rc, out, recap = playbook(SITE, lab.inventory, "-v", "--tags", "formation")
    assert all("ok: [%s]" % agent in task_output(out, READ) for agent in h[1:])
    assert "changed: [" not in task_output(out, REPORT)
    assert "skipping: [%s]" % h[1] in task_output(out, FANOUT)
    assert unchanged(recap, h), recap
