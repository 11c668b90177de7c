"""Pure Swarm-mode logic: addresses, validation, membership, plans, summaries."""

import pytest
from ansible_collections.dockercluster.swarm.plugins.module_utils import (
    swarm_logic as logic,
)

CLUSTER = 'abcdefghijklmnopqrstuvwxy'
OTHER = 'zyxwvutsrqponmlkjihgfedcb'
TOKEN = 'SWMTKN-1-' + 'a' * 50 + '-' + 'b' * 25


def swarm(state='active', manager=True, cluster=CLUSTER, managers=('10.0.0.1:2377',), node_id='n1', error=''):
    info = {'LocalNodeState': state, 'ControlAvailable': manager, 'NodeID': node_id, 'NodeAddr': '10.0.0.9',
            'Error': error, 'RemoteManagers': [{'NodeID': f'm{i}', 'Addr': a} for i, a in enumerate(managers)]}
    if manager and cluster:
        info['Cluster'] = {'ID': cluster}
    return info


# ------------------------------------------------------------- addresses

@pytest.mark.parametrize('given, expected', [
    ('10.0.0.1', '10.0.0.1:2377'),
    ('10.0.0.1:2377', '10.0.0.1:2377'),
    ('10.0.0.1:3000', '10.0.0.1:3000'),
    (' 10.0.0.1 ', '10.0.0.1:2377'),
    ('fe80::1', '[fe80::1]:2377'),
    ('[fe80::1]', '[fe80::1]:2377'),
    ('[fe80::1]:2400', '[fe80::1]:2400'),
    ('[FE80:0:0::1]:2377', '[fe80::1]:2377'),
    ('2001:db8::10', '[2001:db8::10]:2377'),
    ('Manager1.Example.com', 'manager1.example.com:2377'),
    ('node-1:2377', 'node-1:2377'),
    ('node_1', 'node_1:2377'),
])
def test_normalize_manager_addr(given, expected):
    assert logic.normalize_manager_addr(given) == expected


@pytest.mark.parametrize('given, fragment', [
    ('', 'empty'),
    ('10.0.0.1:0', 'invalid port'),
    ('10.0.0.1:65536', 'invalid port'),
    ('10.0.0.1:abc', 'invalid port'),
    ('[fe80::1', 'unbalanced'),
    ('[10.0.0.1]:2377', 'not an IPv6'),
    ('[fe80::1]x', 'unexpected'),
    ('fe80::zz', 'neither'),
    ('0.0.0.0', 'unspecified'),
    ('bad host', 'not an IP address or a host name'),
    ('-bad', 'not an IP address or a host name'),
    ('a..b', 'not an IP address or a host name'),
])
def test_normalize_manager_addr_rejects(given, fragment):
    with pytest.raises(ValueError) as exc:
        logic.normalize_manager_addr(given)
    assert fragment in str(exc.value)


def test_normalize_manager_addrs_dedups_keeping_order():
    assert logic.normalize_manager_addrs(['10.0.0.2', '10.0.0.1:2377', '10.0.0.2:2377']) == \
        ['10.0.0.2:2377', '10.0.0.1:2377']
    assert logic.normalize_manager_addrs(None) == []


def test_bad_address_is_named():
    with pytest.raises(ValueError) as exc:
        logic.normalize_manager_addrs(['10.0.0.1', '10.0.0.2:99999'])
    assert '10.0.0.2:99999' in str(exc.value)


def test_split_host_port():
    assert logic.split_host_port('h') == ('h', None)
    assert logic.split_host_port('h', 5) == ('h', 5)
    assert logic.split_host_port('h:7') == ('h', 7)
    assert logic.split_host_port('[::1]:7') == ('::1', 7)
    assert logic.split_host_port('::1', 9) == ('::1', 9)


