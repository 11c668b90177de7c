"""Day two on a formed cluster (default mutual TLS), through site.yml and the inventory: node labels,
availability (drained managers), role changes in place, down to one manager.

node1, node2 managers (swarm_allow_even_managers: the role changes pass through even counts),
node3 (debian13) and node4 agents. The tests run in order, on one lab.
"""

import json
import os
import subprocess

import pytest

from labkit import ROOT, Lab, dockerd_pid, playbook

SITE = os.path.join(ROOT, "site.yml")
ZONED = "zoned"
SPREAD = "spread"
# The sleeper image, made in each node from its own files (as in test_rolling_restart.py).
SLEEPER = ("tar -h -C / -c usr/bin/sleep usr/lib/x86_64-linux-gnu/libc.so.6 lib64/ld-linux-x86-64.so.2 "
           "2>/dev/null | docker import - dcswarm-sleeper >/dev/null")
LABELS = {"node3": {"zone": "a", "ssd": "true"}, "node4": {"zone": "b", "old": "x"}}


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    lab = Lab("daytwo", 4, managers=2, kinds=["debian12", "debian12", "debian13", "debian12"], insecure=False)
    lab.tmp = tmp_path_factory.mktemp("daytwo")
    yield lab
    lab.down()


def short(lab, host):
    return host.rsplit("-", 1)[-1]


def inventory(lab, managers, agents, labels=None, name="hosts", extra=None, host_extra=None):
    """Managers and agents by short name (node1...); ``labels``: short name -> swarm_node_labels."""
    h = {short(lab, host): host for host in lab.names()}
    host_vars = {}
    for node, value in (labels or {}).items():
        host_vars[h[node]] = 'swarm_node_labels="%r"' % (value,)
    for node, value in (host_extra or {}).items():
        host_vars[h[node]] = (host_vars.get(h[node], "") + " " + value).strip()
    return lab.write_inventory(str(lab.tmp / name), [h[m] for m in managers], [h[a] for a in agents],
                               extra_vars=dict({"swarm_allow_even_managers": "true"}, **(extra or {})),
                               host_vars=host_vars, insecure=False)


def node(lab, host):
    """The node as the first manager inspects it."""
    first = lab.names()[0]
    return json.loads(lab.run(first, "docker node inspect %s" % host).stdout)[0]


def labels(lab, host):
    return node(lab, host)["Spec"].get("Labels") or {}


def roles(lab):
    return {short(lab, host): node(lab, host)["Spec"]["Role"] for host in lab.names()}


def running_tasks(lab, service):
    """{task ID: node host name} of the service's running tasks."""
    out = lab.run(lab.names()[0], "docker service ps %s --filter desired-state=running "
                                  "--format '{{.ID}} {{.Node}} {{.CurrentState}}'" % service).stdout
    return dict(line.split()[:2] for line in out.splitlines() if " Running " in " %s " % line)


def wait_tasks(lab, service, count):
    for _ in range(90):
        tasks = running_tasks(lab, service)
        if len(tasks) == count:
            return tasks
        subprocess.run(["sleep", "1"], check=True)
    raise AssertionError(lab.run(lab.names()[0], "docker service ps %s" % service).stdout)


def containers(lab, host):
    """The node's running containers: ID and start time, as its own engine shows them."""
    return lab.run(host, "docker ps -q --no-trunc | xargs -r docker inspect -f '{{.Id}} {{.State.StartedAt}}'").stdout


def changed(recap):
    return {host: counts["changed"] for host, counts in recap.items()}


def test_labels_are_set_when_the_cluster_forms(lab):
    h = lab.names()
    rc, out, recap = playbook(SITE, inventory(lab, ["node1", "node2"], ["node3", "node4"], LABELS), check=False)
    assert rc == 0, out[-6000:]
    assert labels(lab, h[2]) == LABELS["node3"] and labels(lab, h[3]) == LABELS["node4"]
    assert labels(lab, h[0]) == {} and labels(lab, h[1]) == {}
    for host in h:
        lab.run(host, SLEEPER)


