"""site.yml with swarm_backend: classic against the real swarm 1.2.9 (built by lab/lab.py from
shared/classic-swarm): every discovery kind, mutual TLS by default, one lab of three kinds (Debian 12,
el7-layout, Debian 13 with Docker 26.1) named by host name only (no ansible_host, no node address).

For each kind: site.yml passes with its verify, `docker -H manager:2376 info` lists every node Healthy,
a container is scheduled through 2376 and ran on a node, a re-run changes nothing. Then the faults.
Skipped, saying what is missing, where the swarm binary folder is not there.
"""

import json
import re
import time

import pytest
from fake_discovery import DiscoveryServer

from labkit import LAB, ROOT, Lab, classic_swarm_missing, fatal_lines, playbook, sh, task_results, unchanged

SITE = ROOT + "/site.yml"
IMAGE = "swarm:1.2.9"
MISSING = classic_swarm_missing()
pytestmark = pytest.mark.skipif(MISSING is not None, reason="real classic Swarm: %s" % MISSING)
# The manager's own client certificate (docker_pki, on classic managers), as the verify uses it.
CERTS = "/etc/docker/certs"
TLS = "--tlsverify --tlscacert {0}/ca.pem --tlscert {0}/client-cert.pem --tlskey {0}/client-key.pem".format(CERTS)
CA_BUNDLE = "/etc/docker/discovery-ca.pem"
NODE = re.compile(r"^\s+(\S+): (\S+)\n\s+\u2514 ID: .*\n\s+\u2514 Status: (\w+)", re.M)
LISTED = re.compile(r"Discovery \(swarm list\): ([^\"\n]*)")
TIMES = {}


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    lab = Lab("classic", 3, kinds=["debian12", "el7-layout", "debian13"], insecure=False)
    lab.tmp = tmp_path_factory.mktemp("classic")
    sh(["python3", LAB, "load", "--name", lab.name, IMAGE])
    lab.etcd = sh(["python3", LAB, "etcd", "--name", lab.name]).stdout.split()[-1]
    yield lab
    print("classic timings (s): %s" % json.dumps(TIMES))
    lab.down()


def inventory(lab, insecure=False, host_vars=None, **extra):
    h = lab.names()
    extra_vars = dict(swarm_backend="classic")
    if not insecure:
        # A stopped engine leaves Healthy within seconds instead of about two minutes, and the manager
        # reads the discovery every 5 s instead of 60 (it starts before the agents register).
        extra_vars.update(swarm_manager_classic_engine_refresh="5s", swarm_manager_classic_engine_failure_retry=1,
                          swarm_manager_classic_heartbeat="5s")
    extra_vars.update(extra)
    return lab.write_inventory(str(lab.tmp / "hosts"), h[:1], h[1:], extra_vars=extra_vars, host_vars=host_vars,
                               insecure=insecure)


def cluster(lab, args, tls=True):
    """The docker CLI on the first manager against the manager container's 2376."""
    return lab.run(lab.names()[0], "docker -H tcp://127.0.0.1:2376 %s %s" % (TLS if tls else "", args), check=False)


def statuses(lab, tls=True):
    out = cluster(lab, "info", tls).stdout
    return {name: status for name, _addr, status in NODE.findall(out)}


def inspect(lab, host, name):
    out = lab.run(host, "docker inspect %s" % name, check=False)
    return json.loads(out.stdout)[0] if out.returncode == 0 else None


def wait(what, timeout=60):
    deadline = time.time() + timeout
    started = time.time()
    while time.time() < deadline:
        if what():
            return time.time() - started
        time.sleep(1)
    raise AssertionError("not within %ss" % timeout)


def healthy_schedules_and_stays(lab, kind, inv):
    """site.yml's run was made: every node Healthy, the discovery's list, a container scheduled through
    2376 that ran on a node, and a re-run that changes nothing."""
    h = lab.names()
    assert statuses(lab) == {host: "Healthy" for host in h}
    name = "sched-" + kind
    run = cluster(lab, "run -d --name %s %s --version" % (name, IMAGE))
    assert run.returncode == 0, run.stdout
    wait(lambda: cluster(lab, "inspect -f '{{.State.Status}}' %s" % name).stdout.strip() == "exited")
    node, code = cluster(lab, "inspect -f '{{.Node.Name}} {{.State.ExitCode}}' %s" % name).stdout.split()
    assert node in h and code == "0"
    assert "swarm version 1.2.9" in cluster(lab, "logs %s" % name).stdout
    assert lab.run(node, "docker ps -aq --filter name=^/%s$" % name).stdout.strip()  # on that node's engine
    cluster(lab, "rm %s" % name)
    started = time.time()
    _rc, _out, recap = playbook(SITE, inv)
    TIMES[kind + " re-run"] = round(time.time() - started, 1)
    assert {host: counts["changed"] for host, counts in recap.items()} == {host: 0 for host in ["localhost"] + h}