def test_addr_host():
    assert logic.addr_host('10.0.0.1:2377') == '10.0.0.1'
    assert logic.addr_host('[FE80::1]:2377') == 'fe80::1'
    assert logic.addr_host('Node1:2377') == 'node1'
    assert logic.addr_host('[bad') == ''


def test_expand_manager_addrs_adds_resolved_ips():
    resolved = logic.expand_manager_addrs(['m1:2377', '10.0.0.5'],
                                          lambda h: ['10.0.0.1', 'fe80::1', 'junk'] if h == 'm1' else [])
    assert resolved == ['m1:2377', '10.0.0.5:2377', '10.0.0.1:2377', '[fe80::1]:2377']
    assert logic.expand_manager_addrs(['m1']) == ['m1:2377']


@pytest.mark.parametrize('value', ['0.0.0.0:2377', '10.0.0.1', 'eth0:2377', 'eth0', '[::]:2377', 'ens3.100:2377'])
def test_listen_addr_ok(value):
    assert logic.validate_listen_addr(value) == value


@pytest.mark.parametrize('value', ['eth0:port', 'bad iface:2377', '10.0.0.1:70000', ''])
def test_listen_addr_bad(value):
    with pytest.raises(ValueError) as exc:
        logic.validate_listen_addr(value)
    assert str(exc.value).startswith('listen_addr')


@pytest.mark.parametrize('value', ['10.0.0.1', '10.0.0.1:2377', '[fe80::1]:2377', 'fe80::1'])
def test_advertise_addr_ok(value):
    assert logic.validate_advertise_addr(value) == value


@pytest.mark.parametrize('value, fragment', [
    ('eth0', 'advertise_interface'),
    ('0.0.0.0', 'unspecified'),
    ('10.0.0.1:0', 'invalid port'),
])
def test_advertise_addr_bad(value, fragment):
    with pytest.raises(ValueError) as exc:
        logic.validate_advertise_addr(value)
    assert fragment in str(exc.value)
    assert 'advertise_addr' in str(exc.value)


def test_data_path_addr():
    assert logic.validate_data_path_addr('10.1.1.1') == '10.1.1.1'
    assert logic.validate_data_path_addr('eth1') == 'eth1'
    with pytest.raises(ValueError) as exc:
        logic.validate_data_path_addr('10.1.1.1:4789')
    assert '10.1.1.1:4789' in str(exc.value)


def test_interface_name():
    assert logic.validate_interface('eth0') == 'eth0'
    for bad in ('', 'a' * 16, 'eth 0', 'eth0/1'):
        with pytest.raises(ValueError):
            logic.validate_interface(bad)


def test_addr_pools_ok():
    assert logic.validate_addr_pools(['10.20.0.0/16', '10.30.0.0/16'], 24) == ['10.20.0.0/16', '10.30.0.0/16']
    assert logic.validate_addr_pools(None) == []
    assert logic.validate_addr_pools([], 16) == []


@pytest.mark.parametrize('pools, size, fragment', [
    (['10.20.0.0'], None, 'not a CIDR block'),
    (['10.20.0.1/16'], None, "'10.20.0.1/16' is not a valid CIDR"),
    (['10.300.0.0/16'], None, 'not a valid CIDR'),
    (['10.20.0.0/26'], 24, 'smaller than subnet_size'),
    (['10.0.0.0/8', '10.20.0.0/16'], None, 'overlaps'),
    (['10.20.0.0/16'], 15, 'subnet_size: 15'),
    (['10.20.0.0/16'], 29, 'out of range'),
])
def test_addr_pools_bad(pools, size, fragment):
    with pytest.raises(ValueError) as exc:
        logic.validate_addr_pools(pools, size)
    assert fragment in str(exc.value)


def test_join_token():
    assert logic.validate_join_token(TOKEN) == TOKEN
    with pytest.raises(ValueError) as exc:
        logic.validate_join_token('SWMTKN-1-secretpart')
    assert 'secretpart' not in str(exc.value)
    with pytest.raises(ValueError) as exc:
        logic.validate_join_token('hunter2')
    assert 'hunter2' not in str(exc.value)


