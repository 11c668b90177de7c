"""swarm_node_drain: drain before a restart, availability back after, against a fake manager engine
whose tasks move the way swarmkit moves them (the old task stops, then its replacement starts)."""

import copy
import json

import pytest
from ansible_collections.dockercluster.swarm.plugins.module_utils import swarm_drain
from ansible_collections.dockercluster.swarm.plugins.module_utils.docker_ping import unix_request
from ansible_collections.dockercluster.swarm.plugins.modules import swarm_node_drain
from test_docker_ping import JsonEngineHandler, unix_http


def node(node_id, role='worker', availability='active', state='ready', reachability=None, labels=None):
    n = {'ID': node_id, 'Version': {'Index': 10},
         'Spec': {'Role': role, 'Availability': availability, 'Labels': labels or {'zone': 'a'}},
         'Description': {'Hostname': 'host-' + node_id}, 'Status': {'State': state}}
    if role == 'manager':
        n['ManagerStatus'] = {'Reachability': reachability or 'reachable'}
    return n


def task(task_id, service, node_id, state='running', desired='running', err=None):
    status = {'State': state}
    if err:
        status['Err'] = err
    return {'ID': task_id, 'ServiceID': service, 'NodeID': node_id, 'DesiredState': desired, 'Status': status}


class FakeManager(object):
    """A manager's engine API as swarm_drain uses it. ``step()`` (called at each sleep) moves the
    cluster on: a drained node's tasks stop one step, their replacements start the next (on
    ``spare``, or pending with an error when ``spare`` is None)."""

    def __init__(self, nodes, tasks, spare='n3', stops=True):
        self.node_map = dict((n['ID'], n) for n in nodes)
        self.lists = 0  # GET /nodes calls
        self.task_list = tasks
        self.spare, self.stops = spare, stops
        self.updates = []
        self.script = []  # functions run at the next steps, one a step
        self.errors = []  # EngineErrors the next node() calls raise, one a call

    def node(self, node_id):
        if self.errors:
            raise swarm_drain.EngineError(self.errors.pop(0))
        if node_id not in self.node_map:
            raise swarm_drain.EngineError('GET /nodes/%s: HTTP 404: node %s not found' % (node_id, node_id))
        return copy.deepcopy(self.node_map[node_id])

    def nodes(self):
        self.lists += 1
        return [copy.deepcopy(n) for n in self.node_map.values()]

    def tasks(self, **filters):
        found = self.task_list
        if 'node' in filters:
            found = [t for t in found if t['NodeID'] in filters['node']]
        if 'service' in filters:
            found = [t for t in found if t['ServiceID'] in filters['service']]
        return copy.deepcopy(found)

    def update_node(self, node_id, version, spec):
        current = self.node_map[node_id]
        if version != current['Version']['Index']:
            raise swarm_drain.EngineError('POST /nodes/x/update: HTTP 500: update out of sequence')
        self.updates.append((node_id, version, copy.deepcopy(spec)))
        current['Spec'] = spec
        current['Version']['Index'] += 1
        if spec['Availability'] == 'drain':
            self.script.append(lambda: self.stop_tasks(node_id))

    def stop_tasks(self, node_id):
        if not self.stops:
            return
        moved = [t for t in self.task_list if t['NodeID'] == node_id and t['Status']['State'] == 'running']
        for t in moved:
            t['Status']['State'], t['DesiredState'] = 'shutdown', 'shutdown'
            if self.spare:
                new = task(t['ID'] + '-new', t['ServiceID'], self.spare, state='starting', desired='running')
            else:
                new = task(t['ID'] + '-new', t['ServiceID'], '', state='pending', desired='running',
                           err='no suitable node (max replicas per node limit exceed)')
            self.task_list.append(new)
            if self.spare:
                self.script.append(lambda new=new: new['Status'].update(State='running'))

    def step(self):
        if self.script:
            self.script.pop(0)()


class Clock(object):
    def __init__(self, cluster):
        self.now, self.cluster = 0.0, cluster

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds
        self.cluster.step()


def drainer(cluster, timeout=30):
    clock = Clock(cluster)
    warnings = []
    return swarm_drain.Drainer(cluster, timeout, warnings.append, clock=clock, sleep=clock.sleep), warnings


