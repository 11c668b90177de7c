"""Day two (issue 22): node labels, availability and role changes in place, planned from the
nodes a manager lists (swarm_nodes.plan_nodes, the swarm_node_plan filter), and the demotion below
majority the preflight refuses before any change (swarm_logic.find_cluster)."""

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.dockercluster.swarm.plugins.filter.swarm_nodes import swarm_node_plan
from ansible_collections.dockercluster.swarm.plugins.module_utils import (
    swarm_logic as logic,
)
from ansible_collections.dockercluster.swarm.plugins.module_utils import (
    swarm_nodes as plan,
)


def node(name, role='worker', labels=None, availability='active', addr=None, reachability='reachable',
         state='ready'):
    result = {'ID': 'id-' + name, 'Spec': {'Role': role, 'Availability': availability, 'Labels': labels or {}},
              'Description': {'Hostname': name}, 'Status': {'State': state, 'Addr': addr or '0.0.0.0'}}
    if role == 'manager':
        result['ManagerStatus'] = {'Reachability': reachability, 'Addr': (addr or '10.0.0.9') + ':2377'}
    return result


NODES = [node('n1', 'manager', addr='10.0.0.1'), node('n2', 'manager', addr='10.0.0.2'),
         node('n3', 'manager', addr='10.0.0.3'),
         node('a1', labels={'zone': 'a', 'handmade': 'yes', 'dockercluster.swarm.availability-before': 'active'}),
         node('a2')]


def want(name, **kwargs):
    return dict(dict(name=name, node_id='', addresses=[], role=''), **kwargs)


def test_declared_labels_only_others_stay():
    result = plan.plan_nodes(NODES, [want('a1', labels={'zone': 'b', 'ssd': True})])
    assert result['problem'] == '' and result['missing'] == []
    (change,) = result['changes']
    assert change['node_id'] == 'id-a1' and change['availability'] is None and change['role'] is None
    assert change['labels'] == {'zone': 'b', 'ssd': 'true', 'handmade': 'yes',
                                'dockercluster.swarm.availability-before': 'active'}
    assert change['lines'] == ["label ssd='true' added", "label zone: 'a' -> 'b'"]
    assert result['diff']['before']['a1']['labels']['zone'] == 'a'
    assert result['diff']['after']['a1']['labels']['zone'] == 'b'


def test_unchanged_labels_plan_nothing():
    assert plan.plan_nodes(NODES, [want('a1', labels={'zone': 'a'}), want('a2', labels={})])['changes'] == []


def test_a_null_label_is_removed_and_exclusive_removes_the_undeclared_but_our_own():
    (change,) = plan.plan_nodes(NODES, [want('a1', labels={'handmade': None})])['changes']
    assert 'handmade' not in change['labels'] and change['labels']['zone'] == 'a'
    (change,) = plan.plan_nodes(NODES, [want('a1', labels={'zone': 'a'}, exclusive=True)])['changes']
    assert change['labels'] == {'zone': 'a', 'dockercluster.swarm.availability-before': 'active'}
    assert change['lines'] == ["label handmade removed (was 'yes')"]


def test_availability_and_roles_promotions_first_demotions_last():
    result = plan.plan_nodes(NODES, [want('n3', role='worker'), want('a2', availability='drain'),
                                     want('a1', role='manager'), want('n1', role='manager', availability='drain')])
    assert [(c['name'], c['role'], c['availability']) for c in result['changes']] == [
        ('a1', 'manager', None), ('a2', None, 'drain'), ('n1', None, 'drain'), ('n3', 'worker', None)]
    assert result['problem'] == ''  # 2 of 3 managers left: a majority
    assert result['changes'][0]['lines'] == ['promoted (worker -> manager)']


def test_a_demotion_below_majority_is_refused_naming_the_numbers():
    result = plan.plan_nodes(NODES, [want('n2', role='worker'), want('n3', role='worker')])
    assert result['problem'].startswith('Demoting n2, n3 (listed as agents, managers of this cluster) would leave '
                                        '1 of its 3 managers, fewer than a majority (2)')
    # One manager already unreachable: demoting one more leaves a single reachable one.
    nodes = NODES[:2] + [node('n3', 'manager', addr='10.0.0.3', reachability='unreachable')] + NODES[3:]
    result = plan.plan_nodes(nodes, [want('n2', role='worker')])
    assert 'would leave 1 of its 3 managers reachable (2 reachable now), fewer than a majority (2)' \
        in result['problem']


