"""swarm_nodes_problems: the verify play's check, on the probe's list of nodes."""

import pytest
from ansible_collections.dockercluster.swarm.plugins.filter.swarm_nodes import swarm_nodes_problems
from ansible_collections.dockercluster.swarm.plugins.module_utils.swarm_logic import summarize_nodes


def node(hostname, state='ready', role='worker', node_id=None):
    return {'ID': node_id or hostname, 'Spec': {'Role': role, 'Availability': 'active'},
            'Description': {'Hostname': hostname}, 'Status': {'State': state, 'Addr': '10.0.0.9'}}


CLUSTER = summarize_nodes([node('node1', role='manager'), node('node2.lab.example'), node('node3', 'down')])


def test_every_named_host_ready_is_no_problem():
    assert swarm_nodes_problems(CLUSTER, ['node1', 'node2']) == []


def test_a_node_down_and_a_host_missing_are_named():
    assert swarm_nodes_problems(CLUSTER, ['node1', 'node3', 'node4']) == [
        'not in the cluster: node4', 'not Ready: node3 (down)']


def test_a_host_that_left_and_joined_again_is_ready_by_its_new_node():
    again = CLUSTER + summarize_nodes([node('node3', node_id='n3-again')])
    assert swarm_nodes_problems(again, ['node3']) == []


@pytest.mark.parametrize('nodes', [None, {}, 'nodes'])
def test_no_list_of_nodes_is_a_problem(nodes):
    assert swarm_nodes_problems(nodes, ['node1']) == ['no list of nodes']
