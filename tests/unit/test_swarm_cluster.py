"""The cluster the inventory's hosts are in (issue 23, item 1): swarm_logic.find_cluster and the
swarm_cluster_choice filter swarm_preflight calls once, after every host's read.

A 3-manager cluster A (m1, m2, m3, agent a1). Its first manager's machine rebuilt (m1 in no swarm),
or unreachable (not read): the cluster stays A, through m2; before, the first manager's read
decided alone, so a rebuilt m1 made a second cluster and the others were refused ("already in
another swarm ... set swarm_manager_force"), and an unreachable m1 refused every host."""

import pytest
from ansible_collections.dockercluster.swarm.plugins.filter.swarm_cluster import swarm_cluster_choice
from ansible_collections.dockercluster.swarm.plugins.module_utils import (
    swarm_logic as logic,
)

A = 'aaaaaaaaaaaaaaaaaaaaaaaaa'
B = 'bbbbbbbbbbbbbbbbbbbbbbbbb'
A_MANAGERS = ('10.0.0.1:2377', '10.0.0.2:2377', '10.0.0.3:2377')


def manager(cluster=A, managers=A_MANAGERS, node_id='n'):
    return {'LocalNodeState': 'active', 'ControlAvailable': True, 'NodeID': node_id, 'Cluster': {'ID': cluster},
            'RemoteManagers': [{'NodeID': 'm%d' % i, 'Addr': a} for i, a in enumerate(managers)]}


def worker(managers=A_MANAGERS):
    return {'LocalNodeState': 'active', 'ControlAvailable': False, 'NodeID': 'w',
            'RemoteManagers': [{'NodeID': 'm%d' % i, 'Addr': a} for i, a in enumerate(managers)]}


FRESH = {'LocalNodeState': 'inactive', 'ControlAvailable': False, 'NodeID': ''}


def hosts(m1=FRESH, m2=FRESH, m3=FRESH, a1=FRESH, forced=()):
    return [dict(name=name, manager=name.startswith('m'), swarm=swarm, force=name in forced)
            for name, swarm in (('m1', m1), ('m2', m2), ('m3', m3), ('a1', a1))]


def test_fresh_hosts_make_a_cluster_on_the_first_manager():
    found = logic.find_cluster(hosts())
    assert found == dict(id='', manager='m1', create=True, first='m1', members=[], unread=[], problem='',
                         refusals=dict(m1='', m2='', m3='', a1=''), notes=[])


def test_a_rebuilt_first_manager_joins_the_cluster_the_others_are_in():
    found = logic.find_cluster(hosts(FRESH, manager(), manager(), worker()))
    assert found['problem'] == '' and found['create'] is False
    assert (found['id'], found['manager'], found['members']) == (A, 'm2', ['m2', 'm3', 'a1'])


@pytest.mark.parametrize('m1', [manager(), None])
def test_the_cluster_is_the_same_whichever_host_answers_first(m1):
    found = logic.find_cluster(hosts(m1, manager(), manager(), worker()))
    assert found['id'] == A and found['problem'] == ''
    # An unreachable first manager (not read): another manager answers for the cluster.
    assert found['manager'] == ('m1' if m1 else 'm2') and found['unread'] == ([] if m1 else ['m1'])


def test_managers_in_two_clusters_are_refused_naming_both_without_advising_force():
    # The state an older run left: the rebuilt m1 made a cluster of its own.
    found = logic.find_cluster(hosts(manager(B, ('10.0.0.1:2377',)), manager(), manager(), worker()))
    assert found['create'] is False and found['id'] == ''
    problem = found['problem']
    assert 'cluster %s (managers m1)' % B in problem
    assert 'cluster %s (managers m2, m3; workers a1)' % A in problem
    assert 'force' not in problem and 'Nothing was changed' in problem


def test_a_host_set_to_force_does_not_count():
    found = logic.find_cluster(hosts(manager(B, ('10.0.0.1:2377',)), manager(), manager(), worker(), forced=['m1']))
    assert found['problem'] == '' and (found['id'], found['manager']) == (A, 'm2')


