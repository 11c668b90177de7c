"""The cluster's identity is not the first inventory host (issue 23, item 1), default mutual TLS.

node1, node2, node3 managers (debian12, debian13, el7-layout), node4 agent (debian12): the cluster
site.yml forms, with a 2-replica service kept off node1. node1's machine is then rebuilt (a fresh
node, same name): site.yml makes it rejoin the same cluster as a manager, through another manager,
and removes the entry its old install left; the cluster ID is unchanged and the service keeps its tasks. Before, the first manager's read alone
decided: the rebuilt node1 initialised a second cluster and the others were refused ("already in
another swarm ... set swarm_manager_force: true"). Then node1 stopped: a run limited to a new agent
(node5) joins it through another manager and says which. Last, a manager in a second cluster: the
run refuses before any change and names both, without advising force. The tests run in order.
"""

import os
import subprocess
import time

import pytest

from labkit import LAB, ROOT, fatal_lines, node_list, playbook, sh, task_output, tls_lab, unchanged

SITE = os.path.join(ROOT, "site.yml")
ENGINES_THEN_MANAGER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "playbooks", "engines_then_manager.yml")
SERVICE = "keep"


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    lab = tls_lab("rident", ["debian12", "debian13", "el7-layout", "debian12", "debian12"], tmp_path_factory)
    yield lab
    lab.down()


def inventory(lab, agents, name="hosts"):
    h = lab.names()
    return lab.write_inventory(str(lab.tmp / name), h[:3], agents, insecure=False)


def swarm(lab, host, field):
    return lab.run(host, "docker info --format '{{.Swarm.%s}}'" % field).stdout.strip()


def running_tasks(lab, via):
    out = lab.run(via, "docker service ps %s --filter desired-state=running --format '{{.ID}} {{.Node}} "
                       "{{.CurrentState}}'" % SERVICE).stdout
    return sorted(line.split()[0] + " " + line.split()[1] for line in out.splitlines()
                  if line.strip() and " Running " in " %s " % line)


def test_site_forms_a_three_manager_cluster_with_a_service(lab):
    h = lab.names()
    rc, out, recap = playbook(SITE, inventory(lab, h[3:4]), check=False)
    assert rc == 0, out[-6000:]
    lab.cluster_id = swarm(lab, h[0], "Cluster.ID")
    assert lab.cluster_id and all(swarm(lab, m, "Cluster.ID") == lab.cluster_id for m in h[:3])
    sh(["python3", LAB, "load", "dcswarm-stub:swarm", "--name", lab.name])
    lab.run(h[1], "docker service create -d --name %s --replicas 2 --constraint node.hostname!=%s "
                  "dcswarm-stub:swarm sleep infinity" % (SERVICE, h[0]))
    for _ in range(60):
        lab.tasks = running_tasks(lab, h[1])
        if len(lab.tasks) == 2:
            break
        subprocess.run(["sleep", "1"], check=True)
    assert len(lab.tasks) == 2, lab.run(h[1], "docker service ps %s" % SERVICE).stdout


def test_a_rebuilt_first_manager_rejoins_the_same_cluster(lab):
    h = lab.names()
    sh(["python3", LAB, "rebuild", h[0], "--name", lab.name])
    assert swarm(lab, h[0], "LocalNodeState") == "inactive"
    # Right away, as a user would: node1 may have been the leader, and the read waits for the other two to
    # elect one (docker_host_info's leader_wait) instead of refusing every host as a swarm with no leader.
    rc, out, recap = playbook(SITE, inventory(lab, h[3:4]), check=False)
    assert rc == 0, out[-6000:]
    assert fatal_lines(out) == [], fatal_lines(out)
    assert "through %s, not the first manager, %s, which is not a manager of it (it joins it)" % (h[1], h[0]) in out
    assert "already in another swarm" not in out
    # node1 is a manager of the same cluster; every manager shows the same cluster ID.
    assert swarm(lab, h[0], "ControlAvailable") == "true"
    assert all(swarm(lab, m, "Cluster.ID") == lab.cluster_id for m in h[:3])
    nodes = [(n["Hostname"], n["Status"], n["ManagerStatus"]) for n in node_list(lab, h[1])]
    assert (h[0], "Ready", "Reachable") in nodes or (h[0], "Ready", "Leader") in nodes, nodes
    assert {(n, s) for n, s, _m in nodes if s == "Ready"} == {(host, "Ready") for host in h[:4]}, nodes
    # The service on the other nodes kept its two tasks.
    assert running_tasks(lab, h[1]) == lab.tasks
    # The old machine's entry (a manager, not Ready) is gone: demoted, then removed; 3 Raft members, all up.
    assert [(n, s) for n, s, _m in nodes if n == h[0]] == [(h[0], "Ready")], nodes
    assert "the entry of its earlier install (" in out and ", manager, " in out and ") demoted and removed" in out
    assert sorted(m for _n, _s, m in nodes if m) == ["Leader", "Reachable", "Reachable"], nodes


def test_a_rerun_after_the_rebuild_changes_nothing(lab):
    h = lab.names()
    rc, out, recap = playbook(SITE, inventory(lab, h[3:4]), check=False)
    assert rc == 0, out[-6000:]
    assert unchanged(recap, ["localhost"] + h[:4]), recap


