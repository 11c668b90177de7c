"""swarm_workers: the first manager joins many workers at once, through their engines.

worker_fanout's logic (decide, run_one, fan_out, summary, worker_token), the module's SwarmWorkers
and main() against test_swarm_modules' FakeClient (behind the real SwarmkitEngine).
"""

import copy
import json
import math
import threading
import time

import pytest
import requests
from ansible.executor.task_result import TaskResult
from ansible_collections.dockercluster.swarm.plugins.module_utils import docker_api, swarm_cluster
from ansible_collections.dockercluster.swarm.plugins.module_utils import worker_fanout as fanout
from ansible_collections.dockercluster.swarm.plugins.modules import swarm_manager, swarm_workers
from test_swarm_modules import (
    CLUSTER,
    OTHER,
    WORKER_TOKEN,
    ExitJson,
    FailJson,
    FakeAPIError,
    FakeClient,
    FakeModule,
    inactive,
    manager,
    node,
    pending,
    worker,
)

MANAGER_NODES = [node('m1', 'manager', addr='10.0.0.1', leader=True), node('m2', 'manager', addr='10.0.0.2'),
                 node('w3', addr='10.0.0.13', node_id='id-w3')]
# The managers' addresses as the node list gives them (the manager's own RemoteManagers only knows m1).
NODE_ADDRS = ['10.0.0.1:2377', '10.0.0.2:2377']


class Clock:
    """An injected clock and sleep: sleeping moves the clock, and is recorded."""

    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def time(self):
        return self.now

    def sleep(self, seconds):
        if len(self.sleeps) >= 1000:
            raise AssertionError('still polling after %d sleeps' % len(self.sleeps))
        self.sleeps.append(seconds)
        self.now += seconds


def engine(swarm, after_join=None, fail=None, clock=None, client_class=FakeClient, **client_kwargs):
    """A worker's engine: the real SwarmkitEngine over a FakeClient (``.client`` records the calls)."""
    client = client_class(copy.deepcopy(swarm), after_join=copy.deepcopy(after_join), fail=fail, **client_kwargs)
    client.timeout = 5
    clock = clock or Clock()
    return docker_api.SwarmkitEngine(client, sleep=clock.sleep, clock=clock.time)


def joins(eng):
    """The join_swarm calls an engine's client got: [(remote_addrs, token, kwargs)]."""
    return [(c[1][0], c[1][1], c[2]) for c in eng.client.calls if c[0] == 'join_swarm']


def spec(name, **options):
    """One entry of the module's ``workers``, as AnsibleModule fills it in (its listen_addr default)."""
    entry = dict(name=name, docker_host='tcp://%s:2375' % name, advertise_addr=None, listen_addr='0.0.0.0:2377',
                 data_path_addr=None)
    entry.update(options)
    return entry


def connector(engines):
    """connect(worker) for a dict name -> engine (or the exception connecting raises); records the names."""
    def connect(worker_spec):
        connect.asked.append(worker_spec['name'])
        found = engines[worker_spec['name']]
        if isinstance(found, Exception):
            raise found
        return found
    connect.asked = []
    return connect


def out(workers, engines, addrs=('10.0.0.1:2377',), worker_ids=(), **kwargs):
    """fan_out with the worker token and engine errors as the module passes them."""
    kwargs.setdefault('errors', docker_api.ENGINE_ERRORS)
    return fanout.fan_out(workers, connector(engines), WORKER_TOKEN, list(addrs), set(worker_ids), **kwargs)


# ------------------------------------------------------------------ worker_token

def test_worker_token_from_the_inspect():
    assert fanout.worker_token({'JoinTokens': {'Worker': WORKER_TOKEN, 'Manager': 'x'}}) == WORKER_TOKEN


@pytest.mark.parametrize('inspect', [None, {}, {'JoinTokens': None}, {'JoinTokens': {}},
                                     {'JoinTokens': {'Manager': 'SWMTKN-1-m', 'Worker': ''}}])
def test_worker_token_missing_is_a_value_error(inspect):
    with pytest.raises(ValueError, match='did not give the worker token'):
        fanout.worker_token(inspect)


# ------------------------------------------------------------------------ decide

def test_decide_an_engine_in_no_swarm_joins():
    assert fanout.decide(inactive(), set()) == (fanout.JOINED, None)
    assert fanout.decide(dict(inactive(), LocalNodeState='Inactive'), {'id-w1'}) == (fanout.JOINED, None)


def test_decide_a_worker_of_this_cluster_is_in_place():
    assert fanout.decide(worker('id-w1'), {'id-w0', 'id-w1'}) == (fanout.IN_PLACE, None)


@pytest.mark.parametrize('swarm, state', [
    (worker('id-w9'), 'active'),                                     # a worker, but not of this cluster
    (pending(), 'pending'),
    (dict(inactive(), LocalNodeState='error', Error='tls: bad certificate'), 'error'),
    (dict(inactive(), LocalNodeState='locked'), 'locked'),
    (manager(node_id='id-w1'), 'active'),                             # a manager, even listed as a worker
    (manager(cluster=OTHER, node_id='id-x'), 'active'),
    ({}, 'in an unknown state'),
])
def test_decide_anything_else_is_left_to_the_host_with_why(swarm, state):
    outcome, reason = fanout.decide(swarm, {'id-w1'})
    assert outcome == fanout.LEFT_TO_HOST
    assert reason.startswith('its engine is %s in Swarm mode, not a worker of this cluster' % state)
    assert "the host's own join decides" in reason