def three_nodes(n2='active'):
    nodes = [node('n1', 'manager'), node('n2', availability=n2), node('n3')]
    tasks = [task('t1', 's1', 'n1'), task('t2', 's1', 'n2'), task('t3', 's1', 'n3'),
             task('old', 's1', 'n2', state='shutdown', desired='shutdown')]
    return nodes, tasks


def test_drain_waits_until_the_tasks_run_elsewhere_and_keeps_the_spec():
    cluster = FakeManager(*three_nodes())
    d, warnings = drainer(cluster)
    result = d.drain('n2')
    assert result['changed'] and result['availability_before'] == 'active' and result['availability'] == 'drain'
    assert result['running_before'] == {'s1': 3} and result['tasks_moved'] == 1 and not result['timed_out']
    assert result['unplaced'] == []
    # The update sent the node's spec back as it was (labels, role), availability changed, at its version.
    # The availability before is kept on the node too, for a run interrupted before the restore.
    assert cluster.updates == [('n2', 10, {'Role': 'worker', 'Availability': 'drain', 'Labels': {
        'zone': 'a', 'dockercluster.swarm.availability-before': 'active'}})]
    # Returned only once the old task stopped and its replacement runs on n3.
    states = dict((t['ID'], t['Status']['State']) for t in cluster.task_list)
    assert states['t2'] == 'shutdown' and states['t2-new'] == 'running'
    assert warnings == []


def test_a_replacement_no_node_can_take_is_not_waited_for():
    """One replica per node, no node free: the task stays pending (with the scheduler's reason)."""
    cluster = FakeManager(*three_nodes(), spare=None)
    d, warnings = drainer(cluster)
    result = d.drain('n2')
    assert not result['timed_out'] and result['waited'] < 2 and warnings == []
    # Named, for a removal that must not leave it behind (swarm_agent_state: absent).
    assert result['unplaced'] == ['t2-new: no suitable node (max replicas per node limit exceed)']


def test_a_node_drained_by_hand_is_not_updated_and_stays_drained():
    cluster = FakeManager(*three_nodes(n2='drain'))
    cluster.task_list = [t for t in cluster.task_list if t['NodeID'] != 'n2']
    d, _warnings = drainer(cluster)
    result = d.drain('n2')
    assert not result['changed'] and result['availability_before'] == 'drain' and cluster.updates == []
    result = d.restore('n2', result['availability_before'], result['running_before'])
    assert not result['changed'] and cluster.updates == [] and cluster.node_map['n2']['Spec']['Availability'] == 'drain'


def test_check_mode_reads_and_predicts_only():
    cluster = FakeManager(*three_nodes())
    d, _warnings = drainer(cluster)
    result = d.drain('n2', check_mode=True)
    assert result['changed'] and result['availability'] == 'active' and cluster.updates == []
    result = d.restore('n2', 'active', result['running_before'], check_mode=True)
    assert not result['changed'] and cluster.updates == []
    # A node that is drained: the restore predicts giving it back, and writes nothing.
    cluster = FakeManager(*three_nodes(n2='drain'))
    d, _warnings = drainer(cluster)
    result = d.restore('n2', 'active', {}, check_mode=True)
    assert result['changed'] and cluster.updates == [] and cluster.node_map['n2']['Spec']['Availability'] == 'drain'


def test_tasks_that_do_not_leave_warn_at_the_timeout_and_the_restart_goes_on():
    cluster = FakeManager(*three_nodes(), stops=False)
    d, warnings = drainer(cluster, timeout=5)
    result = d.drain('n2')
    assert result['timed_out'] and result['waited'] >= 5
    assert len(warnings) == 1 and 't2' in warnings[0] and 'this node' in warnings[0]
    assert result['left'] == ['t2 (running on this node)']