def test_the_roles_alone_after_docker_listen_rejoin_a_rebuilt_first_manager_too(lab):
    """docker_pki, docker_listen, swarm_manager in a playbook of the user's: docker_listen's read of the hosts
    did not stand for a read of the cluster (the rebuilt node1 made a cluster of its own, the others were
    refused)."""
    h = lab.names()
    sh(["python3", LAB, "rebuild", h[0], "--name", lab.name])
    rc, out, _recap = playbook(ENGINES_THEN_MANAGER, inventory(lab, h[3:4]), check=False)
    assert rc == 0, out[-6000:]
    assert "already in another swarm" not in out
    assert swarm(lab, h[0], "ControlAvailable") == "true"
    assert all(swarm(lab, m, "Cluster.ID") == lab.cluster_id for m in h[:3])
    # site.yml removes the entry the old install left (the verify's nodes step) once the cluster lists it down
    # (the old and the new node1 share its address); then as before the rebuild.
    deadline = time.time() + 120
    while not [n for n in node_list(lab, h[1]) if n["Hostname"] == h[0] and n["Status"] != "Ready"]:
        assert time.time() < deadline, node_list(lab, h[1])
        time.sleep(2)
    rc, out, recap = playbook(SITE, inventory(lab, h[3:4]), check=False)
    assert rc == 0, out[-6000:]
    nodes = [(n["Hostname"], n["Status"], n["ManagerStatus"]) for n in node_list(lab, h[1])]
    assert sorted(m for _n, _s, m in nodes if m) == ["Leader", "Reachable", "Reachable"], nodes
    assert running_tasks(lab, h[1]) == lab.tasks


def test_first_manager_stopped_a_limited_run_adds_an_agent_through_another_manager(lab):
    h = lab.names()
    # With the rebuilt node1's old entry still a manager, node1 stopped would leave 2 of 4, no leader.
    subprocess.run(["docker", "stop", "-t", "5", h[0]], check=True, stdout=subprocess.DEVNULL)
    try:
        rc, out, recap = playbook(SITE, inventory(lab, h[3:5], "hosts5"), "--limit", h[4], check=False)
        assert rc == 0, out[-6000:]
        assert recap[h[4]]["failed"] == 0 and recap[h[4]]["changed"] > 0, recap
        assert "through %s, not the first manager, %s, which could not be read" % (h[1], h[0]) in out, out[-6000:]
        joins = task_output(out, "swarm_agent : Join the new agents from the first manager, all at once, through their engines")
        assert "[%s -> %s]" % (h[4], h[1]) in joins, joins  # told by node2, through node5's engine
        nodes = {n["Hostname"]: n["Status"] for n in node_list(lab, h[1]) if n["Status"] == "Ready"}
        assert h[4] in nodes, nodes
        assert swarm(lab, h[1], "Cluster.ID") == lab.cluster_id
    finally:
        subprocess.run(["docker", "start", h[0]], check=True, stdout=subprocess.DEVNULL)
    # The next test needs cluster A whole again: its first manager back in the Raft quorum (Reachable
    # as node2's manager list says), not only naming the cluster: the next test takes node3 out of it,
    # and with node1 still catching up node2 alone would be left without a leader.
    deadline, back = time.time() + 120, False
    while not back and time.time() < deadline:
        managers = lab.run(h[1], "docker node ls --filter role=manager --format '{{.Hostname}} {{.ManagerStatus}}'",
                           check=False).stdout.split("\n")
        back = any(line.split()[:2] in ([h[0], "Reachable"], [h[0], "Leader"]) for line in managers if line.strip())
        time.sleep(0 if back else 2)
    assert back, managers
    assert swarm(lab, h[0], "Cluster.ID") == lab.cluster_id and swarm(lab, h[0], "ControlAvailable") == "true"


def test_managers_in_two_clusters_are_refused_naming_both(lab):
    """node3 leaves and makes a cluster of its own: the inventory's managers are now in two."""
    h = lab.names()
    lab.run(h[2], "docker swarm leave --force >/dev/null && docker swarm init --advertise-addr %s >/dev/null"
            % lab.ip(h[2]))
    other = swarm(lab, h[2], "Cluster.ID")
    assert other and other != lab.cluster_id
    # node3 may have been cluster A's leader: node1 and node2 elect another (Raft's election timeout,
    # about 10 s) before their engines name the cluster again. Until then the run refuses them for that.
    def led():  # without a leader the engine has no cluster to show (the template fails)
        return all(lab.run(m, "docker info --format '{{.Swarm.Cluster.ID}}'", check=False).stdout.strip()
                   == lab.cluster_id for m in h[:2])
    deadline = time.time() + 90
    while not led() and time.time() < deadline:
        time.sleep(2)
    assert led(), lab.run(h[1], "docker node ls", check=False).stdout
    rc, out, recap = playbook(SITE, inventory(lab, h[3:5], "hosts5"), check=False)
    assert rc != 0
    assert all(c["changed"] == 0 for c in recap.values()), recap
    refusal = [line for line in out.splitlines() if "different swarms" in line]
    assert refusal, out[-6000:]
    assert all(lab.cluster_id in line and other in line and "force" not in line for line in refusal), refusal
    assert "Nothing was changed" in refusal[0]
    assert swarm(lab, h[2], "Cluster.ID") == other and swarm(lab, h[1], "Cluster.ID") == lab.cluster_id