def test_force_never_makes_a_new_cluster_out_of_one_its_managers_are_in():
    """force set for every manager (group_vars): no manager without force is in a swarm. Where the forced
    managers are all in one, that is the cluster (a second run after a first that made it; the first manager
    rebuilt), not a new one they would leave it for. In two, refused, naming them; a fresh inventory creates."""
    every = ['m1', 'm2', 'm3']
    found = logic.find_cluster(hosts(manager(), manager(), manager(), worker(), forced=every))
    assert (found['id'], found['create'], found['problem'], found['members']) == (A, False, '', ['m1', 'm2', 'm3', 'a1'])
    assert set(found['refusals'].values()) == {''}
    found = logic.find_cluster(hosts(FRESH, manager(), manager(), worker(), forced=every))
    assert (found['id'], found['manager'], found['problem']) == (A, 'm2', '')
    found = logic.find_cluster(hosts(FRESH, manager(B, ('10.0.0.2:2377',)), manager(), worker(), forced=every))
    assert found['create'] is False and found['problem'].startswith(
        'No manager of the inventory without force is in a swarm, but m2, m3 (force) are active managers of swarms')
    assert found['refusals'] == dict((host, '%s: %s' % (host, found['problem'])) for host in ('m1', 'm2', 'm3', 'a1'))
    assert 'forced' not in found
    assert logic.find_cluster(hosts(forced=every))['create'] is True
    # Force on m2 alone, in another swarm (B), m1 and m3 fresh: B is not taken for the cluster.
    found = logic.find_cluster(hosts(FRESH, manager(B, ('10.0.0.2:2377',)), FRESH, FRESH, forced=['m2']))
    assert found['id'] == '' and found['problem'].startswith(
        'No manager of the inventory without force is in a swarm, but m2 (force) is an active manager of one')


def test_no_cluster_and_a_manager_not_read_creates_nothing():
    found = logic.find_cluster(hosts(None, FRESH, FRESH, FRESH))
    assert found['create'] is False and found['unread'] == ['m1']
    assert found['problem'].startswith('No manager of the inventory that could be read is in a swarm, and m1 '
                                       'could not be read')
    found = logic.find_cluster(hosts(FRESH, None, None, None))
    assert 'm2, m3 could not be read' in found['problem'] and found['unread'] == ['m2', 'm3', 'a1']
    # An agent not read (--limit: not in the play) does not stop a cluster being made.
    assert logic.find_cluster(hosts(FRESH, FRESH, FRESH, None))['create'] is True


def test_an_agent_in_a_swarm_of_its_own_is_left_to_its_own_verdict():
    found = logic.find_cluster(hosts(a1=manager(B, ('10.0.0.9:2377',))))
    assert found['create'] is True and found['problem'] == ''
    found = logic.find_cluster(hosts(manager(), manager(), manager(), manager(B, ('10.0.0.9:2377',))))
    assert (found['id'], found['members'], found['problem']) == (A, ['m1', 'm2', 'm3'], '')


def test_a_worker_of_a_foreign_swarm_is_not_a_member():
    found = logic.find_cluster(hosts(manager(), a1=worker(('10.9.9.9:2377',))))
    assert found['members'] == ['m1'] and found['problem'] == ''


def test_the_filter_takes_the_preflight_s_list():
    found = swarm_cluster_choice([{'name': 'm1', 'manager': 'true', 'swarm': None, 'force': 'false'},
                                  {'name': 'm2', 'manager': True, 'swarm': manager()},
                                  {'name': 'a1', 'manager': False, 'swarm': dict(worker(), NodeAddr='10.0.0.9'),
                                   'advertise_addr': '10.0.0.8'}])
    assert (found['id'], found['manager'], found['unread']) == (A, 'm2', ['m1'])
    assert [d.split(':')[0] for d in found['notes']] == [
        'The cluster %s' % A, 'a1 is a node of the cluster at 10.0.0.9, not at 10.0.0.8 (swarm_agent_advertise_addr)']
    assert found['notes'][0] == 'The cluster %s: through m2, not the first manager, m1, which could not be read.' % A


def test_each_host_is_judged_against_the_manager_that_answers():
    """Each host's verdict (``refusals``) with the cluster's manager, m2: nobody is refused. Judged
    against the rebuilt first manager, as before, the others were."""
    reads = dict(m1=FRESH, m2=manager(), m3=manager(), a1=worker())
    found = logic.find_cluster(hosts(**reads))
    assert found['refusals'] == dict(m1='', m2='', m3='', a1='')
    before = logic.membership_refusal(reads['m2'], 'm2', 'm1', FRESH, True)
    assert 'is already in another swarm' in before and 'swarm_manager_force: true' in before


def test_a_host_managing_a_populated_other_swarm_is_not_advised_to_force():
    own = dict(manager(B, ('10.0.0.9:2377',)), Nodes=3)
    refusal = logic.membership_refusal(own, 'a1', 'm1', manager(), False)
    assert refusal.startswith('a1 is already in another swarm') and 'force' not in refusal
    assert 'which has 2 other nodes' in refusal
    # Alone in its swarm: force costs nothing, and is offered.
    alone = dict(own, Nodes=1)
    assert 'set swarm_agent_force: true' in logic.membership_refusal(alone, 'a1', 'm1', manager(), False)


