"""Day two, part B (issue 22): a node removed (drained first), join tokens rotated, firewalld opened.

One lab of four nodes, default mutual TLS. node1 (manager) and node4 run firewalld (its default zone,
nothing open but ssh and dhcpv6-client); node2 and node3 do not. Every run sets swarm_firewall=firewalld.

1. node1 manager, node2 and node3 agents: node1's zone lists exactly the manager's ports; node3 (no
   firewalld) is left alone. A 6-replica service then runs on the three nodes.
2. Check mode (with diff) of the day-two run: node2 absent, node4 new, worker token rotated. It predicts the
   drain, the leave, the rotation and node4's join and ports, and changes nothing.
3. That run for real, with swarm_join_from_manager=false (node4 joins on its own, with the token the
   rotation published): node2 drained, its tasks run elsewhere, it left and is gone from `docker node ls`;
   the old worker token is refused by the manager; node4 is a Ready worker with exactly an agent's ports.
4. The same run again, without rotation: nothing changes; every node still Ready.
5. node3 set absent with 5 s for its tasks to move, one of which takes 60 s to stop: the run fails on node3,
   naming the task; node3 stays a Ready node, drained.
6. The manager token rotated: it changed and node2 (out since 3) is refused with the old one; then node2
   joins as a second manager (with the token the managers' play reads, the new one) and is Reachable; no
   token in that run's output, with -v.
7. reset.yml (check mode first): node1's and node4's zones are given back as they were, but for a port the
   operator opened by hand on node1 in between; no record is left; a second reset changes nothing.
"""

import os
import time

import pytest

from labkit import ROOT, Lab, changed_tasks, node_list, playbook, task_results

SITE = os.path.join(ROOT, "site.yml")
RESET = os.path.join(ROOT, "reset.yml")
CLOSE_TASK = ("dockercluster.swarm.swarm_firewall : Close the ports the cluster opened in firewalld, where firewalld is "
              "installed")
RECORD = "/var/lib/dockercluster/firewalld-ports.json"
FIREWALL_ALONE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "playbooks", "firewall_alone.yml")
SERVICE = "spread"
DRAIN_TASK = "dockercluster.swarm.swarm_agent : Drain the node, and wait until its tasks run elsewhere"
ROTATE_TASK = "dockercluster.swarm.swarm_manager : Rotate the join tokens on request, before this run's joins"
FIREWALL_TASK = ("dockercluster.swarm.swarm_firewall : Open the cluster's ports in firewalld, permanent and runtime, "
                 "where firewalld is installed")
MANAGER_PORTS = ["2375/tcp", "2376/tcp", "2377/tcp", "4789/udp", "7946/tcp", "7946/udp"]
AGENT_PORTS = ["2375/tcp", "4789/udp", "7946/tcp", "7946/udp"]
# The sleeper image, made in each node from its own files (as in test_rolling_restart.py).
SLEEPER = ("tar -h -C / -c usr/bin/sleep usr/lib/x86_64-linux-gnu/libc.so.6 lib64/ld-linux-x86-64.so.2 "
           "2>/dev/null | docker import - dcswarm-sleeper >/dev/null")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    lab = Lab("daytwo", 4, managers=1, kinds=["debian12-firewalld", "debian13", "debian12", "debian12-firewalld"],
              insecure=False)
    lab.tmp = tmp_path_factory.mktemp("daytwo")
    lab.n1, lab.n2, lab.n3, lab.n4 = lab.names()
    yield lab
    lab.down()


def inventory(lab, name, agents, host_vars=None):
    return lab.write_inventory(str(lab.tmp / name), [lab.n1], agents, insecure=False,
                               extra_vars={"swarm_firewall": "firewalld"}, host_vars=host_vars)


def firewall(lab, host):
    """The default zone (public) as `firewall-cmd --list-all` shows it ({field: value}), and its permanent ports."""
    out = lab.run(host, "firewall-cmd --zone=public --list-all").stdout
    fields = dict(line.strip().split(":", 1) for line in out.splitlines()[1:] if ":" in line)
    fields = dict((k.strip(), v.strip()) for k, v in fields.items())
    permanent = lab.run(host, "firewall-cmd --permanent --zone=public --list-ports").stdout.split()
    return fields, sorted(permanent)


