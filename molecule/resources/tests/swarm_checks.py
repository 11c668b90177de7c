"""The checks every scenario runs on the finished cluster (imported by each scenario's tests).

Whatever the topology: every inventory host is in the cluster and Ready, the managers are
managers (exactly one Leader, the others Reachable), the agents are workers, every engine
answers on the guide's TCP 2375, the managers (only they) on the cluster endpoint 2376, and
docker.service is active and enabled everywhere.
"""

import pytest
from swarmlib import AGENTS, MANAGERS, NODES, address, hostname, leaders, node, node_list, peer, ping, wait_for


@pytest.fixture(scope="module")
def cluster():
    """`docker node ls` on the first manager, once every inventory host is listed and Ready
    (a node just joined may still show Unknown for a few seconds)."""
    want = set(hostname(n) for n in NODES)

    def probe():
        nodes = node_list(MANAGERS[0])
        if nodes and set(nodes) == want and all(s == "Ready" for s, _m in nodes.values()):
            return nodes
        return None

    nodes, _waited = wait_for(probe, 60)
    return nodes or node_list(MANAGERS[0])


def test_every_node_ready(cluster):
    assert cluster is not None, "docker node ls failed on %s" % MANAGERS[0]
    want = sorted(hostname(n) for n in NODES)
    assert sorted(cluster) == want, cluster
    assert {h: s for h, (s, _m) in cluster.items() if s != "Ready"} == {}, cluster


def test_managers_and_workers(cluster):
    assert len(leaders(cluster)) == 1, cluster
    if len(MANAGERS) == 1:
        assert cluster[hostname(MANAGERS[0])][1] == "Leader"
    for name in MANAGERS:
        assert cluster[hostname(name)][1] in ("Leader", "Reachable"), (name, cluster)
    for name in AGENTS:
        assert cluster[hostname(name)][1] == "", "%s should be a worker: %s" % (name, cluster)
        ctl = node(name).check_output("docker info --format '{{.Swarm.ControlAvailable}}'")
        assert ctl == "false"


@pytest.mark.parametrize("name", NODES)
def test_docker_service_active_and_enabled(name):
    service = node(name).service("docker")
    assert service.is_running
    assert service.is_enabled


@pytest.mark.parametrize("name", NODES)
def test_engine_answers_on_tcp_2375(name):
    assert ping(peer(name), address(name), 2375) == "OK"


@pytest.mark.parametrize("name", NODES)
def test_cluster_endpoint_2376_on_managers_only(name):
    answer = ping(peer(name), address(name), 2376)
    if name in MANAGERS:
        assert answer == "OK"
        # The guide's `docker -H manager:2376 info`: the endpoint is a manager of the cluster.
        out = node(peer(name)).check_output(
            "docker -H tcp://%s:2376 info --format '{{.Swarm.ControlAvailable}}'",
            address(name))
        assert out == "true"
    else:
        assert answer == "", "agent %s should not listen on 2376" % name