# ------------------------------------------------------------- run_one / fan_out

def test_a_new_worker_is_told_to_join_the_managers_with_the_worker_token():
    eng = engine(inactive(), after_join=worker('id-w1'))
    [result] = out([spec('w1')], {'w1': eng}, addrs=NODE_ADDRS)
    assert result == dict(name='w1', docker_host='tcp://w1:2375', status=fanout.JOINED, node_id='id-w1', msg=None)
    assert joins(eng) == [(NODE_ADDRS, WORKER_TOKEN, {'advertise_addr': None, 'listen_addr': '0.0.0.0:2377'})]


def test_the_worker_addresses_are_passed_to_the_join():
    eng = engine(inactive(), after_join=worker('id-w1'))
    worker_spec = spec('w1', advertise_addr='10.0.0.5:2377', listen_addr='10.0.0.5:2377', data_path_addr='eth1')
    [result] = out([worker_spec], {'w1': eng})
    assert result['status'] == fanout.JOINED
    assert joins(eng)[0][2] == {'advertise_addr': '10.0.0.5:2377', 'listen_addr': '10.0.0.5:2377',
                                'data_path_addr': 'eth1'}


@pytest.mark.parametrize('options', [{}, {'listen_addr': None, 'advertise_addr': '', 'data_path_addr': ''}])
def test_the_listen_address_defaults_to_all_interfaces(options):
    eng = engine(inactive(), after_join=worker('id-w1'))
    worker_spec = dict(dict(name='w1', docker_host='tcp://10.0.0.5:2375'), **options)
    [result] = out([worker_spec], {'w1': eng})
    assert result['status'] == fanout.JOINED
    assert joins(eng)[0][2] == {'advertise_addr': None, 'listen_addr': '0.0.0.0:2377'}


def test_the_join_timeout_is_the_engines_wait_for_the_pending_state():
    clock = Clock()
    eng = engine(inactive(), after_join=pending(), clock=clock)
    [result] = out([spec('w1')], {'w1': eng}, join_timeout=3)
    assert result['status'] == fanout.FAILED
    assert clock.sleeps == [1, 1, 1] and clock.now == 3


def test_a_worker_already_in_place_is_not_told_to_join():
    eng = engine(worker('id-w1'))
    [result] = out([spec('w1')], {'w1': eng}, worker_ids={'id-w1'})
    assert result == dict(name='w1', docker_host='tcp://w1:2375', status=fanout.IN_PLACE, node_id='id-w1', msg=None)
    assert joins(eng) == []


def test_a_worker_in_another_swarm_is_left_to_the_host_untouched():
    eng = engine(manager(cluster=OTHER, node_id='id-x', managers=('10.9.9.9:2377',)))
    [result] = out([spec('w1')], {'w1': eng}, worker_ids={'id-w1'})
    assert result['status'] == fanout.LEFT_TO_HOST and result['node_id'] == 'id-x'
    assert 'not a worker of this cluster' in result['msg']
    assert eng.client.mutations() == []


def test_decide_a_worker_of_a_cluster_that_is_gone_rejoins():
    """It names this cluster's manager (made anew while it ran), which does not list it."""
    assert fanout.decide(worker('id-w9'), {'id-w1'}, ['10.0.0.1:2377'], {'id-m1', 'id-w1'}) == (fanout.REJOINED, None)
    # Another cluster's worker, a node this one lists (as a manager), or nothing listed: the host's own join.
    assert fanout.decide(worker('id-w9', managers=('10.9.9.9:2377',)), {'id-w1'}, ['10.0.0.1:2377'],
                         {'id-w1'})[0] == fanout.LEFT_TO_HOST
    assert fanout.decide(worker('id-m1'), {'id-w1'}, ['10.0.0.1:2377'], {'id-m1', 'id-w1'})[0] == fanout.LEFT_TO_HOST
    assert fanout.decide(worker('id-w9'), {'id-w1'}, ['10.0.0.1:2377'])[0] == fanout.LEFT_TO_HOST
    # A worker of a swarm that still has other managers (10.0.0.1 left it for this cluster): not gone.
    assert fanout.decide(worker('id-w9', managers=('10.0.0.1:2377', '10.9.9.9:2377')), {'id-w1'}, ['10.0.0.1:2377'],
                         {'id-w1'})[0] == fanout.LEFT_TO_HOST


def test_a_worker_of_a_cluster_that_is_gone_leaves_then_joins():
    eng = engine(worker('id-old'), after_join=worker('id-new'))
    [result] = out([spec('w1')], {'w1': eng}, worker_ids={'id-w3'}, listed={'id-w3'})
    assert result == dict(name='w1', docker_host='tcp://w1:2375', status=fanout.REJOINED, node_id='id-new', msg=None)
    assert [c[0] for c in eng.client.mutations()] == ['leave_swarm', 'join_swarm']
    assert eng.client.mutations()[0][2] == {'force': False}
    assert fanout.summary([result])['joined'] == ['w1']
    check = engine(worker('id-old'))
    [result] = out([spec('w1')], {'w1': check}, worker_ids={'id-w3'}, check_mode=True, listed={'id-w3'})
    assert result['status'] == fanout.REJOINED and check.client.mutations() == []


