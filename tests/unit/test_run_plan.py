"""swarm_run_plan: which hosts each play of site.yml acts on, from the probe of every host.

A host left out of a play is never looked at again in the run, so each case checks that only a
host every role would leave alone is left out.
"""

import pytest
from ansible_collections.dockercluster.swarm.plugins.filter.swarm_run_plan import swarm_run_plan
from ansible_collections.dockercluster.swarm.plugins.module_utils.swarm_logic import summarize_nodes
from test_swarm_modules import OTHER, inactive, manager, node, worker

MANAGERS = ['m1']
AGENTS = ['w1', 'w2']


def probe(swarm, listen_changed=False, sdk=True, nodes=None):
    result = {'changed': False, 'swarm': swarm, 'docker_sdk': {'present': sdk},
              'listen_plan': {'changed': listen_changed}}
    if nodes is not None:
        result['nodes'] = summarize_nodes(nodes)
    return result


def ready_nodes(*down):
    return [node('m1', 'manager', leader=True)] + [node(h, state='down' if h in down else 'ready')
                                                    for h in AGENTS]


def settled_cluster(nodes=None):
    """The plain-TCP cluster of m1, w1 and w2, every host in place (and Ready, unless ``nodes``)."""
    return {
        'm1': {'swarm_insecure_tcp': True, 'swarm_preflight_probe': probe(manager(), nodes=nodes or ready_nodes())},
        'w1': {'swarm_insecure_tcp': 'true', 'swarm_preflight_probe': probe(worker('n-w1'))},
        'w2': {'swarm_insecure_tcp': True, 'swarm_preflight_probe': probe(worker('n-w2'))},
    }


def plan(hostvars):
    """The plan without the refusals (test_refusals checks those) and the fanout (checked below)."""
    result = swarm_run_plan(hostvars, MANAGERS, AGENTS)
    assert set(result['refused']) <= set(result['prepare'])  # a refused host is never left out
    assert set(result['fanout']) <= set(result['join'])  # the manager joins only agents to join
    return dict((k, v) for k, v in result.items() if k not in ('refused', 'fanout'))


def test_a_settled_ready_cluster_has_nothing_to_do_and_is_verified_by_the_probe():
    assert plan(settled_cluster()) == dict(prepare=[], form=False, join=[], seen_ready=True)


def test_a_node_down_at_the_probe_leaves_the_check_to_the_verify_play():
    hostvars = settled_cluster(nodes=ready_nodes('w2'))
    assert plan(hostvars) == dict(prepare=[], form=False, join=[], seen_ready=False)


def test_without_the_nodes_listed_the_verify_play_checks():
    hostvars = settled_cluster()
    del hostvars['m1']['swarm_preflight_probe']['nodes']
    assert plan(hostvars)['seen_ready'] is False


@pytest.mark.parametrize('change', [
    {'swarm_preflight_probe': probe(worker('n-w1'), listen_changed=True)},   # a listener drifted
    {'swarm_preflight_probe': probe(worker('n-w1'), listen_changed=None)},   # plan undecided
    {'swarm_preflight_probe': probe(worker('n-w1'), sdk=False)},             # no Docker SDK
    {'swarm_insecure_tcp': False},                                            # mutual TLS: docker_pki checks
    {'swarm_port_setup': 'proxy'},                                            # the proxy role checks
])
def test_a_host_not_in_place_alone_is_prepared_and_nothing_is_taken_as_verified(change):
    hostvars = settled_cluster()
    hostvars['w1'].update(change)
    assert plan(hostvars) == dict(prepare=['w1'], form=False, join=[], seen_ready=False)


def test_a_host_in_another_swarm_goes_to_the_membership_check():
    hostvars = settled_cluster()
    hostvars['w2']['swarm_preflight_probe'] = probe(manager(cluster=OTHER, addr='10.0.0.9',
                                                            managers=('10.0.0.9:2377',)))
    result = plan(hostvars)
    assert result['prepare'] == ['w2'] and result['join'] == ['w2'] and result['form'] is True


def test_a_new_agent_joins_and_the_managers_play_runs():
    hostvars = settled_cluster()
    hostvars['w2']['swarm_preflight_probe'] = probe(inactive())
    assert plan(hostvars) == dict(prepare=[], form=True, join=['w2'], seen_ready=False)


def test_an_agent_set_to_leave_is_in_the_agents_play_alone():
    hostvars = settled_cluster()
    hostvars['w2']['swarm_agent_state'] = 'absent'
    assert plan(hostvars) == dict(prepare=[], form=False, join=['w2'], seen_ready=False)


def test_first_manager_unread_puts_every_host_in_every_play():
    hostvars = settled_cluster()
    hostvars['m1']['swarm_preflight_probe'] = {'failed': True, 'msg': 'unreachable'}
    assert plan(hostvars) == dict(prepare=['m1', 'w1', 'w2'], form=True, join=['w1', 'w2'], seen_ready=False)


def test_no_probe_at_all_puts_every_host_in_every_play():
    hostvars = dict((host, {'swarm_insecure_tcp': True}) for host in MANAGERS + AGENTS)
    assert plan(hostvars) == dict(prepare=['m1', 'w1', 'w2'], form=True, join=['w1', 'w2'], seen_ready=False)


def test_the_classic_backend_always_forms_and_joins():
    hostvars = settled_cluster()
    hostvars['m1']['swarm_backend'] = 'classic'
    result = plan(hostvars)
    assert result['form'] is True and result['join'] == AGENTS and result['seen_ready'] is False


def test_a_worker_of_this_cluster_listed_as_manager_is_checked_and_formed():
    hostvars = settled_cluster()
    result = swarm_run_plan(hostvars, ['m1', 'w1'], ['w2'])
    assert result['prepare'] == ['w1'] and result['form'] is True