def nodes_by_name(lab):
    return dict((n["Hostname"], n) for n in node_list(lab, lab.n1))


def worker_token(lab, role="worker"):
    return lab.run(lab.n1, "docker swarm join-token -q %s" % role).stdout.strip()


def node_id(lab, host):
    return lab.run(host, "docker info --format '{{.Swarm.NodeID}}'").stdout.strip()


def running_tasks(lab):
    """(node ID, task ID) of the service's tasks that run."""
    out = lab.run(lab.n1, "docker service ps %s --filter desired-state=running --no-trunc "
                          "--format '{{.Node}} {{.ID}} {{.CurrentState}}'" % SERVICE).stdout
    return [line.split()[:2] for line in out.splitlines() if line.split()[2:3] == ["Running"]]


def results_of(out, title):
    """Each host's results of a task title (the firewall task runs in the managers' and the agents' plays)."""
    merged = {}
    for task, results in task_results(out):
        if task == title:
            for host, statuses in results.items():
                merged.setdefault(host, []).extend(statuses)
    return merged


def wait_for(what, check, timeout=90):
    deadline = time.time() + timeout
    while not check():
        assert time.time() < deadline, "timed out waiting for " + what
        time.sleep(1)


def test_first_run_opens_exactly_the_manager_ports_and_leaves_a_host_without_firewalld_alone(lab):
    for host in (lab.n1, lab.n4):
        assert lab.run(host, "firewall-cmd --state && firewall-cmd --get-default-zone").stdout.split() == [
            "running", "public"]
        fields, permanent = firewall(lab, host)
        assert fields["ports"] == "" and permanent == [], (host, fields)
    _rc, out, recap = playbook(SITE, inventory(lab, "first", [lab.n2, lab.n3]))
    fields, permanent = firewall(lab, lab.n1)
    assert sorted(fields["ports"].split()) == MANAGER_PORTS and permanent == MANAGER_PORTS, fields
    print("node1 (manager) ports: %s" % fields["ports"])
    # Nothing else opened or taken away: firewalld's own defaults stay as they were.
    assert fields["services"] == "dhcpv6-client ssh" and fields["protocols"] == "" and fields["forward-ports"] == ""
    results = results_of(out, FIREWALL_TASK)
    assert results == {lab.n1: ["changed"], lab.n2: ["ok"], lab.n3: ["ok"]}, results
    nodes = nodes_by_name(lab)
    assert sorted(nodes) == sorted([lab.n1, lab.n2, lab.n3])
    assert all(n["Status"] == "Ready" for n in nodes.values()), nodes
    # A service with tasks on every node, node2 included.
    for host in (lab.n1, lab.n2, lab.n3, lab.n4):
        lab.run(host, SLEEPER)
    lab.run(lab.n1, "docker service create --detach --name %s --replicas 6 --stop-grace-period 1s "
                    "--no-resolve-image dcswarm-sleeper /usr/bin/sleep infinity >/dev/null" % SERVICE)
    wait_for("6 tasks running, one or more on node2", lambda: len(running_tasks(lab)) == 6
             and sum(1 for n, _t in running_tasks(lab) if n == lab.n2) >= 1)


def day_two(lab, name):
    return inventory(lab, name, [lab.n2, lab.n3, lab.n4], host_vars={lab.n2: "swarm_agent_state=absent"})


