"""classic (NOT RUN HERE, no registry): the real swarm:1.2.9 manager sees every node Healthy."""

import re

import pytest

testinfra_hosts = ["dcswarm-mol-classic-m1"]
NODES = ["dcswarm-mol-classic-m1", "dcswarm-mol-classic-a1", "dcswarm-mol-classic-a2"]


def test_manager_info_shows_every_node_healthy(host):
    info = host.check_output("docker -H tcp://127.0.0.1:2376 info")
    assert re.search(r"Server Version: swarm/1\.2\.\d+", info), info
    assert re.search(r"Nodes: 3\b", info), info
    statuses = re.findall(r"\u2514 Status: (\w+)", info)
    assert statuses == ["Healthy"] * 3, info


@pytest.mark.parametrize("name", ["shipyard-swarm-manager"])
def test_manager_container_is_the_guides(host, name):
    out = host.check_output("docker inspect --format '{{json .HostConfig.PortBindings}} "
                            "{{.HostConfig.RestartPolicy.Name}} {{json .Config.Cmd}}' %s" % name)
    assert '"HostPort":"2376"' in out and " always " in out
    assert out.endswith('"nodes://%s"]' % ",".join("%s:2375" % n for n in NODES))