# -------------------------------------------------------- ip(8) parsing

ADDR_SHOW = (
    '2: eth0    inet 172.17.0.2/16 brd 172.17.255.255 scope global eth0\\       valid_lft forever preferred_lft forever\n'
    '2: eth0    inet 172.17.0.9/16 scope global secondary eth0\\       valid_lft forever preferred_lft forever\n'
)


def test_parse_ip_addr_show():
    addrs = logic.parse_ip_addr_show(ADDR_SHOW + 'garbage line\n3: x inet nope\n')
    assert [a['addr'] for a in addrs] == ['172.17.0.2', '172.17.0.9']
    assert addrs[0] == {'ifname': 'eth0', 'addr': '172.17.0.2', 'prefixlen': 16, 'scope': 'global', 'secondary': False}
    assert addrs[1]['secondary'] is True


def test_pick_interface_addr_prefers_global_primary():
    out = ('1: lo    inet 127.0.0.1/8 scope host lo\n'
           '5: eth1@if6    inet 10.0.0.7/24 scope global secondary eth1\n'
           '5: eth1@if6    inet 10.0.0.5/24 scope global eth1\n')
    assert logic.pick_interface_addr(out) == '10.0.0.5'
    assert logic.parse_ip_addr_show(out)[1]['ifname'] == 'eth1'
    assert logic.pick_interface_addr('1: lo    inet 127.0.0.1/8 scope host lo\n') == '127.0.0.1'
    assert logic.pick_interface_addr('') is None


def test_parse_route_get():
    out = '1.1.1.1 via 172.17.0.1 dev eth0 src 172.17.0.2 uid 0 \n    cache \n'
    assert logic.parse_route_get(out) == {'via': '172.17.0.1', 'dev': 'eth0', 'src': '172.17.0.2'}
    assert logic.parse_route_get('') == {}


def test_parse_route_show_default():
    out = ('10.0.0.0/24 dev eth1 proto kernel scope link src 10.0.0.5\n'
           'default via 192.168.1.1 dev eth0 proto dhcp src 192.168.1.20 metric 100\n')
    assert logic.parse_route_show_default(out) == {'via': '192.168.1.1', 'dev': 'eth0', 'src': '192.168.1.20'}
    assert logic.parse_route_show_default('default via 10.0.0.1 dev ens3\n') == {'via': '10.0.0.1', 'dev': 'ens3'}
    assert logic.parse_route_show_default('\n10.0.0.0/24 dev eth1\n') == {}


class FakeRun:
    def __init__(self, answers):
        self.answers = answers
        self.calls = []

    def __call__(self, argv):
        self.calls.append(' '.join(argv))
        return self.answers.get(' '.join(argv), (1, '', 'no'))


def test_choose_advertise_given_wins():
    run = FakeRun({})
    assert logic.choose_advertise_addr(run, '10.0.0.3', 'eth0') == ('10.0.0.3', 'advertise_addr')
    assert run.calls == []


def test_choose_advertise_interface():
    run = FakeRun({'ip -4 -o addr show dev eth0': (0, ADDR_SHOW, '')})
    assert logic.choose_advertise_addr(run, None, 'eth0') == ('172.17.0.2', 'interface eth0')


def test_choose_advertise_interface_without_ipv4_fails():
    run = FakeRun({'ip -4 -o addr show dev eth9': (1, '', 'Device "eth9" does not exist.')})
    with pytest.raises(ValueError) as exc:
        logic.choose_advertise_addr(run, None, 'eth9')
    assert 'eth9' in str(exc.value) and 'does not exist' in str(exc.value)


def test_choose_advertise_route_get():
    run = FakeRun({'ip -4 route get 1.1.1.1': (0, '1.1.1.1 via 10.0.0.1 dev eth0 src 10.0.0.5 uid 0\n', '')})
    assert logic.choose_advertise_addr(run) == ('10.0.0.5', 'route to 1.1.1.1')