@pytest.mark.parametrize('error, explained', [
    (FakeAPIError('connection refused'), 'connection refused'),
    (requests.exceptions.ConnectionError('Max retries exceeded'), 'Max retries exceeded'),
    (FakeAPIError(''), 'FakeAPIError'),
])
def test_an_engine_that_cannot_be_reached_is_left_to_the_host_naming_it(error, explained):
    [result] = out([spec('w1', docker_host='tcp://10.0.0.5:2375')], {'w1': error})
    assert result['status'] == fanout.LEFT_TO_HOST and result['node_id'] is None
    assert result['msg'] == ("its engine at tcp://10.0.0.5:2375 did not answer (%s): the host's own join runs"
                             % explained)


def test_an_engine_whose_info_fails_is_left_to_the_host():
    eng = engine(inactive(), fail={'info': FakeAPIError('read timed out')})
    [result] = out([spec('w1')], {'w1': eng})
    assert result['status'] == fanout.LEFT_TO_HOST
    assert 'tcp://w1:2375' in result['msg'] and 'read timed out' in result['msg']
    assert joins(eng) == []


def test_a_join_that_raises_is_failed_naming_the_engine():
    eng = engine(inactive(), fail={'join_swarm': FakeAPIError('rpc error: code = InvalidArgument desc = invalid '
                                                              'join token')})
    [result] = out([spec('w1')], {'w1': eng})
    assert result['status'] == fanout.FAILED
    assert result['msg'] == ('joining through its engine at tcp://w1:2375 failed: rpc error: code = '
                             'InvalidArgument desc = invalid join token')


def test_a_join_that_leaves_the_node_in_error_is_failed_with_the_engines_error():
    after = dict(inactive(), LocalNodeState='error', NodeID='id-w1', Error='manager stopped: rpc error: timeout')
    eng = engine(inactive(), after_join=after)
    [result] = out([spec('w1')], {'w1': eng}, join_timeout=0)
    assert result['status'] == fanout.FAILED and result['node_id'] == 'id-w1'
    assert result['msg'] == ('told to join through its engine at tcp://w1:2375, it is error in Swarm mode: '
                             'manager stopped: rpc error: timeout')


def test_a_join_still_pending_without_an_error_text_is_failed():
    eng = engine(inactive(), after_join=pending())
    [result] = out([spec('w1')], {'w1': eng}, join_timeout=0)
    assert result['status'] == fanout.FAILED
    assert result['msg'] == 'told to join through its engine at tcp://w1:2375, it is pending in Swarm mode'


@pytest.mark.parametrize('check_mode', [False, True])
def test_a_worker_whose_api_is_too_old_for_its_data_path_addr_fails_before_its_leave(check_mode):
    """CentOS 7's docker 1.13 speaks API 1.26: data_path_addr needs 1.30. A worker of a gone cluster would leave
    it first, then fail its join; refused first, the others joined all the same."""
    old = engine(worker('id-old'), after_join=worker('id-w1'))
    old.client.api_version = '1.26'
    new = engine(inactive(), after_join=worker('id-w2'))
    new.client.api_version = '1.41'
    results = out([spec('w1', data_path_addr='10.0.0.9'), spec('w2', data_path_addr='10.0.0.8')],
                  {'w1': old, 'w2': new}, listed=[], check_mode=check_mode)
    assert results[0]['status'] == fanout.FAILED and 'data_path_addr needs Docker API 1.30' in results[0]['msg']
    assert old.client.mutations() == []
    assert results[1]['status'] == fanout.JOINED


@pytest.mark.parametrize('answer', ['Timeout was reached before node joined.',  # Docker 17.x and later
                                    'Timeout was reached before node was joined.'])  # 1.12 to 17.06 (CentOS 7)
def test_the_daemons_own_join_timeout_is_not_a_failure_when_the_node_then_joined(answer):
    eng = engine(inactive(), after_join=worker('id-w1'),
                 fail={'join_swarm': FakeAPIError(answer + ' The attempt to join the swarm will continue in the '
                                                  'background. Use the "docker info" command to see the current '
                                                  'swarm status of your node.')})
    [result] = out([spec('w1')], {'w1': eng})
    assert result['status'] == fanout.JOINED and result['node_id'] == 'id-w1'


def test_check_mode_reads_every_engine_and_never_joins():
    engines = {'w1': engine(inactive(), after_join=worker('id-w1')), 'w2': engine(worker('id-w2')),
               'w3': engine(pending())}
    results = out([spec('w1'), spec('w2'), spec('w3')], engines, worker_ids={'id-w2'}, check_mode=True)
    assert [r['status'] for r in results] == [fanout.JOINED, fanout.IN_PLACE, fanout.LEFT_TO_HOST]
    assert all(e.client.mutations() == [] for e in engines.values())
    assert all([c[0] for c in e.client.calls] == ['info'] for e in engines.values())


def test_no_workers_no_threads():
    assert out([], {}) == []


class BarrierClient(FakeClient):
    """A join that returns only once every worker's join has started (or the barrier times out)."""

    barrier = None

    def join_swarm(self, remote_addrs, join_token, **kwargs):
        self.barrier.wait()
        return super().join_swarm(remote_addrs, join_token, **kwargs)


