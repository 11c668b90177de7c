"""Membership: the swarm_member_settled filter and swarm_logic.membership_problem.

swarm_member_settled is a shortcut past swarm_agent, so it must agree with the module: every
state goes through both the filter and the module (with a fake engine), and the filter may say
"settled" only where the module leaves the node alone and changes nothing.
membership_problem is the verdict find_cluster gives each host (swarm_preflight fails it before any change).
"""

import pytest
from ansible_collections.dockercluster.swarm.plugins.filter.swarm_member import swarm_member_settled
from ansible_collections.dockercluster.swarm.plugins.module_utils.swarm_logic import membership_problem
from ansible_collections.dockercluster.swarm.plugins.modules import swarm_agent
from test_swarm_modules import OTHER, WORKER_TOKEN, FakeClient, inactive, manager, pending, run, worker  # noqa: F401

MANAGERS = ['10.0.0.1:2377']


def locked():
    state = worker()
    state['LocalNodeState'] = 'locked'
    return state


STATES = {
    'worker of this cluster': (worker(), True),
    'worker of this cluster, managers given without port': (worker(), True),
    'worker of another cluster': (worker(managers=('10.9.9.9:2377',)), False),
    'not in a swarm': (inactive(), False),
    'pending join': (pending(), False),
    'manager, not worker': (manager(), False),
    'locked': (locked(), False),
}


@pytest.mark.parametrize('name', sorted(STATES))
def test_filter_agrees_with_the_module(run, name):  # noqa: F811
    swarm, settled = STATES[name]
    managers = ['10.0.0.1'] if 'without port' in name else MANAGERS
    assert swarm_member_settled(swarm, managers) is settled
    client = FakeClient(swarm, after_join=worker())
    result, failed = run(swarm_agent, {'remote_addrs': managers, 'join_token': WORKER_TOKEN}, client)
    module_left_it_alone = not failed and not result['changed'] and not client.mutations()
    assert module_left_it_alone is settled, result


@pytest.mark.parametrize('swarm, managers', [
    (None, MANAGERS),               # nothing read (--tags formation): the module decides
    ('garbage', MANAGERS),
    (worker(), []),                 # no managers known yet
    (worker(), ['not an address:x:y']),
    (worker(), ['manager1:2377']),  # a name the node knows only by IP: not resolved here
])
def test_filter_says_no_when_it_cannot_tell(swarm, managers):
    assert swarm_member_settled(swarm, managers) is False


def test_manager_role_and_cluster_id():
    assert swarm_member_settled(manager(), MANAGERS, role='manager') is True
    assert swarm_member_settled(manager(), MANAGERS, role='manager', cluster_id='someotherid') is False


# ------------------------------------------------------------ membership_problem

OURS = manager()    # the first manager: cluster CLUSTER, managers at 10.0.0.1:2377


@pytest.mark.parametrize('mine, first, role, is_first, problem', [
    (inactive(), OURS, 'worker', False, ''),
    (pending(), OURS, 'worker', False, ''),                     # an unfinished join: the module redoes it
    (worker(), OURS, 'worker', False, ''),
    (worker(), OURS, 'manager', False, ''),                     # promoted in place (swarm_manager's nodes step)
    (manager(node_id='m2'), OURS, 'manager', False, ''),
    (manager(node_id='m2'), OURS, 'worker', False, ''),       # demoted in place
    (manager(cluster=OTHER, node_id='x9', managers=('10.9.9.9:2377',)), OURS, 'manager', False,
     'is already in another swarm (node x9, cluster %s, state active)' % OTHER),
    (worker(node_id='w9', managers=('10.9.9.9:2377',)), OURS, 'worker', False,
     'is already in another swarm (node w9, state active)'),
    (locked(), OURS, 'worker', False, ''),                      # locked but a worker of ours
    (worker(), inactive(), 'worker', False,                     # fresh first manager: any swarm is another
     'is already in another swarm (node node-w1, state active)'),
    (manager(cluster=OTHER), inactive(), 'manager', True, ''),  # the first manager itself is never refused
])
def test_membership_problem(mine, first, role, is_first, problem):
    assert membership_problem(mine, first, role, is_first) == problem


def test_a_worker_not_listed_whose_managers_are_all_this_clusters_is_not_settled():
    """Its cluster is gone (made anew at its managers' addresses); one whose swarm has other managers too is
    left as it is (another swarm's: only force makes it leave)."""
    assert swarm_member_settled(worker('w-old'), ['10.0.0.1:2377']) is True
    assert swarm_member_settled(worker('w-old'), ['10.0.0.1:2377'], listed=['m1']) is False
    assert swarm_member_settled(worker('w-old'), ['10.0.0.1:2377'], listed=['m1', 'w-old']) is True
    other = worker('w-k', managers=('10.0.0.1:2377', '10.9.9.9:2377'))
    assert swarm_member_settled(other, ['10.0.0.1:2377'], listed=['m1']) is True
