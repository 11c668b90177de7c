"""The roles alone, in a user's own playbook (the README's example, "The roles in your own playbook",
run as it is written there), on groups of the user's names (dc1_managers, dc1_workers, named by swarm_manager_group / swarm_agent_group in the
inventory's [all:vars]), with the default mutual TLS. No site.yml, no swarm_managers group.

node1 manager (debian12), node2 el7-layout and node3 debian13 workers. The tests run in order on
one lab: build, the cluster, the engines' TLS, the re-run, then docker_listen alone on the cluster.
"""

import json
import os

import pytest

from labkit import Lab, copy_operator_certs, docker_tls, dockerd_pid, fatal_lines, node_list, playbook, task_results

README = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "README.md")
LISTEN_ALONE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "playbooks", "listen_alone.yml")
AGENT_ALONE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "playbooks", "agent_alone.yml")
MANAGER_ALONE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "playbooks", "manager_alone.yml")
INIT = "dockercluster.swarm.swarm_manager : Initialise the cluster on the first manager, and read its join tokens"
JOIN_ON_ITS_OWN = "dockercluster.swarm.swarm_agent : Join on its own, where the first manager did not"
AT_ONCE = "dockercluster.swarm.docker_listen : Apply it and restart docker, at once where no swarm is kept available"
IN_TURN = "dockercluster.swarm.docker_listen : Apply it and restart docker, on this host alone"
DRAIN = "dockercluster.swarm.docker_listen : Drain the node, and wait until its tasks run elsewhere"
BACK = ("dockercluster.swarm.docker_listen : Wait until the node is back (Ready; a manager Reachable), and give it "
        "back its availability")


def readme_example(path):
    """The README's example playbook (the first yaml block of "The roles in your own playbook"), written to
    ``path``."""
    with open(README) as handle:
        text = handle.read()
    section = text.split("## The roles in your own playbook", 1)[1]
    block = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    assert "dc1_managers" in block and "swarm_preflight" in block, block
    with open(path, "w") as handle:
        handle.write(block)
    return path


def listen_alone(lab, *extra):
    """docker_listen alone on the cluster: each task title's statuses per host (each host's turn is an
    include of its own, so a title comes once per host)."""
    pids = {host: dockerd_pid(lab, host) for host in lab.names()}
    rc, out, _recap = playbook(LISTEN_ALONE, lab.inv, *extra, check=False)
    assert rc == 0, out[-6000:]
    results = {}
    for title, by_host in task_results(out):
        for host, statuses in by_host.items():
            results.setdefault(title, {}).setdefault(host, []).extend(statuses)
    assert {host: dockerd_pid(lab, host) != pid for host, pid in pids.items()} == {h: True for h in lab.names()}
    # Every node Ready and Active again, at once: each member was waited for until back, and after a
    # manager's restart until it lists no node unknown (each re-registered).
    nodes = {n["Hostname"]: (n["Status"], n["Availability"]) for n in node_list(lab, lab.manager)}
    assert nodes == {host: ("Ready", "Active") for host in lab.names()}, nodes
    return results


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    lab = Lab("ralone", 3, kinds=["debian12", "el7-layout", "debian13"], insecure=False)
    lab.tmp = tmp_path_factory.mktemp("ralone")
    lab.pki = str(lab.tmp / "docker-pki")  # docker_pki_dir's default: next to the inventory
    h = lab.names()
    lab.manager, lab.workers = h[0], h[1:]
    lab.example = readme_example(str(lab.tmp / "readme_example.yml"))
    lab.inv = lab.write_group_inventory(
        str(lab.tmp / "hosts"), [("dc1_managers", [lab.manager]), ("dc1_workers", lab.workers)],
        all_vars={"swarm_manager_group": "dc1_managers", "swarm_agent_group": "dc1_workers"})
    yield lab
    lab.down()