def test_check_mode_predicts_the_removal_rotation_and_join_and_changes_nothing(lab):
    token, tasks = worker_token(lab), sorted(running_tasks(lab))
    rc, out, recap = playbook(SITE, day_two(lab, "check"), "--check", "--diff", "-e", "swarm_rotate_tokens=worker",
                              check=False)
    assert rc == 0, out[-4000:]
    results = dict(task_results(out))
    assert results[DRAIN_TASK] == {lab.n2: ["changed"]}, results[DRAIN_TASK]
    assert "changed" in results[ROTATE_TASK][lab.n1]
    assert results_of(out, FIREWALL_TASK) == {lab.n1: ["ok"], lab.n3: ["ok"], lab.n4: ["changed"]}
    # The diff of node4's zone: the agent's ports, after.
    assert "public (permanent): %s" % " ".join(AGENT_PORTS) in out
    assert "dockercluster.swarm.swarm_agent : Leave the cluster" in changed_tasks(out, lab.n2)
    assert "dockercluster.swarm.swarm_agent : Report each agent about to join the cluster" in changed_tasks(out, lab.n4)
    assert recap[lab.n2]["changed"] >= 2 and recap[lab.n4]["changed"] >= 1
    # Nothing changed.
    assert worker_token(lab) == token and sorted(running_tasks(lab)) == tasks
    nodes = nodes_by_name(lab)
    assert sorted(nodes) == sorted([lab.n1, lab.n2, lab.n3]) and nodes[lab.n2]["Availability"] == "Active"
    fields, permanent = firewall(lab, lab.n4)
    assert fields["ports"] == "" and permanent == []
    assert "SWMTKN" not in out


def test_removal_drains_first_rotation_refuses_the_old_token_and_a_new_agent_joins(lab):
    old_token, n2_id = worker_token(lab), node_id(lab, lab.n2)
    on_n2 = [t for n, t in running_tasks(lab) if n == lab.n2]
    assert on_n2
    started = time.time()
    _rc, out, recap = playbook(SITE, day_two(lab, "day2"), "-e", "swarm_rotate_tokens=worker",
                               "-e", "swarm_join_from_manager=false")
    print("day-two run: %.0f s" % (time.time() - started))
    results = dict(task_results(out))
    assert results[DRAIN_TASK] == {lab.n2: ["changed"]}
    assert "SWMTKN" not in out
    titles = [t for t, r in task_results(out) if lab.n2 in r]
    assert titles.index(DRAIN_TASK) < titles.index("dockercluster.swarm.swarm_agent : Leave the cluster")
    # node2 drained first: its tasks run elsewhere (6 again, none on node2), it left and is gone from the list.
    assert len(running_tasks(lab)) == 6 and all(n != lab.n2 for n, _t in running_tasks(lab))
    assert lab.run(lab.n2, "docker info --format '{{.Swarm.LocalNodeState}}'").stdout.strip() == "inactive"
    listed = node_list(lab, lab.n1)
    assert n2_id not in [n["ID"] for n in listed] and lab.n2 not in [n["Hostname"] for n in listed], listed
    # Its tasks were shut down by the drain (desired state shutdown) before it left, not lost with it.
    history = lab.run(lab.n1, "docker service ps %s --no-trunc --format '{{.ID}} {{.DesiredState}}'" % SERVICE).stdout
    assert all("%s Shutdown" % t in history for t in on_n2), (on_n2, history)
    # Rotation: a new worker token; the old one is refused by the manager (node2, now out, tries it).
    assert worker_token(lab) != old_token
    refused = lab.run(lab.n2, "docker swarm join --token %s %s:2377" % (old_token, lab.ip(lab.n1)), check=False)
    assert refused.returncode != 0 and "join token" in refused.stdout, refused.stdout
    print("old worker token refused: %s" % refused.stdout.strip())
    # node4 joined in the same run, on its own (the rotated token published to it), behind firewalld.
    assert "dockercluster.swarm.swarm_agent : Join the cluster as a worker" in changed_tasks(out, lab.n4)
    nodes = nodes_by_name(lab)
    assert sorted(nodes) == sorted([lab.n1, lab.n3, lab.n4]), nodes
    assert nodes[lab.n4]["Status"] == "Ready" and nodes[lab.n4]["ManagerStatus"] == ""
    fields, permanent = firewall(lab, lab.n4)
    assert sorted(fields["ports"].split()) == AGENT_PORTS and permanent == AGENT_PORTS, fields
    assert fields["services"] == "dhcpv6-client ssh"
    print("node2's tasks %s moved; running now on %s; node4 ports: %s" % (
        len(on_n2), sorted(set(n for n, _t in running_tasks(lab))), fields["ports"]))