def test_restore_waits_out_the_restart_then_gives_back_the_availability_before():
    """A paused node is drained for its restart and paused again after, not made active."""
    nodes, tasks = three_nodes(n2='pause')
    cluster = FakeManager(nodes, tasks)
    d, _warnings = drainer(cluster)
    drained = d.drain('n2')
    assert drained['availability_before'] == 'pause'
    # The engine restarts: the manager first has no leader to ask, then sees the node down, then ready.
    cluster.errors = ['GET /nodes/n2: HTTP 503: rpc error: The swarm does not have a leader']
    cluster.node_map['n2']['Status']['State'] = 'down'
    cluster.script = [lambda: None, lambda: cluster.node_map['n2']['Status'].update(State='ready')]
    result = d.restore('n2', drained['availability_before'], drained['running_before'])
    assert result['changed'] and result['state'] == 'ready' and not result['timed_out']
    assert cluster.node_map['n2']['Spec']['Availability'] == 'pause'
    assert [u[2]['Availability'] for u in cluster.updates] == ['drain', 'pause']
    assert cluster.node_map['n2']['Spec']['Labels'] == {'zone': 'a'}


def test_a_node_an_interrupted_run_left_drained_gets_back_the_availability_it_had():
    nodes, tasks = three_nodes(n2='drain')
    nodes[1]['Spec']['Labels']['dockercluster.swarm.availability-before'] = 'pause'
    cluster = FakeManager(nodes, [t for t in tasks if t['NodeID'] != 'n2'])
    d, _warnings = drainer(cluster)
    drained = d.drain('n2')
    assert drained['availability_before'] == 'pause' and not drained['changed'] and cluster.updates == []
    result = d.restore('n2', drained['availability_before'], drained['running_before'])
    assert result['changed'] and cluster.node_map['n2']['Spec'] == {'Role': 'worker', 'Availability': 'pause',
                                                                 'Labels': {'zone': 'a'}}


def test_a_label_left_on_a_node_no_longer_drained_is_not_given_back():
    """made active by hand since (without removing the label): the restart's drain gives back active, not the
    label's pause."""
    nodes, tasks = three_nodes()
    nodes[1]['Spec']['Labels']['dockercluster.swarm.availability-before'] = 'pause'
    cluster = FakeManager(nodes, tasks)
    d, _warnings = drainer(cluster)
    drained = d.drain('n2')
    assert drained['availability_before'] == 'active' and drained['changed']


def test_a_manager_is_back_only_when_reachable():
    nodes, tasks = three_nodes()
    nodes[0]['ManagerStatus']['Reachability'] = 'unreachable'
    cluster = FakeManager(nodes, tasks)
    cluster.script = [lambda: None, lambda: None,
                      lambda: cluster.node_map['n1']['ManagerStatus'].update(Reachability='reachable')]
    d, _warnings = drainer(cluster)
    result = d.restore('n1', 'active', {})
    assert result['state'] == 'ready, reachable' and result['waited'] >= 1.5


def test_without_an_availability_the_restore_only_waits_until_the_node_is_back():
    """A member restarted without a drain (docker_listen_drain false): back Ready, its availability
    (paused by hand) and labels untouched, no update written."""
    nodes, tasks = three_nodes()
    nodes[1]['Status']['State'] = 'down'
    nodes[1]['Spec'].update(Availability='pause')
    cluster = FakeManager(nodes, tasks)
    cluster.script = [lambda: None, lambda: cluster.node_map['n2']['Status'].update(State='ready')]
    d, _warnings = drainer(cluster)
    result = d.restore('n2', None, {})
    assert result['state'] == 'ready' and result['waited'] >= 1 and not result['changed']
    assert result['availability'] == 'pause' and cluster.updates == []


def test_a_manager_back_waits_until_it_knows_the_other_nodes_again():
    """Back from its restart, the manager lists the workers unknown until each re-registers: the
    restore returns once none is, so that the next member's drain and restart meet a known cluster."""
    nodes, tasks = three_nodes()
    nodes[1]['Status']['State'] = nodes[2]['Status']['State'] = 'unknown'
    cluster = FakeManager(nodes, tasks)
    cluster.script = [lambda: cluster.node_map['n2']['Status'].update(State='ready'),
                      lambda: cluster.node_map['n3']['Status'].update(State='ready')]
    d, warnings = drainer(cluster)
    result = d.restore('n1', None, {})
    assert result['nodes_unknown'] == [] and not result['timed_out'] and warnings == []
    assert result['waited'] >= 1 and cluster.lists == 3


