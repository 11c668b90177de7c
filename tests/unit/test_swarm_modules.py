"""swarm_manager / swarm_agent / swarm_token / swarm_info against a fake docker.APIClient."""

import copy
import json
import math

import pytest
from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes
from ansible_collections.dockercluster.swarm.plugins.module_utils import docker_api, host_probe, swarm_cluster, swarm_member
from ansible_collections.dockercluster.swarm.plugins.modules import (
    swarm_agent,
    swarm_info,
    swarm_manager,
    swarm_token,
)

CLUSTER = 'abcdefghijklmnopqrstuvwxy'
OTHER = 'zyxwvutsrqponmlkjihgfedcb'
MANAGER_TOKEN = 'SWMTKN-1-' + 'a' * 50 + '-' + 'm' * 25
WORKER_TOKEN = 'SWMTKN-1-' + 'a' * 50 + '-' + 'w' * 25
MUTATING = ('init_swarm', 'join_swarm', 'leave_swarm', 'update_swarm')


class ExitJson(Exception):
    pass


class FailJson(Exception):
    pass


def _exit_json(self, **kwargs):
    kwargs.setdefault('changed', False)
    raise ExitJson(kwargs)


def _fail_json(self, msg, **kwargs):
    kwargs['msg'] = msg
    kwargs['failed'] = True
    raise FailJson(kwargs)


def inactive():
    return {'LocalNodeState': 'inactive', 'ControlAvailable': False, 'NodeID': '', 'NodeAddr': '',
            'RemoteManagers': None, 'Error': ''}


def manager(cluster=CLUSTER, node_id='node-m1', addr='10.0.0.1', managers=('10.0.0.1:2377',)):
    return {'LocalNodeState': 'active', 'ControlAvailable': True, 'NodeID': node_id, 'NodeAddr': addr,
            'Cluster': {'ID': cluster}, 'Error': '',
            'RemoteManagers': [{'NodeID': f'x{i}', 'Addr': a} for i, a in enumerate(managers)]}


def worker(node_id='node-w1', addr='10.0.0.5', managers=('10.0.0.1:2377',)):
    return {'LocalNodeState': 'active', 'ControlAvailable': False, 'NodeID': node_id, 'NodeAddr': addr,
            'Error': '', 'RemoteManagers': [{'NodeID': f'x{i}', 'Addr': a} for i, a in enumerate(managers)]}


def pending():
    state = inactive()
    state['LocalNodeState'] = 'pending'
    return state


def node(hostname, role='worker', state='ready', addr='10.0.0.5', leader=False, node_id=None):
    data = {'ID': node_id or 'id-' + hostname, 'Spec': {'Role': role, 'Availability': 'active'},
            'Description': {'Hostname': hostname, 'Engine': {'EngineVersion': '26.1.5'}},
            'Status': {'State': state, 'Addr': addr}}
    if role == 'manager':
        data['ManagerStatus'] = {'Leader': leader, 'Reachability': 'reachable', 'Addr': addr + ':2377'}
    return data


class FakeAPIError(docker_api.DockerException):
    def __init__(self, explanation):
        super().__init__(explanation)
        self.explanation = explanation


class FakeClient:
    """The APIClient methods the modules use; records every call."""

    def __init__(self, swarm, after_join=None, nodes=None, fail=None):
        self.swarm = swarm
        self.after_join = after_join
        self.node_list = nodes if nodes is not None else [node('m1', 'manager', addr='10.0.0.1', leader=True)]
        self.node_lists = None      # successive answers to nodes(), for polling tests
        self.fail = fail or {}      # method name -> exception
        self.calls = []
        self.spec = {'Name': 'default', 'Raft': {'SnapshotInterval': 10000}}
        self.version_index = 11
        self.tokens = {'Worker': WORKER_TOKEN, 'Manager': MANAGER_TOKEN}

    def _call(self, name, *args, **kwargs):
        self.calls.append((name, args, kwargs))
        if name in self.fail:
            raise self.fail[name]

    def mutations(self):
        return [c for c in self.calls if c[0] in MUTATING]

    def info(self):
        self._call('info')
        return {'ServerVersion': '26.1.5', 'Swarm': copy.deepcopy(self.swarm)}

    def init_swarm(self, **kwargs):
        self._call('init_swarm', **kwargs)
        addr = (kwargs.get('advertise_addr') or '10.0.0.1').split(':')[0]
        self.swarm = manager(cluster='newclusterid0000000000000', node_id='node-new', addr=addr,
                             managers=(addr + ':2377',))
        return 'node-new'

    def join_swarm(self, remote_addrs, join_token, **kwargs):
        self.swarm = self.after_join   # a join that times out leaves the node pending, then raises
        self._call('join_swarm', remote_addrs, join_token, **kwargs)
        return True

    def leave_swarm(self, force=False):
        self._call('leave_swarm', force=force)
        self.swarm = inactive()
        return True

    def inspect_swarm(self):
        self._call('inspect_swarm')
        return {'ID': (self.swarm.get('Cluster') or {}).get('ID'), 'CreatedAt': '2024-05-01T10:00:00Z',
                'Version': {'Index': self.version_index}, 'Spec': copy.deepcopy(self.spec),
                'JoinTokens': dict(self.tokens)}

    def nodes(self, filters=None):
        self._call('nodes')
        if self.node_lists:
            self.node_list = self.node_lists.pop(0)
        return copy.deepcopy(self.node_list)

    def update_swarm(self, version, swarm_spec=None, rotate_worker_token=False, rotate_manager_token=False,
                     rotate_manager_unlock_key=False):
        self._call('update_swarm', version=version, swarm_spec=swarm_spec, rotate_worker_token=rotate_worker_token,
                   rotate_manager_token=rotate_manager_token)
        if rotate_worker_token:
            self.tokens['Worker'] = WORKER_TOKEN[:-1] + 'X'
        if rotate_manager_token:
            self.tokens['Manager'] = MANAGER_TOKEN[:-1] + 'X'
        return True


