"""What the collection changes on a host, and changing it again (issue 23, items 3 and 7), default mutual TLS.

node1, node2, node3 managers: debian12 (default_env), el7-layout (OPTIONS in /etc/sysconfig/docker with
the user's own flags), docker-ce-layout (the systemd_dropin method; its daemon.json is another tool's,
written whole); node4 agent (debian12). site.yml forms the cluster; the engine port then moves from 2375 to
12375 (swarm_engine_port): 12375 answers, 2375 is closed, the cluster stays Ready, the user's flags
stay. The docker-ce unit's ExecStart then changes (a package upgrade): the next run derives the
drop-in again. The tool rewrites its daemon.json: neither undoes the other. Last, reset.yml (issue 23,
item 6), refused for the first manager alone (it would end the cluster), predicted by --check first: every engine in no swarm, no TCP listener, each config file
byte-identical to before the first run, the certificates gone, docker restarted once per host; a second
reset changes nothing; site.yml then forms a cluster again. The tests run in order.
"""

import json
import os

import pytest

from labkit import LAB, ROOT, copy_operator_certs, docker_tls, node_list, playbook, sh, task_results, tls_lab

HERE = os.path.dirname(os.path.abspath(__file__))
SITE = os.path.join(os.path.dirname(os.path.dirname(HERE)), "site.yml")
RESET = os.path.join(os.path.dirname(os.path.dirname(HERE)), "reset.yml")
TOOL_JSON = '{\n  "labels": ["written-by=tool"],\n  "log-level": "warn"\n}\n'
# What another tool (a role that writes daemon.json from its own variables, as a whole) does.
TOOL = "mkdir -p /etc/docker && printf '%%s' '%s' > /etc/docker/daemon.json" % TOOL_JSON
CONFIGS = ("/etc/default/docker /etc/sysconfig/docker /etc/docker/daemon.json "
           "/etc/systemd/system/docker.service.d/10-dockercluster-listen.conf /var/lib/dockercluster/listen-record.json")
SNAPSHOT = "for f in %s; do [ -e $f ] && sha256sum $f; done; true" % CONFIGS
UNIT = "/lib/systemd/system/docker.service"


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    lab = tls_lab("hostchg", ["debian12", "el7-layout", "docker-ce-layout", "debian12"], tmp_path_factory)
    lab.run(lab.names()[2], TOOL)
    # Every config file as it was before the collection's first run.
    lab.before = snapshot(lab)
    lab.hosts_file = lab.write_inventory(str(lab.tmp / "hosts"), lab.names()[:3], lab.names()[3:], insecure=False)
    yield lab
    lab.down()


def snapshot(lab):
    return {h: lab.run(h, SNAPSHOT).stdout for h in lab.names()}


def swarm_states(lab):
    return {h: lab.run(h, "docker info --format '{{.Swarm.LocalNodeState}}'").stdout.strip() for h in lab.names()}


def tcp_listeners(lab, host):
    return [line for line in lab.run(host, "ss -Hltnp").stdout.splitlines() if "dockerd" in line]


def site(lab, *extra):
    rc, out, recap = playbook(SITE, lab.hosts_file, *extra, check=False)
    assert rc == 0, out[-6000:]
    return out, recap


def answers(lab, via, host, port):
    res = docker_tls(lab, via, "-H tcp://%s:%d version --format '{{.Server.Version}}'" % (lab.ip(host), port))
    return res.returncode == 0 and res.stdout.strip() != ""


def closed(lab, via, host, port):
    # curl's exit code 7: the connection was refused, nothing listens there.
    return lab.run(via, "curl -s --max-time 5 http://%s:%d/_ping" % (lab.ip(host), port), check=False).returncode == 7


def ready(lab):
    nodes = node_list(lab, lab.names()[0])
    return sorted(n["Hostname"] for n in nodes if n["Status"] == "Ready") == sorted(lab.names())


def cmdline(lab, host):
    return lab.run(host, "tr '\\0' ' ' < /proc/$(systemctl show -p MainPID --value docker)/cmdline").stdout


def test_site_forms_the_cluster_on_2375(lab):
    site(lab)
    copy_operator_certs(lab, lab.names()[0], lab.pki)
    assert ready(lab)
    via = lab.names()[0]
    assert all(answers(lab, via, h, 2375) for h in lab.names())
    ce = lab.names()[2]
    assert "-H tcp://0.0.0.0:2375 -H tcp://0.0.0.0:2376 --tlsverify" in cmdline(lab, ce)
    assert lab.run(ce, "cat /etc/docker/daemon.json").stdout == TOOL_JSON