def test_engine_errors_while_waiting_for_known_nodes_are_waited_out():
    """After the leader's restart the node list may answer 503 (no leader yet) for a moment."""
    nodes, tasks = three_nodes()
    nodes[2]['Status']['State'] = 'unknown'
    cluster = FakeManager(nodes, tasks)
    real_nodes, calls = cluster.nodes, []

    def no_leader_first():
        calls.append(1)
        if len(calls) == 1:
            raise swarm_drain.EngineError('GET /nodes: HTTP 503: The swarm does not have a leader')
        return real_nodes()
    cluster.nodes = no_leader_first
    cluster.script = [lambda: None, lambda: cluster.node_map['n3']['Status'].update(State='ready')]
    d, warnings = drainer(cluster)
    result = d.restore('n1', None, {})
    assert result['nodes_unknown'] == [] and not result['timed_out'] and warnings == [] and len(calls) >= 3


def test_nodes_still_unknown_warn_at_the_timeout():
    nodes, tasks = three_nodes()
    nodes[2]['Status']['State'] = 'unknown'
    cluster = FakeManager(nodes, tasks)
    d, warnings = drainer(cluster, timeout=3)
    result = d.restore('n1', 'active', {})
    assert result['nodes_unknown'] == ['host-n3'] and result['timed_out']
    assert len(warnings) == 1 and 'host-n3' in warnings[0]


def test_a_worker_back_does_not_wait_for_the_other_nodes():
    """Only a manager's restart makes it forget the other nodes; a worker's restore does not list them."""
    nodes, tasks = three_nodes()
    nodes[2]['Status']['State'] = 'unknown'
    cluster = FakeManager(nodes, tasks)
    d, warnings = drainer(cluster)
    result = d.restore('n2', None, {})
    assert result['nodes_unknown'] == [] and cluster.lists == 0 and result['waited'] < 1 and warnings == []


def test_a_node_not_back_fails_naming_what_it_is():
    nodes, tasks = three_nodes()
    nodes[1]['Status']['State'] = 'down'
    cluster = FakeManager(nodes, tasks)
    d, _warnings = drainer(cluster, timeout=3)
    with pytest.raises(swarm_drain.EngineError, match='not back within 3s: status down'):
        d.restore('n2', 'active', {})
    assert cluster.updates == []


def test_restore_waits_until_the_services_run_as_before():
    """One replica per node: the drained node's task waits pending, and runs there again once it is
    active; the restore returns then, not before."""
    cluster = FakeManager(*three_nodes(), spare=None)
    d, _warnings = drainer(cluster)
    drained = d.drain('n2')
    pending = [t for t in cluster.task_list if t['Status']['State'] == 'pending'][0]
    cluster.script = [lambda: None, lambda: pending.update(NodeID='n2', Status={'State': 'running'})]
    result = d.restore('n2', 'active', drained['running_before'])
    assert not result['timed_out'] and result['services_short'] == {} and result['waited'] >= 1


def test_services_still_short_warn_at_the_timeout():
    cluster = FakeManager(*three_nodes(), spare=None)
    d, warnings = drainer(cluster, timeout=4)
    drained = d.drain('n2')
    result = d.restore('n2', 'active', drained['running_before'])
    assert result['timed_out'] and result['services_short'] == {'s1': {'running': 2, 'before': 3}}
    assert 's1 (2 of 3)' in warnings[-1]


def test_an_update_that_races_another_is_made_again():
    cluster = FakeManager(*three_nodes())
    real_node = cluster.node
    calls = []

    def stale_once(node_id):
        found = real_node(node_id)
        if len(calls) == 1:  # the read the update is written with (the drain's own read is the first)
            found['Version']['Index'] -= 1  # someone updated the node meanwhile
        calls.append(node_id)
        return found
    cluster.node = stale_once
    d, _warnings = drainer(cluster)
    assert d.drain('n2')['availability'] == 'drain'
    assert len(cluster.updates) == 1 and cluster.node_map['n2']['Spec']['Availability'] == 'drain'
    assert len(calls) == 4, calls  # the drain's, the stale one, again after the refused write, after the write