@pytest.fixture
def run(monkeypatch):
    """run(module, args, client, check_mode=False) -> (result dict, failed bool)."""
    monkeypatch.setattr(basic.AnsibleModule, 'exit_json', _exit_json)
    monkeypatch.setattr(basic.AnsibleModule, 'fail_json', _fail_json)

    def _run(module, args, client, check_mode=False):
        args = dict(args)
        if check_mode:
            args['_ansible_check_mode'] = True
        monkeypatch.setattr(basic, '_ANSIBLE_ARGS', to_bytes(json.dumps({'ANSIBLE_MODULE_ARGS': args})))

        def get_client(mod):
            if client is None:
                raise AssertionError('the engine was contacted')
            return client
        monkeypatch.setattr(module, 'get_api_client', get_client)
        # swarm_agent gets its engine through docker_api.swarmkit_engine.
        monkeypatch.setattr(docker_api, 'get_api_client', get_client)
        with pytest.raises((ExitJson, FailJson)) as exc:
            module.main()
        return exc.value.args[0], isinstance(exc.value, FailJson)
    return _run


# ------------------------------------------------------------ swarm_manager

def test_manager_init_on_inactive_node(run):
    client = FakeClient(inactive())
    result, failed = run(swarm_manager, {'advertise_addr': '10.0.0.1'}, client)
    assert not failed, result
    assert result['changed'] is True and result['actions'] == ['init']
    assert result['membership'] == 'absent'
    assert result['cluster_id'] == 'newclusterid0000000000000' and result['node_id'] == 'node-new'
    assert result['role'] == 'manager' and result['manager_addrs'] == ['10.0.0.1:2377']
    assert result['advertise_addr'] == '10.0.0.1'
    assert client.mutations() == [('init_swarm', (), {'advertise_addr': '10.0.0.1', 'listen_addr': '0.0.0.0:2377'})]


def test_manager_init_passes_pools_only_when_set(run):
    client = FakeClient(inactive())
    args = {'advertise_addr': '10.0.0.1', 'default_addr_pool': ['10.20.0.0/16'], 'subnet_size': 24,
            'data_path_addr': 'eth1', 'listen_addr': '10.0.0.1:2377'}
    result, failed = run(swarm_manager, args, client)
    assert not failed, result
    kwargs = client.mutations()[0][2]
    assert kwargs == {'advertise_addr': '10.0.0.1', 'listen_addr': '10.0.0.1:2377', 'data_path_addr': 'eth1',
                      'default_addr_pool': ['10.20.0.0/16'], 'subnet_size': 24}


@pytest.mark.parametrize('module, args, swarm, option', [
    (swarm_manager, {'advertise_addr': '10.0.0.1', 'default_addr_pool': ['10.20.0.0/16']}, inactive(),
     'default_addr_pool needs Docker API 1.39'),
    (swarm_manager, {'remote_addrs': ['10.0.0.1'], 'join_token': MANAGER_TOKEN, 'data_path_addr': 'eth1'}, pending(),
     'data_path_addr needs Docker API 1.30'),
    (swarm_agent, {'remote_addrs': ['10.0.0.1'], 'join_token': WORKER_TOKEN, 'data_path_addr': '10.0.0.9'}, pending(),
     'data_path_addr needs Docker API 1.30'),
])
@pytest.mark.parametrize('check_mode', [False, True])
def test_an_option_the_engines_api_is_too_old_for_fails_before_any_leave(run, module, args, swarm, option, check_mode):
    """CentOS 7's docker 1.13 speaks API 1.26: the SDK would refuse the option inside the init or join, after a
    pending node's forced leave. Refused first, in check mode too; the same options on a new engine go through."""
    client = FakeClient(swarm)
    client.api_version = '1.26'
    result, failed = run(module, args, client, check_mode=check_mode)
    assert failed and option in result['msg'] and 'this engine speaks 1.26' in result['msg'], result
    assert client.mutations() == []
    client = FakeClient(swarm)
    client.api_version = '1.41'
    result, failed = run(module, args, client, check_mode=True)
    assert not failed, result


def test_manager_init_advertises_the_route_source(run, monkeypatch):
    commands = []

    def run_command(self, argv, **kwargs):
        commands.append(argv)
        if argv[1:] == ['-4', 'route', 'get', '1.1.1.1']:
            return 0, '1.1.1.1 via 10.0.0.254 dev eth0 src 10.0.0.7 uid 0\n    cache\n', ''
        return 1, '', 'unexpected'
    monkeypatch.setattr(basic.AnsibleModule, 'run_command', run_command)
    monkeypatch.setattr(basic.AnsibleModule, 'get_bin_path', lambda self, name, *a, **k: '/sbin/' + name)
    client = FakeClient(inactive())
    result, failed = run(swarm_manager, {}, client)
    assert not failed, result
    assert commands == [['/sbin/ip', '-4', 'route', 'get', '1.1.1.1']]
    assert client.mutations()[0][2]['advertise_addr'] == '10.0.0.7'