def test_a_rerun_keeps_constrained_tasks_and_hand_set_labels(lab):
    h = lab.names()
    lab.run(h[0], "docker node update --label-add handmade=yes %s" % h[2])
    lab.run(h[0], "docker service create --detach --name %s --replicas 2 --constraint node.labels.zone==a "
                  "--stop-grace-period 1s --no-resolve-image dcswarm-sleeper /usr/bin/sleep infinity" % ZONED)
    before = wait_tasks(lab, ZONED, 2)
    assert set(before.values()) == {h[2]}, before
    rc, out, recap = playbook(SITE, inventory(lab, ["node1", "node2"], ["node3", "node4"], LABELS), check=False)
    assert rc == 0, out[-6000:]
    assert changed(recap) == {host: 0 for host in ["localhost"] + h}, recap
    assert "Update the nodes that differ" in out  # the step ran, and found nothing to change
    assert running_tasks(lab, ZONED) == before
    assert labels(lab, h[2]) == dict(LABELS["node3"], handmade="yes")


def test_labels_changed_and_removed_check_mode_first(lab):
    h = lab.names()
    lab.run(h[0], "docker node update --label-add handmade=yes %s" % h[3])
    new = {"node3": {"zone": "a", "ssd": None}, "node4": {"zone": "c"}}
    hosts = inventory(lab, ["node1", "node2"], ["node3", "node4"], new, name="hosts-labels",
                      host_extra={"node4": "swarm_node_labels_exclusive=true"})
    rc, out, recap = playbook(SITE, hosts, "--check", check=False)
    assert rc == 0, out[-6000:]
    assert "label ssd removed" in out and "label zone: 'b' -> 'c'" in out and "label old removed" in out, out[-4000:]
    # check mode: nothing changed, on either node
    assert labels(lab, h[2]) == dict(LABELS["node3"], handmade="yes")
    assert labels(lab, h[3]) == dict(LABELS["node4"], handmade="yes")
    rc, out, recap = playbook(SITE, hosts, check=False)
    assert rc == 0, out[-6000:]
    # node3: ssd removed (null), the hand-set label kept; node4 (exclusive): zone changed, the rest removed.
    assert labels(lab, h[2]) == {"zone": "a", "handmade": "yes"}
    assert labels(lab, h[3]) == {"zone": "c"}
    assert len(running_tasks(lab, ZONED)) == 2


def test_drained_managers_get_no_task_and_come_back_active(lab):
    h = lab.names()
    rc, out, recap = playbook(SITE, inventory(lab, ["node1", "node2"], ["node3", "node4"], name="hosts-drain",
                                              extra={"swarm_manager_availability": "drain"}), check=False)
    assert rc == 0, out[-6000:]
    assert [node(lab, host)["Spec"]["Availability"] for host in h] == ["drain", "drain", "active", "active"]
    lab.run(h[0], "docker service create --detach --name %s --replicas 6 --stop-grace-period 1s "
                  "--no-resolve-image dcswarm-sleeper /usr/bin/sleep infinity" % SPREAD)
    placed = wait_tasks(lab, SPREAD, 6)
    assert set(placed.values()) <= {h[2], h[3]}, placed
    lab.run(h[0], "docker service rm %s" % SPREAD)
    rc, out, recap = playbook(SITE, inventory(lab, ["node1", "node2"], ["node3", "node4"], name="hosts-active",
                                              extra={"swarm_manager_availability": "active"}), check=False)
    assert rc == 0, out[-6000:]
    assert [node(lab, host)["Spec"]["Availability"] for host in h] == ["active"] * 4


def client_files(lab, host):
    return lab.run(host, "cd /etc/docker/certs && ls client-* 2>/dev/null; true").stdout.strip()