def test_the_joins_happen_at_once():
    count = 6
    BarrierClient.barrier = threading.Barrier(count, timeout=5)
    engines = dict(('w%d' % i, engine(inactive(), after_join=worker('id-w%d' % i), client_class=BarrierClient))
                   for i in range(count))
    # Only engine errors are caught: a sequential fan-out breaks the barrier and the test errors out.
    results = out([spec(name) for name in engines], engines, errors=(FakeAPIError,))
    assert [r['status'] for r in results] == [fanout.JOINED] * count


class SlowClient(FakeClient):
    """A join that takes ``delay`` seconds, and counts the joins under way."""

    lock = threading.Lock()
    running = 0
    peak = 0

    def __init__(self, *args, **kwargs):
        self.delay = kwargs.pop('delay')
        super().__init__(*args, **kwargs)

    def join_swarm(self, remote_addrs, join_token, **kwargs):
        cls = type(self)
        with cls.lock:
            cls.running += 1
            cls.peak = max(cls.peak, cls.running)
        time.sleep(self.delay)
        with cls.lock:
            cls.running -= 1
        return super().join_swarm(remote_addrs, join_token, **kwargs)


@pytest.fixture
def slow_client(monkeypatch):
    monkeypatch.setattr(SlowClient, 'running', 0)
    monkeypatch.setattr(SlowClient, 'peak', 0)
    return SlowClient


def test_the_results_are_in_the_order_of_the_workers_not_of_the_joins(slow_client):
    # The first worker's join ends last.
    names = ['w1', 'w2', 'w3', 'w4']
    engines = dict((name, engine(inactive(), after_join=worker('id-' + name), client_class=slow_client,
                                 delay=0.05 * (len(names) - i))) for i, name in enumerate(names))
    results = out([spec(name) for name in names], engines)
    assert [r['name'] for r in results] == names
    assert [r['node_id'] for r in results] == ['id-' + name for name in names]
    assert slow_client.peak > 1


def test_at_most_max_threads_joins_run_at_once(monkeypatch, slow_client):
    monkeypatch.setattr(fanout, 'MAX_THREADS', 2)
    names = ['w%d' % i for i in range(5)]
    engines = dict((name, engine(inactive(), after_join=worker('id-' + name), client_class=slow_client, delay=0.05))
                   for name in names)
    results = out([spec(name) for name in names], engines)
    assert [r['status'] for r in results] == [fanout.JOINED] * 5
    assert slow_client.peak == 2


def test_an_unexpected_exception_is_not_taken_for_an_engine_error():
    def connect(worker_spec):
        raise KeyError('bug')
    with pytest.raises(KeyError):
        fanout.fan_out([spec('w1')], connect, WORKER_TOKEN, NODE_ADDRS, set(), errors=docker_api.ENGINE_ERRORS)


# ----------------------------------------------------------------------- summary

def test_summary_groups_the_names_and_gives_why_each_failed():
    results = [dict(name='w1', status=fanout.JOINED, msg=None), dict(name='w2', status=fanout.FAILED, msg='boom'),
               dict(name='w3', status=fanout.IN_PLACE, msg=None), dict(name='w4', status=fanout.LEFT_TO_HOST,
                                                                     msg='its engine is pending'),
               dict(name='w5', status=fanout.JOINED, msg=None), dict(name='w6', status=fanout.FAILED, msg='bang')]
    assert fanout.summary(results) == dict(joined=['w1', 'w5'], in_place=['w3'], left_to_host=['w4'],
                                           failed_workers={'w2': 'boom', 'w6': 'bang'})
    assert fanout.summary([]) == dict(joined=[], in_place=[], left_to_host=[], failed_workers={})


# ------------------------------------------------------------ SwarmWorkers.run

class WorkersModule(FakeModule):
    """The AnsibleModule SwarmWorkers sees: FakeModule with this module's options, check mode and exit_json."""

    def __init__(self, check_mode=False, **params):
        options = dict(workers=[], worker_tls=None, worker_timeout=5, join_timeout=60, expect_ready=[],
                       wait_timeout=30)
        options.update(params)
        super().__init__(**options)
        self.check_mode = check_mode

    def exit_json(self, **kwargs):
        raise ExitJson(kwargs)


def manager_client(nodes=None, swarm=None):
    """The first manager's engine: its RemoteManagers only knows m1, its node list both managers."""
    return FakeClient(swarm or manager(), nodes=copy.deepcopy(MANAGER_NODES if nodes is None else nodes))


def run_workers(client, engines, workers=None, check_mode=False, clock=None, **params):
    """SwarmWorkers(...).run() -> (result, failed, connect)."""
    connect = connector(engines)
    workers = [spec(name) for name in engines] if workers is None else workers
    module = WorkersModule(check_mode=check_mode, workers=workers, **params)
    clock = clock or Clock()
    reader = swarm_workers.SwarmWorkers(module, docker_api.SwarmkitEngine(client), connect, sleep=clock.sleep,
                                        clock=clock.time)
    with pytest.raises((ExitJson, FailJson)) as exc:
        reader.run()
    return exc.value.args[0], isinstance(exc.value, FailJson), connect


def calls(client, name):
    return len([c for c in client.calls if c[0] == name])


def with_node(nodes, *extra):
    return copy.deepcopy(nodes) + list(extra)


@pytest.mark.parametrize('swarm', [worker(), inactive(), pending()])
def test_run_on_a_host_that_is_not_a_manager_fails_before_any_worker(swarm):
    result, failed, connect = run_workers(FakeClient(swarm), {'w1': engine(inactive())})
    assert failed
    assert result['msg'].startswith('host is not a Swarm manager (LocalNodeState=%s' % swarm['LocalNodeState'])
    assert connect.asked == []


