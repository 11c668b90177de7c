"""Day two: node labels, availability and role changes in place, planned from the nodes a manager
lists (swarm_nodes.plan_entries) and made by the swarm_nodes module through a manager's socket (a fake
engine here; tests/lab/test_day_two_nodes.py on real ones), and the demotion Docker's quorum rule refuses."""

import copy
import json

import pytest
from ansible_collections.dockercluster.swarm.plugins.module_utils import (
    swarm_logic as logic,
)
from ansible_collections.dockercluster.swarm.plugins.module_utils import (
    swarm_nodes as plan,
)
from ansible_collections.dockercluster.swarm.plugins.modules import swarm_nodes
from test_docker_ping import JsonEngineHandler, unix_http


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


def plan_nodes(nodes, wanted):
    """What the module plans for the inventory's entries ``wanted``: checked, then planned."""
    return plan.plan_entries(nodes, [plan.validate_wanted(item) for item in wanted])


def test_declared_labels_only_others_stay():
    result = plan_nodes(NODES, [want('a1', labels={'zone': 'b', 'ssd': True})])
    assert result['problem'] == '' and result['missing'] == []
    (change,) = result['changes']
    assert change['node_id'] == 'id-a1' and change['availability'] is None and change['role'] is None
    assert change['labels'] == {'zone': 'b', 'ssd': 'true', 'handmade': 'yes',
                                'dockercluster.swarm.availability-before': 'active'}
    assert change['lines'] == ["label ssd='true' added", "label zone: 'a' -> 'b'"]
    assert result['diff']['before']['a1']['labels']['zone'] == 'a'
    assert result['diff']['after']['a1']['labels']['zone'] == 'b'


def test_an_availability_set_drops_the_one_a_drain_of_ours_noted():
    """a1 carries the label of a drain of ours: once its availability is set, no later run gives that back."""
    (change,) = plan_nodes(NODES, [want('a1', availability='pause')])['changes']
    assert change['availability'] == 'pause' and change['lines'] == ['availability active -> pause']
    assert change['labels'] == {'zone': 'a', 'handmade': 'yes'}
    (change,) = plan_nodes(NODES, [want('a1', labels={'zone': 'b'})])['changes']
    assert 'dockercluster.swarm.availability-before' in change['labels']  # a label change alone keeps it


def test_an_availability_declared_as_it_is_drops_the_one_a_drain_of_ours_noted():
    """a drained node an interrupted run left with its label, now declared drained: the label goes, or the next
    restart of it would give back the availability noted there, against the inventory."""
    nodes = copy.deepcopy(NODES)
    drained = [n for n in nodes if n['Description']['Hostname'] == 'a1'][0]
    drained['Spec']['Availability'] = 'drain'
    (change,) = plan_nodes(nodes, [want('a1', availability='drain')])['changes']
    assert change['availability'] is None and change['labels'] == {'zone': 'a', 'handmade': 'yes'}
    assert change['lines'] == ['label dockercluster.swarm.availability-before removed (availability drain, as declared)']


def test_unchanged_labels_plan_nothing():
    assert plan_nodes(NODES, [want('a1', labels={'zone': 'a'}), want('a2', labels={})])['changes'] == []


def test_a_null_label_is_removed_and_exclusive_removes_the_undeclared_but_our_own():
    (change,) = plan_nodes(NODES, [want('a1', labels={'handmade': None})])['changes']
    assert 'handmade' not in change['labels'] and change['labels']['zone'] == 'a'
    (change,) = plan_nodes(NODES, [want('a1', labels={'zone': 'a'}, exclusive=True)])['changes']
    assert change['labels'] == {'zone': 'a', 'dockercluster.swarm.availability-before': 'active'}
    assert change['lines'] == ["label handmade removed (was 'yes')"]


def test_availability_and_roles_promotions_first_demotions_last():
    result = plan_nodes(NODES, [want('n3', role='worker'), want('a2', availability='drain'),
                                     want('a1', role='manager'), want('n1', role='manager', availability='drain')])
    assert [(c['name'], c['role'], c['availability']) for c in result['changes']] == [
        ('a1', 'manager', None), ('a2', None, 'drain'), ('n1', None, 'drain'), ('n3', 'worker', None)]
    assert result['problem'] == ''  # 2 of 3 managers left: a majority
    assert result['changes'][0]['lines'] == ['promoted (worker -> manager)']