def test_choose_advertise_default_route_src_then_dev():
    run = FakeRun({'ip -4 route show default': (0, 'default via 10.0.0.1 dev eth0 src 10.0.0.6\n', '')})
    assert logic.choose_advertise_addr(run) == ('10.0.0.6', 'default route')
    run = FakeRun({'ip -4 route show default': (0, 'default via 10.0.0.1 dev eth0\n', ''),
                   'ip -4 -o addr show dev eth0': (0, ADDR_SHOW, '')})
    assert logic.choose_advertise_addr(run) == ('172.17.0.2', 'default route device eth0')


def test_choose_advertise_nothing_leaves_it_to_the_engine():
    run = FakeRun({})
    assert logic.choose_advertise_addr(run) == (None, 'engine')
    assert run.calls == ['ip -4 route get 1.1.1.1', 'ip -4 route show default']


# ------------------------------------------------------------ membership

def test_swarm_section_accepts_full_info():
    assert logic.local_state({'Swarm': swarm('pending')}) == 'pending'
    assert logic.local_state({}) == 'inactive'
    assert logic.is_manager({'Swarm': swarm()}) is True
    assert logic.is_manager(swarm(manager=False)) is False
    assert logic.is_manager(swarm(state='locked')) is False


def test_membership_facts():
    facts = logic.membership_facts(swarm(managers=('10.0.0.2:2377', '10.0.0.1')))
    assert facts['role'] == 'manager'
    assert facts['cluster_id'] == CLUSTER
    assert facts['manager_addrs'] == ['10.0.0.1:2377', '10.0.0.2:2377']
    assert facts['node_addr'] == '10.0.0.9'
    worker = logic.membership_facts(swarm(manager=False))
    assert worker['role'] == 'worker' and worker['cluster_id'] is None
    assert logic.membership_facts({'LocalNodeState': 'inactive'})['role'] is None


MANAGERS = ['10.0.0.1:2377']


@pytest.mark.parametrize('info, addrs, cluster_id, role, expected', [
    ({'LocalNodeState': 'inactive'}, MANAGERS, None, 'manager', 'absent'),
    ({'LocalNodeState': ''}, [], None, 'worker', 'absent'),
    ({}, [], None, 'worker', 'absent'),
    (swarm('pending'), MANAGERS, None, 'worker', 'pending'),
    (swarm('locked'), [], None, 'manager', 'locked'),
    (swarm('error'), [], None, 'manager', 'error'),
    (swarm('weird'), [], None, 'manager', 'error'),
    # manager, identified by cluster ID
    (swarm(), [], CLUSTER, 'manager', 'same_cluster_same_role'),
    (swarm(), [], OTHER, 'manager', 'other_cluster'),
    (swarm(), MANAGERS, OTHER, 'manager', 'other_cluster'),  # the ID wins over addresses
    (swarm(), [], CLUSTER, 'worker', 'same_cluster_other_role'),
    # manager, identified by addresses (compared by host)
    (swarm(), ['10.0.0.1:2400'], None, 'manager', 'same_cluster_same_role'),
    (swarm(), ['10.0.0.8:2377'], None, 'manager', 'other_cluster'),
    (swarm(), MANAGERS, None, 'worker', 'same_cluster_other_role'),
    # initialising: an active manager is adopted
    (swarm(), [], None, 'manager', 'same_cluster_same_role'),
    # worker: only the addresses count
    (swarm(manager=False), MANAGERS, None, 'worker', 'same_cluster_same_role'),
    (swarm(manager=False), MANAGERS, OTHER, 'worker', 'same_cluster_same_role'),
    (swarm(manager=False), ['10.0.0.2'], None, 'worker', 'other_cluster'),
    (swarm(manager=False), MANAGERS, None, 'manager', 'same_cluster_other_role'),
    (swarm(manager=False), [], None, 'manager', 'other_cluster'),
    (swarm(manager=False, managers=('[fe80::1]:2377',)), ['fe80::1'], None, 'worker', 'same_cluster_same_role'),
    (swarm(manager=False, managers=()), MANAGERS, None, 'worker', 'other_cluster'),
])
def test_classify_membership(info, addrs, cluster_id, role, expected):
    assert logic.classify_membership(info, addrs, cluster_id, role) == expected


