"""site.yml on real engines: a Swarm-mode cluster, idempotent, growing, shrinking, refusing."""

import os
import subprocess
import time

import pytest

from labkit import ROOT, Lab, dockerd_pid, node_list, playbook, task_output, unchanged

SITE = os.path.join(ROOT, "site.yml")
PREFLIGHT_HOST = os.path.join(os.path.dirname(os.path.abspath(__file__)), "playbooks", "preflight_host.yml")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    # node1 manager (debian12); node2 el7-layout, node3 debian13: the first cluster.
    # node4 (debian12-bare, no Docker SDK) joins later; node5 is in a swarm of its own.
    lab = Lab("tsite", 5, kinds=["debian12", "el7-layout", "debian13", "debian12-bare", "debian12"])
    lab.tmp = tmp_path_factory.mktemp("site")
    yield lab
    lab.down()


def hosts(lab):
    return lab.names()


def inventory(lab, agents, host_vars=None, name="hosts"):
    return lab.write_inventory(str(lab.tmp / name), hosts(lab)[:1], agents, host_vars=host_vars)


def ready(lab, via):
    """Hostname -> (status, role) as the manager sees it through the 2376 endpoint."""
    manager = hosts(lab)[0]
    nodes = node_list(lab, via, "tcp://%s:2376" % lab.ip(manager))
    return {n["Hostname"]: (n["Status"], n["ManagerStatus"] or "worker") for n in nodes}


def test_site_builds_a_three_node_cluster(lab):
    h = hosts(lab)
    _rc, out, recap = playbook(SITE, inventory(lab, h[1:3]), "-v")
    assert ready(lab, h[2]) == {h[0]: ("Ready", "Leader"), h[1]: ("Ready", "worker"),
                                h[2]: ("Ready", "worker")}
    assert "Nodes: 3" in out  # the cluster's summary
    # The first manager joined both agents in one module run, through their engines, and its list of
    # the nodes through the cluster endpoint made the verify's check: the verify did not ask again.
    assert '"joined": ["%s", "%s"]' % (h[1], h[2]) in out, out
    assert "Join the cluster as a worker" not in out
    assert "skipping: [%s]" % h[0] in task_output(
        out, "swarm_manager : Wait through the cluster endpoint until every host of the play is Ready")
    assert all(recap[agent]["changed"] > 0 for agent in h[1:3]), recap
    lab.verbose_output = out


def test_no_join_token_in_verbose_output(lab):
    tokens = [lab.run(hosts(lab)[0], "docker swarm join-token -q %s" % role).stdout.strip()
              for role in ("worker", "manager")]
    assert all(len(t) > 40 for t in tokens)
    for token in tokens:
        assert token not in lab.verbose_output
        assert token.split("-")[-1] not in lab.verbose_output  # not even the secret part


def test_second_run_changes_nothing(lab):
    h = hosts(lab)
    _rc, out, recap = playbook(SITE, inventory(lab, h[1:3]))
    assert {host: counts["changed"] for host, counts in recap.items()} == \
        {host: 0 for host in ["localhost"] + h[:3]}
    # Every host is in place by the play's one read of it: the first manager is not asked for its
    # tokens, no agent joins; the verify's check through the cluster endpoint shows the nodes.
    assert "skipping: [%s]" % h[0] in task_output(
        out, "swarm_manager : Initialise the cluster on the first manager, and read its join tokens")
    joins = task_output(out, "swarm_agent : Join the cluster with the chosen backend, or leave it")
    assert all("skipping: [%s]" % agent in joins for agent in h[1:3]), joins
    shown = task_output(out, "swarm_manager : Show the cluster (what `docker -H manager:2376 info` shows)")
    assert '"Nodes: 3"' in shown and all('" %s: %s"' % (host, lab.ip(host)) in shown for host in h[:3]), shown