def test_a_demotion_is_refused_only_where_docker_would_lose_the_quorum():
    """Docker's rule (one demotion at a time): the managers that remain keep a reachable majority of themselves."""
    # 3 -> 1 and 2 -> 1: the manager that remains is its own majority.
    assert plan_nodes(NODES, [want('n2', role='worker'), want('n3', role='worker')])['problem'] == ''
    assert plan_nodes(NODES[:2] + NODES[3:], [want('n2', role='worker')])['problem'] == ''
    result = plan_nodes(NODES, [want('n1', role='worker'), want('n2', role='worker'), want('n3', role='worker')])
    assert result['problem'].startswith('Demoting n1, n2, n3 (listed as agents, managers of this cluster) would '
                                        'leave the cluster without a manager. Nothing was changed.')
    # One manager unreachable: demoting another leaves n1 and n3, one of them reachable.
    nodes = NODES[:2] + [node('n3', 'manager', addr='10.0.0.3', reachability='unreachable')] + NODES[3:]
    result = plan_nodes(nodes, [want('n2', role='worker')])
    assert result['problem'].startswith(
        'Demoting n2 (listed as an agent, a manager of this cluster) would leave 2 managers, 1 of them reachable '
        '(2 of 3 reachable now), fewer than their majority (2): the cluster would lose its quorum.'), result['problem']
    # The unreachable one demoted instead: n1 and n2 remain, both reachable.
    assert plan_nodes(nodes, [want('n3', role='worker')])['problem'] == ''


def test_nodes_found_by_id_address_or_name_and_missing_ones_named():
    result = plan_nodes(NODES, [want('host-x', node_id='id-a2', availability='pause'),
                                     want('10.0.0.2', addresses=['10.0.0.2'], availability='drain'),
                                     want('a1.example.com', availability='pause'), want('gone', availability='drain')])
    assert [c['node_id'] for c in result['changes']] == ['id-a2', 'id-n2', 'id-a1']
    assert result['missing'] == ['gone']


def test_a_rejoined_node_is_its_ready_entry():
    nodes = [node('a1', state='down', availability='drain'), dict(node('a1'), ID='id-new')]
    (change,) = plan_nodes(nodes, [want('a1', availability='drain')])['changes']
    assert change['node_id'] == 'id-new'
    # The ID the read found before the run is the old entry's (the host joined again in the run).
    (change,) = plan_nodes(nodes, [want('a1', node_id='id-a1', availability='drain')])['changes']
    assert change['node_id'] == 'id-new'
    # An entry by that ID that is Ready stays the host's.
    nodes = [node('a1', availability='drain'), dict(node('a1', state='down'), ID='id-old')]
    assert plan_nodes(nodes, [want('a1', node_id='id-a1', availability='active')])['changes'][0]['node_id'] == 'id-a1'


@pytest.mark.parametrize('entry, message', [
    (want('a1', availability='sleep'), 'a1: swarm_node_availability must be one of active, pause, drain'),
    (want('a1', labels='zone=a'), 'a1: swarm_node_labels must be a mapping'),
    (want('a1', role='leader'), 'a1: role must be manager or worker'),
])
def test_bad_settings_are_refused_naming_the_host(module_run, tmp_path, entry, message):
    with pytest.raises(ValueError, match=message):
        plan_nodes(NODES, [entry])
    # The module refuses it before it calls the engine (there is none at this socket).
    result, failed = module_run(swarm_nodes.main, {'nodes': [entry], 'docker_socket': str(tmp_path / 'none.sock')})
    assert failed and message in result['msg'] and 'Nothing was changed on the nodes.' in result['msg'], result