@pytest.mark.parametrize('listen_addr, advertised', [
    ('eth1:2377', '10.1.0.5'),      # the interface's address, not the default route's (eth0)
    ('10.1.0.5:2377', '10.1.0.5'),  # the engine would not take it: it refuses a host with several addresses
    ('0.0.0.0:2377', '203.0.113.7'),
])
def test_manager_init_advertises_the_address_it_listens_on(run, monkeypatch, listen_addr, advertised):
    def run_command(self, argv, **kwargs):
        if argv[1:] == ['-4', 'route', 'get', '1.1.1.1']:
            return 0, '1.1.1.1 via 203.0.113.254 dev eth0 src 203.0.113.7 uid 0\n    cache\n', ''
        if argv[1:] == ['-4', '-o', 'addr', 'show', 'dev', 'eth1']:
            return 0, '3: eth1    inet 10.1.0.5/24 brd 10.1.0.255 scope global eth1\\       valid_lft forever\n', ''
        return 1, '', 'unexpected'
    monkeypatch.setattr(basic.AnsibleModule, 'run_command', run_command)
    monkeypatch.setattr(basic.AnsibleModule, 'get_bin_path', lambda self, name, *a, **k: '/sbin/' + name)
    client = FakeClient(inactive())
    result, failed = run(swarm_manager, {'listen_addr': listen_addr}, client)
    assert not failed, result
    assert client.mutations()[0][2] == dict(advertise_addr=advertised, listen_addr=listen_addr)


def test_manager_noop_on_same_cluster(run):
    client = FakeClient(manager())
    result, failed = run(swarm_manager, {'cluster_id': CLUSTER}, client)
    assert not failed, result
    assert result['changed'] is False and result['actions'] == []
    assert result['membership'] == 'same_cluster_same_role'
    assert result['cluster_id'] == CLUSTER and result['node_id'] == 'node-m1'
    assert result['manager_addrs'] == ['10.0.0.1:2377']
    assert client.mutations() == []


def test_manager_returns_tokens_only_when_asked(run):
    client = FakeClient(inactive())
    result, failed = run(swarm_manager, {'advertise_addr': '10.0.0.1', 'return_tokens': True}, client)
    assert not failed, result
    assert result['worker_token'] == WORKER_TOKEN and result['manager_token'] == MANAGER_TOKEN
    # Read from the inspect the module makes anyway: one call, no token module needed.
    assert [c[0] for c in client.calls].count('inspect_swarm') == 1
    result, failed = run(swarm_manager, {'cluster_id': CLUSTER}, FakeClient(manager()))
    assert not failed and 'worker_token' not in result and 'manager_token' not in result


def test_manager_return_tokens_in_check_mode_before_the_cluster_exists(run):
    client = FakeClient(inactive())
    result, failed = run(swarm_manager, {'advertise_addr': '10.0.0.1', 'return_tokens': True}, client,
                         check_mode=True)
    assert not failed and result['changed'] is True
    assert 'worker_token' not in result and client.mutations() == []


def test_manager_return_tokens_is_swarmkit_only(run):
    result, failed = run(swarm_manager, {'backend': 'classic', 'discovery': 'nodes://10.0.0.1:2375',
                                         'return_tokens': True}, None)
    assert failed and 'return_tokens only applies with backend=swarmkit' in result['msg']


def test_manager_join_noop_when_already_manager_of_those_managers(run):
    client = FakeClient(manager(managers=('10.0.0.1:2377', '10.0.0.2:2377'), node_id='node-m2', addr='10.0.0.2'))
    result, failed = run(swarm_manager, {'remote_addrs': ['10.0.0.1'], 'join_token': MANAGER_TOKEN}, client)
    assert not failed and result['changed'] is False and client.mutations() == []


def test_manager_fails_on_other_cluster_without_force(run):
    client = FakeClient(manager(cluster=OTHER, managers=('10.9.9.9:2377',)))
    result, failed = run(swarm_manager, {'remote_addrs': ['10.0.0.1'], 'join_token': MANAGER_TOKEN,
                                         'cluster_id': CLUSTER}, client)
    assert failed
    assert 'another swarm' in result['msg'] and OTHER in result['msg'] and CLUSTER in result['msg']
    assert 'force=true' in result['msg'] and 'Nothing was changed' in result['msg']
    assert result['membership'] == 'other_cluster' and result['changed'] is False
    assert client.mutations() == []
    assert MANAGER_TOKEN not in json.dumps(result)


def test_manager_force_leaves_and_joins(run):
    client = FakeClient(manager(cluster=OTHER, managers=('10.9.9.9:2377',)),
                        after_join=manager(node_id='node-m2', addr='10.0.0.2',
                                           managers=('10.0.0.1:2377', '10.0.0.2:2377')),
                        nodes=[node('m1', 'manager', addr='10.0.0.1', leader=True), node('m2', 'manager',
                                                                                          addr='10.0.0.2')])
    result, failed = run(swarm_manager, {'remote_addrs': ['10.0.0.1'], 'join_token': MANAGER_TOKEN,
                                         'cluster_id': CLUSTER, 'force': True, 'advertise_addr': '10.0.0.2'}, client)
    assert not failed, result
    assert result['actions'] == ['leave', 'join'] and result['changed'] is True
    assert client.mutations() == [
        ('leave_swarm', (), {'force': True}),
        ('join_swarm', (['10.0.0.1:2377'], MANAGER_TOKEN), {'advertise_addr': '10.0.0.2',
                                                             'listen_addr': '0.0.0.0:2377'}),
    ]
    assert result['cluster_id'] == CLUSTER and result['node_id'] == 'node-m2'
    # Its own address first: the engine joins through the first one, and this one answered.
    assert result['manager_addrs'] == ['10.0.0.2:2377', '10.0.0.1:2377']


