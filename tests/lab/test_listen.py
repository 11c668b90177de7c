"""docker_listen_config and the port-setup role on real engines of the three daemon layouts."""

import os
import re

import pytest

from labkit import dockerd_pid, playbook

HERE = os.path.dirname(os.path.abspath(__file__))
LISTEN = os.path.join(HERE, "playbooks", "listen.yml")


@pytest.fixture(scope="module")
def configured(lab3):
    before = {h: lab3.run(h, "cat /etc/sysconfig/docker", check=False).stdout for h in lab3.names()}
    rc, out, recap = playbook(LISTEN, lab3.inventory)
    return before, out, recap


def test_every_kind_answers_on_tcp_from_another_node(lab3, configured):
    hosts = lab3.names()
    for i, host in enumerate(hosts):
        asker = hosts[(i + 1) % len(hosts)]
        res = lab3.run(asker, "docker -H tcp://%s:2375 version --format '{{.Server.Version}}'"
                       % lab3.ip(host))
        assert res.stdout.strip(), "no answer from %s on 2375" % host
    assert all(recap["changed"] >= 1 for recap in configured[2].values()), configured[2]


def test_el7_layout_keeps_the_guides_options(lab3, configured):
    before, _out, _recap = configured
    host = [h for h, a in lab3.hosts.items() if a["lab_node_kind"] == "el7-layout"][0]
    assert "OPTIONS='--selinux-enabled --log-driver=journald'" in before[host]
    after = lab3.run(host, "cat /etc/sysconfig/docker").stdout
    options = [line for line in after.splitlines() if line.startswith("OPTIONS=")]
    assert len(options) == 1, after
    assert options[0].startswith("OPTIONS='--selinux-enabled --log-driver=journald -H ")
    assert "tcp://0.0.0.0:2375" in options[0] and "--tls=false" in options[0]
    # Every other line of the file is untouched.
    assert [line for line in after.splitlines() if not line.startswith("OPTIONS=")] == \
        [line for line in before[host].splitlines() if not line.startswith("OPTIONS=")]
    cmdline = lab3.run(host, "tr '\\0' ' ' < /proc/$(systemctl show -p MainPID --value docker)/cmdline")
    print("el7-layout dockerd:", cmdline.stdout)
    assert "--selinux-enabled --log-driver=journald -H" in cmdline.stdout


def test_second_run_changes_nothing_and_restarts_nothing(lab3, configured):
    pids = {h: dockerd_pid(lab3, h) for h in lab3.names()}
    _rc, _out, recap = playbook(LISTEN, lab3.inventory)
    assert {h: r["changed"] for h, r in recap.items()} == {h: 0 for h in lab3.names()}
    assert {h: dockerd_pid(lab3, h) for h in lab3.names()} == pids


def test_check_mode_changes_nothing(lab3, configured):
    files = ("cat /etc/default/docker /etc/sysconfig/docker /etc/docker/daemon.json "
             "/var/lib/dockercluster/listen-record.json 2>/dev/null; true")
    before = {h: lab3.run(h, files).stdout for h in lab3.names()}
    pids = {h: dockerd_pid(lab3, h) for h in lab3.names()}
    # Asking for another port: every host would change, in check mode none does.
    _rc, out, recap = playbook(LISTEN, lab3.inventory, "--check", "--diff",
                               "-e", '{"docker_listen_addresses": ["tcp://0.0.0.0:2380"]}')
    assert all(r["changed"] >= 1 for r in recap.values()), recap
    assert re.search(r"^\+.*tcp://0\.0\.0\.0:2380", out, re.M), out[-4000:]  # the diff shows what would change
    assert {h: lab3.run(h, files).stdout for h in lab3.names()} == before
    assert {h: dockerd_pid(lab3, h) for h in lab3.names()} == pids


def test_a_change_right_after_three_restarts_is_not_refused_by_systemd(lab3, configured):
    """docker.service allows 3 starts a minute: a fourth, ours, must not fail the run (two runs
    within a minute that change the listener, then the certificates, would)."""
    # debian13's docker.service is Docker's own: StartLimitBurst=3, StartLimitIntervalSec=60.
    host = [h for h, a in lab3.hosts.items() if a["lab_node_kind"] == "debian13"][0]
    assert lab3.run(host, "systemctl show -p StartLimitBurst --value docker").stdout.strip() == "3"
    lab3.run(host, "systemctl reset-failed docker; for i in 1 2 3; do systemctl restart docker; done")
    assert "start-limit" not in lab3.run(host, "systemctl show -p Result --value docker").stdout
    extra = '{"docker_listen_extra_addresses": ["tcp://0.0.0.0:2386"]}'
    _rc, out, recap = playbook(LISTEN, lab3.inventory, "--limit", host, "-e", extra, check=False)
    assert recap[host]["failed"] == 0 and recap[host]["changed"] >= 1, out[-3000:]
    other = [h for h in lab3.names() if h != host][0]
    lab3.run(other, "docker -H tcp://%s:2386 version >/dev/null" % lab3.ip(host))
    # Back to the module's configuration for the tests that follow (a fifth start).
    _rc, out, recap = playbook(LISTEN, lab3.inventory, "--limit", host, check=False)
    assert recap[host]["failed"] == 0, out[-3000:]


def test_refused_configuration_is_rolled_back(lab3, configured):
    """dockerd refuses to start on one host: its files come back byte for byte, docker runs
    again with its containers, the task fails with dockerd's message; the others converge."""
    victim = [h for h, a in lab3.hosts.items() if a["lab_node_kind"] == "debian12"][0]
    others = [h for h in lab3.names() if h != victim]
    # A running container with a restart policy, made from the node's own files.
    lab3.run(victim, "tar -C / -c usr/bin/sleep usr/lib/x86_64-linux-gnu/libc.so.6 "
                     "lib64/ld-linux-x86-64.so.2 2>/dev/null | docker import - dcswarm-sleeper >/dev/null"
                     " && docker run -d --restart=always --name dcswarm-keeper dcswarm-sleeper "
                     "/usr/bin/sleep infinity")
    # An address that is not on the host (TEST-NET-1): only dockerd finds out, when it binds.
    # dockerd's files, the drop-ins and the module's record.
    snapshot = ("sha256sum /etc/default/docker; ls -la /etc/docker /etc/systemd/system/docker.service.d 2>&1; "
                "sha256sum /var/lib/dockercluster/listen-record.json 2>&1")
    before = lab3.run(victim, snapshot).stdout
    _rc, out, recap = playbook(LISTEN, lab3.inventory, "-e",
                               '{"docker_listen_extra_addresses": ["tcp://0.0.0.0:2385"]}',
                               "-e", '{"docker_listen_addresses": ["unix:///var/run/docker.sock", '
                               '"{{ \'tcp://192.0.2.10:2375\' if inventory_hostname == \'%s\' '
                               'else \'tcp://0.0.0.0:2375\' }}"]}' % victim, check=False)
    assert recap[victim]["failed"] == 1, out[-3000:]
    assert "cannot assign requested address" in out
    assert lab3.run(victim, snapshot).stdout == before
    assert lab3.run(victim, "systemctl is-active docker").stdout.strip() == "active"
    assert lab3.run(victim, "docker inspect -f '{{.State.Running}}' dcswarm-keeper").stdout.strip() == "true"
    for host in others:
        assert recap[host]["failed"] == 0 and recap[host]["changed"] >= 1
        lab3.run(victim, "docker -H tcp://%s:2385 version >/dev/null" % lab3.ip(host))