def test_run_without_the_worker_token_fails():
    client = manager_client()
    client.tokens = {'Manager': 'SWMTKN-1-m'}
    result, failed, connect = run_workers(client, {'w1': engine(inactive())})
    assert failed and 'did not give the worker token' in result['msg'] and connect.asked == []


def test_run_engine_error_on_the_manager_names_the_step():
    client = FakeClient(manager(), fail={'nodes': FakeAPIError('permission denied')})
    result, failed, connect = run_workers(client, {'w1': engine(inactive())})
    assert failed
    assert result['msg'] == ('Docker engine at unix:///var/run/docker.sock: listing the cluster nodes failed: '
                             'permission denied')
    assert connect.asked == []


def test_run_joins_through_the_managers_addresses_from_the_node_list_as_swarm_manager_gives_them(module_run,
                                                                                                  monkeypatch):
    client = manager_client()
    eng = engine(inactive(), after_join=worker('id-w1'))
    result, failed, _ = run_workers(client, {'w1': eng})
    assert not failed, result
    assert joins(eng) == [(NODE_ADDRS, WORKER_TOKEN, {'advertise_addr': None, 'listen_addr': '0.0.0.0:2377'})]
    # swarm_manager, run on the same manager, gives the agents the same addresses.
    monkeypatch.setattr(swarm_manager, 'get_api_client', lambda module: client)
    monkeypatch.setattr(docker_api, 'get_api_client', lambda module: client)
    managed, failed = module_run(swarm_manager.main, {'cluster_id': CLUSTER})
    assert not failed, managed
    assert managed['manager_addrs'] == joins(eng)[0][0]


def test_run_changed_only_when_a_worker_joined():
    engines = {'w1': engine(inactive(), after_join=worker('id-w1')), 'w3': engine(worker('id-w3'))}
    result, failed, _ = run_workers(manager_client(), engines)
    assert not failed, result
    assert result['changed'] is True
    assert result['joined'] == ['w1'] and result['in_place'] == ['w3']
    assert result['left_to_host'] == [] and result['failed_workers'] == {}
    assert [(r['name'], r['status'], r['node_id']) for r in result['workers']] == [
        ('w1', 'joined', 'id-w1'), ('w3', 'in_place', 'id-w3')]
    assert WORKER_TOKEN not in json.dumps(result)


def test_run_with_every_worker_in_place_changes_nothing():
    eng = engine(worker('id-w3'))
    result, failed, _ = run_workers(manager_client(), {'w3': eng})
    assert not failed and result['changed'] is False and result['in_place'] == ['w3']
    assert eng.client.mutations() == []


def test_run_with_workers_left_to_the_host_or_failed_changes_nothing_and_does_not_fail():
    engines = {'w1': FakeAPIError('connection refused'), 'w2': engine(pending()),
               'w4': engine(inactive(), fail={'join_swarm': FakeAPIError('invalid join token')})}
    result, failed, _ = run_workers(manager_client(), engines)
    assert not failed, result
    assert result['changed'] is False
    assert result['left_to_host'] == ['w1', 'w2']
    assert list(result['failed_workers']) == ['w4'] and 'invalid join token' in result['failed_workers']['w4']


def test_run_with_no_failed_worker_is_not_a_failed_task_for_ansible():
    engines = {'w1': engine(inactive(), after_join=worker('id-w1')), 'w2': FakeAPIError('connection refused')}
    result, failed, _ = run_workers(manager_client(), engines)
    assert not failed and not TaskResult(None, None, result, {}).is_failed()


def test_run_with_a_failed_worker_is_not_a_failed_task_for_ansible():
    # The workers told to join that did not are `failed_workers`: a `failed` key is Ansible's own
    # failure flag, which would fail the task (and with run_once every host of the play).
    engines = {'w1': engine(inactive(), after_join=worker('id-w1')),
               'w4': engine(inactive(), fail={'join_swarm': FakeAPIError('invalid join token')})}
    result, failed, _ = run_workers(manager_client(), engines)
    assert not failed and 'failed' not in result
    assert not TaskResult(None, None, result, {}).is_failed()
    assert list(result['failed_workers']) == ['w4']


def test_run_a_worker_id_of_the_node_list_is_in_place_another_is_left_to_the_host():
    engines = {'w3': engine(worker('id-w3')), 'w9': engine(worker('id-w9', managers=('10.9.9.9:2377',))),
               'w8': engine(worker('id-w8'), after_join=worker('id-w8b'))}  # names m1, not listed: rejoins
    result, failed, _ = run_workers(manager_client(), engines)
    assert not failed and result['in_place'] == ['w3'] and result['left_to_host'] == ['w9']
    assert result['joined'] == ['w8'] and result['changed']


def test_run_only_worker_nodes_count_as_in_place():
    # An engine that reports a worker with a manager node's ID (m2, say, demoted on its side only).
    result, failed, _ = run_workers(manager_client(), {'m2': engine(worker('id-m2'))})
    assert not failed and result['left_to_host'] == ['m2'] and result['in_place'] == []