def test_manager_pending_node_leaves_and_rejoins(run):
    client = FakeClient(pending(), after_join=manager(node_id='node-m2', addr='10.0.0.2'))
    result, failed = run(swarm_manager, {'remote_addrs': ['10.0.0.1'], 'join_token': MANAGER_TOKEN}, client)
    assert not failed, result
    assert result['membership'] == 'pending' and result['actions'] == ['leave', 'join']
    assert [c[0] for c in client.mutations()] == ['leave_swarm', 'join_swarm']
    assert client.mutations()[0][2] == {'force': True}


def test_manager_join_still_pending_fails(run):
    client = FakeClient(inactive(), after_join=pending(),
                        fail={'join_swarm': FakeAPIError('Timeout was reached before node joined. The attempt '
                                                         'to join the swarm will continue in the background.')})
    result, failed = run(swarm_manager, {'remote_addrs': ['10.0.0.1'], 'join_token': MANAGER_TOKEN,
                                         'join_timeout': 0}, client)
    assert failed
    assert 'still pending' in result['msg'] and '10.0.0.1:2377' in result['msg']
    assert result['local_node_state'] == 'pending'


def test_manager_join_with_worker_token_is_reported(run):
    client = FakeClient(inactive(), after_join=worker())
    result, failed = run(swarm_manager, {'remote_addrs': ['10.0.0.1'], 'join_token': WORKER_TOKEN}, client)
    assert failed and 'joined as a worker' in result['msg']


def test_manager_joined_another_cluster_than_expected(run):
    client = FakeClient(inactive(), after_join=manager(cluster=OTHER, node_id='n2', addr='10.0.0.2'))
    result, failed = run(swarm_manager, {'remote_addrs': ['10.0.0.1'], 'join_token': MANAGER_TOKEN,
                                         'cluster_id': CLUSTER, 'return_tokens': True}, client)
    assert failed and OTHER in result['msg'] and f'not of the expected cluster {CLUSTER}' in result['msg']
    # The tokens it read are not in the failure (the worker token is no option it was given: not masked).
    assert 'worker_token' not in result and 'manager_token' not in result


def test_manager_check_mode_changes_nothing(run):
    client = FakeClient(inactive())
    result, failed = run(swarm_manager, {'advertise_addr': '10.0.0.1'}, client, check_mode=True)
    assert not failed, result
    assert result['changed'] is True and result['actions'] == ['init']
    assert result['manager_addrs'] == ['10.0.0.1:2377'] and result['cluster_id'] is None
    assert client.mutations() == []
    client = FakeClient(manager(cluster=OTHER))
    result, failed = run(swarm_manager, {'remote_addrs': ['10.0.0.1'], 'join_token': MANAGER_TOKEN,
                                         'cluster_id': CLUSTER, 'force': True}, client, check_mode=True)
    assert not failed and result['actions'] == ['leave', 'join'] and client.mutations() == []
    assert result['cluster_id'] == CLUSTER and result['manager_addrs'] == ['10.0.0.1:2377']


@pytest.mark.parametrize('args, fragment', [
    ({'remote_addrs': ['10.0.0.1']}, 'join_token is required'),
    ({'remote_addrs': ['10.0.0.1:0'], 'join_token': MANAGER_TOKEN}, '10.0.0.1:0'),
    ({'remote_addrs': ['10.0.0.1'], 'join_token': 'nope'}, 'does not look like a Swarm join token'),
    ({'default_addr_pool': ['10.20.0.0/33']}, '10.20.0.0/33'),
    ({'default_addr_pool': ['10.20.0.0/16'], 'subnet_size': 30}, 'subnet_size: 30'),
    ({'advertise_addr': 'eth0'}, 'advertise_interface'),
    ({'listen_addr': 'eth0:x'}, 'listen_addr'),
    ({'data_path_addr': '10.0.0.1:4789'}, 'data_path_addr'),
    ({'join_timeout': -1}, 'join_timeout'),
])
def test_manager_bad_input_fails_before_touching_the_engine(run, args, fragment):
    result, failed = run(swarm_manager, args, None)
    assert failed and fragment in result['msg']


def test_connection_options_are_checked(run, monkeypatch):
    monkeypatch.setattr(docker_api.docker, 'APIClient', lambda **kw: pytest.fail('client created'))
    monkeypatch.setattr(basic, '_ANSIBLE_ARGS', to_bytes(json.dumps({'ANSIBLE_MODULE_ARGS': {
        'client_cert': '/tmp/cert.pem', 'tls': True}})))
    monkeypatch.setattr(basic.AnsibleModule, 'fail_json', _fail_json)
    with pytest.raises(FailJson) as exc:
        swarm_info.main()
    assert 'client_cert and client_key must be given together' in exc.value.args[0]['msg']


def test_manager_engine_error_names_engine_and_step(run):
    client = FakeClient(inactive(), fail={'init_swarm': FakeAPIError('could not choose an IP address')})
    result, failed = run(swarm_manager, {'advertise_addr': '10.0.0.1'}, client)
    assert failed
    assert result['msg'] == ('Docker engine at unix:///var/run/docker.sock: initialising the swarm failed: '
                             'could not choose an IP address')