def test_port_2375_to_12375_closes_2375_and_keeps_the_users_flags(lab):
    # The user's own containers on node4: one the restart stops for good, one docker starts again.
    agent = lab.names()[3]
    sh(["python3", LAB, "load", "dcswarm-stub:swarm", "--name", lab.name])
    for name, policy in (("dcswarm-user-web", "no"), ("dcswarm-user-db", "unless-stopped")):
        lab.run(agent, "docker run -d --name %s --restart %s dcswarm-stub:swarm sleep infinity" % (name, policy))
    out, _recap = site(lab, "-e", "swarm_engine_port=12375")
    # Warned before the restart, naming the one it loses only.
    assert "Restarting docker stops these running containers, which do not start again by themselves: " \
           "dcswarm-user-web, left stopped (restart policy no)." in " ".join(out.split()), out[-6000:]
    assert "dcswarm-user-db, left" not in out
    running = lab.run(agent, "docker ps --format '{{.Names}}'").stdout.split()
    assert "dcswarm-user-db" in running and "dcswarm-user-web" not in running, running
    lab.run(agent, "docker rm -f dcswarm-user-web dcswarm-user-db")
    via = lab.names()[0]
    for host in lab.names():
        assert answers(lab, via, host, 12375), host
        assert closed(lab, via, host, 2375), host
        print(host, cmdline(lab, host))
    assert ready(lab)
    el7 = lab.names()[1]
    options = [line for line in lab.run(el7, "cat /etc/sysconfig/docker").stdout.splitlines()
               if line.startswith("OPTIONS=")]
    assert len(options) == 1 and options[0].startswith("OPTIONS='--selinux-enabled --log-driver=journald -H ")
    assert ":2375" not in options[0] and "tcp://0.0.0.0:12375" in options[0]
    assert "--log-driver=journald" in cmdline(lab, el7)


def test_a_changed_unit_execstart_is_derived_again(lab):
    ce = lab.names()[2]
    # A package upgrade: the unit's command changes, and the package reloads systemd.
    lab.run(ce, "sed -i 's|^ExecStart=/usr/bin/dockerd -H fd:// |ExecStart=/usr/bin/dockerd -H fd:// "
                "--log-opt max-size=10m |' %s && systemctl daemon-reload" % UNIT)
    assert "max-size" not in cmdline(lab, ce)  # the drop-in still runs the old command
    site(lab, "-e", "swarm_engine_port=12375")
    now = cmdline(lab, ce)
    print("docker-ce-layout dockerd:", now)
    assert "--log-opt max-size=10m" in now and "-H tcp://0.0.0.0:12375 -H tcp://0.0.0.0:2376 --tlsverify" in now
    dropin = lab.run(ce, "cat /etc/systemd/system/docker.service.d/10-dockercluster-listen.conf").stdout
    assert "# Derived from: /usr/bin/dockerd -H fd:// --log-opt max-size=10m" in dropin
    assert answers(lab, lab.names()[0], ce, 12375) and ready(lab)


def test_a_tool_that_rewrites_daemon_json_and_the_collection_keep_each_others_keys(lab):
    ce = lab.names()[2]
    lab.run(ce, TOOL)  # the tool's second run
    _out, recap = site(lab, "-e", "swarm_engine_port=12375")
    assert recap[ce]["changed"] == 0, recap
    assert lab.run(ce, "cat /etc/docker/daemon.json").stdout == TOOL_JSON
    info = json.loads(lab.run(ce, "docker info --format '{{json .Labels}}'").stdout)
    assert "written-by=tool" in info
    assert answers(lab, lab.names()[0], ce, 12375)


def test_reset_of_the_first_manager_alone_is_refused(lab):
    """reset.yml --limit node1: node1 leaves last and would end the cluster with force while node2 and
    node3 are still its managers; refused, naming their count, and nothing changes."""
    pids = {h: lab.run(h, "systemctl show -p MainPID --value docker").stdout for h in lab.names()}
    rc, out, recap = playbook(RESET, lab.hosts_file, "--limit", lab.names()[0], check=False)
    assert rc != 0 and recap[lab.names()[0]]["failed"] == 1, out[-6000:]
    assert "leaves last, which ends the cluster, but the cluster still has 3 managers" in out, out[-6000:]
    assert set(swarm_states(lab).values()) == {"active"}
    assert {h: lab.run(h, "systemctl show -p MainPID --value docker").stdout for h in lab.names()} == pids


def test_reset_check_mode_predicts_and_changes_nothing(lab):
    files = snapshot(lab)
    pids = {h: lab.run(h, "systemctl show -p MainPID --value docker").stdout for h in lab.names()}
    rc, out, recap = playbook(RESET, lab.hosts_file, "--check", check=False)
    assert rc == 0, out[-6000:]
    assert all(recap[h]["changed"] >= 1 for h in lab.names()), recap
    # By the docker restart every host has left its swarm (in check mode none really has): none is drained.
    drains = [(title, results) for title, results in task_results(out) if title.endswith(": Drain the node, and wait "
                                                                                          "until its tasks run elsewhere")]
    assert not any("changed" in statuses for _title, results in drains for statuses in results.values()), drains
    assert set(swarm_states(lab).values()) == {"active"}
    assert snapshot(lab) == files
    assert {h: lab.run(h, "systemctl show -p MainPID --value docker").stdout for h in lab.names()} == pids