def site(lab, kind, inv):
    started = time.time()
    rc, out, recap = playbook(SITE, inv)
    TIMES[kind] = round(time.time() - started, 1)
    listed = LISTED.findall(out)
    assert listed and sorted(listed[-1].split(", ")) == sorted("%s:2375" % lab.ip(host) for host in lab.names())
    return out


def test_plain_opt_in_runs_the_guides_containers(lab):
    """The guide's containers exactly (names, -p 2376:2375, restart always, -ti, arguments), with etcd."""
    h = lab.names()
    etcd = "etcd://%s:2379/swarm" % lab.etcd
    inv = inventory(lab, insecure=True, swarm_classic_discovery="etcd", swarm_classic_kv_hosts=[lab.etcd + ":2379"])
    site(lab, "plain etcd", inv)
    manager = inspect(lab, h[0], "shipyard-swarm-manager")
    # The guide's commands end with the discovery URL: swarm reads it from $SWARM_DISCOVERY here (ps shows a
    # command line to anyone).
    assert manager["Config"]["Cmd"] == ["manage", "--host", "tcp://0.0.0.0:2375"]
    assert manager["HostConfig"]["PortBindings"] == {"2375/tcp": [{"HostIp": "", "HostPort": "2376"}]}
    for host in h:
        agent = inspect(lab, host, "shipyard-swarm-agent")
        assert agent["Config"]["Cmd"] == ["join", "--addr", "%s:2375" % lab.ip(host)]
        assert "SWARM_DISCOVERY=" + etcd in agent["Config"]["Env"] and "SWARM_DISCOVERY=" + etcd in manager["Config"]["Env"]
        for info in (agent, manager):
            assert info["Config"]["Image"] == IMAGE and info["HostConfig"]["RestartPolicy"]["Name"] == "always"
            assert info["Config"]["Tty"] and info["Config"]["OpenStdin"] and info["State"]["Running"]
    assert statuses(lab, tls=False) == {host: "Healthy" for host in h}


def test_tls_default_nodes_discovery_with_host_names_only(lab):
    """From the plain opt-in to mutual TLS on the same nodes; the node list has the addresses."""
    h = lab.names()
    inv = inventory(lab, swarm_classic_discovery="nodes")
    site(lab, "nodes", inv)
    config = inspect(lab, h[0], "shipyard-swarm-manager")["Config"]
    assert "--tlsverify" in config["Cmd"]
    assert "SWARM_DISCOVERY=nodes://" + ",".join("%s:2375" % lab.ip(host) for host in h) in config["Env"]
    assert all(inspect(lab, host, "shipyard-swarm-agent") is None for host in h)  # a static list: no agent
    healthy_schedules_and_stays(lab, "nodes", inv)


def test_without_a_client_certificate_2376_refuses(lab):
    assert cluster(lab, "info", tls=False).returncode != 0
    no_cert = cluster(lab, "--tlsverify --tlscacert %s/ca.pem info" % CERTS, tls=False)
    assert no_cert.returncode != 0 and "certificate" in no_cert.stdout, no_cert.stdout
    assert cluster(lab, "info").returncode == 0


MANAGER_TASK = "dockercluster.swarm.swarm_manager : Run the manager container (swarm manage)"


