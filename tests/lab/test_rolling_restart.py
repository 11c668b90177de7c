"""Engine restarts on nodes already in a swarm keep the cluster up (docker_listen's rolling path).

One lab of five nodes, default mutual TLS. First a swarm formed by hand on node1-3 (three managers,
no TCP listener) running a 3-replica service, adopted by site.yml with node4 and node5 as agents:
every engine of the swarm restarts to add its TCP listener. Then, on that cluster (3 managers + 2
agents), a renewal of every certificate (docker_pki_renew_days 400): every engine restarts again.
Through both runs a sampler on the controller reads every node's engine API every ~0.5 s: the
managers whose engine runs as a manager, the managers the cluster lists Leader/Reachable, the
service's running containers.

The service keeps one replica per node (--replicas-max-per-node 1): Swarm moves a drained node's
tasks by stopping them before starting their replacements, and never moves tasks back, so replicas
that share a node all stop while it drains (swarm_node_drain's documentation).
"""

import json
import os
import socket
import threading
import time
from urllib.parse import quote

import pytest

from labkit import ROOT, Lab, playbook, sh, task_results

SITE = os.path.join(ROOT, "site.yml")
SERVICE = "keep"
DRAIN_TASK = "dockercluster.swarm.docker_listen : Drain the node, and wait until its tasks run elsewhere"
ALONE_TASK = "dockercluster.swarm.docker_listen : Apply it and restart docker, on this host alone"
STOP_TASK = "dockercluster.swarm.docker_listen : Stop the roll where the apply failed, before another member restarts"
# The sleeper image, made in each node from its own files (as in test_listen.py; -h: debian13's
# /lib64 is a link).
SLEEPER = ("tar -h -C / -c usr/bin/sleep usr/lib/x86_64-linux-gnu/libc.so.6 lib64/ld-linux-x86-64.so.2 "
           "2>/dev/null | docker import - dcswarm-sleeper >/dev/null")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    lab = Lab("roll", 5, managers=3, kinds=["debian12", "el7-layout", "debian13", "debian12", "debian13"],
              insecure=False)
    lab.tmp = tmp_path_factory.mktemp("roll")
    yield lab
    lab.down()


def inventory(lab, name="hosts", **extra):
    return lab.write_inventory(str(lab.tmp / name), lab.names("swarm_managers"), lab.names("swarm_agents"),
                               extra_vars=extra, insecure=False)


def engine_get(sock, url, timeout=1.0, raw=False):
    """GET on an engine's unix socket: the decoded JSON (``raw``: the text), None when it did not answer
    200."""
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.settimeout(timeout)
    try:
        conn.connect(sock)
        conn.sendall(("GET %s HTTP/1.0\r\nHost: docker\r\n\r\n" % url).encode())
        data = b""
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
    except OSError:
        return None
    finally:
        conn.close()
    head, _sep, body = data.partition(b"\r\n\r\n")
    if b" 200 " not in head.split(b"\r\n", 1)[0]:
        return None
    return body.decode() if raw else json.loads(body)


class Sampler(threading.Thread):
    """Every ~``interval`` s, from the controller, each node's engine API (its unix socket, reached through
    /proc/<node's pid>/root, no docker exec): does a manager's engine answer (/_ping: /info waits on the
    Raft store, slow during an election), how many managers the cluster lists Leader or Reachable (from
    the managers that answer /nodes), how many of the service's containers run there."""

    def __init__(self, lab, interval=0.5):
        super().__init__(daemon=True)
        self.lab, self.interval = lab, interval
        self.managers = lab.names("swarm_managers")
        self.sockets = dict((h, "/proc/%s/root/run/docker.sock" % sh(["docker", "inspect", "-f", "{{.State.Pid}}", h])
                             .stdout.strip()) for h in lab.names())
        self.samples = []
        self.stop = threading.Event()

    def probe(self, host, answers):
        sock = self.sockets[host]
        ping = engine_get(sock, "/_ping", raw=True)
        running = engine_get(sock, "/containers/json?filters=" + quote(json.dumps(
            {"label": ["com.docker.swarm.service.name=%s" % SERVICE]})))
        nodes = engine_get(sock, "/nodes", timeout=2.0) if host in self.managers else None
        reach = None
        if isinstance(nodes, list):
            reach = sum(1 for n in nodes if (n.get("ManagerStatus") or {}).get("Leader")
                        or (n.get("ManagerStatus") or {}).get("Reachability") == "reachable")
        answers[host] = dict(ctl=ping == "OK",
                             run=len(running or []), reach=reach)

    def run(self):
        started = time.monotonic()
        while not self.stop.is_set():
            begun = time.monotonic()
            answers = {}
            threads = [threading.Thread(target=self.probe, args=(h, answers)) for h in self.lab.names()]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            reach = [answers[h]["reach"] for h in self.managers if answers.get(h, {}).get("reach") is not None]
            self.samples.append(dict(
                t=round(begun - started, 1),
                managers_up=sum(1 for h in self.managers if answers.get(h, {}).get("ctl")),
                reachable=max(reach) if reach else None,
                running=sum(a["run"] for a in answers.values())))
            self.stop.wait(max(0.0, self.interval - (time.monotonic() - begun)))

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.join()

    def low(self, key, below):
        return [s for s in self.samples if s[key] is not None and s[key] < below]

    def report(self, title):
        known = [s["reachable"] for s in self.samples if s["reachable"] is not None]
        print("%s: %d samples over %.0f s; managers up min %s, Leader/Reachable min %s (no manager answered in %d), "
              "service running min %s" % (
                  title, len(self.samples), self.samples[-1]["t"] if self.samples else 0,
                  min(s["managers_up"] for s in self.samples), min(known) if known else None,
                  len(self.samples) - len(known), min(s["running"] for s in self.samples)))