# ------------------------------------------------------------------ the module, over a unix socket
class NodesHandler(JsonEngineHandler):
    """GET /nodes, GET /nodes/<id>, POST /nodes/<id>/update (version checked), as a manager answers."""
    nodes = {}
    posts = []

    def do_GET(self):
        if self.path == '/nodes':
            return self.answer(200, json.dumps(list(self.nodes.values())))
        node_id = self.path.split('/')[2]
        if node_id not in self.nodes:
            return self.answer(404, json.dumps({'message': 'node %s not found' % node_id}))
        return self.answer(200, json.dumps(self.nodes[node_id]))

    def do_POST(self):
        body = self.json_body()
        node_id, version = self.path.split('/')[2], int(self.path.split('version=')[1])
        current = self.nodes[node_id]
        if version != current['Version']['Index']:
            return self.answer(500, json.dumps({'message': 'update out of sequence'}))
        self.posts.append((node_id, body))
        current['Spec'] = body
        current['Version']['Index'] += 1
        return self.answer(200, '')

    def do_DELETE(self):
        node_id = self.path.split('/')[2].split('?')[0]
        if self.nodes[node_id]['Spec']['Role'] == 'manager':
            return self.answer(400, json.dumps({'message': 'rpc error: node %s is a cluster manager' % node_id}))
        self.posts.append((self.path, None))
        del self.nodes[node_id]
        return self.answer(200, '')


@pytest.fixture
def engine(tmp_path, monkeypatch):
    nodes = dict((n['ID'], dict(copy.deepcopy(n), Version={'Index': 7})) for n in NODES)
    monkeypatch.setattr(NodesHandler, 'nodes', nodes)
    monkeypatch.setattr(NodesHandler, 'posts', [])
    with unix_http(str(tmp_path / 'docker.sock'), NodesHandler) as path:
        yield path, nodes


def test_the_module_updates_only_the_nodes_that_differ_once(module_run, engine):
    path, nodes = engine
    wanted = [want('a1', labels={'zone': 'b', 'handmade': None}), want('a2', availability='drain'),
              want('n1', role='manager')]
    result, failed = module_run(swarm_nodes.main, {'nodes': wanted, 'docker_socket': path}, diff=True)
    assert not failed, result
    assert result['changed'] and [c['name'] for c in result['changes']] == ['a1', 'a2']
    assert result['summary'] == ["a1: label handmade removed (was 'yes'); label zone: 'a' -> 'b'",
                                 'a2: availability active -> drain']
    assert result['diff']['before']['a2']['availability'] == 'active'
    assert result['diff']['after']['a2']['availability'] == 'drain'
    # The whole spec goes back: the role and the collection's own label stay as they were.
    assert NodesHandler.posts == [
        ('id-a1', {'Role': 'worker', 'Availability': 'active',
                   'Labels': {'zone': 'b', 'dockercluster.swarm.availability-before': 'active'}}),
        ('id-a2', {'Role': 'worker', 'Availability': 'drain', 'Labels': {}})]
    result, failed = module_run(swarm_nodes.main, {'nodes': wanted, 'docker_socket': path})
    assert not failed and not result['changed'] and result['changes'] == [], result
    assert len(NodesHandler.posts) == 2


def test_check_mode_reads_and_predicts_only(module_run, engine):
    path, nodes = engine
    before = copy.deepcopy(nodes)
    result, failed = module_run(swarm_nodes.main, {'nodes': [want('a1', role='manager'), want('new', availability='drain')],
                                                   'docker_socket': path}, check=True)
    assert not failed and result['changed'] and result['summary'] == ['a1: promoted (worker -> manager)']
    assert result['missing'] == ['new']  # a host this run would join: reported, not a failure
    assert NodesHandler.posts == [] and nodes == before


@pytest.mark.parametrize('wanted, words', [
    ([want('a1', availability='pause'), want('gone', availability='drain')], 'No node found in the cluster for gone.'),
    ([want('a1', availability='pause'), want('n1', role='worker'), want('n2', role='worker'), want('n3', role='worker')],
     'would leave the cluster without a manager'),
])
def test_a_missing_node_or_a_demotion_below_majority_fails_with_nothing_changed(module_run, engine, wanted, words):
    path, nodes = engine
    result, failed = module_run(swarm_nodes.main, {'nodes': wanted, 'docker_socket': path})
    assert failed and words in result['msg'] and 'Nothing was changed' in result['msg'], result
    assert NodesHandler.posts == [] and nodes['id-a1']['Spec']['Availability'] == 'active'