def test_run_check_mode_reports_the_join_without_joining_or_waiting():
    client = manager_client()
    eng = engine(inactive(), after_join=worker('id-w1'))
    result, failed, _ = run_workers(client, {'w1': eng}, check_mode=True, expect_ready=['w1'])
    assert not failed and result['changed'] is True and result['joined'] == ['w1']
    assert eng.client.mutations() == [] and joins(eng) == []
    assert calls(client, 'nodes') == 1
    assert result['expectations_met'] is False and 'summary' not in result


@pytest.mark.parametrize('other', [FakeAPIError('connection refused'),                          # left to the host
                                   engine(inactive(), fail={'join_swarm': FakeAPIError('no')})])  # failed
def test_run_expectations_are_not_checked_while_a_worker_is_not_settled(other):
    client = manager_client()
    client.node_lists = [MANAGER_NODES, with_node(MANAGER_NODES, node('w1', node_id='id-w1'))]
    engines = {'w1': engine(inactive(), after_join=worker('id-w1')), 'w2': other}
    result, failed, _ = run_workers(client, engines, expect_ready=['m1', 'm2', 'w1', 'w2', 'w3'])
    assert not failed, result
    assert calls(client, 'nodes') == 1
    assert result['expectations_met'] is False
    assert not {'summary', 'not_ready', 'missing'} & set(result)


def test_run_without_expectations_lists_the_nodes_once():
    client = manager_client()
    result, failed, _ = run_workers(client, {'w1': engine(inactive(), after_join=worker('id-w1'))})
    assert not failed and result['expectations_met'] is False and 'summary' not in result
    assert calls(client, 'nodes') == 1


def test_run_waits_until_the_joined_workers_are_ready():
    client = manager_client()
    down = with_node(MANAGER_NODES, node('w1', state='down', node_id='id-w1'))
    ready = with_node(MANAGER_NODES, node('w1', addr='10.0.0.11', node_id='id-w1'))
    # The run's own listing, then the polls: w1 missing, down, Ready.
    client.node_lists = [MANAGER_NODES, MANAGER_NODES, down, ready]
    clock = Clock()
    engines = {'w1': engine(inactive(), after_join=worker('id-w1')), 'w3': engine(worker('id-w3'))}
    result, failed, _ = run_workers(client, engines, clock=clock, expect_ready=['m1', 'm2', 'w1', 'w3'],
                                    wait_timeout=10)
    assert not failed, result
    assert clock.sleeps == [swarm_cluster.POLL_INTERVAL] * 2
    assert calls(client, 'nodes') == 4
    assert result['expectations_met'] is True
    assert result['not_ready'] == {} and result['missing'] == []
    assert result['summary'][0] == 'Nodes: 4' and ' w1: 10.0.0.11' in result['summary']


def test_run_after_the_wait_times_out_expectations_are_not_met_and_the_module_does_not_fail():
    client = manager_client()
    client.node_lists = [MANAGER_NODES, with_node(MANAGER_NODES, node('w1', state='down', node_id='id-w1'))]
    clock = Clock()
    result, failed, _ = run_workers(client, {'w1': engine(inactive(), after_join=worker('id-w1'))}, clock=clock,
                                    expect_ready=['w1', 'w7'], wait_timeout=2)
    assert not failed, result
    assert result['changed'] is True and result['joined'] == ['w1']
    assert result['expectations_met'] is False
    assert result['not_ready'] == {'w1': 'down'} and result['missing'] == ['w7']
    assert result['summary'][0] == 'Nodes: 4'
    # A poll at t=0 and after every interval until the 2 s have passed, after the run's own listing.
    assert calls(client, 'nodes') == 1 + 1 + int(math.ceil(2 / swarm_cluster.POLL_INTERVAL))
    assert clock.now >= 2


def test_run_a_zero_wait_polls_once():
    client = manager_client()
    clock = Clock()
    result, failed, _ = run_workers(client, {'w1': engine(inactive(), after_join=worker('id-w1'))}, clock=clock,
                                    expect_ready=['w1'], wait_timeout=0)
    assert not failed and result['expectations_met'] is False and result['missing'] == ['w1']
    assert clock.sleeps == [] and calls(client, 'nodes') == 2


def test_run_an_engine_error_while_waiting_fails_with_the_workers_outcome():
    client = manager_client()
    client.node_lists = [MANAGER_NODES]
    eng = engine(inactive(), after_join=worker('id-w1'))
    real_nodes = client.nodes

    def nodes(filters=None):
        if calls(client, 'nodes') >= 1:
            raise FakeAPIError('manager lost quorum')
        return real_nodes(filters)
    client.nodes = nodes
    result, failed, _ = run_workers(client, {'w1': eng}, expect_ready=['w1'])
    assert failed
    assert result['msg'].endswith('listing the cluster nodes failed: manager lost quorum')
    assert result['joined'] == ['w1'] and result['changed'] is True and result['workers'][0]['status'] == 'joined'


# ------------------------------------------------------------------ check_workers

def options(workers, **params):
    return dict(dict(workers=workers, worker_timeout=5, join_timeout=60, wait_timeout=30), **params)


def test_check_workers_refuses_a_bad_expect_ready_entry():
    assert swarm_workers.check_workers(options([spec('w1')], expect_ready=['a', {'addresses': ['10.0.0.1']}])) == [
        "expect_ready: {'addresses': ['10.0.0.1']} has no name"]


def test_check_workers_accepts_good_options():
    assert swarm_workers.check_workers(options([spec('w1'), spec('w2')], wait_timeout=0)) == []