def swarm_ids(lab):
    ids = {}
    for host in lab.names("swarm_managers"):
        info = json.loads(lab.run(host, "docker info --format '{{json .Swarm}}'").stdout)
        ids[host] = (info["Cluster"]["ID"], info["NodeID"])
    return ids


def nodes(lab):
    out = lab.run(lab.names()[0], "docker node ls --format '{{json .}}'").stdout
    return dict((n["Hostname"], n) for n in (json.loads(line) for line in out.splitlines() if line.strip()))


def no_drain_label_left(lab):
    out = lab.run(lab.names()[0], "docker node inspect $(docker node ls -q) --format '{{json .Spec.Labels}}'").stdout
    return not any("availability-before" in line for line in out.splitlines())


def running_replicas(lab):
    out = lab.run(lab.names()[0], "docker service ls --filter name=%s --format '{{.Replicas}}'" % SERVICE).stdout
    return out.strip()


def hosts_changed_by(out, title):
    return {host for task, results in task_results(out) if task == title
            for host, statuses in results.items() if "changed" in statuses}


def wait_for(what, check, timeout=60):
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "%s: not within %ss" % (what, timeout)
        time.sleep(1)


def pids(lab):
    return dict((h, lab.run(h, "systemctl show -p MainPID --value docker").stdout.strip()) for h in lab.names())


@pytest.fixture(scope="module")
def hand_formed(lab):
    """node1-3 form a swarm by hand (three managers, no TCP listener) and run the service, one replica
    on each; node4 and node5 are in no swarm. The cluster's and nodes' IDs."""
    managers = lab.names("swarm_managers")
    first = lab.ip(managers[0])
    for host in lab.names():
        lab.run(host, SLEEPER)
    lab.run(managers[0], "docker swarm init --advertise-addr %s >/dev/null" % first)
    token = lab.run(managers[0], "docker swarm join-token -q manager").stdout.strip()
    for host in managers[1:]:
        lab.run(host, "docker swarm join --token %s --advertise-addr %s %s:2377" % (token, lab.ip(host), first))
    lab.run(managers[0], "docker service create --detach --name %s --replicas 3 --replicas-max-per-node 1 "
                         "--stop-grace-period 1s --no-resolve-image dcswarm-sleeper /usr/bin/sleep infinity"
                         " >/dev/null" % SERVICE)
    wait_for("3 replicas running", lambda: running_replicas(lab).startswith("3/3"))
    return swarm_ids(lab)


def test_check_mode_predicts_each_drain_and_changes_nothing(lab, hand_formed):
    """--check --diff on the swarm formed by hand: each member's drain and restart predicted, no engine
    restarted, no node drained. Its three managers alone and swarm_verify false: in check mode the
    first manager cannot reach the cluster endpoint (nor join new agents) with a client certificate
    not installed yet."""
    before = pids(lab)
    started = time.monotonic()
    members = lab.write_inventory(str(lab.tmp / "members"), lab.names("swarm_managers"), [], insecure=False)
    _rc, out, recap = playbook(SITE, members, "--check", "--diff", "-e", "swarm_verify=false", check=False)
    print("check mode: %.0f s" % (time.monotonic() - started))
    assert all(c["failed"] == 0 for c in recap.values()) and "fatal:" not in out, out[-4000:]
    assert hosts_changed_by(out, DRAIN_TASK) == set(lab.names("swarm_managers")), out[-4000:]
    assert hosts_changed_by(out, ALONE_TASK) == set(lab.names("swarm_managers")), out[-4000:]
    assert pids(lab) == before
    assert all(n["Availability"] == "Active" for n in nodes(lab).values())
    assert swarm_ids(lab) == hand_formed