def test_an_update_that_races_another_is_made_again(module_run, engine, monkeypatch):
    path, nodes = engine
    real_get = NodesHandler.do_GET
    raced = []

    def get_then_race(handler):
        real_get(handler)
        if handler.path == '/nodes/id-a2' and not raced:
            raced.append(1)
            nodes['id-a2']['Version']['Index'] += 1  # someone updated the node in between
    monkeypatch.setattr(NodesHandler, 'do_GET', get_then_race)
    result, failed = module_run(swarm_nodes.main, {'nodes': [want('a2', availability='pause')], 'docker_socket': path})
    assert not failed and result['changed'], result
    assert NodesHandler.posts == [('id-a2', {'Role': 'worker', 'Availability': 'pause', 'Labels': {}})]
    assert raced == [1]


def test_a_failure_after_a_change_reports_the_change(module_run, engine, monkeypatch):
    """a1 updated, then the engine fails on a2: the run changed the cluster, and says what it did."""
    path, nodes = engine
    real_post = NodesHandler.do_POST

    def post_then_fail(handler):
        if '/nodes/id-a2/' in handler.path:
            handler.json_body()
            return handler.answer(500, json.dumps({'message': 'raft: no leader'}))
        return real_post(handler)
    monkeypatch.setattr(NodesHandler, 'do_POST', post_then_fail)
    wanted = [want('a1', availability='pause'), want('a2', availability='drain')]
    result, failed = module_run(swarm_nodes.main, {'nodes': wanted, 'docker_socket': path})
    assert failed and 'raft: no leader' in result['msg'], result
    assert result['changed'] and [c['name'] for c in result['changes']] == ['a1'], result
    assert nodes['id-a1']['Spec']['Availability'] == 'pause' and nodes['id-a2']['Spec']['Availability'] == 'active'


def test_the_module_names_the_engine_that_failed(module_run, tmp_path):
    result, failed = module_run(swarm_nodes.main, {'nodes': [want('a1', availability='pause')],
                                                   'docker_socket': str(tmp_path / 'none.sock')})
    assert failed and "the cluster's nodes, through the manager engine at unix://" in result['msg'], result


def manager(node_id, managers=3):
    return {'LocalNodeState': 'active', 'ControlAvailable': True, 'NodeID': node_id, 'Cluster': {'ID': 'A'},
            'Managers': managers, 'RemoteManagers': [{'Addr': '10.0.0.%d:2377' % i} for i in (1, 2, 3)]}


def test_the_preflight_leaves_a_demotion_to_swarm_nodes():
    """Which managers answer shows in the nodes list swarm_nodes reads: the preflight refuses no demotion."""
    hosts = [dict(name='m1', manager=True, swarm=manager('m1')), dict(name='m2', manager=False, swarm=manager('m2')),
             dict(name='m3', manager=False, swarm=manager('m3'))]
    found = logic.find_cluster(hosts)
    assert found['id'] == 'A' and found['problem'] == '' and not any(found['refusals'].values()), found


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


def rebuilt(name, role, addr):
    """An inventory host's machine rebuilt: its new node Ready, its old entry Unknown (after a leader
    change; later Down), its Raft address answering (the new node's)."""
    old = dict(node(name, role, addr=addr, state='unknown'), ID='id-%s-old' % name)
    return [old, dict(node(name, role, addr=addr), ID='id-%s-new' % name)]


