"""Real fleets (issue 23, items 2 and 5): an inventory the way operators write one, hosts named by
their IP addresses and reached over SSH as an unprivileged user with sudo, with the default
mutual TLS. No connection plugin of the lab's: ansible's own ssh, `ops` with a key of this test's,
and become by sudo (the host plays become root by default: swarm_become).

node1 manager, node2 and node3 agents, all `debian12-ssh` (lab/images/debian12-ssh). In order.
"""

import os

import pytest

from labkit import ROOT, fatal_lines, node_list, playbook, sh, tls_lab, unchanged

SITE = os.path.join(ROOT, "site.yml")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    lab = tls_lab("ssh", ["debian12-ssh"] * 3, tmp_path_factory)
    key = str(lab.tmp / "id_ed25519")
    sh(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key])
    with open(key + ".pub") as f:
        public = f.read().strip()
    known_hosts = str(lab.tmp / "known_hosts")
    for host in lab.names():
        lab.run(host, "echo '%s' > /home/ops/.ssh/authorized_keys && chown ops: /home/ops/.ssh/authorized_keys"
                      " && chmod 0600 /home/ops/.ssh/authorized_keys" % public)
    keys = sh(["ssh-keyscan", "-T", "10", "-t", "ed25519"] + [lab.ip(h) for h in lab.names()]).stdout
    with open(known_hosts, "w") as f:
        f.write(keys)
    ips = [lab.ip(h) for h in lab.names()]
    lab.inventory_ssh = str(lab.tmp / "hosts")
    with open(lab.inventory_ssh, "w") as f:
        f.write("\n".join(["[swarm_managers]", ips[0], "", "[swarm_agents]"] + ips[1:] + [
            "", "[all:vars]", "ansible_user=ops", "ansible_ssh_private_key_file=" + key,
            "ansible_ssh_common_args='-o UserKnownHostsFile=%s'" % known_hosts,
            "ansible_python_interpreter=/usr/bin/python3"]) + "\n")
    yield lab
    lab.down()


def test_the_inventory_reaches_each_host_as_ops_and_sudo_makes_it_root(lab):
    for become, user in (([], "ops"), (["--become"], "root")):
        res = sh(["ansible", "all", "-i", lab.inventory_ssh, "-m", "ansible.builtin.command", "-a", "id -un",
                  "-o"] + become, check=False, cwd=ROOT)
        assert res.returncode == 0, res.stdout + res.stderr
        lines = [line for line in res.stdout.splitlines() if "rc=0" in line]
        assert len(lines) == 3 and all(line.endswith(user) for line in lines), res.stdout


def test_site_forms_the_cluster_over_ssh_with_sudo(lab):
    rc, out, recap = playbook(SITE, lab.inventory_ssh, check=False)
    assert rc == 0, out[-6000:]
    assert fatal_lines(out) == [], fatal_lines(out)
    assert set(recap) == {"localhost"} | {lab.ip(h) for h in lab.names()}, recap
    h = lab.names()
    nodes = {n["Hostname"]: (n["Status"], n["ManagerStatus"] or "worker") for n in node_list(lab, h[0])}
    assert nodes == {h[0]: ("Ready", "Leader"), h[1]: ("Ready", "worker"), h[2]: ("Ready", "worker")}
    # The run's own check (through the cluster endpoint) found every host named by its IP.
    assert "Nodes: 3" in out, out[-3000:]


def test_a_second_run_over_ssh_changes_nothing(lab):
    rc, out, recap = playbook(SITE, lab.inventory_ssh, check=False)
    assert rc == 0, out[-6000:]
    assert unchanged(recap, ["localhost"] + [lab.ip(host) for host in lab.names()]), recap