def test_a_settled_host_whose_listener_drifted_is_set_back_alone(lab):
    """A re-run takes the hosts with nothing to prepare out of the prepare play: a host whose dockerd
    configuration changed behind our back is not one of them. It alone is set back and restarted."""
    h = hosts(lab)
    el7 = h[1]  # el7-layout: the guide's OPTIONS line in /etc/sysconfig/docker
    lab.run(el7, "sed -i \"s/^OPTIONS=.*/OPTIONS='--selinux-enabled --log-driver=journald'/\" /etc/sysconfig/docker"
                 " && systemctl restart docker")
    assert "tcp://" not in lab.run(el7, "cat /etc/sysconfig/docker").stdout
    pids = {host: dockerd_pid(lab, host) for host in h[:3]}
    _rc, out, recap = playbook(SITE, inventory(lab, h[1:3]))
    assert recap[el7]["changed"] > 0
    assert all(recap[host]["changed"] == 0 for host in (h[0], h[2])), recap
    assert "ok: [%s]" % h[0] in task_output(
        out, "swarm_manager : Wait through the cluster endpoint until every host of the play is Ready")
    assert dockerd_pid(lab, el7) != pids[el7]
    assert all(dockerd_pid(lab, host) == pids[host] for host in (h[0], h[2]))
    assert "-H tcp://0.0.0.0:2375" in lab.run(el7, "grep ^OPTIONS= /etc/sysconfig/docker").stdout
    assert ready(lab, h[2])[el7] == ("Ready", "worker")


def wait_for_status(lab, host, status, timeout=90):
    """Poll the manager's node list (through the 2376 endpoint) until ``host`` has ``status``."""
    deadline = time.monotonic() + timeout
    while ready(lab, hosts(lab)[0]).get(host, ("?",))[0] != status:
        assert time.monotonic() < deadline, "%s never became %s: %s" % (host, status, ready(lab, hosts(lab)[0]))
        time.sleep(1)


def test_a_node_the_manager_sees_down_is_waited_for_not_taken_from_the_probe(lab):
    """A worker cut off from the manager keeps its engine and its place in the swarm (in place for
    every other step), but the manager lists it Down: the verify waits for it, and fails naming it."""
    h = hosts(lab)
    worker = h[2]
    cut = "OUTPUT -d %s -p tcp --dport 2377 -j DROP" % lab.ip(h[0])
    lab.run(worker, "iptables -I " + cut)  # its heartbeats to the manager stop
    try:
        wait_for_status(lab, worker, "Down")
        rc, out, recap = playbook(SITE, inventory(lab, h[1:3]), "-e", "swarm_verify_timeout=3", check=False)
    finally:
        lab.run(worker, "iptables -D " + cut)
    assert rc != 0
    assert unchanged(recap, h[:3]), recap
    assert "Wait through the cluster endpoint" in out and "not Ready: %s (down)" % worker in out, out[-2000:]
    wait_for_status(lab, worker, "Ready")


def test_formation_plays_alone_change_nothing(lab):
    """--tags formation (the benchmark's like-for-like run): the prepare play's read did not run, so
    the agents' role reads each agent itself, and still changes nothing on a built cluster."""
    h = hosts(lab)
    _rc, out, recap = playbook(SITE, inventory(lab, h[1:3]), "--tags", "formation")
    assert "Read the host before changing it" not in out  # the prepare play really was left out
    read = task_output(out, "swarm_agent : Read the host's Swarm state, where the play did not")
    assert all("ok: [%s]" % agent in read for agent in h[1:3]), read
    assert set(h[:3]) <= set(recap)
    assert all(counts["changed"] == 0 for counts in recap.values()), recap
    assert set(ready(lab, h[1])) == set(h[:3])


@pytest.mark.parametrize("from_manager, join_task", [
    ("true", "Join the new agents from the first manager"), ("false", "Join on its own, where the first manager")])