def test_a_manager_of_a_swarm_without_a_leader_refuses_every_host():
    """m2 manages a swarm that lost its quorum: its engine reports no cluster ID. m3 is in a cluster
    of its own: taking m3's for "the" cluster would abandon m2's."""
    leaderless = dict(manager(), Cluster=None, Error='rpc error: The swarm does not have a leader.')
    found = logic.find_cluster(hosts(None, leaderless, manager(B, ('10.0.0.3:2377',)), worker()))
    assert found['problem'].startswith('m2: a manager of a swarm whose cluster its engine cannot name')
    assert 'Nothing was changed' in found['problem'] and found['id'] == ''
    # The way out where the other managers are lost for good; not "docker node ls", which fails without a leader.
    assert 'docker swarm init --force-new-cluster' in found['problem'] and 'node ls' not in found['problem']
    assert found['refusals'] == dict((name, '%s: %s' % (name, found['problem'])) for name in ('m1', 'm2', 'm3', 'a1'))


def test_refusals_name_the_host_in_another_swarm_unless_it_is_forced():
    foreign = worker(managers=('10.9.9.9:2377',))
    found = logic.find_cluster(hosts(manager(), manager(), manager(), foreign))
    assert found['problem'] == '' and [n for n, r in found['refusals'].items() if r] == ['a1']
    assert found['refusals']['a1'].startswith('a1 is already in another swarm') and \
        'set swarm_agent_force: true' in found['refusals']['a1']
    forced = logic.find_cluster(hosts(manager(), manager(), manager(), foreign, forced=['a1']))
    assert forced['refusals']['a1'] == ''


LOCKED = {'LocalNodeState': 'locked', 'ControlAvailable': False, 'NodeID': '', 'RemoteManagers': None}


@pytest.mark.parametrize('forced', [(), ('m1', 'm2', 'm3')])
def test_locked_managers_refuse_every_host_never_a_new_cluster_even_forced(forced):
    """Autolock after a power cut: no manager names its cluster. A new one would be made (with force in group_vars,
    each manager leaving the locked one, its services and secrets with it)."""
    found = logic.find_cluster(hosts(LOCKED, LOCKED, LOCKED, worker(), forced=forced))
    assert found['create'] is False and found['problem'].startswith(
        'm1, m2, m3: have a locked swarm (autolock: the engine restarted and waits for the unlock key), so the cluster '
        'the inventory is in cannot be read, and a run would make a new one. Nothing was changed.'), found['problem']
    assert 'docker swarm unlock' in found['problem'] and 'force' not in found['problem']
    assert all(found['refusals'][name].startswith(name + ': m1, m2, m3: have a locked') for name in found['refusals'])


@pytest.mark.parametrize('forced', [(), ('m1', 'a1')])
def test_a_locked_host_beside_the_cluster_is_told_to_unlock_not_to_force(forced):
    found = logic.find_cluster(hosts(LOCKED, manager(), manager(), LOCKED, forced=forced))
    assert found['id'] == A and found['manager'] == 'm2' and found['problem'] == ''
    for name in ('m1', 'a1'):
        assert found['refusals'][name].startswith(name + ' has a locked swarm (autolock'), found['refusals']
        assert 'docker swarm unlock' in found['refusals'][name] and 'force' not in found['refusals'][name]
    assert found['refusals']['m2'] == found['refusals']['m3'] == ''


def test_a_node_whose_settings_name_another_address_than_it_joined_with_is_named():
    """A node keeps the address it joined with: a changed advertise setting changes nothing, and says so."""
    hosts_now = hosts(dict(manager(), NodeAddr='10.0.0.1'), manager(), manager(), dict(worker(), NodeAddr='10.0.0.9'))
    hosts_now[0].update(advertise_addr='10.0.0.1:2377')
    hosts_now[3].update(advertise_interface='eth1', addresses={'eth0': '10.0.0.9', 'eth1': '192.168.50.9'})
    found = logic.find_cluster(hosts_now)
    assert found['problem'] == '' and found['notes'] == [
        'a1 is a node of the cluster at 10.0.0.9, not at 192.168.50.9 (swarm_agent_advertise_interface eth1): a node '
        'keeps the address it joined with. To move it, it leaves and joins again: one run with swarm_agent_state: '
        'absent for it, then one with present.']
    hosts_now[0]['advertise_addr'] = '10.0.0.5'
    (manager_drift, _agent) = logic.find_cluster(hosts_now)['notes']
    assert manager_drift.startswith('m1 is a node of the cluster at 10.0.0.1, not at 10.0.0.5') and \
        'listed as an agent (a run demotes it in place)' in manager_drift
    # A setting templated from facts this run has not gathered is no address: nothing to say.
    hosts_now[3].update(advertise_addr='{{ ansible_default_ipv4.address }}')
    assert [d.split(' ')[0] for d in logic.find_cluster(hosts_now)['notes']] == ['m1']
    # Not in the cluster (a host that joins in this run), or no address set: nothing to say.
    assert logic.find_cluster(hosts(manager(), manager(), manager(), dict(FRESH, NodeAddr='10.0.0.9')))['notes'] == []