def test_classify_rejects_bad_role():
    with pytest.raises(ValueError):
        logic.classify_membership(swarm(), [], None, 'boss')


@pytest.mark.parametrize('membership, force, initialise, steps, problem', [
    ('absent', False, True, ['init'], None),
    ('absent', False, False, ['join'], None),
    ('pending', False, False, ['leave', 'join'], None),
    ('pending', False, True, ['leave', 'init'], None),
    ('same_cluster_same_role', False, False, [], None),
    ('same_cluster_same_role', True, False, [], None),
    ('same_cluster_other_role', False, False, [], 'other_role'),
    ('same_cluster_other_role', True, False, ['leave', 'join'], None),
    ('other_cluster', False, False, [], 'other_cluster'),
    ('other_cluster', True, False, ['leave', 'join'], None),
    ('other_cluster', True, True, ['leave', 'init'], None),
    ('locked', False, False, [], 'locked'),
    ('locked', True, False, ['leave', 'join'], None),
    ('error', False, False, [], 'error'),
    ('error', True, True, ['leave', 'init'], None),
])
def test_plan_membership(membership, force, initialise, steps, problem):
    assert logic.plan_membership(membership, 'manager', force, initialise) == (steps, problem)


def test_plan_membership_unknown():
    with pytest.raises(ValueError):
        logic.plan_membership('confused', 'manager', False)


def test_problem_messages_name_what_was_found():
    facts = logic.membership_facts(swarm(cluster=OTHER, managers=('10.9.9.9:2377',)))
    msg = logic.problem_message('other_cluster', facts, 'manager', MANAGERS, CLUSTER)
    assert OTHER in msg and CLUSTER in msg and '10.9.9.9:2377' in msg and 'force=true' in msg
    assert 'join as manager' in msg
    msg = logic.problem_message('other_cluster', facts, 'manager')
    assert 'initialise a new one' in msg and 'a new cluster initialised here' in msg
    msg = logic.problem_message('other_role', facts, 'worker', MANAGERS)
    assert msg.startswith('node is a manager, not a worker') and 'docker node demote' in msg
    worker = logic.membership_facts(swarm(manager=False))
    msg = logic.problem_message('other_role', worker, 'manager', MANAGERS)
    assert 'not a manager' in msg and 'role=worker' in msg and 'promote' in msg
    msg = logic.problem_message('locked', logic.membership_facts(swarm('locked')), 'manager')
    assert 'docker swarm unlock' in msg and 'LocalNodeState=locked' in msg
    msg = logic.problem_message('error', logic.membership_facts(swarm('error', error='boom')), 'worker', MANAGERS)
    assert 'boom' in msg


# ------------------------------------------------------------------ nodes

def node(hostname, role='worker', state='ready', availability='active', addr='10.0.0.2', leader=False,
         reachability='reachable', node_id=None, engine='26.1.5', manager_addr=None):
    data = {'ID': node_id or 'id-' + hostname,
            'Spec': {'Role': role, 'Availability': availability},
            'Description': {'Hostname': hostname, 'Engine': {'EngineVersion': engine}},
            'Status': {'State': state, 'Addr': addr}}
    if role == 'manager':
        data['ManagerStatus'] = {'Leader': leader, 'Reachability': reachability,
                                 'Addr': manager_addr or f'{addr}:2377'}
    return data