def test_tokens_never_leave_the_cluster_even_at_vvv(lab, from_manager, join_task):
    """Neither -vvv output nor any file on the controller holds a join token, whether the first
    manager or each agent's role makes the join."""
    h = hosts(lab)
    manager_token = lab.run(h[0], "docker swarm join-token -q manager").stdout.strip()
    worker_token = lab.run(h[0], "docker swarm join-token -q worker").stdout.strip()
    # The formation plays alone: without the prepare play's read that every host is in place, the
    # managers' role reads the tokens, and the agents' role reads each agent (and joins none).
    _rc, out, _recap = playbook(SITE, inventory(lab, h[1:3]), "-vvv", "--tags", "formation",
                                "-e", "swarm_join_from_manager=" + from_manager)
    assert "and read its join tokens" in out  # the output really covers the task that returns them
    assert join_task in out
    for token in (manager_token, worker_token):
        assert token not in out and token.split("-")[-1] not in out
    places = [ROOT, os.path.expanduser("~/.ansible"), str(lab.tmp)]
    found = subprocess.run(["grep", "-rlF", "--exclude-dir=.venv", "--exclude-dir=.git", "-e", worker_token,
                            "-e", manager_token] + [p for p in places if os.path.exists(p)],
                           stdout=subprocess.PIPE, text=True).stdout.split()
    assert found == []


def assert_check_mode_predicts_the_join(lab, members, newcomer):
    """site.yml --check --diff with ``newcomer`` added: it predicts the newcomer's join, the members
    change nothing, the run succeeds (the verify play does not wait for a join that only would
    happen), and nothing changes on the newcomer."""
    before = dockerd_pid(lab, newcomer)
    rc, out, recap = playbook(SITE, inventory(lab, members + [newcomer]), "--check", "--diff", check=False)
    assert rc == 0, out[-3000:]
    assert recap[newcomer]["changed"] > 0 and all(recap[host]["changed"] == 0 for host in members), recap
    report = task_output(out, "swarm_agent : Report each agent about to join the cluster")
    assert "changed: [%s]" % newcomer in report, report
    assert lab.run(newcomer, "docker info --format '{{.Swarm.LocalNodeState}}'").stdout.strip() == "inactive"
    assert dockerd_pid(lab, newcomer) == before


def test_adding_an_agent_joins_it_and_changes_nothing_else(lab):
    h = hosts(lab)
    # --check first, on a node without the Docker SDK: its install is only predicted, its Swarm
    # state is read through the socket, its join is predicted; nothing changes anywhere.
    assert_check_mode_predicts_the_join(lab, h[1:3], h[3])
    assert lab.run(h[3], "python3 -c 'import docker'", check=False).returncode != 0
    _rc, _out, recap = playbook(SITE, inventory(lab, h[1:4]))
    assert recap[h[3]]["changed"] > 0
    assert all(recap[host]["changed"] == 0 for host in h[:3]), recap
    assert ready(lab, h[1])[h[3]] == ("Ready", "worker")


def test_setting_an_agent_absent_removes_it(lab):
    h = hosts(lab)
    _rc, _out, recap = playbook(SITE, inventory(lab, h[1:4], {h[3]: "swarm_agent_state=absent"}))
    assert recap[h[3]]["changed"] > 0
    assert h[3] not in ready(lab, h[1])
    state = lab.run(h[3], "docker info --format '{{.Swarm.LocalNodeState}}'").stdout.strip()
    assert state == "inactive"


def test_check_mode_predicts_adding_an_agent_and_changes_nothing(lab):
    """After the removal above, the node has the SDK and listens already: --check --diff with it
    back in the inventory predicts its join and changes nothing."""
    h = hosts(lab)
    assert_check_mode_predicts_the_join(lab, h[1:3], h[3])
    assert h[3] not in ready(lab, h[1])