def test_manager_absent(run):
    client = FakeClient(manager())
    result, failed = run(swarm_manager, {'state': 'absent'}, client)
    assert failed and 'force=true' in result['msg'] and 'docker node demote' in result['msg']
    assert client.mutations() == []
    result, failed = run(swarm_manager, {'state': 'absent', 'force': True}, client)
    assert not failed and result['changed'] is True and result['node_id'] == 'node-m1'
    assert client.mutations() == [('leave_swarm', (), {'force': True})]
    result, failed = run(swarm_manager, {'state': 'absent'}, client)
    assert not failed and result['changed'] is False


def test_absent_locked_needs_force(run):
    locked = dict(pending(), LocalNodeState='locked')
    client = FakeClient(locked)
    result, failed = run(swarm_agent, {'state': 'absent'}, client)
    assert failed and 'locked' in result['msg'] and 'docker swarm unlock' in result['msg']
    assert client.mutations() == []
    result, failed = run(swarm_manager, {'state': 'absent', 'force': True}, client)
    assert not failed and client.mutations() == [('leave_swarm', (), {'force': True})]


def test_manager_absent_pending_leaves_with_force(run):
    client = FakeClient(pending())
    _result, failed = run(swarm_manager, {'state': 'absent'}, client)
    assert not failed and client.mutations() == [('leave_swarm', (), {'force': True})]


# -------------------------------------------------------------- swarm_agent

def test_agent_joins_inactive_node(run):
    client = FakeClient(inactive(), after_join=worker())
    result, failed = run(swarm_agent, {'remote_addrs': ['10.0.0.1', '10.0.0.2:2377'], 'join_token': WORKER_TOKEN},
                         client)
    assert not failed, result
    assert result['joined'] is True and result['changed'] is True and result['actions'] == ['join']
    assert result['node_id'] == 'node-w1' and result['manager_addrs'] == ['10.0.0.1:2377']
    assert result['advertise_addr'] == '10.0.0.5' and result['role'] == 'worker'
    assert client.mutations() == [('join_swarm', (['10.0.0.1:2377', '10.0.0.2:2377'], WORKER_TOKEN),
                                   {'advertise_addr': None, 'listen_addr': '0.0.0.0:2377'})]


@pytest.mark.parametrize('module, token, after', [(swarm_agent, WORKER_TOKEN, worker()),
                                                  (swarm_manager, MANAGER_TOKEN, manager())])
def test_the_join_token_is_sent_as_checked_without_surrounding_blanks(run, module, token, after):
    """A token read from a file (slurp | b64decode) ends in a newline: checked stripped, and sent so."""
    client = FakeClient(inactive(), after_join=after)
    result, failed = run(module, {'remote_addrs': ['10.0.0.1'], 'join_token': ' %s\n' % token}, client)
    assert not failed, result
    assert [call[1][1] for call in client.mutations() if call[0] == 'join_swarm'] == [token]


def test_agent_noop_when_worker_of_the_cluster(run):
    client = FakeClient(worker(managers=('10.0.0.2:2377', '10.0.0.1:2377')))
    result, failed = run(swarm_agent, {'remote_addrs': ['10.0.0.1'], 'join_token': WORKER_TOKEN}, client)
    assert not failed and result['changed'] is False and result['joined'] is True
    assert result['membership'] == 'same_cluster_same_role' and client.mutations() == []


def test_agent_matches_managers_given_by_name(run, monkeypatch):
    monkeypatch.setattr(swarm_member, 'resolve_host', lambda host: ['10.0.0.1'] if host == 'mgr1' else [])
    client = FakeClient(worker())
    result, failed = run(swarm_agent, {'remote_addrs': ['mgr1'], 'join_token': WORKER_TOKEN}, client)
    assert not failed and result['changed'] is False


def test_agent_fails_on_other_cluster(run):
    client = FakeClient(worker(managers=('10.9.9.9:2377',)))
    result, failed = run(swarm_agent, {'remote_addrs': ['10.0.0.1'], 'join_token': WORKER_TOKEN}, client)
    assert failed and 'another swarm' in result['msg'] and '10.9.9.9:2377' in result['msg']
    assert client.mutations() == []


def test_agent_fails_on_manager_unless_forced(run):
    client = FakeClient(manager(), after_join=worker())
    result, failed = run(swarm_agent, {'remote_addrs': ['10.0.0.1'], 'join_token': WORKER_TOKEN}, client)
    assert failed and result['msg'].startswith('node is a manager, not a worker')
    assert client.mutations() == []
    result, failed = run(swarm_agent, {'remote_addrs': ['10.0.0.1'], 'join_token': WORKER_TOKEN, 'force': True},
                         client)
    assert not failed and result['actions'] == ['leave', 'join']
    assert [c[0] for c in client.mutations()] == ['leave_swarm', 'join_swarm']


def test_agent_pending_rejoins(run):
    client = FakeClient(pending(), after_join=worker())
    result, failed = run(swarm_agent, {'remote_addrs': ['10.0.0.1'], 'join_token': WORKER_TOKEN}, client)
    assert not failed and result['membership'] == 'pending'
    assert [(c[0], c[2].get('force')) for c in client.mutations()] == [('leave_swarm', True), ('join_swarm', None)]


def test_agent_join_with_manager_token_is_reported(run):
    client = FakeClient(inactive(), after_join=manager(node_id='n3', addr='10.0.0.3'))
    result, failed = run(swarm_agent, {'remote_addrs': ['10.0.0.1'], 'join_token': MANAGER_TOKEN}, client)
    assert failed and 'joined as a manager' in result['msg']