def test_node_summary_manager_with_unspecified_addr():
    item = logic.node_summary(node('m1', 'manager', addr='0.0.0.0', leader=True, manager_addr='10.0.0.1:2377'))
    assert item == {'id': 'id-m1', 'hostname': 'm1', 'role': 'manager', 'status': 'ready', 'availability': 'active',
                        'addr': '10.0.0.1', 'manager_addr': '10.0.0.1:2377', 'engine_version': '26.1.5', 'leader': True,
                        'manager_reachability': 'reachable', 'availability_before': None}


def test_node_summary_names_the_availability_a_drain_of_ours_noted():
    drained = node('w1')
    drained['Spec'].update(Availability='drain', Labels={'dockercluster.swarm.availability-before': 'pause'})
    item = logic.node_summary(drained)
    assert (item['availability'], item['availability_before']) == ('drain', 'pause')


def test_node_summary_worker_and_empty():
    item = logic.node_summary(node('w1', state='down'))
    assert item['role'] == 'worker' and item['status'] == 'down' and item['manager_addr'] is None
    assert item['leader'] is False and item['manager_reachability'] is None
    empty = logic.node_summary({})
    assert empty['status'] == 'unknown' and empty['role'] == 'worker' and empty['addr'] is None


def test_summarize_sort_and_cluster_summary():
    nodes = logic.summarize_nodes([node('w2'), node('m2', 'manager', addr='10.0.0.4'),
                                   node('w1', state='down'), node('m1', 'manager', addr='10.0.0.3', leader=True)])
    assert [n['hostname'] for n in nodes] == ['m1', 'm2', 'w1', 'w2']
    summary = logic.cluster_summary({'ID': CLUSTER, 'CreatedAt': '2024-01-01T00:00:00Z'}, nodes)
    assert summary == {'id': CLUSTER, 'created': '2024-01-01T00:00:00Z', 'managers': 2, 'workers': 2, 'leader': 'm1'}
    assert logic.cluster_summary({}, [])['leader'] is None
    assert logic.manager_addrs_from(None, nodes) == ['10.0.0.3:2377', '10.0.0.4:2377']
    assert logic.manager_addrs_from(swarm(managers=('10.0.0.7:2377',)), []) == ['10.0.0.7:2377']


def test_manager_addrs_leave_out_an_unreachable_manager_while_one_answers():
    """A rebuilt first manager's old entry stays in the list, unreachable, maybe at its new
    machine's address: a node told to join there would wait for it (issue 23)."""
    nodes = logic.summarize_nodes([node('m1', 'manager', addr='10.0.0.1', state='down', reachability='unreachable',
                                        node_id='old'),
                                   node('m2', 'manager', addr='10.0.0.2', leader=True),
                                   node('m3', 'manager', addr='10.0.0.3')])
    assert logic.manager_addrs_from(None, nodes) == ['10.0.0.2:2377', '10.0.0.3:2377']
    lost = [dict(n, manager_reachability='unreachable') for n in nodes]
    assert logic.manager_addrs_from(None, lost) == ['10.0.0.1:2377', '10.0.0.2:2377', '10.0.0.3:2377']


def test_manager_addrs_put_the_answering_manager_first():
    """The engine joins through the first address only: the manager that answered (a first manager
    just stopped is not seen unreachable yet, and would sort first)."""
    nodes = logic.summarize_nodes([node('m1', 'manager', addr='10.0.0.1'), node('m2', 'manager', addr='10.0.0.2'),
                                   node('m3', 'manager', addr='10.0.0.3')])
    assert logic.manager_addrs_from(swarm(), nodes)[0] == '10.0.0.1:2377'
    assert logic.manager_addrs_from(dict(swarm(), NodeAddr='10.0.0.2'), nodes) == [
        '10.0.0.2:2377', '10.0.0.1:2377', '10.0.0.3:2377']
    assert logic.manager_addrs_from(None, nodes, '10.0.0.3')[0] == '10.0.0.3:2377'