def test_a_swarm_formed_by_hand_is_adopted_without_its_service_going_down(lab, hand_formed):
    """site.yml restarts each engine of the running swarm (three managers, one replica of the service
    on each) to add its TCP listener, and joins node4 and node5: one member at a time, drained first,
    so the service never runs fewer than two replicas and the managers never fewer than two; the
    cluster and its nodes keep their IDs."""
    started = time.monotonic()
    with Sampler(lab) as sampler:
        _rc, out, recap = playbook(SITE, inventory(lab), check=False)
    took = time.monotonic() - started
    sampler.report("adoption by site.yml (%.0f s)" % took)
    assert all(c["failed"] == 0 and c["unreachable"] == 0 for c in recap.values()), out[-4000:]
    assert not sampler.low("running", 2), sampler.low("running", 2)
    assert not sampler.low("managers_up", 2), sampler.low("managers_up", 2)
    assert not sampler.low("reachable", 2), sampler.low("reachable", 2)
    assert swarm_ids(lab) == hand_formed
    wait_for("3 replicas running after", lambda: running_replicas(lab).startswith("3/3"))
    listed = nodes(lab)
    assert sorted(listed) == sorted(lab.names())
    assert all(n["Status"] == "Ready" and n["Availability"] == "Active" for n in listed.values()), listed
    assert no_drain_label_left(lab)


def test_a_renewal_of_every_certificate_keeps_the_raft_quorum(lab):
    """Every certificate renewed (docker_pki_renew_days 400 for every host): every engine restarts, one
    at a time, so at no sample fewer than two managers run or are listed Reachable; every node is Ready
    after, with the availability it had (node5, drained by hand, stays drained)."""
    agents = lab.names("swarm_agents")
    lab.run(lab.names()[0], "docker node update --availability drain %s >/dev/null" % agents[-1])
    before = pids(lab)
    started = time.monotonic()
    with Sampler(lab) as sampler:
        _rc, out, recap = playbook(SITE, inventory(lab, "renew", docker_pki_renew_days=400), check=False)
    took = time.monotonic() - started
    sampler.report("renewal of every certificate (%.0f s)" % took)
    assert all(c["failed"] == 0 and c["unreachable"] == 0 for c in recap.values()), out[-4000:]
    # Every engine restarted (to serve its renewed certificate).
    after = pids(lab)
    assert all(after[h] != before[h] for h in lab.names()), (before, after)
    assert not sampler.low("managers_up", 2), sampler.low("managers_up", 2)
    assert not sampler.low("reachable", 2), sampler.low("reachable", 2)
    assert not sampler.low("running", 2), sampler.low("running", 2)
    listed = nodes(lab)
    assert all(n["Status"] == "Ready" for n in listed.values()), listed
    assert dict((h, n["Availability"]) for h, n in listed.items()) == dict(
        (h, "Drain" if h == agents[-1] else "Active") for h in lab.names())
    managers = [n["ManagerStatus"] for n in listed.values() if n["ManagerStatus"]]
    assert sorted(managers) == ["Leader", "Reachable", "Reachable"], managers
    assert no_drain_label_left(lab)


def test_an_apply_that_fails_stops_the_roll_after_its_first_member(lab):
    """An address no host has (TEST-NET-1): dockerd cannot bind it, the first member's apply rolls back and fails,
    and no other member is drained or restarted for the same failure; that one is back Ready and Active."""
    before = pids(lab)
    rc, out, _recap = playbook(SITE, inventory(lab, "unbindable", docker_listen_extra_addresses=["tcp://192.0.2.10:2399"]),
                               check=False)
    assert rc != 0, out[-4000:]
    results = dict(task_results(out))
    applied = results.get(ALONE_TASK, {})
    assert list(applied.values()) == [["fatal"]], applied
    assert results[STOP_TASK] == applied, results[STOP_TASK]
    after = pids(lab)
    assert [h for h in lab.names() if after[h] != before[h]] == list(applied), (before, after)
    wait_for("every node Ready", lambda: all(n["Status"] == "Ready" for n in nodes(lab).values()))
    agents = lab.names("swarm_agents")
    assert dict((h, n["Availability"]) for h, n in nodes(lab).items()) == dict(
        (h, "Drain" if h == agents[-1] else "Active") for h in lab.names())
    assert no_drain_label_left(lab)