def test_the_entry_an_earlier_install_left_is_planned_for_removal_only_when_it_is_that():
    nodes = NODES[:2] + rebuilt('n3', 'manager', '10.0.0.3') + NODES[3:]
    result = plan.plan_entries(nodes, [plan.validate_wanted(want('n3', addresses=['10.0.0.3']))], remove_replaced=True)
    assert [(r['name'], r['node_id'], r['role']) for r in result['removals']] == [('n3', 'id-n3-old', 'manager')]
    assert result['changes'] == []
    assert plan.plan_entries(nodes, [plan.validate_wanted(want('n3'))])['removals'] == []  # not asked
    # Not that machine's: another address, another host name, Ready, or the new node not Ready.
    for changed in ({'Status': {'State': 'down', 'Addr': '10.0.0.99'},
                     'ManagerStatus': {'Reachability': 'unreachable', 'Addr': '10.0.0.99:2377'}},
                    {'Description': {'Hostname': 'other'}},
                    {'Status': {'State': 'ready', 'Addr': '10.0.0.3'}}):
        other = nodes[:2] + [dict(nodes[2], **changed)] + nodes[3:]
        assert plan.replaced_entries(other[3], other) == [], changed
    assert plan.replaced_entries(dict(nodes[3], Status={'State': 'down', 'Addr': '10.0.0.3'}), nodes) == []


def test_a_node_just_joined_and_not_ready_yet_is_its_host_s_when_it_is_the_newest():
    old, new = rebuilt('a1', 'worker', '10.0.0.21')
    new['Status']['State'] = 'unknown'
    entry = plan.validate_wanted(want('a1', addresses=['10.0.0.21']))
    # Without creation times: neither is taken for the host's node.
    assert plan.plan_entries([old, new], [entry], remove_replaced=True)['missing'] == ['a1']
    old['CreatedAt'], new['CreatedAt'] = '2026-12-06T20:25:01.9Z', '2026-12-06T20:31:07.12Z'
    result = plan.plan_entries([old, new], [entry], remove_replaced=True)
    assert result['missing'] == [] and [r['node_id'] for r in result['removals']] == ['id-a1-old']
    assert plan.created_at({'CreatedAt': '2026-12-06T20:25:01.9Z'}) > plan.created_at({'CreatedAt': '2026-12-06T20:25:01.12Z'})


def test_the_module_demotes_then_removes_a_rebuilt_managers_old_entry(module_run, engine):
    path, nodes = engine
    del nodes['id-n3']
    for entry in rebuilt('n3', 'manager', '10.0.0.3'):
        nodes[entry['ID']] = dict(entry, Version={'Index': 7})
    args = {'nodes': [want('n3', addresses=['10.0.0.3'], role='manager')], 'docker_socket': path}
    result, failed = module_run(swarm_nodes.main, args, check=True, diff=True)
    assert not failed and result['changed'] and 'id-n3-old' in nodes and NodesHandler.posts == [], result
    assert result['diff']['before']['n3 (entry id-n3-old)']['role'] == 'manager' and result['diff']['after'] == {}
    result, failed = module_run(swarm_nodes.main, args)
    assert not failed and result['changed'], result
    assert result['removed'] == [{'name': 'n3', 'node_id': 'id-n3-old', 'role': 'manager'}]
    assert result['summary'] == ['n3: the entry of its earlier install (id-n3-old, manager, unknown) demoted and removed']
    assert [p[0] for p in NodesHandler.posts] == ['id-n3-old', '/nodes/id-n3-old?force=true']
    assert NodesHandler.posts[0][1]['Role'] == 'worker' and 'id-n3-old' not in nodes and 'id-n3-new' in nodes
    result, failed = module_run(swarm_nodes.main, args)
    assert not failed and not result['changed'] and result['removed'] == [], result
    result, failed = module_run(swarm_nodes.main, dict(args, remove_replaced=False))
    assert not failed and not result['changed'], result


def test_the_unreachable_managers_are_demoted_first():
    """n3 unreachable, n1 and n3 listed as agents: n1 first would leave n2 and n3, one of them reachable, which
    Docker refuses; n3 first leaves n1 and n2, then n2 alone."""
    nodes = NODES[:2] + [node('n3', 'manager', addr='10.0.0.3', reachability='unreachable')] + NODES[3:]
    result = plan_nodes(nodes, [want('n1', role='worker'), want('n3', role='worker'), want('a1', role='manager')])
    assert result['problem'] == '' and [c['name'] for c in result['changes']] == ['a1', 'n3', 'n1']
