"""site.yml --limit on a formed cluster (default mutual TLS), and docker_listen_extra_addresses.

node1 manager (debian12), node2 el7-layout and node3 debian13 agents: the cluster site.yml forms;
node3 also listens on 12375 (docker_listen_extra_addresses in the inventory). node4 (debian12)
is added to swarm_agents later and joined with `--limit` on it alone; node5 (debian13) too, joining
on its own (swarm_join_from_manager=false): the agent role then reads the join token and the
managers' addresses from the first manager itself. Last, the manager's swarm is made anew while
the agents run: a run brings every agent into it again. The tests run in order.
"""

import json
import os
import re

import pytest

from labkit import ROOT, copy_operator_certs, docker_tls, dockerd_pid, fatal_lines, node_list, playbook, task_results, tls_lab

SITE = os.path.join(ROOT, "site.yml")
CERTS = "/etc/docker/certs"
EXTRA = "docker_listen_extra_addresses='[\"tcp://0.0.0.0:12375\"]'"


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    lab = tls_lab("rlimit", ["debian12", "el7-layout", "debian13", "debian12", "debian13"], tmp_path_factory)
    yield lab
    lab.down()


def hosts(lab):
    return lab.names()


def inventory(lab, agents, name="hosts"):
    h = hosts(lab)
    return lab.write_inventory(str(lab.tmp / name), h[:1], agents, host_vars={h[2]: EXTRA}, insecure=False)


def nodes(lab):
    return {n["Hostname"]: (n["Status"], n["ManagerStatus"] or "worker") for n in node_list(lab, hosts(lab)[0])}


def pids(lab, which):
    return {host: dockerd_pid(lab, host) for host in which}


def tls_files(lab, host):
    return lab.run(host, "cd %s && stat -c '%%n %%a %%Y' * && sha256sum *" % CERTS).stdout


def changed_lines_for(out, host):
    """Result lines that report a change for ``host`` (also delegated ones: `changed: [host -> x]`)."""
    return [line for line in out.splitlines() if re.match(r"^changed: \[%s[\]\s]" % re.escape(host), line)]


def test_site_forms_the_cluster(lab):
    h = hosts(lab)
    rc, out, recap = playbook(SITE, inventory(lab, h[1:3]), check=False)
    assert rc == 0, out[-6000:]
    assert all(c["failed"] == 0 and c["unreachable"] == 0 for c in recap.values()), recap
    assert nodes(lab) == {h[0]: ("Ready", "Leader"), h[1]: ("Ready", "worker"), h[2]: ("Ready", "worker")}
    copy_operator_certs(lab, h[1], lab.pki)


def test_an_extra_listen_address_for_one_host_is_honoured(lab):
    h = hosts(lab)
    via = h[1]
    res = docker_tls(lab, via, "-H tcp://%s:12375 info --format '{{json .Name}}'" % lab.ip(h[2]))
    assert res.returncode == 0, res.stdout
    assert json.loads(res.stdout.strip()) == h[2]
    # With mutual TLS there too: no client certificate, no answer.
    res = docker_tls(lab, via, "-H tcp://%s:12375 version" % lab.ip(h[2]), client_cert=False)
    assert res.returncode != 0 and "Server:" not in res.stdout, res.stdout
    # For that host only, and as well as 2375.
    assert docker_tls(lab, via, "-H tcp://%s:2375 version" % lab.ip(h[2])).returncode == 0
    for host in (h[0], h[1]):
        assert ":12375 " not in lab.run(host, "ss -ltnH").stdout, host


def test_limit_to_a_new_agent_joins_it_and_changes_nothing_else(lab):
    h = hosts(lab)
    members, new = h[:3], h[3]
    before_pids = pids(lab, members)
    before_files = {host: tls_files(lab, host) for host in members}
    assert lab.run(new, "docker info --format '{{.Swarm.LocalNodeState}}'").stdout.strip() == "inactive"
    rc, out, recap = playbook(SITE, inventory(lab, h[1:4], "hosts4"), "--limit", new, check=False)
    assert rc == 0, out[-6000:]
    assert recap[new]["changed"] > 0 and recap[new]["failed"] == 0, recap
    assert all(c["changed"] == 0 and c["failed"] == 0 for host, c in recap.items() if host != new), recap
    for host in members:
        assert changed_lines_for(out, host) == [], (host, changed_lines_for(out, host))
    assert fatal_lines(out) == [], fatal_lines(out)
    assert nodes(lab) == {h[0]: ("Ready", "Leader"), h[1]: ("Ready", "worker"), h[2]: ("Ready", "worker"),
                          new: ("Ready", "worker")}
    assert pids(lab, members) == before_pids
    assert {host: tls_files(lab, host) for host in members} == before_files
    # The new agent's engine is opened like the others: mutual TLS on 2375.
    res = docker_tls(lab, h[1], "-H tcp://%s:2375 info --format '{{json .Name}}'" % lab.ip(new))
    assert res.returncode == 0 and json.loads(res.stdout.strip()) == new, res.stdout