def test_a_rerun_changes_nothing_and_every_node_stays_ready(lab):
    _rc, out, recap = playbook(SITE, day_two(lab, "again"))
    assert {host: counts["changed"] for host, counts in recap.items()} == {
        host: 0 for host in ("localhost", lab.n1, lab.n2, lab.n3, lab.n4)}, (recap, out[-3000:])
    assert results_of(out, FIREWALL_TASK) == {lab.n1: ["ok"], lab.n3: ["ok"], lab.n4: ["ok"]}
    nodes = nodes_by_name(lab)
    assert sorted(nodes) == sorted([lab.n1, lab.n3, lab.n4])
    assert all(n["Status"] == "Ready" for n in nodes.values()), nodes
    for host, ports in ((lab.n1, MANAGER_PORTS), (lab.n4, AGENT_PORTS)):
        fields, permanent = firewall(lab, host)
        assert sorted(fields["ports"].split()) == ports and permanent == ports, (host, fields)


def test_a_removal_whose_tasks_do_not_move_in_time_fails_without_leaving(lab):
    """node3 runs a task that takes 60 s to stop (sleep as PID 1 ignores SIGTERM): with 5 s to move, the
    removal stops, node3 drained but still a Ready node of the cluster."""
    lab.run(lab.n1, "docker service create --detach --name slow --mode global --stop-grace-period 60s "
                    "--no-resolve-image dcswarm-sleeper /usr/bin/sleep infinity >/dev/null")
    wait_for("slow's task running on node3", lambda: [lab.n3, "Running"] in [line.split()[:2] for line in lab.run(
        lab.n1, "docker service ps slow --filter desired-state=running --format '{{.Node}} {{.CurrentState}}'"
    ).stdout.splitlines()])
    slow_task = lab.run(lab.n1, "docker service ps slow --filter node=%s --filter desired-state=running -q "
                                "--no-trunc" % lab.n3).stdout.split()
    assert len(slow_task) == 1, slow_task
    started = time.time()
    stuck = inventory(lab, "stuck", [lab.n3, lab.n4],
                      host_vars={lab.n3: "swarm_agent_state=absent swarm_agent_drain_timeout=5"})
    rc, out, recap = playbook(SITE, stuck, check=False)
    print("stuck removal: %.0f s" % (time.time() - started))
    assert rc != 0 and recap[lab.n3]["failed"] == 1 and recap[lab.n4]["failed"] == 0, recap
    message = [line for line in out.splitlines() if "is drained but has not left the swarm" in line]
    assert message and "did not all run elsewhere within 5 s: " in message[0], out[-3000:]
    assert "%s (running on this node)" % slow_task[0][:12] in message[0], message[0]
    print(message[0].strip()[:300])
    assert "dockercluster.swarm.swarm_agent : Leave the cluster" not in [t for t, r in task_results(out) if lab.n3 in r]
    nodes = nodes_by_name(lab)
    assert nodes[lab.n3]["Status"] == "Ready" and nodes[lab.n3]["Availability"] == "Drain", nodes[lab.n3]
    assert lab.run(lab.n3, "docker info --format '{{.Swarm.LocalNodeState}}'").stdout.strip() == "active"


def test_manager_token_rotation_refuses_the_old_token_and_a_new_manager_joins(lab):
    old_token = worker_token(lab, "manager")
    rc, out, recap = playbook(SITE, inventory(lab, "rotate", [lab.n3, lab.n4]), "-e", "swarm_rotate_tokens=manager",
                              check=False)
    assert rc == 0, out[-4000:]
    assert "changed" in dict(task_results(out))[ROTATE_TASK][lab.n1] and "SWMTKN" not in out
    assert worker_token(lab, "manager") != old_token
    refused = lab.run(lab.n2, "docker swarm join --token %s %s:2377" % (old_token, lab.ip(lab.n1)), check=False)
    assert refused.returncode != 0 and "join token" in refused.stdout, refused.stdout
    print("old manager token refused: %s" % refused.stdout.strip())
    managers = lab.write_inventory(str(lab.tmp / "managers"), [lab.n1, lab.n2], [lab.n3, lab.n4], insecure=False,
                                   extra_vars={"swarm_firewall": "firewalld", "swarm_allow_even_managers": "true"})
    # -v: every result is shown; the join's must not hold a token.
    rc, out, recap = playbook(SITE, managers, "-v", check=False)
    assert rc == 0, out[-4000:]
    assert "SWMTKN" not in out
    nodes = nodes_by_name(lab)
    assert nodes[lab.n2]["Status"] == "Ready" and nodes[lab.n2]["ManagerStatus"] == "Reachable", nodes[lab.n2]