def test_render_summary():
    nodes = logic.summarize_nodes([node('m1', 'manager', addr='10.0.0.1', leader=True),
                                   node('m2', 'manager', addr='10.0.0.2', reachability='unreachable'),
                                   node('w1', state='down', availability='drain', engine=None)])
    lines = logic.render_summary(nodes)
    assert lines[0] == 'Nodes: 3'
    assert lines[1:7] == [' m1: 10.0.0.1', '  \u2514 ID: id-m1', '  \u2514 Role: manager (leader)',
                          '  \u2514 Status: Ready', '  \u2514 Availability: Active', '  \u2514 Engine: 26.1.5']
    assert '  \u2514 Role: manager (unreachable)' in lines
    assert lines[-4:] == ['  \u2514 Role: worker', '  \u2514 Status: Down', '  \u2514 Availability: Drain',
                          '  \u2514 Engine: unknown']
    assert logic.render_summary([]) == ['Nodes: 0']


def test_check_expectations():
    nodes = logic.summarize_nodes([
        node('m1.example.com', 'manager', leader=True),
        node('w1', state='down', node_id='old'), node('w1', node_id='new'),   # rejoined: stale Down entry
        node('w2', state='down'),
        node('w3', state='unknown'), node('w3', state='down', node_id='w3b'),
    ])
    check = logic.check_expectations(nodes, ['m1', 'W1', 'w2', 'w3', 'w4.example.com'], 1)
    assert check['missing'] == ['w4.example.com']
    assert check['not_ready'] == {'w2': 'down', 'w3': 'down/unknown'}
    assert check['managers_ready'] == 1 and check['ok'] is False
    assert check['problems'] == ['not in the cluster: w4.example.com', 'not Ready: w2 (down), w3 (down/unknown)']
    assert logic.check_expectations(nodes, ['m1', 'w1'], 1)['ok'] is True
    assert logic.check_expectations(nodes, [], 3)['problems'] == [
        'expected 3 Ready and reachable managers, found 1']
    assert logic.check_expectations(nodes)['ok'] is True


# Hosts named in the inventory by IP address (k3s-ansible's sample) or by an alias: the nodes report
# their own host names, so the run matches them by what it knows of each host (issue 23, item 2).
def lab_nodes():
    return logic.summarize_nodes([
        node('node-a', 'manager', addr='10.0.0.1', leader=True, node_id='ida'),
        node('node-b', addr='10.0.0.2', node_id='idb'),
        node('node-c', addr='10.0.0.3', node_id='idc'),
    ])


def test_hosts_named_by_ip_match_their_nodes_by_address():
    check = logic.check_expectations(lab_nodes(), ['10.0.0.1', '10.0.0.2', '10.0.0.3'], 1)
    assert check['ok'] is True, check
    # Before: every host "missing" (the names compared with host names only).
    check = logic.check_expectations(lab_nodes(), ['10.0.0.1', '10.0.0.9'])
    assert check['missing'] == ['10.0.0.9']


def test_hosts_named_by_alias_match_by_node_id_or_address():
    expected = [{'name': 'alpha', 'node_id': 'ida', 'addresses': []},
                {'name': 'bravo', 'node_id': '', 'addresses': ['127.0.0.1', '10.0.0.2', '172.17.0.1']},
                {'name': 'charlie', 'addresses': '10.0.0.3:2377'},
                {'name': 'delta', 'node_id': 'gone', 'addresses': ['10.0.0.4', '172.17.0.1']}]
    check = logic.check_expectations(lab_nodes(), expected, 1)
    # Reported by name; docker0's address, on every host, names no node.
    assert check['missing'] == ['delta'] and check['not_ready'] == {}, check
    # The same aliases without what the run knows of them: missing, as every run was before.
    assert logic.check_expectations(lab_nodes(), ['alpha', 'bravo'])['missing'] == ['alpha', 'bravo']