def test_agent_check_mode(run):
    client = FakeClient(inactive())
    result, failed = run(swarm_agent, {'remote_addrs': ['10.0.0.1'], 'join_token': WORKER_TOKEN}, client,
                         check_mode=True)
    assert not failed and result['changed'] is True and result['joined'] is True
    assert client.mutations() == []


@pytest.mark.parametrize('swarm, changed', [(inactive(), True), (worker(), False)])
def test_agent_check_mode_without_the_sdk_reads_the_socket(run, monkeypatch, swarm, changed):
    """--check on a host whose SDK install was only predicted: the state comes from the socket."""
    asked = []

    def unix_get(path, url, timeout):
        asked.append((path, url))
        return 200, json.dumps({'Swarm': swarm})
    monkeypatch.setattr(docker_api, 'HAS_DOCKER_SDK', False)
    monkeypatch.setattr(host_probe, 'unix_get', unix_get)
    result, failed = run(swarm_agent, {'remote_addrs': ['10.0.0.1'], 'join_token': WORKER_TOKEN}, None,
                         check_mode=True)
    assert not failed, result
    assert result['changed'] is changed and result['joined'] is True
    assert asked == [('/var/run/docker.sock', '/info')]


def test_agent_outside_check_mode_goes_through_the_sdk_client(run, monkeypatch):
    """Outside check mode the module goes through get_api_client (the SDK; here the fixture's fake client),
    never reads the socket itself, even where the SDK is missing (check mode's read does without it)."""
    monkeypatch.setattr(docker_api, 'HAS_DOCKER_SDK', False)
    monkeypatch.setattr(host_probe, 'unix_get', lambda *a: pytest.fail('the socket was read'))
    client = FakeClient(inactive(), after_join=worker())
    result, failed = run(swarm_agent, {'remote_addrs': ['10.0.0.1'], 'join_token': WORKER_TOKEN}, client)
    assert not failed and [call[0] for call in client.mutations()] == ['join_swarm'], result


def test_agent_leave_keeps_node_id(run):
    client = FakeClient(worker())
    result, failed = run(swarm_agent, {'state': 'absent'}, client)
    assert not failed and result['changed'] is True and result['node_id'] == 'node-w1'
    assert result['joined'] is False
    assert client.mutations() == [('leave_swarm', (), {'force': False})]
    result, failed = run(swarm_agent, {'state': 'absent'}, client)
    assert not failed and result['changed'] is False


@pytest.mark.parametrize('args, fragment', [
    ({'join_token': WORKER_TOKEN}, 'remote_addrs'),
    ({'remote_addrs': ['10.0.0.1']}, 'join_token'),
    ({'remote_addrs': ['10.0.0.1'], 'join_token': WORKER_TOKEN, 'advertise_addr': '10.0.0.5',
      'advertise_interface': 'eth0'}, 'mutually exclusive'),
])
def test_agent_bad_input(run, args, fragment):
    result, failed = run(swarm_agent, args, None)
    assert failed and fragment in result['msg']


# -------------------------------------------------------------- swarm_token

def test_token_read(run):
    client = FakeClient(manager())
    result, failed = run(swarm_token, {}, client)
    assert not failed
    assert result['changed'] is False and result['rotated'] == []
    assert result['worker_token'] == WORKER_TOKEN and result['manager_token'] == MANAGER_TOKEN
    assert result['cluster_id'] == CLUSTER and result['manager_addrs'] == ['10.0.0.1:2377']
    assert client.mutations() == []


def test_token_rotate(run):
    client = FakeClient(manager())
    result, failed = run(swarm_token, {'rotate': ['worker']}, client)
    assert not failed and result['changed'] is True and result['rotated'] == ['worker']
    assert result['worker_token'] != WORKER_TOKEN and result['manager_token'] == MANAGER_TOKEN
    assert client.mutations() == [('update_swarm', (), {
        'version': 11, 'swarm_spec': client.spec, 'rotate_worker_token': True, 'rotate_manager_token': False})]


def test_token_rotate_check_mode(run):
    client = FakeClient(manager())
    result, failed = run(swarm_token, {'rotate': ['manager', 'worker']}, client, check_mode=True)
    assert not failed and result['changed'] is True and result['rotated'] == ['manager', 'worker']
    assert result['worker_token'] == WORKER_TOKEN and client.mutations() == []


@pytest.mark.parametrize('state, expected', [
    (worker(), 'host is not a Swarm manager (LocalNodeState=active, ControlAvailable=false)'),
    (inactive(), 'host is not a Swarm manager (LocalNodeState=inactive, ControlAvailable=false)'),
])
def test_token_on_non_manager(run, state, expected):
    result, failed = run(swarm_token, {}, FakeClient(state))
    assert failed and result['msg'].startswith(expected)


# --------------------------------------------------------------- swarm_info

NODES = [node('m1', 'manager', addr='10.0.0.1', leader=True), node('w1'), node('w2', state='down', addr='10.0.0.6')]


def test_info_returns_cluster(run):
    client = FakeClient(manager(), nodes=NODES)
    result, failed = run(swarm_info, {}, client, check_mode=True)
    assert not failed and result['changed'] is False
    assert result['cluster'] == {'id': CLUSTER, 'created': '2024-05-01T10:00:00Z', 'managers': 1, 'workers': 2, 'leader': 'm1'}
    assert [n['hostname'] for n in result['nodes']] == ['m1', 'w1', 'w2']
    assert result['summary'][0] == 'Nodes: 3' and ' w2: 10.0.0.6' in result['summary']
    assert result['manager_addrs'] == ['10.0.0.1:2377']