# ------------------------------------------------------------------ the module, over a unix socket
class ManagerHandler(JsonEngineHandler):
    """GET /nodes/<id>, GET /tasks, POST /nodes/<id>/update, as a manager engine answers them."""
    cluster = None
    posts = []

    def do_GET(self):
        if self.path.startswith('/nodes/'):
            try:
                return self.answer(200, json.dumps(self.cluster.node(self.path.split('/')[2])))
            except swarm_drain.EngineError:
                return self.answer(404, json.dumps({'message': 'node %s not found' % self.path.split('/')[2]}))
        if self.path.startswith('/tasks'):
            return self.answer(200, json.dumps(self.cluster.tasks()))
        return self.answer(404, '{"message": "page not found"}')

    def do_POST(self):
        body = self.json_body()
        self.posts.append((self.path, body))
        node_id = self.path.split('/')[2]
        version = int(self.path.split('version=')[1])
        self.cluster.update_node(node_id, version, body)
        self.cluster.stop_tasks(node_id)
        for task_ in self.cluster.task_list:
            task_['Status']['State'] = 'running' if task_['Status']['State'] == 'starting' else task_['Status']['State']
        return self.answer(200, '')


@pytest.fixture
def manager(tmp_path, monkeypatch):
    cluster = FakeManager(*three_nodes())
    monkeypatch.setattr(ManagerHandler, 'cluster', cluster)
    monkeypatch.setattr(ManagerHandler, 'posts', [])
    with unix_http(str(tmp_path / 'docker.sock'), ManagerHandler) as path:
        yield path, cluster


def test_the_module_drains_through_the_socket(module_run, manager):
    path, cluster = manager
    result, failed = module_run(swarm_node_drain.main, {'node_id': 'n2', 'docker_socket': path})
    assert not failed, result
    assert result['changed'] and result['availability_before'] == 'active' and result['running_before'] == {'s1': 3}
    assert ManagerHandler.posts == [('/nodes/n2/update?version=10', {'Role': 'worker', 'Availability': 'drain', 'Labels': {
        'zone': 'a', 'dockercluster.swarm.availability-before': 'active'}})]
    result, failed = module_run(swarm_node_drain.main, {'node_id': 'n2', 'docker_socket': path, 'state': 'restored',
                                                        'availability': 'active', 'running_before': {'s1': '3'}})
    assert not failed, result
    assert result['changed'] and cluster.node_map['n2']['Spec']['Availability'] == 'active'


def test_the_module_names_the_engine_error(module_run, manager):
    path, _cluster = manager
    result, failed = module_run(swarm_node_drain.main, {'node_id': 'nope', 'docker_socket': path})
    assert failed and 'node nope' in result['msg'] and 'HTTP 404: node nope not found' in result['msg']


def test_an_engine_error_after_the_drain_reports_the_node_drained(module_run, manager, monkeypatch):
    """The node is drained, then the engine fails while the module waits for its tasks: changed, and the
    availability it had (the label on the node keeps it too)."""
    path, cluster = manager
    real_get = ManagerHandler.do_GET

    def tasks_fail_after_the_drain(handler):
        if handler.path.startswith('/tasks') and ManagerHandler.posts:
            return handler.answer(500, json.dumps({'message': 'rpc error: no leader'}))
        return real_get(handler)
    monkeypatch.setattr(ManagerHandler, 'do_GET', tasks_fail_after_the_drain)
    result, failed = module_run(swarm_node_drain.main, {'node_id': 'n2', 'docker_socket': path})
    assert failed and 'no leader' in result['msg'], result
    assert result['changed'] and result['availability_before'] == 'active' and result['availability'] == 'drain'
    assert cluster.node_map['n2']['Spec']['Availability'] == 'drain'


@pytest.mark.parametrize('args, words', [
    ({'node_id': ' '}, 'node_id is empty'),
    ({'node_id': 'n1', 'timeout': -1}, 'timeout: -1'),
    ({'node_id': 'n1', 'running_before': {'s1': 'many'}}, 'running_before'),
])
def test_bad_input_fails_before_any_call(module_run, tmp_path, args, words):
    result, failed = module_run(swarm_node_drain.main, dict(args, docker_socket=str(tmp_path / 'none.sock')))
    assert failed and words in result['msg']


def test_unix_request_posts_a_json_body(manager):
    path, _cluster = manager
    status, body = unix_request(path, 'POST', '/nodes/n3/update?version=10', 5,
                                body=json.dumps({'Role': 'worker', 'Availability': 'pause'}))
    assert status == 200 and body == ''
    assert ManagerHandler.posts[-1][1]['Availability'] == 'pause'
