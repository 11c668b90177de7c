"""A Python 2 set as a host's interpreter (CentOS 7's only Python) is refused by the inventory check,
on the controller, before any host changes, naming the fix (issue 23, item 4). The lab's nodes have
/usr/bin/python3 only: the check reads the inventory, so a python2.7 that does not exist is enough.
The read's own refusal of a Python 2 that ran it is tests/unit/test_python2_refused.py (a real 2.7)."""

import os

import pytest

from labkit import ROOT, Lab, playbook

SITE = os.path.join(ROOT, "site.yml")
FINGERPRINT = ("cat /etc/default/docker /etc/sysconfig/docker /etc/docker/daemon.json 2>/dev/null | sha256sum; "
               "ls /etc/systemd/system/docker.service.d /etc/docker/certs 2>/dev/null; systemctl show -p MainPID docker; "
               "docker info --format '{{.Swarm.LocalNodeState}}'; docker ps -aq | sort")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    lab = Lab("tpy2", 2, kinds=["debian12", "el7-layout"])
    lab.tmp = tmp_path_factory.mktemp("py2")
    yield lab
    lab.down()


def test_a_python2_interpreter_is_refused_before_any_host_changes(lab):
    manager, agent = lab.names()
    inventory = lab.write_inventory(str(lab.tmp / "hosts"), [manager], [agent],
                                    host_vars={agent: "ansible_python_interpreter=/usr/bin/python2.7"})
    before = {h: lab.run(h, FINGERPRINT).stdout for h in (manager, agent)}
    rc, out, _recap = playbook(SITE, inventory, check=False)
    assert rc != 0, out[-2000:]
    assert "Python 2 is set as ansible_python_interpreter on %s (/usr/bin/python2.7)" % agent in out, out[-3000:]
    assert "Install python3" in out and "ansible_python_interpreter=/usr/bin/python3" in out
    assert manager not in out.split("PLAY RECAP", 1)[1], "a cluster host was reached"
    assert {h: lab.run(h, FINGERPRINT).stdout for h in (manager, agent)} == before