def test_a_renewed_certificate_makes_the_manager_container_again_and_check_mode_says_so(lab):
    """The manager container keeps the certificate it started with (a renewal replaces the file by rename):
    made again with the renewed one, which --check predicts without making anything."""
    h = lab.names()
    renew = inventory(lab, swarm_classic_discovery="nodes", host_vars={h[0]: "docker_pki_renew_days=400"})
    before = inspect(lab, h[0], "shipyard-swarm-manager")["Id"]
    cert = lab.run(h[0], "cat %s/server-cert.pem" % CERTS).stdout
    rc, out, _recap = playbook(SITE, renew, "--check", check=False)
    assert rc == 0 and fatal_lines(out) == [], out[-4000:]
    assert dict(task_results(out))[MANAGER_TASK] == {h[0]: ["changed"]}, task_results(out)
    assert inspect(lab, h[0], "shipyard-swarm-manager")["Id"] == before
    assert lab.run(h[0], "cat %s/server-cert.pem" % CERTS).stdout == cert
    playbook(SITE, renew)
    assert inspect(lab, h[0], "shipyard-swarm-manager")["Id"] != before
    assert lab.run(h[0], "cat %s/server-cert.pem" % CERTS).stdout != cert
    wait(lambda: statuses(lab) == {host: "Healthy" for host in h})
    _rc, _out, recap = playbook(SITE, inventory(lab, swarm_classic_discovery="nodes"))
    assert unchanged(recap, ["localhost"] + h), recap


def test_a_node_listed_by_name_is_explained(lab):
    """The issue's case: a node given by a name the manager container cannot resolve stays Pending;
    the verify says what swarm reports for it and why."""
    h = lab.names()
    inv = inventory(lab, swarm_classic_discovery="nodes", swarm_verify_timeout=10,
                    host_vars={h[2]: "swarm_classic_node_addr=%s:2375" % h[2]})
    rc, out, _recap = playbook(SITE, inv, check=False)
    assert rc != 0
    assert re.search(r"not Healthy: %s \(pending, address tried %s:2375" % (h[2], h[2]), out), out[-3000:]
    assert "%s is a name the manager container may not resolve" % h[2] in out


def test_file_discovery(lab):
    inv = inventory(lab, swarm_classic_discovery="file")
    site(lab, "file", inv)
    healthy_schedules_and_stays(lab, "file", inv)


def test_a_limited_run_keeps_the_addresses_of_the_nodes_outside_it(lab):
    """--limit without an agent (file discovery needs every manager in it): that agent's entry in the node list
    is its address still, as the run reads it (its name was listed: a container the manager cannot resolve)."""
    h = lab.names()
    inv = inventory(lab, swarm_classic_discovery="file")
    listed = lab.run(h[0], "cat /etc/docker/dockercluster-swarm-nodes").stdout
    rc, out, recap = playbook(SITE, inv, "--limit", "%s,%s,localhost" % (h[0], h[1]), check=False)
    assert rc == 0, out[-4000:]
    assert lab.run(h[0], "cat /etc/docker/dockercluster-swarm-nodes").stdout == listed
    assert "%s:2375" % lab.ip(h[2]) in listed
    assert unchanged(recap, ["localhost", h[0], h[1]]), recap


def test_etcd_discovery(lab):
    inv = inventory(lab, swarm_classic_discovery="etcd", swarm_classic_kv_hosts=[lab.etcd + ":2379"])
    site(lab, "etcd", inv)
    healthy_schedules_and_stays(lab, "etcd", inv)


@pytest.fixture(scope="module")
def discovery(lab, tmp_path_factory):
    """The project's HTTPS token discovery on this machine, at the lab network's gateway; its CA on every
    node, where swarm_classic_ca_bundle points."""
    net = "dcswarm-%s-net" % lab.name
    gateway = sh(["docker", "network", "inspect", "-f", "{{(index .IPAM.Config 0).Gateway}}", net]).stdout.strip()
    server = DiscoveryServer(tmp_path_factory.mktemp("discovery"), gateway)
    for host in lab.names():
        sh(["docker", "cp", server.ca, "%s:%s" % (host, CA_BUNDLE)])
    yield server
    server.stop()