def test_an_agent_is_promoted_and_demoted_in_place(lab):
    h = lab.names()
    node_id = node(lab, h[2])["ID"]
    running = containers(lab, h[2])
    tasks = running_tasks(lab, ZONED)
    assert running.count("\n") == 2, running
    pid = dockerd_pid(lab, h[2])
    # The collection's defaults: node3's engine already listens on the cluster endpoint (2376).
    rc, out, recap = playbook(SITE, inventory(lab, ["node1", "node2", "node3"], ["node4"], name="hosts-promote"),
                              check=False)
    assert rc == 0, out[-6000:]
    assert "promoted (worker -> manager)" in out
    assert roles(lab) == {"node1": "manager", "node2": "manager", "node3": "manager", "node4": "worker"}
    assert node(lab, h[2])["ID"] == node_id and containers(lab, h[2]) == running
    assert dockerd_pid(lab, h[2]) == pid  # no engine restart
    assert node(lab, h[2])["ManagerStatus"]["Reachability"] == "reachable"
    assert client_files(lab, h[2]) == "client-cert.pem\nclient-key.pem"  # the managers' client certificate
    rc, out, recap = playbook(SITE, inventory(lab, ["node1", "node2"], ["node3", "node4"], name="hosts-demote"),
                              check=False)
    assert rc == 0, out[-6000:]
    assert "demoted (manager -> worker)" in out
    assert roles(lab) == {"node1": "manager", "node2": "manager", "node3": "worker", "node4": "worker"}
    assert node(lab, h[2])["ID"] == node_id and containers(lab, h[2]) == running
    assert dockerd_pid(lab, h[2]) == pid
    assert running_tasks(lab, ZONED) == tasks
    assert client_files(lab, h[2]) == ""  # a worker keeps no key that every engine trusts
    rc, out, recap = playbook(SITE, inventory(lab, ["node1", "node2"], ["node3", "node4"], name="hosts-demote"),
                              check=False)
    assert rc == 0, out[-6000:]
    assert changed(recap) == {host: 0 for host in ["localhost"] + h}, recap


def test_one_of_two_managers_is_demoted_as_docker_allows_and_promoted_back(lab):
    """Docker's quorum rule: the manager that remains is a majority of itself (what it refuses, the managers that
    remain without a reachable majority, is unit-tested in test_swarm_nodes.py)."""
    h = lab.names()
    ids = {host: node(lab, host)["ID"] for host in h}
    tasks = running_tasks(lab, ZONED)
    rc, out, recap = playbook(SITE, inventory(lab, ["node1"], ["node2", "node3", "node4"], name="hosts-one-manager"),
                              check=False)
    assert rc == 0, out[-6000:]
    assert "%s: demoted (manager -> worker)" % h[1] in out, out[-4000:]
    assert roles(lab) == {"node1": "manager", "node2": "worker", "node3": "worker", "node4": "worker"}
    assert {host: node(lab, host)["ID"] for host in h} == ids and running_tasks(lab, ZONED) == tasks
    rc, out, recap = playbook(SITE, inventory(lab, ["node1", "node2"], ["node3", "node4"], name="hosts-demote"),
                              check=False)
    assert rc == 0, out[-6000:]
    assert roles(lab) == {"node1": "manager", "node2": "manager", "node3": "worker", "node4": "worker"}
    assert {host: node(lab, host)["ID"] for host in h} == ids


def test_bad_node_settings_are_refused_before_any_change(lab):
    h = lab.names()
    before = {host: node(lab, host)["Spec"] for host in h}
    rc, out, recap = playbook(SITE, inventory(lab, ["node1", "node2"], ["node3", "node4"], name="hosts-bad",
                                              host_extra={"node4": "swarm_node_availability=sleep"}), check=False)
    assert rc != 0
    assert "Node settings: %s: swarm_node_availability must be one of active, pause, drain" % h[3] in out, out[-3000:]
    assert set(recap) == {"localhost"}, recap  # the inventory check, on the controller: no host was touched
    assert {host: node(lab, host)["Spec"] for host in h} == before


def test_an_advertise_address_other_than_the_one_a_node_joined_with_is_named(lab):
    """A node keeps the address it joined with: the run says so, and how to move it, and leaves it in place."""
    h = lab.names()
    before = node(lab, h[3])
    rc, out, _recap = playbook(SITE, inventory(lab, ["node1", "node2"], ["node3", "node4"], name="hosts-moved",
                                               host_extra={"node4": "swarm_agent_advertise_addr=10.99.0.4"}),
                               check=False)
    assert rc == 0, out[-6000:]
    assert "%s is a node of the cluster at %s, not at 10.99.0.4 (swarm_agent_advertise_addr)" % (
        h[3], before["Status"]["Addr"]) in out, out[-4000:]
    after = node(lab, h[3])
    assert (after["ID"], after["Status"]["Addr"]) == (before["ID"], before["Status"]["Addr"])