def test_an_alias_reports_its_node_not_ready_and_a_rejoined_node_counts():
    nodes = logic.summarize_nodes([
        node('node-a', 'manager', addr='10.0.0.1', leader=True, node_id='ida'),
        node('node-b', addr='10.0.0.2', node_id='old', state='down'),   # rebuilt: its stale entry
        node('node-b', addr='10.0.0.2', node_id='new'),
        node('node-c', addr='10.0.0.3', node_id='idc', state='down'),
    ])
    expected = [{'name': 'bravo', 'node_id': 'old', 'addresses': ['10.0.0.2']},
                {'name': 'charlie', 'node_id': 'idc'}]
    check = logic.check_expectations(nodes, expected)
    assert check['not_ready'] == {'charlie': 'down'} and check['missing'] == []


def test_an_address_several_hosts_give_names_none_of_them():
    # Two entries give 10.0.0.1 (say a shared NAT address): it matches neither.
    entries = logic.expected_nodes([{'name': 'x', 'addresses': ['10.0.0.1', '10.0.0.7']},
                                    {'name': 'y', 'addresses': ['10.0.0.1']}, 'x'])
    assert [e['addresses'] for e in entries] == [{'10.0.0.7'}, set(), set()]
    assert logic.check_expectations(lab_nodes(), [{'name': 'y', 'addresses': ['10.0.0.1']},
                                                  {'name': 'z', 'addresses': ['10.0.0.1']}])['missing'] == ['y', 'z']


def test_expected_nodes_reads_names_and_dicts():
    assert logic.expected_nodes(['node1', {'name': 'fd00::1', 'addresses': ['[fd00::2]:2377', 'fe80::1', 'host']}]) == [
        {'name': 'node1', 'node_id': None, 'addresses': set()},
        {'name': 'fd00::1', 'node_id': None, 'addresses': {'fd00::1', 'fd00::2'}}]
    with pytest.raises(ValueError, match='has no name'):
        logic.expected_nodes([{'node_id': 'x'}])
    with pytest.raises(ValueError, match=r"unknown key\(s\) hostname"):
        logic.expected_nodes([{'name': 'a', 'hostname': 'b'}])


def test_a_name_that_is_an_ip_is_not_matched_by_label():
    assert not logic._host_matches('10.0.0.5', '10')
    assert not logic._host_matches('10', '10.0.0.5')
    assert logic._host_matches('10.0.0.5', '10.0.0.5')


def test_host_matching():
    assert logic._host_matches('node1', 'node1.lab')
    assert logic._host_matches('node1.lab', 'node1')
    assert logic._host_matches('NODE1', 'node1')
    assert not logic._host_matches('node1.a', 'node1.b')
    assert not logic._host_matches('node1', 'node10')
    assert not logic._host_matches('', 'node1')


class _Engine(object):
    def __init__(self, api_version=None):
        if api_version:
            self.client = type('Client', (), {'api_version': api_version})()


@pytest.mark.parametrize('api_version, given, refused', [
    ('1.26', {'data_path_addr': '10.0.0.1'}, 'data_path_addr needs Docker API 1.30'),
    ('1.38', {'default_addr_pool': ['10.10.0.0/16']}, 'default_addr_pool needs Docker API 1.39'),
    ('1.38', {'subnet_size': 26}, 'subnet_size needs Docker API 1.39'),
    ('1.41', {'data_path_addr': '10.0.0.1', 'subnet_size': 26}, None),
    ('1.26', {'data_path_addr': None, 'default_addr_pool': []}, None),
    (None, {'data_path_addr': '10.0.0.1'}, None),  # no client (check mode's socket reader): not known
])
def test_api_too_old_reads_the_engines_client(api_version, given, refused):
    problem = logic.api_too_old(_Engine(api_version), given)
    if refused:
        assert refused in problem and 'speaks %s' % api_version in problem
    else:
        assert problem is None