def test_info_expect_ready_failure_names_nodes(run):
    client = FakeClient(manager(), nodes=NODES)
    result, failed = run(swarm_info, {'expect_ready': ['m1', 'w1', 'w2', 'w3']}, client)
    assert failed
    assert result['msg'] == 'cluster nodes not as expected: not in the cluster: w3; not Ready: w2 (down)'
    assert result['missing'] == ['w3'] and result['not_ready'] == {'w2': 'down'}
    assert len(result['nodes']) == 3 and result['summary'][0] == 'Nodes: 3'


def test_info_expect_ready_by_what_the_run_knows(run):
    """Hosts named by IP or alias: found by address or node ID, reported by their names."""
    client = FakeClient(manager(), nodes=NODES)
    expected = ['10.0.0.1', {'name': 'alias1', 'node_id': 'id-w1', 'addresses': []},
                {'name': 'alias2', 'node_id': '', 'addresses': ['10.0.0.6']}, {'name': 'alias3'}]
    result, failed = run(swarm_info, {'expect_ready': expected}, client)
    assert failed
    assert result['msg'] == 'cluster nodes not as expected: not in the cluster: alias3; not Ready: alias2 (down)'


def test_info_refuses_a_bad_expect_ready_entry(run):
    result, failed = run(swarm_info, {'expect_ready': [{'name': 'a', 'node': 'x'}]}, FakeClient(manager(), nodes=NODES))
    assert failed and result['msg'].startswith('expect_ready: unknown key(s) node')


def test_info_waits_until_ready(run, monkeypatch):
    clock = [0.0]
    sleeps = []
    monkeypatch.setattr(swarm_info.time, 'time', lambda: clock[0])

    def sleep(seconds):
        sleeps.append(seconds)
        clock[0] += seconds
    monkeypatch.setattr(swarm_info.time, 'sleep', sleep)
    client = FakeClient(manager(), nodes=NODES)
    ready = [dict(n, Status={'State': 'ready', 'Addr': n['Status']['Addr']}) for n in NODES]
    client.node_lists = [NODES, NODES, ready]
    result, failed = run(swarm_info, {'expect_ready': ['w2'], 'wait_timeout': 10}, client)
    assert not failed, result
    # Two polls found w2 down, the third found it Ready.
    assert sleeps == [swarm_cluster.POLL_INTERVAL] * 2


def test_info_wait_times_out(run, monkeypatch):
    clock = [0.0]
    monkeypatch.setattr(swarm_info.time, 'time', lambda: clock[0])
    monkeypatch.setattr(swarm_info.time, 'sleep', lambda s: clock.__setitem__(0, clock[0] + s))
    client = FakeClient(manager(), nodes=NODES)
    result, failed = run(swarm_info, {'expect_ready': ['w2'], 'expect_managers': 3, 'wait_timeout': 5}, client)
    assert failed
    assert result['msg'] == ('cluster nodes not as expected after waiting 5s: not Ready: w2 (down); '
                             'expected 3 Ready and reachable managers, found 1')
    # A poll at t=0 and after every interval until the 5 s have passed.
    polls = 1 + int(math.ceil(5 / swarm_cluster.POLL_INTERVAL))
    assert len([c for c in client.calls if c[0] == 'nodes']) == polls


def test_info_on_non_manager(run):
    result, failed = run(swarm_info, {}, FakeClient(worker()))
    assert failed and result['msg'].startswith(
        'host is not a Swarm manager (LocalNodeState=active, ControlAvailable=false)')


# ---------------------------------------------------------- docker_api utils

class FakeModule:
    def __init__(self, **params):
        self.params = {'docker_host': None, 'tls': False, 'validate_certs': False, 'ca_path': None, 'client_cert': None,
                           'client_key': None, 'tls_hostname': None, 'api_version': 'auto', 'timeout': 60}
        self.params.update(params)
        self.warnings = []
        self.no_log_values = set()

    def warn(self, msg):
        self.warnings.append(msg)

    def fail_json(self, **kwargs):
        raise FailJson(kwargs)


def test_get_api_client_arguments(monkeypatch):
    made = []
    monkeypatch.setattr(docker_api.docker, 'APIClient', lambda **kw: made.append(kw) or 'client')
    assert docker_api.get_api_client(FakeModule()) == 'client'
    assert made[-1] == {'base_url': 'unix:///var/run/docker.sock', 'version': 'auto', 'timeout': 60, 'tls': False}
    docker_api.get_api_client(FakeModule(docker_host='tcp://10.0.0.1:2376', tls=True, api_version='1.41',
                                         timeout=5))
    assert made[-1]['base_url'] == 'tcp://10.0.0.1:2376' and made[-1]['version'] == '1.41'
    assert made[-1]['tls'].verify is False


def test_get_api_client_connection_error(monkeypatch):
    def boom(**kw):
        raise docker_api.DockerException('Error while fetching server API version: connection refused')
    monkeypatch.setattr(docker_api.docker, 'APIClient', boom)
    with pytest.raises(FailJson) as exc:
        docker_api.get_api_client(FakeModule(docker_host='tcp://10.0.0.1:2375'))
    assert exc.value.args[0]['msg'].startswith('cannot talk to the Docker engine at tcp://10.0.0.1:2375')


