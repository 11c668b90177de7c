"""swarm_member / swarm_logic.not_manager_message: what swarm_manager and swarm_agent (and swarm_info, swarm_token) share."""

import pytest
from ansible_collections.dockercluster.swarm.plugins.module_utils import swarm_logic as logic
from ansible_collections.dockercluster.swarm.plugins.module_utils import swarm_member as member

TOKEN = 'SWMTKN-1-' + 'a' * 50 + '-' + 'w' * 25


def params(**kwargs):
    base = dict(backend='swarmkit', state='present', remote_addrs=['10.0.0.1'], join_token=TOKEN, advertise_addr=None,
                advertise_interface=None, listen_addr='0.0.0.0:2377', data_path_addr=None, join_timeout=60)
    base.update(kwargs)
    return base


@pytest.mark.parametrize('given, expected', [
    (dict(backend='swarmkit', discovery='token://x'), 'discovery only applies with backend=classic (this task has backend=swarmkit)'),
    (dict(backend='classic', join_token='t', force=True),
     'join_token, force only apply with backend=swarmkit (this task has backend=classic)'),
    (dict(backend='classic', discovery='token://x'), None),
])
def test_backend_mismatch(given, expected):
    assert member.backend_mismatch(given, ('discovery',), ('join_token', 'force')) == expected


@pytest.mark.parametrize('value, given', [('swarm:1.2.9', False), ('swarm:mine', True), ('', False), (None, False)])
def test_an_option_of_the_other_backend_is_given_when_it_is_not_its_default(value, given):
    spec = {'image': {'type': 'str', 'default': 'swarm:1.2.9'}}
    error = member.backend_mismatch(dict(backend='swarmkit', image=value), ('image',), (), spec)
    assert (error == 'image only applies with backend=classic (this task has backend=swarmkit)') is given, error


def test_validate_normalises_and_runs_the_module_checks_in_order():
    seen = []

    def check_join(p, values):
        seen.append('join')

    def check_more(p, values):
        seen.append('more')
        values['extra'] = 1

    values, error = member.validate(params(), check_join, check_more)
    assert error is None and values == {'remote_addrs': ['10.0.0.1:2377'], 'extra': 1} and seen == ['join', 'more']
    seen[:] = []
    member.validate(params(state='absent'), check_join, check_more)
    assert seen == ['more']


def test_validate_errors():
    assert member.validate(params(), lambda p, v: 'no token')[1] == 'no token'
    assert member.validate(params(join_timeout=-1), lambda p, v: None)[1] == 'join_timeout: -1 must not be negative'

    def bad(p, v):
        raise ValueError('bad pool')
    # The module's own check comes before join_timeout, as it did in swarm_manager.
    assert member.validate(params(join_timeout=-1), lambda p, v: None, bad)[1] == 'bad pool'
    assert 'listen_addr' in member.validate(params(listen_addr='nope:x'), lambda p, v: None)[1]


def test_not_manager_message():
    assert logic.not_manager_message({'LocalNodeState': 'active', 'ControlAvailable': False}) == (
        'host is not a Swarm manager (LocalNodeState=active, ControlAvailable=false): run this on a manager of the cluster')