def test_a_join_the_manager_makes_that_fails_fails_that_agent_alone(lab):
    """The first manager reports the agents it is about to join, then joins them; the engine of one
    refuses the join (its data path interface does not exist): that agent fails with the engine's
    words, after its report, and stays out of any swarm; the others are untouched."""
    h = hosts(lab)
    rc, out, recap = playbook(SITE, inventory(lab, h[1:4], {h[3]: "swarm_agent_data_path_addr=dcswarm-none0"}),
                              check=False)
    assert rc != 0
    assert recap[h[3]]["failed"] == 1 and all(recap[host]["failed"] == 0 for host in h[:3]), recap
    assert all(recap[host]["changed"] == 0 for host in h[:3]), recap
    report = task_output(out, "swarm_agent : Report each agent about to join the cluster")
    assert "changed: [%s]" % h[3] in report, report
    failure = task_output(out, "swarm_agent : Fail the agent the first manager failed to join, with why")
    assert "joining through its engine at tcp://%s:2375 failed" % h[3] in failure, failure
    assert "data path address must be" in failure, failure  # the engine's own words
    assert lab.run(h[3], "docker info --format '{{.Swarm.LocalNodeState}}'").stdout.strip() == "inactive"
    assert h[3] not in ready(lab, h[1])


def test_an_agent_whose_engine_the_manager_cannot_reach_joins_on_its_own(lab):
    """The first manager joins the new agents through their engines; one whose engine it cannot
    reach (2375 closed to the manager) is left to the agent's own join, the swarm_agent role, and
    the verify play makes the check."""
    h = hosts(lab)
    block = "INPUT -s %s -p tcp --dport 2375 -j DROP" % lab.ip(h[0])
    lab.run(h[3], "iptables -I " + block)
    try:
        _rc, out, recap = playbook(SITE, inventory(lab, h[1:4]), "-v")
    finally:
        lab.run(h[3], "iptables -D " + block)
    assert recap[h[3]]["changed"] > 0 and all(recap[host]["changed"] == 0 for host in h[:3]), recap
    assert '"left_to_host": ["%s"]' % h[3] in out, out
    join = task_output(out, "swarm_agent : Join the cluster as a worker")
    assert "changed: [%s]" % h[3] in join, join
    assert "ok: [%s]" % h[0] in task_output(
        out, "swarm_manager : Wait through the cluster endpoint until every host of the play is Ready")
    assert ready(lab, h[1])[h[3]] == ("Ready", "worker")


def test_a_node_in_another_swarm_fails_untouched(lab):
    h = hosts(lab)
    lab.run(h[4], "docker swarm init --advertise-addr %s >/dev/null" % lab.ip(h[4]))
    # Its swarm, its engine (the same process) and dockerd's configuration files, before and after.
    untouched = ("docker info --format '{{.Swarm.Cluster.ID}} {{.Swarm.NodeID}}'; systemctl show -p MainPID docker; "
                 "cat /etc/default/docker /etc/sysconfig/docker /etc/docker/daemon.json 2>/dev/null | sha256sum; "
                 "ls /etc/systemd/system/docker.service.d /etc/docker/certs 2>&1; true")
    before = lab.run(h[4], untouched).stdout
    rc, out, recap = playbook(SITE, inventory(lab, h[1:3] + [h[4]]), check=False)
    assert rc != 0
    assert recap[h[4]]["failed"] == 1
    assert "is already in another swarm" in out and "swarm_agent_force" in out
    assert "Not converged (failed or unreachable in this run): %s" % h[4] in out
    assert all(recap[host]["failed"] == 0 for host in h[:3]), recap
    assert lab.run(h[4], untouched).stdout == before


def test_the_preflight_role_alone_refuses_that_host_in_the_same_words(lab):
    """swarm_preflight's `host` entry point alone: the same host refused, with the same message, and
    the others pass."""
    h = hosts(lab)
    rc, out, recap = playbook(PREFLIGHT_HOST, inventory(lab, h[1:3] + [h[4]]), check=False)
    assert rc != 0
    assert recap[h[4]]["failed"] == 1 and all(recap[host]["failed"] == 0 for host in h[:3]), recap
    assert "%s is already in another swarm" % h[4] in out and "set swarm_agent_force: true" in out
