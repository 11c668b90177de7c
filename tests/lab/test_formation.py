"""site.yml --tags formation alone (the benchmark's like-for-like run) on engines opened by
bench/floor.sh --listen-only: a cluster created in this run, then the same plays on it again."""

import os

import pytest

from labkit import ROOT, Lab, node_list, playbook, sh

SITE = os.path.join(ROOT, "site.yml")
FLOOR = os.path.join(ROOT, "bench", "floor.sh")
ASK = "TASK [Ask the first manager which agents are new to Swarm mode (read-only)]"
REPORT = "TASK [Report each agent about to join the cluster]"


@pytest.fixture(scope="module")
def lab():
    lab = Lab("tform", 3, kinds=["debian12"])
    sh([FLOOR, "--listen-only"] + ["%s:%s" % (h, lab.ip(h)) for h in lab.names()])
    yield lab
    lab.down()


def section(out, title):
    return out.split(title)[1].split("TASK [")[0]


def test_a_cluster_created_in_the_run_reports_every_agent_without_asking(lab):
    """No plan (nothing was read), but the first manager created the cluster in this run: no agent
    can be in it yet, so each reports its join at once, and the module joins them all."""
    h = lab.names()
    _rc, out, recap = playbook(SITE, lab.inventory, "-v", "--tags", "formation")
    assert "skipping: [%s]" % h[1] in section(out, ASK)  # not asked first
    report = section(out, REPORT)
    assert all("changed: [%s]" % agent in report for agent in h[1:]), report
    assert '"joined": ["%s", "%s"]' % (h[1], h[2]) in out, out
    assert all(recap[agent]["changed"] == 1 and recap[agent]["failed"] == 0 for agent in h[1:]), recap
    nodes = node_list(lab, h[1], "tcp://%s:2376" % lab.ip(h[0]))
    assert sorted((n["Hostname"], n["Status"]) for n in nodes) == sorted((host, "Ready") for host in h)


def test_on_a_cluster_that_existed_it_asks_first_and_changes_nothing(lab):
    """Without a plan and on a cluster made before the run, the module is asked first (check mode)
    which agents are new: none, so no agent reports a change."""
    h = lab.names()
    _rc, out, recap = playbook(SITE, lab.inventory, "-v", "--tags", "formation")
    assert "ok: [%s -> %s]" % (h[1], h[0]) in section(out, ASK)
    assert '"in_place": ["%s", "%s"]' % (h[1], h[2]) in out, out
    assert "changed: [" not in section(out, REPORT)
    assert all(counts["changed"] == 0 for counts in recap.values()), recap