def test_nodes_found_by_id_address_or_name_and_missing_ones_named():
    result = plan.plan_nodes(NODES, [want('host-x', node_id='id-a2', availability='pause'),
                                     want('10.0.0.2', addresses=['10.0.0.2'], availability='drain'),
                                     want('a1.example.com', availability='pause'), want('gone', availability='drain')])
    assert [c['node_id'] for c in result['changes']] == ['id-a2', 'id-n2', 'id-a1']
    assert result['missing'] == ['gone']


def test_a_rejoined_node_is_its_ready_entry():
    nodes = [node('a1', state='down', availability='drain'), dict(node('a1'), ID='id-new')]
    (change,) = plan.plan_nodes(nodes, [want('a1', availability='drain')])['changes']
    assert change['node_id'] == 'id-new'


@pytest.mark.parametrize('entry, message', [
    (want('a1', availability='sleep'), 'a1: swarm_node_availability must be one of active, pause, drain'),
    (want('a1', labels='zone=a'), 'a1: swarm_node_labels must be a mapping'),
    (want('a1', role='leader'), 'a1: role must be manager or worker'),
])
def test_bad_settings_are_refused_naming_the_host(entry, message):
    with pytest.raises(AnsibleFilterError, match=message):
        swarm_node_plan(NODES, [entry])


def manager(node_id, managers=3):
    return {'LocalNodeState': 'active', 'ControlAvailable': True, 'NodeID': node_id, 'Cluster': {'ID': 'A'},
            'Managers': managers, 'RemoteManagers': [{'Addr': '10.0.0.%d:2377' % i} for i in (1, 2, 3)]}


def test_the_preflight_refuses_a_demotion_below_majority_before_any_change():
    hosts = [dict(name='m1', manager=True, swarm=manager('m1')), dict(name='m2', manager=False, swarm=manager('m2')),
             dict(name='m3', manager=False, swarm=manager('m3'))]
    found = logic.find_cluster(hosts)
    assert found['id'] == 'A' and found['problem'].startswith(
        'Demoting m2, m3 (listed as agents, managers of this cluster) would leave 1 of its 3 managers, fewer than '
        'a majority (2): the cluster would lose its quorum. Nothing was changed.')
    hosts[2]['manager'] = True  # one demotion: 2 of 3 left
    assert logic.find_cluster(hosts)['problem'] == ''


def test_the_inventory_check_names_bad_node_settings_before_any_change():
    from ansible_collections.dockercluster.swarm.plugins.plugin_utils.inventory_checks import inventory_problems

    settings = {'a1': {'swarm_node_labels': "{'zone': 'a'}", 'swarm_node_availability': 'sleep'},
                'a2': {'swarm_node_labels': {'zone': ['a']}, 'swarm_node_labels_exclusive': 'maybe'},
                'm1': {'swarm_manager_availability': 'drained', 'swarm_node_labels': None},
                'ok': {'swarm_node_labels': {'zone': 'a', 'ssd': True, 'old': None}, 'swarm_node_availability': 'drain'}}
    problems = inventory_problems(['m1'], ['a1', 'a2', 'ok'], {}, node_settings=settings)
    assert problems == [
        "Node settings: a1: swarm_node_labels must be a mapping (label: value), not \"{'zone': 'a'}\" (an INI [...:vars] "
        "value is a string: set it in YAML, host_vars or group_vars).",
        "Node settings: a1: swarm_node_availability must be one of active, pause, drain (or empty: left as it is), "
        "not 'sleep'.",
        "Node settings: a2: swarm_node_labels: 'zone': ['a'] is not a label (a name and a string, number, boolean, or "
        "null to remove it).",
        "Node settings: a2: swarm_node_labels_exclusive 'maybe' is not true or false.",
        "Node settings: m1: swarm_manager_availability must be one of active, pause, drain (or empty: left as it is), "
        "not 'drained'.",
    ]