def test_the_roles_alone_build_the_cluster(lab):
    with open(lab.inv) as f:
        text = f.read()
    assert "swarm_managers" not in text and "swarm_agents" not in text and "swarm_insecure_tcp" not in text
    rc, out, recap = playbook(lab.example, lab.inv, check=False)
    assert rc == 0, out[-6000:]
    assert set(recap) == {"localhost"} | set(lab.names()), recap
    assert all(c["failed"] == 0 and c["unreachable"] == 0 for c in recap.values()), recap
    assert fatal_lines(out) == [], fatal_lines(out)
    assert all(recap[host]["changed"] > 0 for host in lab.names()), recap
    assert os.path.isfile(os.path.join(lab.pki, "ca.pem")), "no CA in docker_pki_dir's default place"


def test_every_node_is_ready(lab):
    nodes = {n["Hostname"]: (n["Status"], n["ManagerStatus"] or "worker") for n in node_list(lab, lab.manager)}
    assert nodes == {lab.manager: ("Ready", "Leader"), lab.workers[0]: ("Ready", "worker"),
                     lab.workers[1]: ("Ready", "worker")}, nodes
    for worker in lab.workers:
        state = lab.run(worker, "docker info --format '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}'")
        assert state.stdout.split() == ["active", "false"], state.stdout


def test_each_engine_answers_on_2375_with_the_client_certificate(lab):
    via = lab.workers[0]  # the operator's workstation
    copy_operator_certs(lab, via, lab.pki)
    for target in lab.names():
        res = docker_tls(lab, via, "-H tcp://%s:2375 info --format '{{json .Name}}'" % lab.ip(target))
        assert res.returncode == 0, (target, res.stdout)
        assert json.loads(res.stdout.strip()) == target


def test_without_a_client_certificate_each_engine_refuses(lab):
    via = lab.workers[0]
    for target in lab.names():
        res = docker_tls(lab, via, "-H tcp://%s:2375 version" % lab.ip(target), client_cert=False)
        assert res.returncode != 0 and "Server:" not in res.stdout, (target, res.stdout)
        assert "certificate" in res.stdout.lower() or "tls" in res.stdout.lower(), (target, res.stdout)
        plain = lab.run(via, "docker -H tcp://%s:2375 version" % lab.ip(target), check=False)
        assert plain.returncode != 0 and "Server:" not in plain.stdout, (target, plain.stdout)


def test_the_manager_of_dc1_managers_has_the_cluster_endpoint(lab):
    """The manager of dc1_managers lists the cluster on its 2376 (mutual TLS); a worker's 2376 (every
    engine listens there in Swarm mode) answers as a worker."""
    via = lab.workers[0]
    res = docker_tls(lab, via, "-H tcp://%s:2376 node ls --format '{{.Hostname}}'" % lab.ip(lab.manager))
    assert res.returncode == 0, res.stdout
    assert sorted(res.stdout.split()) == sorted(lab.names())
    res = docker_tls(lab, via, "-H tcp://%s:2376 version" % lab.ip(lab.manager), client_cert=False)
    assert res.returncode != 0 and "Server:" not in res.stdout, res.stdout
    for worker in lab.workers:
        res = docker_tls(lab, via, "-H tcp://%s:2376 info --format '{{.Swarm.ControlAvailable}}'" % lab.ip(worker))
        assert (res.returncode, res.stdout.strip()) == (0, "false"), (worker, res.stdout)


def test_a_second_run_changes_nothing(lab):
    pids = {host: dockerd_pid(lab, host) for host in lab.names()}
    rc, out, recap = playbook(lab.example, lab.inv, check=False)
    assert rc == 0, out[-6000:]
    assert {host: c["changed"] for host, c in recap.items()} == \
        {host: 0 for host in ["localhost"] + lab.names()}, recap
    assert fatal_lines(out) == [], fatal_lines(out)
    assert {host: dockerd_pid(lab, host) for host in lab.names()} == pids


def test_swarm_agent_alone_leaves_the_agents_in_place(lab):
    """swarm_agent alone on the formed cluster (no read before it, the managers' role not in the run): it
    reads the manager itself, so each agent in place is left alone, and --check --diff predicts no join."""
    nodes = node_list(lab, lab.manager)
    for extra in (["--check", "--diff"], []):
        rc, out, recap = playbook(AGENT_ALONE, lab.inv, *extra, check=False)
        assert rc == 0, out[-6000:]
        assert {host: c["changed"] for host, c in recap.items()} == {host: 0 for host in lab.workers}, (extra, recap)
        assert fatal_lines(out) == [], fatal_lines(out)
        assert dict(task_results(out))[JOIN_ON_ITS_OWN] == {host: ["skipping"] for host in lab.workers}, extra
    assert node_list(lab, lab.manager) == nodes