def test_check_workers_names_duplicate_names_once_each():
    problems = swarm_workers.check_workers(options([spec('w2'), spec('w1'), spec('w2'), spec('w1'), spec('w2'),
                                                    spec('w3')]))
    assert problems == ['workers: names must be unique (w1, w2)']


def test_check_workers_names_the_worker_whose_docker_host_is_bad():
    problems = swarm_workers.check_workers(options([spec('w1', docker_host='10.0.0.5:2375'),
                                                    spec('w2', docker_host='gopher://10.0.0.6')]))
    assert problems == [
        "workers[w1]: docker_host: '10.0.0.5:2375' has no scheme (use unix:///path, tcp://host:port, "
        "http://host:port or https://host:port)",
        "workers[w2]: docker_host: unsupported scheme in 'gopher://10.0.0.6'",
    ]


def test_check_workers_names_the_worker_whose_addresses_are_bad():
    """Checked as swarm_agent checks them, before any engine is asked: a worker of a gone cluster would
    leave it first, then fail its join."""
    problems = swarm_workers.check_workers(options([
        spec('w1', listen_addr='0.0.0.0:99999'), spec('w2', advertise_addr='10.0.0.6:2377', data_path_addr='eth0'),
        spec('w3', advertise_addr='not an address!')]))
    assert [p.split(':')[0] for p in problems] == ['workers[w1]', 'workers[w3]'], problems
    assert '99999' in problems[0] and 'not an address!' in problems[1]


@pytest.mark.parametrize('params, expected', [
    ({'worker_timeout': 0}, ['worker_timeout: 0 must be a positive number of seconds']),
    ({'join_timeout': -1}, ['join_timeout: -1 must be a positive number of seconds']),
    ({'wait_timeout': -1}, ['wait_timeout: -1 must not be negative']),
    ({'worker_timeout': -5, 'join_timeout': 0, 'wait_timeout': -2},
     ['worker_timeout: -5 must be a positive number of seconds', 'join_timeout: 0 must be a positive number of '
      'seconds', 'wait_timeout: -2 must not be negative']),
])
def test_check_workers_timeouts(params, expected):
    assert swarm_workers.check_workers(options([spec('w1')], **params)) == expected


# -------------------------------------------------------------------------- main

class TimedClient(FakeClient):
    """A worker's engine client that records its request timeout when the join is sent."""

    def join_swarm(self, remote_addrs, join_token, **kwargs):
        self.timeout_at_join = self.timeout
        return super().join_swarm(remote_addrs, join_token, **kwargs)


@pytest.fixture
def main_run(module_run, monkeypatch):
    """main() with the manager's client and the workers' clients given: -> (result, failed, clients made)."""
    def _run(args, manager, workers, check=False):
        made = []

        def worker_client(module, docker_host, tls=None, timeout=None):
            made.append((docker_host, tls, timeout))
            found = workers[docker_host]
            if isinstance(found, Exception):
                raise found
            return found
        monkeypatch.setattr(swarm_workers, 'get_api_client', lambda module: manager)
        monkeypatch.setattr(swarm_workers, 'worker_client', worker_client)
        result, failed = module_run(swarm_workers.main, args, check=check)
        return result, failed, made
    return _run


def test_main_joins_through_worker_engines_with_the_options_given(main_run):
    w1 = TimedClient(inactive(), after_join=worker('id-w1'))
    w1.timeout = 7
    tls = {'ca_path': '/etc/docker/certs/ca.pem', 'client_cert': '/etc/docker/certs/client-cert.pem',
           'client_key': '/etc/docker/certs/client-key.pem'}
    args = {'workers': [{'name': 'w1', 'docker_host': 'tcp://10.0.0.5:2375'},
                        {'name': 'w2', 'docker_host': 'tcp://10.0.0.6:2375'}],
            'worker_tls': tls, 'worker_timeout': 7, 'join_timeout': 45}
    result, failed, made = main_run(args, manager_client(), {
        'tcp://10.0.0.5:2375': w1, 'tcp://10.0.0.6:2375': requests.exceptions.ConnectTimeout('timed out')})
    assert not failed, result
    assert sorted(made) == [('tcp://10.0.0.5:2375', tls, 7), ('tcp://10.0.0.6:2375', tls, 7)]
    assert result['joined'] == ['w1'] and result['left_to_host'] == ['w2'] and result['changed'] is True
    assert 'timed out' in result['workers'][1]['msg']
    assert [c[1:] for c in w1.mutations()] == [
        ((NODE_ADDRS, WORKER_TOKEN), {'advertise_addr': None, 'listen_addr': '0.0.0.0:2377'})]
    # The join waits on the engine for as long as the join may take, not the short answer's timeout.
    assert w1.timeout_at_join == 45
    assert WORKER_TOKEN not in json.dumps(dict((k, v) for k, v in result.items() if k != '_no_log_values'))
    # And masked, should a worker's engine ever answer a join with it.
    assert WORKER_TOKEN in result['_no_log_values']


def test_main_check_mode_joins_nothing(main_run):
    w1 = TimedClient(inactive(), after_join=worker('id-w1'))
    w1.timeout = 5
    result, failed, _ = main_run({'workers': [{'name': 'w1', 'docker_host': 'tcp://10.0.0.5:2375'}]},
                                 manager_client(), {'tcp://10.0.0.5:2375': w1}, check=True)
    assert not failed and result['changed'] is True and result['joined'] == ['w1']
    assert w1.mutations() == []


