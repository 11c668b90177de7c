"""restart_losses: which running containers a restart of dockerd stops for good, from the engine's answers."""

import json

import pytest
from ansible_collections.dockercluster.swarm.plugins.module_utils import restart_losses
from test_docker_host_info import InfoHandler
from test_docker_ping import unix_http


def container(cid, name, labels=None):
    return {'Id': cid, 'Names': ['/' + name], 'Labels': labels or {}}


def host_config(policy=None, auto_remove=False):
    return {'HostConfig': {'RestartPolicy': {'Name': policy} if policy is not None else None, 'AutoRemove': auto_remove}}


RUNNING = [container('a1', 'web'), container('b2', 'job'), container('c3', 'db'), container('d4', 'cache'),
           container('e5', 'svc.1.x', {restart_losses.SWARM_TASK_LABEL: 't1'}), container('f6', 'retry')]
INSPECT = {'a1': host_config('no'), 'b2': host_config('no', auto_remove=True), 'c3': host_config('always'),
           'd4': host_config('unless-stopped'), 'f6': host_config('on-failure'), 'e5': host_config('no')}


def test_the_containers_a_restart_stops_for_good_are_named_with_what_happens_to_each():
    asked = []

    def inspect(cid):
        asked.append(cid)
        return INSPECT[cid]
    lost = restart_losses.lost_by_restart({'LiveRestoreEnabled': False}, RUNNING, inspect)
    assert lost == [('web', 'left stopped (restart policy no)'), ('job', 'removed (--rm)'),
                    ('retry', 'left stopped (restart policy on-failure)')]
    assert 'e5' not in asked  # a swarm task: the swarm starts it again


def test_a_container_without_a_policy_is_left_stopped():
    lost = restart_losses.lost_by_restart({}, [container('a1', 'web')], lambda cid: {'HostConfig': {}})
    assert lost == [('web', 'left stopped (restart policy no)')]


def test_with_live_restore_nothing_is_lost_and_nothing_inspected():
    def inspect(cid):
        raise AssertionError('inspected %s' % cid)
    assert restart_losses.lost_by_restart({'LiveRestoreEnabled': True}, RUNNING, inspect) == []


class EngineHandler(InfoHandler):
    pages = {'/info': (200, json.dumps({'LiveRestoreEnabled': False})),
             '/containers/json': (200, json.dumps(RUNNING)),
             }
    pages.update(('/containers/%s/json' % cid, (200, json.dumps(answer))) for cid, answer in INSPECT.items())


def test_read_over_the_engine_socket(tmp_path):
    with unix_http(str(tmp_path / 'docker.sock'), EngineHandler) as path:
        lost = restart_losses.read_lost_by_restart(path)
    assert [name for name, _what in lost] == ['web', 'job', 'retry']


@pytest.mark.parametrize('pages', [{}, {'/info': (200, '{}'), '/containers/json': (500, 'boom')},
                                   {'/info': (200, 'not json')}])
def test_an_engine_that_cannot_say_is_none(tmp_path, monkeypatch, pages):
    monkeypatch.setattr(EngineHandler, 'pages', pages)
    with unix_http(str(tmp_path / 'docker.sock'), EngineHandler) as path:
        assert restart_losses.read_lost_by_restart(path) is None


def test_no_engine_is_none(tmp_path):
    assert restart_losses.read_lost_by_restart(str(tmp_path / 'nothing.sock')) is None


def test_the_warning_says_what_each_container_becomes_and_how_to_keep_one():
    lost = [('web', 'left stopped (restart policy no)')]
    assert restart_losses.lost_warning('docker', [], False) == ''
    text = restart_losses.lost_warning('docker', lost, False)
    assert text.startswith('Restarting docker stops these running containers, which do not start again')
    assert 'web, left stopped (restart policy no)' in text and 'docker update --restart unless-stopped' in text
    assert 'would stop' in restart_losses.lost_warning('docker', lost, True)