def test_swarm_manager_alone_reads_the_managers_first(lab):
    """swarm_manager alone on the formed cluster (no read before it): it reads the managers as site.yml's
    prepare play does, so it finds the cluster it keeps (not asking to create one: a rebuilt first manager
    would have made a second cluster), and changes nothing."""
    nodes = node_list(lab, lab.manager)
    rc, out, recap = playbook(MANAGER_ALONE, lab.inv, check=False)
    assert rc == 0, out[-6000:]
    assert {host: c["changed"] for host, c in recap.items()} == {lab.manager: 0}, recap
    assert fatal_lines(out) == [], fatal_lines(out)
    assert dict(task_results(out))[INIT] == {lab.manager: ["skipping"]}
    assert node_list(lab, lab.manager) == nodes


def test_a_node_an_interrupted_restart_left_drained_is_given_back_its_availability(lab):
    """A run interrupted between a member's drain and its return (docker_listen's rolling restart) leaves the
    node drained, with the label that notes its availability before. The next run gives that back (it found
    nothing else to change there), and the run after changes nothing."""
    worker = lab.workers[0]
    lab.run(lab.manager, "docker node update --availability drain --label-add "
                         "dockercluster.swarm.availability-before=active %s >/dev/null" % worker)
    rc, out, recap = playbook(lab.example, lab.inv, check=False)
    assert rc == 0, out[-6000:]
    assert fatal_lines(out) == [], fatal_lines(out)
    spec = json.loads(lab.run(lab.manager, "docker node inspect --format '{{json .Spec}}' %s" % worker).stdout)
    assert spec["Availability"] == "active" and "dockercluster.swarm.availability-before" not in spec.get("Labels", {})
    assert sum(c["changed"] for c in recap.values()) > 0, recap
    rc, out, recap = playbook(lab.example, lab.inv, check=False)
    assert rc == 0 and {host: c["changed"] for host, c in recap.items()} == \
        {host: 0 for host in ["localhost"] + lab.names()}, recap


def test_docker_listen_alone_restarts_the_members_in_turn(lab):
    """The docker_listen role alone in a user's playbook, on the running cluster, with a listener added:
    it reads each host itself, so each member restarts alone (drained, back Ready and Active), not all at
    once. Then the listener taken away with docker_listen_drain false: in turn again, each waited for
    until back, none drained."""
    results = listen_alone(lab, "-e", '{"docker_listen_extra_addresses": ["tcp://127.0.0.1:2399"]}')
    assert results[AT_ONCE] == {host: ["skipping"] for host in lab.names()}, results[AT_ONCE]
    assert results[IN_TURN] == {host: ["changed"] for host in lab.names()}, results[IN_TURN]
    assert results[DRAIN] == {host: ["changed"] for host in lab.names()}, results[DRAIN]
    assert results[BACK] == {host: ["changed"] for host in lab.names()}, results[BACK]
    for host in lab.names():
        lab.run(host, "python3 -c 'import socket; socket.create_connection((\"127.0.0.1\", 2399), 5)'")
    results = listen_alone(lab, "-e", "docker_listen_drain=false")
    assert results[AT_ONCE] == {host: ["skipping"] for host in lab.names()}, results[AT_ONCE]
    assert results[IN_TURN] == {host: ["changed"] for host in lab.names()}, results[IN_TURN]
    assert results[DRAIN] == {host: ["skipping"] for host in lab.names()}, results[DRAIN]
    assert results[BACK] == {host: ["ok"] for host in lab.names()}, results[BACK]
    for host in lab.names():
        gone = lab.run(host, "python3 -c 'import socket; socket.create_connection((\"127.0.0.1\", 2399), 5)'",
                       check=False)
        assert gone.returncode != 0, host