def test_token_discovery_against_a_private_https_server(lab, discovery):
    h = lab.names()
    inv = inventory(lab, swarm_classic_discovery="token", swarm_classic_discovery_url=discovery.url,
                    swarm_classic_ca_bundle=CA_BUNDLE)
    # --check first: the token it would create stands in for the containers' prediction; none is made.
    rc, out, _recap = playbook(SITE, inv, "--check", "--diff", check=False)
    assert rc == 0 and fatal_lines(out) == [], fatal_lines(out) or out[-4000:]
    assert discovery.clusters == {}
    site(lab, "token", inv)
    (token, entries), = discovery.clusters.items()
    assert sorted(entries) == sorted("%s:2375" % lab.ip(host) for host in h)  # the real agents registered
    for host in h:
        config = inspect(lab, host, "shipyard-swarm-agent")["HostConfig"]
        assert "%s:/etc/ssl/certs/ca-certificates.crt:ro" % CA_BUNDLE in config["Binds"]
        assert config["SecurityOpt"] == ["label=disable"]  # the bundle's SELinux label would deny the read
    manager = inspect(lab, h[0], "shipyard-swarm-manager")["Config"]
    assert any(item.startswith("SWARM_DISCOVERY=") and item.endswith("/v1/" + token) for item in manager["Env"])
    # The real swarm read it there: the token is on no command line any local user can read (ps).
    assert all(token not in lab.run(host, "ps -eo args").stdout for host in h)
    healthy_schedules_and_stays(lab, "token", inv)


def test_faults_an_engine_stopped_and_the_manager_killed(lab, discovery):
    h = lab.names()
    inv = inventory(lab, swarm_classic_discovery="token", swarm_classic_discovery_url=discovery.url,
                    swarm_classic_ca_bundle=CA_BUNDLE)
    lab.run(h[2], "systemctl stop docker docker.socket")
    try:
        TIMES["engine stopped -> not Healthy"] = round(wait(lambda: statuses(lab).get(h[2]) != "Healthy"), 1)
        rc, out, _recap = playbook(SITE, inv, check=False)
        assert rc != 0 and "Not converged (failed or unreachable in this run): %s" % h[2] in out
        assert "Status: Unhealthy" in out
    finally:
        lab.run(h[2], "systemctl start docker")
    TIMES["engine back -> Healthy"] = round(wait(lambda: statuses(lab).get(h[2]) == "Healthy"), 1)
    assert statuses(lab) == {host: "Healthy" for host in h}
    # A crash, not `docker kill` (a stop by hand, which the restart policy leaves stopped).
    lab.run(h[0], "kill -9 $(docker inspect -f '{{.State.Pid}}' shipyard-swarm-manager)")
    TIMES["manager killed -> answers"] = round(wait(lambda: statuses(lab) == {host: "Healthy" for host in h}), 1)
    assert inspect(lab, h[0], "shipyard-swarm-manager")["RestartCount"] >= 1


def test_reset_removes_the_classic_containers_and_files(lab):
    """reset.yml on the classic cluster: the guide's containers and the manager's token file go, no
    engine listens on TCP any more; a second reset changes nothing."""
    h = lab.names()
    inv = inventory(lab)
    assert inspect(lab, h[0], "shipyard-swarm-manager") is not None
    playbook(ROOT + "/reset.yml", inv)
    for host in h:
        assert lab.run(host, "docker ps -aq --filter name=shipyard-swarm").stdout.strip() == "", host
        assert lab.run(host, "ls /etc/docker/dockercluster-swarm-token /etc/docker/dockercluster-swarm-nodes",
                       check=False).returncode != 0, host
        ports = lab.run(host, "ss -ltnH").stdout
        assert ":2375 " not in ports and ":2376 " not in ports, (host, ports)
    _rc, _out, recap = playbook(ROOT + "/reset.yml", inv)
    assert unchanged(recap, lab.names()), recap


def test_file_discovery_lists_every_node_on_every_manager(lab):
    """Three managers with file discovery: each manager's container lists every node Healthy, as each
    manager writes the node list its container mounts (only the first did: the others' containers
    mounted an empty directory in its place and listed none). Reset afterwards."""
    h = lab.names()
    inv = lab.write_inventory(str(lab.tmp / "hosts-managers"), h, [], insecure=False, extra_vars=dict(
        swarm_backend="classic", swarm_classic_discovery="file", swarm_manager_classic_engine_refresh="5s",
        swarm_manager_classic_engine_failure_retry=1, swarm_manager_classic_heartbeat="5s"))
    rc, out, _recap = playbook(SITE, inv, check=False)
    assert rc == 0, out[-4000:]
    def healthy(manager):
        info = lab.run(manager, "docker -H tcp://127.0.0.1:2376 %s info" % TLS, check=False).stdout
        return {name: status for name, _addr, status in NODE.findall(info)} == {n: "Healthy" for n in h}
    for host in h:
        wait(lambda: healthy(host))  # noqa: B023 (called at once, in this iteration)
    playbook(ROOT + "/reset.yml", inv)