@pytest.mark.parametrize('args, fragment', [
    ({'workers': [{'name': 'w1', 'docker_host': 'tcp://a:2375'}, {'name': 'w1', 'docker_host': 'tcp://b:2375'}]},
     'workers: names must be unique (w1)'),
    ({'workers': [{'name': 'w1', 'docker_host': '10.0.0.5'}]}, "workers[w1]: docker_host: '10.0.0.5' has no scheme"),
    ({'workers': [{'name': 'w1', 'docker_host': 'tcp://a:2375'}], 'worker_timeout': 0}, 'worker_timeout: 0 must be'),
    ({'workers': [{'name': 'w1', 'docker_host': 'tcp://a:2375'}], 'wait_timeout': -1}, 'wait_timeout: -1 must not'),
    ({'workers': [{'name': 'w1'}]}, 'workers[w1]: give one of docker_host and address'),
    ({'workers': [{'name': 'w1', 'docker_host': 'tcp://a:2375', 'address': 'a'}]}, 'give one of docker_host and'),
    ({'workers': [{'name': 'w1', 'address': '[2001:db8::5'}]}, 'workers[w1]: address: unbalanced "["'),
])
def test_main_bad_input_fails_before_any_engine_is_asked(main_run, args, fragment):
    result, failed, made = main_run(args, None, {})
    assert failed and fragment in result['msg'] and made == []


@pytest.mark.parametrize('join_timeout, expected', [(60, 60), (2, 9)])
def test_worker_engine_keeps_the_longer_timeout_for_the_join(join_timeout, expected):
    client = TimedClient(inactive(), after_join=worker('id-w1'))
    client.timeout = 9
    swarm = swarm_workers.WorkerEngine(client, join_timeout).join(NODE_ADDRS, WORKER_TOKEN, timeout=0)
    assert client.timeout_at_join == expected and swarm['NodeID'] == 'id-w1'


# ------------------------------------------------------------------ worker_client

class RecordedTLS:
    def __init__(self, **kwargs):
        self.kwargs = kwargs


@pytest.fixture
def made_clients(monkeypatch):
    made = []
    monkeypatch.setattr(docker_api.docker, 'APIClient', lambda **kw: made.append(kw) or 'client')
    monkeypatch.setattr(docker_api, 'TLSConfig', RecordedTLS)
    return made


def test_worker_client_with_tls_verifies_the_workers_certificate(made_clients):
    tls = {'ca_path': '/c/ca.pem', 'client_cert': '/c/cert.pem', 'client_key': '/c/key.pem'}
    assert docker_api.worker_client(FakeModule(api_version='1.41'), 'tcp://10.0.0.5:2376', tls, 5) == 'client'
    made = made_clients[-1]
    assert made['base_url'] == 'tcp://10.0.0.5:2376' and made['version'] == '1.41' and made['timeout'] == 5
    assert made['tls'].kwargs == {'verify': True, 'client_cert': ('/c/cert.pem', '/c/key.pem'),
                                  'ca_cert': '/c/ca.pem'}


def test_worker_client_without_tls_is_plain_tcp(made_clients):
    docker_api.worker_client(FakeModule(), 'tcp://10.0.0.5:2375', None, None)
    assert made_clients[-1] == {'base_url': 'tcp://10.0.0.5:2375', 'version': 'auto',
                                'timeout': docker_api.DEFAULT_TIMEOUT, 'tls': False}


def test_worker_client_without_worker_tls_ignores_the_managers_tls(made_clients):
    module = FakeModule(docker_host='tcp://10.0.0.1:2376', validate_certs=True, ca_path='/m/ca.pem',
                        client_cert='/m/cert.pem', client_key='/m/key.pem')
    docker_api.worker_client(module, 'tcp://10.0.0.5:2375', None, 5)
    assert made_clients[-1]['tls'] is False


# ------------------------------------------------------------- the filter


@pytest.mark.parametrize('address, url', [
    ('node2', 'tcp://node2:2375'), ('10.0.11.151', 'tcp://10.0.11.151:2375'),
    ('10.0.11.151:2377', 'tcp://10.0.11.151:2375'), ('fd00::5', 'tcp://[fd00::5]:2375'),
    ('[fd00::5]:2377', 'tcp://[fd00::5]:2375')])
def test_engine_url_takes_the_host_of_the_address_and_the_engine_port(address, url):
    assert fanout.engine_url(address, 2375) == url


def test_engine_url_refuses_a_malformed_address():
    for address in ('[2001:db8::5', '10.0.0.5:notaport', ''):
        with pytest.raises(ValueError):
            fanout.engine_url(address, 2375)


def test_main_reaches_workers_given_by_address_on_the_engine_port(main_run):
    w1 = TimedClient(inactive(), after_join=worker('id-w1'))
    w1.timeout = 5
    args = {'workers': [{'name': 'w1', 'address': '10.0.0.5:2377', 'advertise_addr': '10.0.0.5:2377'}],
            'engine_port': 12375}
    result, failed, made = main_run(args, manager_client(), {'tcp://10.0.0.5:12375': w1})
    assert not failed and result['joined'] == ['w1'], result
    assert [m[0] for m in made] == ['tcp://10.0.0.5:12375']
    assert result['workers'][0]['docker_host'] == 'tcp://10.0.0.5:12375'