def test_missing_sdk_message(monkeypatch):
    monkeypatch.setattr(docker_api, 'HAS_DOCKER_SDK', False)
    monkeypatch.setattr(docker_api, 'DOCKER_SDK_IMPORT_ERROR', 'Traceback: no module named docker')
    with pytest.raises(FailJson) as exc:
        docker_api.get_api_client(FakeModule())
    assert exc.value.args[0]['msg'].startswith(docker_api.SDK_HINT)
    assert 'dockercluster.swarm.docker_sdk role installs it' in exc.value.args[0]['msg']
    assert exc.value.args[0]['exception'] == 'Traceback: no module named docker'


def test_old_sdk_is_refused(monkeypatch):
    monkeypatch.setattr(docker_api.docker, '__version__', '3.7.3', raising=False)
    with pytest.raises(FailJson) as exc:
        docker_api.require_docker_sdk(FakeModule())
    assert '3.7.3 is too old' in exc.value.args[0]['msg']


def test_tls_hostname_with_sdk_7_warns(monkeypatch):
    captured = []

    class TLS:
        def __init__(self, client_cert=None, ca_cert=None, verify=None):
            captured.append((client_cert, ca_cert, verify))
    monkeypatch.setattr(docker_api, 'TLSConfig', TLS)
    module = FakeModule(validate_certs=True, ca_path='/ca.pem', tls_hostname='engine.lab')
    assert isinstance(docker_api._tls_config(module), TLS)
    assert captured == [(None, '/ca.pem', True)] and 'tls_hostname is ignored' in module.warnings[0]


def test_engine_wait_settled():
    clock = [0]

    class Client:
        def __init__(self, states):
            self.states = states

        def info(self):
            return {'Swarm': {'LocalNodeState': self.states.pop(0) if len(self.states) > 1 else self.states[0]}}

    def engine_for(states):
        return docker_api.SwarmkitEngine(Client(states), sleep=lambda s: clock.__setitem__(0, clock[0] + s),
                                         clock=lambda: clock[0])
    assert engine_for(['pending', 'pending', 'active']).wait_settled(10)['LocalNodeState'] == 'active'
    assert clock[0] == 2
    clock[0] = 0
    engine = engine_for(['pending'])
    assert engine.wait_settled(3)['LocalNodeState'] == 'pending' and clock[0] == 3


def test_validate_connection_params():
    assert docker_api.validate_connection_params(FakeModule().params) == []
    problems = docker_api.validate_connection_params(FakeModule(
        docker_host='localhost:2375', client_key='/k.pem', timeout=0, api_version='v1.41').params)
    assert problems == [
        ("docker_host: 'localhost:2375' has no scheme (use unix:///path, tcp://host:port, http://host:port "
         "or https://host:port)"),
        'client_cert and client_key must be given together',
        'timeout: 0 must be a positive number of seconds',
        "api_version: 'v1.41' is not \"auto\" or a version like 1.41",
    ]
    assert docker_api.validate_connection_params(FakeModule(docker_host='gopher://x').params) == [
        "docker_host: unsupported scheme in 'gopher://x'"]


def test_manager_check_mode_without_the_sdk_predicts_the_init_from_the_socket(run, monkeypatch):
    """--check on a first manager whose SDK install was only predicted: the state comes from the
    socket, as swarm_agent's does, and the cluster's creation is predicted without tokens."""
    asked = []

    def unix_get(path, url, timeout):
        asked.append((path, url))
        return 200, json.dumps({'Swarm': inactive()})
    monkeypatch.setattr(docker_api, 'HAS_DOCKER_SDK', False)
    monkeypatch.setattr(host_probe, 'unix_get', unix_get)
    result, failed = run(swarm_manager, {'return_tokens': True}, None, check_mode=True)
    assert not failed, result
    assert result['changed'] is True and result['actions'] == ['init']
    assert 'worker_token' not in result and 'manager_token' not in result
    assert asked == [('/var/run/docker.sock', '/info')]


def test_manager_check_mode_without_the_sdk_reads_an_existing_cluster_from_the_socket(run, monkeypatch):
    """--check on a manager in place whose SDK install was only predicted, another manager to join:
    the join tokens and the managers' addresses come from the socket too (GET /swarm, /nodes)."""
    asked = []

    def unix_request(path, method, url, timeout, body=None):
        asked.append((method, url))
        answers = {'/swarm': {'ID': CLUSTER, 'JoinTokens': {'Worker': WORKER_TOKEN, 'Manager': MANAGER_TOKEN}},
                   '/nodes': [{'ID': 'node-m1', 'Description': {'Hostname': 'm1'}, 'Spec': {'Role': 'manager'},
                               'Status': {'State': 'ready', 'Addr': '10.0.0.1'},
                               'ManagerStatus': {'Leader': True, 'Addr': '10.0.0.1:2377'}}]}
        return 200, json.dumps(answers[url])
    monkeypatch.setattr(docker_api, 'HAS_DOCKER_SDK', False)
    monkeypatch.setattr(host_probe, 'unix_get', lambda path, url, timeout: (200, json.dumps({'Swarm': manager()})))
    monkeypatch.setattr(docker_api, 'unix_request', unix_request)
    result, failed = run(swarm_manager, {'return_tokens': True}, None, check_mode=True)
    assert not failed, result
    assert result['changed'] is False and result['cluster_id'] == CLUSTER
    assert result['worker_token'] == WORKER_TOKEN and result['manager_addrs'] == ['10.0.0.1:2377']
    assert asked == [('GET', '/swarm'), ('GET', '/nodes')]
