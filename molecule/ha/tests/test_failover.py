"""ha: Raft at work. Runs after test_default.py (molecule passes the files sorted), and its own
tests run in order: the destructive one, stopping the leader's engine, comes last. What each
manager sees is asked as the operator asks it (swarmlib.node_list): with mutual TLS, `docker node
ls` from another node with the operator's certificate on that manager's 2376.
"""

import os
import sys
import time

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "resources", "tests"))

from swarmlib import MANAGERS, NODES, hostname, leaders, node, node_list, wait_for  # noqa: E402

ELECTION_TIMEOUT = 60   # seconds for the remaining managers to elect a new leader
REJOIN_TIMEOUT = 120    # seconds for the restarted engine to be Ready again (a restart is ~17 s)


def _names_by_hostname():
    return {hostname(n): n for n in NODES}


def test_one_leader_and_every_manager_reachable():
    assert len(MANAGERS) == 3
    nodes = node_list(MANAGERS[0])
    assert nodes is not None
    statuses = sorted(nodes[hostname(m)][1] for m in MANAGERS)
    assert statuses == ["Leader", "Reachable", "Reachable"], nodes
    # Every manager answers for the cluster, not only the first one.
    for name in MANAGERS:
        assert node_list(name) == nodes, name


@pytest.fixture(scope="module")
def stopped_leader():
    """Stop the engine of the current leader (docker.socket too, so that nothing re-activates
    it), yield its inventory name, and make sure it runs again afterwards whatever happened."""
    nodes = node_list(MANAGERS[0])
    assert nodes is not None
    (leader_hostname,) = leaders(nodes)
    leader = _names_by_hostname()[leader_hostname]
    node(leader).run("systemctl stop docker.socket")  # absent or masked on el7-layout: ignored
    node(leader).check_output("systemctl stop docker.service")
    try:
        yield leader
    finally:
        node(leader).run("systemctl start docker.socket")
        node(leader).run("systemctl start docker.service")


def test_new_leader_elected_when_the_leader_stops(stopped_leader):
    assert not node(stopped_leader).service("docker").is_running
    others = [m for m in MANAGERS if m != stopped_leader]
    old = hostname(stopped_leader)

    def probe():
        for name in others:
            nodes = node_list(name)
            if nodes and leaders(nodes) and leaders(nodes) != [old]:
                return name, nodes
        return None

    found, waited = wait_for(probe, ELECTION_TIMEOUT)
    assert found, "no new leader within %d s (old leader %s)" % (ELECTION_TIMEOUT, old)
    via, nodes = found
    print("new leader %s after %.0f s, seen from %s" % (leaders(nodes), waited, via))
    assert leaders(nodes)[0] != old
    # The cluster still answers `docker node ls` from each remaining manager.
    for name in others:
        assert node_list(name) is not None, name


def test_old_leader_rejoins_when_its_engine_starts(stopped_leader):
    started = time.time()
    node(stopped_leader).run("systemctl start docker.socket")
    node(stopped_leader).check_output("systemctl start docker.service")
    want = set(hostname(n) for n in NODES)
    old = hostname(stopped_leader)
    other = [m for m in MANAGERS if m != stopped_leader][0]

    def rejoined(nodes):
        return (nodes and set(nodes) == want and all(s == "Ready" for s, _m in nodes.values())
                and nodes[old][1] in ("Reachable", "Leader") and len(leaders(nodes)) == 1)

    def probe():
        # The old leader answers for the cluster again, and another manager agrees.
        views = (node_list(stopped_leader), node_list(other))
        return views if all(rejoined(v) for v in views) else None

    views, _waited = wait_for(probe, REJOIN_TIMEOUT)
    assert views, "%s not back Ready within %d s: %s / %s" % (
        old, REJOIN_TIMEOUT, node_list(stopped_leader), node_list(other))
    nodes = views[1]
    print("%s Ready again (%s) %.0f s after `systemctl start docker`"
          % (old, nodes[old][1], time.time() - started))
    assert sorted(nodes[hostname(m)][1] for m in MANAGERS) == ["Leader", "Reachable", "Reachable"]