def test_reset_closes_only_the_ports_the_cluster_opened(lab):
    managers = str(lab.tmp / "managers")
    lab.run(lab.n1, "firewall-cmd --zone=public --add-port=9999/tcp && "
                    "firewall-cmd --permanent --zone=public --add-port=9999/tcp")
    rc, out, _recap = playbook(RESET, managers, "--check", "--diff", check=False)
    assert rc == 0, out[-4000:]
    assert results_of(out, CLOSE_TASK) == {lab.n1: ["changed"], lab.n2: ["ok"], lab.n3: ["ok"], lab.n4: ["changed"]}
    assert firewall(lab, lab.n4)[1] == AGENT_PORTS and "public (permanent): \n" in out
    rc, out, recap = playbook(RESET, managers, check=False)
    assert rc == 0, [line for line in out.splitlines() if "fatal:" in line or "FAILED" in line] or out[-4000:]
    assert results_of(out, CLOSE_TASK) == {lab.n1: ["changed"], lab.n2: ["ok"], lab.n3: ["ok"], lab.n4: ["changed"]}
    for host, left in ((lab.n1, ["9999/tcp"]), (lab.n4, [])):
        fields, permanent = firewall(lab, host)
        assert sorted(fields["ports"].split()) == left and permanent == left, (host, fields)
        assert fields["services"] == "dhcpv6-client ssh", (host, fields)
        assert lab.run(host, "test -e %s" % RECORD, check=False).returncode == 1
    print("after reset: node1 ports %s, node4 ports none" % firewall(lab, lab.n1)[1])
    _rc, out, recap = playbook(RESET, managers)
    assert all(counts["changed"] == 0 for counts in recap.values()), recap


def test_a_stopped_firewalld_gets_the_ports_when_it_starts_and_loses_them_at_the_reset(lab):
    """firewalld installed but stopped (it starts at the next boot): its permanent configuration gets the ports,
    with a warning, so the node is not cut off when it starts; and the reset closes them the same way."""
    hosts = inventory(lab, "stopped", [lab.n2, lab.n3, lab.n4])
    lab.run(lab.n4, "systemctl stop firewalld")
    try:
        rc, out, recap = playbook(FIREWALL_ALONE, hosts, "--limit", lab.n4, check=False)
        assert rc == 0 and recap[lab.n4]["changed"] == 1, out[-4000:]
        assert "only its permanent configuration changed" in " ".join(out.split()), out[-4000:]  # a wrapped warning
        lab.run(lab.n4, "systemctl start firewalld")
        fields, permanent = firewall(lab, lab.n4)
        assert permanent == AGENT_PORTS and sorted(fields["ports"].split()) == AGENT_PORTS, fields
        lab.run(lab.n4, "systemctl stop firewalld")
        rc, out, recap = playbook(FIREWALL_ALONE, hosts, "--limit", lab.n4, "-e", "swarm_firewall_state=absent",
                                  check=False)
        assert rc == 0 and recap[lab.n4]["changed"] == 1, out[-4000:]
        lab.run(lab.n4, "systemctl start firewalld")
        fields, permanent = firewall(lab, lab.n4)
        assert permanent == [] and fields["ports"] == "", fields
        assert lab.run(lab.n4, "test -e %s" % RECORD, check=False).returncode == 1
    finally:
        lab.run(lab.n4, "systemctl start firewalld", check=False)