def test_refusals_name_the_host_in_another_swarm_and_the_force_variable():
    hostvars = settled_cluster()
    hostvars['w2']['swarm_preflight_probe'] = probe(manager(cluster=OTHER, addr='10.0.0.9',
                                                            managers=('10.0.0.9:2377',)))
    refused = swarm_run_plan(hostvars, MANAGERS, AGENTS)['refused']
    assert list(refused) == ['w2']
    assert refused['w2'].startswith('w2 is already in another swarm (node ')
    assert refused['w2'].endswith('or set swarm_agent_force: true for it to leave and join this cluster.')


def test_force_lifts_the_refusal_but_the_host_is_still_prepared():
    hostvars = settled_cluster()
    hostvars['w2']['swarm_preflight_probe'] = probe(manager(cluster=OTHER, addr='10.0.0.9',
                                                            managers=('10.0.0.9:2377',)))
    hostvars['w2']['swarm_agent_force'] = 'yes'
    result = swarm_run_plan(hostvars, MANAGERS, AGENTS)
    assert result['refused'] == {} and result['prepare'] == ['w2'] and result['join'] == ['w2']


def test_without_the_first_manager_every_other_host_is_refused_with_that_reason():
    hostvars = settled_cluster()
    hostvars['m1']['swarm_preflight_probe'] = {'unreachable': True}
    refused = swarm_run_plan(hostvars, MANAGERS, AGENTS)['refused']
    assert sorted(refused) == ['m1', 'w1', 'w2']
    assert refused['w1'] == ("w1: the first manager, m1, could not be read (it failed or was unreachable), so this "
                             "host's place in the cluster cannot be checked. Nothing was changed on it.")


def test_a_worker_listed_as_manager_is_told_of_the_manager_force():
    hostvars = settled_cluster()
    result = swarm_run_plan(hostvars, ['m1', 'w1'], ['w2'])
    assert 'swarm_manager_force' in result['refused']['w1'] and 'listed as a manager' in result['refused']['w1']


# ---------------------------------------------------------------- fanout

def test_an_agent_new_to_swarm_mode_is_joined_from_the_first_manager():
    hostvars = settled_cluster()
    hostvars['w2']['swarm_preflight_probe'] = probe(inactive())
    result = swarm_run_plan(hostvars, MANAGERS, AGENTS)
    assert result['join'] == ['w2'] and result['fanout'] == ['w2']


def test_every_new_agent_is_in_the_fanout_in_the_agents_order():
    hostvars = settled_cluster()
    for host in AGENTS:
        hostvars[host]['swarm_preflight_probe'] = probe(inactive())
    result = swarm_run_plan(hostvars, MANAGERS, list(reversed(AGENTS)))
    assert result['fanout'] == list(reversed(AGENTS)) == result['join']


def test_a_settled_cluster_has_no_fanout():
    assert swarm_run_plan(settled_cluster(), MANAGERS, AGENTS)['fanout'] == []


def test_an_agent_set_to_leave_is_not_in_the_fanout():
    hostvars = settled_cluster()
    hostvars['w2']['swarm_preflight_probe'] = probe(inactive())
    hostvars['w2']['swarm_agent_state'] = 'absent'
    result = swarm_run_plan(hostvars, MANAGERS, AGENTS)
    assert result['join'] == ['w2'] and result['fanout'] == []


def test_an_agent_in_another_swarm_is_left_to_its_own_join_even_with_force():
    hostvars = settled_cluster()
    hostvars['w1']['swarm_preflight_probe'] = probe(inactive())
    hostvars['w2']['swarm_preflight_probe'] = probe(manager(cluster=OTHER, addr='10.0.0.9',
                                                            managers=('10.0.0.9:2377',)))
    hostvars['w2']['swarm_agent_force'] = True
    result = swarm_run_plan(hostvars, MANAGERS, AGENTS)
    assert result['refused'] == {} and result['join'] == ['w1', 'w2'] and result['fanout'] == ['w1']


@pytest.mark.parametrize('state', [
    dict(inactive(), LocalNodeState='pending'),
    dict(inactive(), LocalNodeState='error', Error='manager stopped'),
    worker('n-w2', managers=('10.9.9.9:2377',)),                      # a worker of another swarm
])
def test_an_agent_not_plainly_new_to_swarm_mode_is_left_to_its_own_join(state):
    hostvars = settled_cluster()
    hostvars['w2']['swarm_preflight_probe'] = probe(state)
    result = swarm_run_plan(hostvars, MANAGERS, AGENTS)
    assert 'w2' in result['join'] and result['fanout'] == []


def test_an_agent_whose_probe_failed_is_left_to_its_own_join():
    hostvars = settled_cluster()
    hostvars['w2']['swarm_preflight_probe'] = {'failed': True, 'msg': 'unreachable'}
    result = swarm_run_plan(hostvars, MANAGERS, AGENTS)
    assert 'w2' in result['join'] and result['fanout'] == []


def test_the_classic_backend_has_no_fanout():
    hostvars = settled_cluster()
    hostvars['m1']['swarm_backend'] = 'classic'
    for host in AGENTS:
        hostvars[host]['swarm_preflight_probe'] = probe(inactive())
    result = swarm_run_plan(hostvars, MANAGERS, AGENTS)
    assert result['join'] == AGENTS and result['fanout'] == []


def test_a_new_host_listed_as_a_manager_is_not_in_the_fanout():
    hostvars = settled_cluster()
    hostvars['w1']['swarm_preflight_probe'] = probe(inactive())
    hostvars['w2']['swarm_preflight_probe'] = probe(inactive())
    result = swarm_run_plan(hostvars, ['m1', 'w1'], ['w2'])
    assert result['fanout'] == ['w2']