def test_reset_gives_every_host_back_as_it_was(lab):
    """node2 leaves last (swarm_leave_last_manager): the other managers are demoted through it, node1 too. node4
    has left the cluster for a swarm of its own: it is left as it is, with a warning, and a reset of it alone once
    it has left that swarm gives it back too."""
    h = lab.names()
    since = lab.run(h[0], "date '+%Y-%m-%d %H:%M:%S'").stdout.strip()
    # A file of the operator's beside the certificates: it stays, and so does its directory.
    lab.run(h[3], "echo mine > /etc/docker/certs/operator-note.txt")
    lab.run(h[3], "docker swarm leave >/dev/null && docker swarm init --advertise-addr %s >/dev/null" % lab.ip(h[3]))
    theirs = lab.run(h[3], "docker info --format '{{.Swarm.Cluster.ID}}'").stdout.strip()
    node4_files = lab.run(h[3], SNAPSHOT).stdout
    rc, out, recap = playbook(RESET, lab.hosts_file, "-e", "swarm_leave_last_manager=%s" % h[1], check=False)
    assert rc == 0, out[-6000:]
    assert "WARNING: %s is left as it is, in its swarm: %s, the manager that leaves last, does not list it" % (h[3], h[1]) \
        in " ".join(out.split()), out[-6000:]
    assert lab.run(h[3], "docker info --format '{{.Swarm.Cluster.ID}}'").stdout.strip() == theirs
    assert lab.run(h[3], SNAPSHOT).stdout == node4_files and tcp_listeners(lab, h[3]) != []
    lab.run(h[3], "docker swarm leave --force >/dev/null")
    rc, again, _recap = playbook(RESET, lab.hosts_file, "--limit", h[3], check=False)
    assert rc == 0, again[-6000:]
    assert lab.run(lab.names()[3], "ls -A /etc/docker/certs").stdout.split() == ["operator-note.txt"]
    lab.run(lab.names()[3], "rm -r /etc/docker/certs")
    # The managers one at a time, demoted while others remain, node2 last.
    def changed_in_order(title):
        return [host for name, results in task_results(out) if name == "dockercluster.swarm.swarm_leave : " + title
                for host, statuses in results.items() if "changed" in statuses]
    assert changed_in_order("Leave the swarm") == [h[2], h[0], h[1]]
    assert changed_in_order("Demote this manager, other managers remain") == [h[2], h[0]]
    assert set(swarm_states(lab).values()) == {"inactive"}
    for host in lab.names():
        assert tcp_listeners(lab, host) == [], host
        assert lab.run(host, "test -e /etc/docker/certs", check=False).returncode == 1, host
        starts = lab.run(host, "journalctl -u docker --since '%s' --no-pager | grep -c 'Started '; true" % since)
        assert starts.stdout.strip() == "1", (host, starts.stdout)
    assert snapshot(lab) == lab.before
    assert "tcp://" not in cmdline(lab, lab.names()[2])


def test_daemon_json_method_there_and_back_on_a_socket_activated_unit(lab):
    """method daemon_json on Debian's unit (-H fd://, docker.socket): state absent used to wait out
    restart_timeout for a socket file dockerd had deleted; now back in seconds, files as they were."""
    host = lab.names()[3]
    before = lab.run(host, SNAPSHOT).stdout
    args = ('{"listen": ["unix:///var/run/docker.sock", "tcp://127.0.0.1:2375"], "method": "daemon_json", '
            '"restart_timeout": 20, "state": "%s"}')
    for state in ("present", "absent"):
        res = sh(["ansible", host, "-i", lab.hosts_file, "-m", "dockercluster.swarm.docker_listen_config",
                  "-a", args % state], check=False, cwd=ROOT)
        assert res.returncode == 0 and '"restarted": true' in res.stdout, res.stdout[-3000:]
    assert lab.run(host, SNAPSHOT).stdout == before
    assert lab.run(host, "docker version --format '{{.Server.Version}}'").stdout.strip()


def test_a_second_reset_changes_nothing(lab):
    _rc, out, recap = playbook(RESET, lab.hosts_file)
    assert {h: r["changed"] for h, r in recap.items()} == {h: 0 for h in ["localhost"] + lab.names()}, out[-4000:]


def test_site_forms_a_cluster_again_after_reset(lab):
    site(lab)
    assert ready(lab)
    assert all(answers(lab, lab.names()[0], h, 2375) for h in lab.names())
