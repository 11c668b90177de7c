"""site.yml --check (default mutual TLS): on fresh hosts it succeeds, changes nothing and predicts
the run; on a formed cluster with a host added it predicts that host's changes alone.

node1 manager (debian12), node2 agent (debian12-bare: no Docker SDK), node3 agent (debian13);
node4 (el7-layout) is added to swarm_agents once the cluster is formed. The tests run in order.
"""

import os
import subprocess

import pytest

from labkit import ROOT, changed_tasks, dockerd_pid, fatal_lines, node_list, playbook, task_results, tls_lab

SITE = os.path.join(ROOT, "site.yml")
CERTS = "/etc/docker/certs"
# dockerd's configuration in every layout the lab has (and the unit's drop-ins).
CONFIG = ("/etc/default/docker /etc/sysconfig/docker /etc/docker/daemon.json "
          "/etc/systemd/system/docker.service.d/* /etc/systemd/system/docker.service "
          "/var/lib/dockercluster/listen-record.json")

# The tasks that predict the changes (roles/*/tasks), by their titles in the output.
LISTEN_TASK = ("dockercluster.swarm.docker_listen : Apply it and restart docker, at once where no swarm is kept available",
               "dockercluster.swarm.docker_listen : Apply it and restart docker, on this host alone")
CREATE_TASK = ("dockercluster.swarm.swarm_manager : Initialise the cluster on the first manager, and read its join tokens",)
SDK_TASK = ("dockercluster.swarm.docker_sdk : Check mode: the Docker SDK for Python would be installed",)
# An agent's join: reported before the first manager joins the new agents (or made by the agent's own).
JOIN_TASK = ("dockercluster.swarm.swarm_agent : Report each agent about to join the cluster",
             "dockercluster.swarm.swarm_agent : Join the cluster as a worker")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    lab = tls_lab("rcheck", ["debian12", "debian12-bare", "debian13", "el7-layout"], tmp_path_factory)
    yield lab
    lab.down()


def hosts(lab):
    return lab.names()


def inventory(lab, agents, name="hosts"):
    return lab.write_inventory(str(lab.tmp / name), hosts(lab)[:1], agents, insecure=False)


def swarm_state(lab, host):
    return lab.run(host, "docker info --format '{{.Swarm.LocalNodeState}}'").stdout.strip()


def host_state(lab, host):
    """What a run could change on a host: dockerd's PID and configuration, the TLS files, Swarm mode."""
    config = lab.run(host, "for f in %s; do [ -e \"$f\" ] && sha256sum \"$f\"; done; true" % CONFIG).stdout
    return {"pid": dockerd_pid(lab, host), "config": config, "swarm": swarm_state(lab, host),
            "certs": lab.run(host, "test -e %s" % CERTS, check=False).returncode == 0}


def sdk_present(lab, host):
    return lab.run(host, "python3 -c 'import docker'", check=False).returncode == 0


def give_sdk_from_the_local_image(lab, host):
    """Put the Docker SDK on a debian12-bare node from the local debian12 image (the packages the
    image adds), so that the real run's docker_sdk role finds it and fetches nothing from outside."""
    packages = ("python3-docker python3-requests python3-urllib3 python3-websocket python3-idna "
                "python3-certifi python3-chardet python3-charset-normalizer python3-six "
                "python3-pkg-resources python3-distutils python3-lib2to3")
    files = ("dpkg -L %s | while read -r f; do { [ -f \"$f\" ] || [ -L \"$f\" ]; } && echo \"${f#/}\"; done "
             "| tar -C / -cf - -T -" % packages)
    tar = subprocess.Popen(["docker", "run", "--rm", "--network", "none", "--entrypoint", "sh",
                            "dcswarm-node:debian12", "-c", files], stdout=subprocess.PIPE)
    res = subprocess.run(["docker", "exec", "-i", host, "tar", "-C", "/", "-xf", "-"], stdin=tar.stdout,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    tar.stdout.close()
    assert tar.wait() == 0 and res.returncode == 0, res.stdout
    assert sdk_present(lab, host)


def hosts_changed_by(out, titles):
    """Hosts with a changed result in a task of one of these ``titles``."""
    return {host for title, results in task_results(out) if title in titles
            for host, statuses in results.items() if "changed" in statuses}


def results_of(out, titles):
    return [t for t in task_results(out) if t[0] in titles]


def test_check_on_fresh_hosts_succeeds_and_changes_nothing(lab):
    h = hosts(lab)[:3]
    assert not sdk_present(lab, h[1])  # the debian12-bare node
    before = {host: host_state(lab, host) for host in h}
    assert all(s["swarm"] == "inactive" and not s["certs"] for s in before.values()), before
    rc, out, recap = playbook(SITE, inventory(lab, h[1:]), "--check", "--diff", check=False)
    lab.fresh_check = out
    assert rc == 0, out[-6000:]
    assert fatal_lines(out) == [], fatal_lines(out)
    assert set(h) <= set(recap), recap
    assert all(c["failed"] == 0 and c["unreachable"] == 0 for c in recap.values()), recap
    assert all(recap[host]["changed"] > 0 for host in h), recap
    assert {host: host_state(lab, host) for host in h} == before
    assert not sdk_present(lab, h[1])
    assert not os.path.exists(lab.pki), os.listdir(str(lab.tmp))


def test_check_on_fresh_hosts_predicts_the_run(lab):
    h = hosts(lab)[:3]
    out = lab.fresh_check
    assert hosts_changed_by(out, LISTEN_TASK) == set(h), results_of(out, LISTEN_TASK)
    assert h[0] in hosts_changed_by(out, CREATE_TASK), results_of(out, CREATE_TASK)
    assert hosts_changed_by(out, JOIN_TASK) == set(h[1:]), results_of(out, JOIN_TASK)
    assert hosts_changed_by(out, SDK_TASK) == {h[1]}, results_of(out, SDK_TASK)  # the debian12-bare node
    # Every host's changes, by task, for the report when something is missing.
    print({host: changed_tasks(out, host) for host in h})


def test_the_real_run_forms_the_cluster(lab):
    h = hosts(lab)[:3]
    give_sdk_from_the_local_image(lab, h[1])
    rc, out, recap = playbook(SITE, inventory(lab, h[1:]), check=False)
    assert rc == 0, out[-6000:]
    nodes = {n["Hostname"]: n["Status"] for n in node_list(lab, h[0])}
    assert nodes == {host: "Ready" for host in h}, nodes


def test_check_with_a_host_added_predicts_its_changes_alone(lab):
    h = hosts(lab)
    new = h[3]
    before = {host: host_state(lab, host) for host in h}
    rc, out, recap = playbook(SITE, inventory(lab, h[1:], "hosts4"), "--check", check=False)
    assert rc == 0, out[-6000:]
    assert fatal_lines(out) == [], fatal_lines(out)
    assert recap[new]["changed"] > 0 and recap[new]["failed"] == 0, recap
    assert all(c["changed"] == 0 and c["failed"] == 0 for host, c in recap.items() if host != new), recap
    assert set(h) <= set(recap), recap
    # What it predicts for the new host: its listener and its join, nothing for the others.
    assert hosts_changed_by(out, LISTEN_TASK) == {new}, results_of(out, LISTEN_TASK)
    assert hosts_changed_by(out, JOIN_TASK) == {new}, results_of(out, JOIN_TASK)
    assert hosts_changed_by(out, CREATE_TASK) == set()
    assert hosts_changed_by(out, SDK_TASK) == set()
    assert {host: host_state(lab, host) for host in h} == before
    assert new not in {n["Hostname"] for n in node_list(lab, h[0])}