def test_limit_to_a_new_agent_joining_on_its_own_reads_the_token_from_the_first_manager(lab):
    h = hosts(lab)
    members, new = h[:4], h[4]
    before_pids = pids(lab, members)
    token = lab.run(h[0], "docker swarm join-token -q worker").stdout.strip()
    rc, out, recap = playbook(SITE, inventory(lab, h[1:5], "hosts5"), "--limit", new,
                              "-e", "swarm_join_from_manager=false", check=False)
    assert rc == 0, out[-6000:]
    assert recap[new]["changed"] > 0 and recap[new]["failed"] == 0, recap
    assert all(c["changed"] == 0 and c["failed"] == 0 for host, c in recap.items() if host != new), recap
    for host in members:
        assert changed_lines_for(out, host) == [], (host, changed_lines_for(out, host))
    read = [r for t, r in task_results(out)
            if t == "dockercluster.swarm.swarm_agent : Read the join token and the managers' addresses from the first manager"]
    assert read and read[0].get(new) == ["ok"], read
    assert "ok: [%s -> %s]" % (new, h[0]) in out  # delegated to the first manager
    join = [r for t, r in task_results(out) if t == "dockercluster.swarm.swarm_agent : Join the cluster as a worker"]
    assert join and join[0].get(new) == ["changed"], join
    assert len(token) > 40 and token not in out and token.split("-")[-1] not in out
    assert nodes(lab) == {h[0]: ("Ready", "Leader"), **{host: ("Ready", "worker") for host in h[1:]}}
    assert pids(lab, members) == before_pids


def test_limit_to_an_agent_in_place_changes_nothing(lab):
    h = hosts(lab)
    before = pids(lab, h)
    rc, out, recap = playbook(SITE, inventory(lab, h[1:5], "hosts5"), "--limit", h[1], check=False)
    assert rc == 0, out[-6000:]
    assert h[1] in recap, recap
    assert {host: c["changed"] for host, c in recap.items()} == {host: 0 for host in recap}, recap
    assert all(c["failed"] == 0 for c in recap.values()), recap
    assert fatal_lines(out) == [], fatal_lines(out)
    assert pids(lab, h) == before
    assert set(nodes(lab)) == set(h)


def test_the_whole_cluster_is_in_place_after_the_limited_runs(lab):
    """A run over every host after them changes nothing: the limited runs left no host half-done."""
    h = hosts(lab)
    before = pids(lab, h)
    rc, out, recap = playbook(SITE, inventory(lab, h[1:5], "hosts5"), check=False)
    assert rc == 0, out[-6000:]
    assert {host: c["changed"] for host, c in recap.items()} == {host: 0 for host in ["localhost"] + h}, recap
    assert pids(lab, h) == before
    res = docker_tls(lab, h[1], "-H tcp://%s:12375 info --format '{{json .Name}}'" % lab.ip(h[2]))
    assert res.returncode == 0 and json.loads(res.stdout.strip()) == h[2], res.stdout


def test_agents_of_a_cluster_made_anew_while_they_ran_join_it_again(lab):
    """The manager's swarm ended and a new one was made at its address while the agents ran (the managers
    reset alone, say): each agent still names that address as its manager, of a cluster that is gone, and
    was taken for a member of the new one (the verify then failed on every run). The first manager's joins
    make them leave and join again; node5, joining on its own, leaves first too. The next run changes nothing."""
    h = hosts(lab)
    lab.run(h[0], "docker swarm leave --force >/dev/null && docker swarm init --advertise-addr %s >/dev/null"
            % lab.ip(h[0]))
    assert lab.run(h[1], "docker info --format '{{.Swarm.LocalNodeState}}'").stdout.strip() == "active"
    old_ids = {host: lab.run(host, "docker info --format '{{.Swarm.NodeID}}'").stdout.strip() for host in h[1:5]}
    hosts5 = lab.write_inventory(str(lab.tmp / "anew"), h[:1], h[1:5], insecure=False,
                                 host_vars={h[2]: EXTRA, h[4]: "swarm_join_from_manager=false"})
    rc, out, recap = playbook(SITE, hosts5, check=False)
    assert rc == 0, out[-6000:]
    assert nodes(lab) == {h[0]: ("Ready", "Leader"), **{host: ("Ready", "worker") for host in h[1:]}}
    results = dict(task_results(out))
    assert results["dockercluster.swarm.swarm_agent : Leave a cluster that is gone before joining this one"] == \
        {h[4]: ["changed"]}, results
    new_ids = {host: lab.run(host, "docker info --format '{{.Swarm.NodeID}}'").stdout.strip() for host in h[1:5]}
    assert all(new_ids[host] and new_ids[host] != old_ids[host] for host in h[1:5]), (old_ids, new_ids)
    _rc, out, recap = playbook(SITE, hosts5)
    assert {host: c["changed"] for host, c in recap.items()} == {host: 0 for host in ["localhost"] + h}, recap
