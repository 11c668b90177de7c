"""swarm_agent's one swarm_workers run takes each agent's settings from that agent's own variables, with
the role's real precedence: an inventory value, a play var or a role parameter alike (a play var was lost
when the run read the other hosts' values from hostvars, which only hold the inventory's)."""

import json
import os
import subprocess
import sys

import yaml

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTIONS = os.path.dirname(os.path.dirname(os.path.dirname(
    __import__('ansible_collections.dockercluster.swarm', fromlist=['x']).__path__[0])))

INVENTORY = """
[swarm_managers]
m1
[swarm_agents]
a1 swarm_agent_advertise_addr=10.9.0.21
a2 ansible_host=10.9.0.22
a3 swarm_agent_advertise_interface=eth2
a4
[all:vars]
ansible_connection=local
"""
INACTIVE = {'LocalNodeState': 'inactive', 'ControlAvailable': False, 'NodeID': ''}
MANAGER = {'LocalNodeState': 'active', 'ControlAvailable': True, 'NodeID': 'n1', 'Cluster': {'ID': 'c1'},
           'RemoteManagers': [{'Addr': '10.9.0.1:2377'}]}


def workers(tmp_path, play_vars=None, host_reads=None, manager_nodes=None):
    """The role's defaults and vars, and its real task that notes each agent's entry (tasks/swarmkit.yml),
    in a copy of the role; then _swarm_agent_workers, as the swarm_workers task reads it. ``manager_nodes``: the
    node IDs the manager's read listed (the preflight reads them on the managers)."""
    role = tmp_path / 'roles' / 'agent'
    for part in ('defaults', 'vars', 'tasks'):
        (role / part).mkdir(parents=True, exist_ok=True)
        if part != 'tasks':
            with open(os.path.join(REPO_ROOT, 'roles', 'swarm_agent', part, 'main.yml')) as handle:
                (role / part / 'main.yml').write_text(handle.read())
    with open(os.path.join(REPO_ROOT, 'roles', 'swarm_agent', 'tasks', 'swarmkit.yml')) as handle:
        note = [task for task in yaml.safe_load(handle) if 'swarm_agent_fanout_entry' in json.dumps(task)][:1]
    out = {'name': 'Out', 'run_once': True, 'ansible.builtin.copy': {
        'content': '{{ _swarm_agent_workers | to_json }}', 'dest': str(tmp_path / 'out.json'), 'mode': '0600'}}
    expected = {'name': 'Expected', 'run_once': True, 'ansible.builtin.copy': {
        'content': "{{ _swarm_agent_expected | map(attribute='name') | list | to_json }}",
        'dest': str(tmp_path / 'expected.json'), 'mode': '0600'}}
    (role / 'tasks' / 'main.yml').write_text(json.dumps(note + [out, expected]))
    reads = dict({'m1': MANAGER}, **dict((host, INACTIVE) for host in ('a1', 'a2', 'a3', 'a4')))
    reads.update(host_reads or {})
    play = [{'name': 'Reads', 'hosts': 'all', 'gather_facts': False, 'tasks': [{
                'name': 'Read', 'ansible.builtin.set_fact': {
                    'dockercluster_host': "{{ {'swarm': reads[inventory_hostname]} | combine({'nodes': manager_nodes} "
                                          "if manager_nodes is not none and inventory_hostname == 'm1' else {}) }}",
                    'dockercluster_cluster': {'create': False, 'manager': 'm1'}}}]},
            {'name': 'Agents', 'hosts': 'swarm_agents', 'gather_facts': False, 'vars': play_vars or {},
             'roles': ['agent']}]
    (tmp_path / 'play.yml').write_text(json.dumps(play))
    (tmp_path / 'hosts').write_text(INVENTORY)
    nodes = None if manager_nodes is None else [{'id': node_id} for node_id in manager_nodes]
    (tmp_path / 'reads.json').write_text(json.dumps({'reads': reads, 'manager_nodes': nodes}))
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO_ROOT, 'ansible.cfg'), ANSIBLE_NOCOLOR='1',
               ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_PYTHON_INTERPRETER=sys.executable,
               ANSIBLE_ROLES_PATH=str(tmp_path / 'roles'), ANSIBLE_LOCALHOST_WARNING='0')
    res = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), 'play.yml',
                          '-i', 'hosts', '-e', '@reads.json'], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         universal_newlines=True, env=env, cwd=str(tmp_path), check=False)
    assert res.returncode == 0, res.stdout
    workers.expected = json.loads((tmp_path / 'expected.json').read_text())
    return dict((entry.pop('name'), entry) for entry in json.loads((tmp_path / 'out.json').read_text()))


def test_each_agent_joins_with_its_inventory_settings(tmp_path):
    out = workers(tmp_path, host_reads={'a4': dict(MANAGER, ControlAvailable=False, NodeID='w4')})
    assert out == {'a1': {'address': '10.9.0.21', 'advertise_addr': '10.9.0.21', 'listen_addr': '0.0.0.0:2377'},
                   'a2': {'address': '10.9.0.22', 'listen_addr': '0.0.0.0:2377'}}  # a3: interface; a4: in a swarm


def test_a_play_var_reaches_every_agent(tmp_path):
    out = workers(tmp_path, play_vars={'swarm_agent_data_path_addr': 'eth1'})
    assert sorted(out) == ['a1', 'a2', 'a4']
    assert all(entry['data_path_addr'] == 'eth1' for entry in out.values())


def test_an_interface_set_in_the_play_leaves_every_agent_to_its_own_join(tmp_path):
    assert workers(tmp_path, play_vars={'swarm_agent_advertise_interface': 'eth1'}) == {}


def test_the_joins_wait_only_for_the_agents_they_take(tmp_path):
    """The managers, the agents in a swarm already and those the first manager joins; not a3, which joins
    on its own after them (with its advertise interface): the verify waits for it (it cost these joins a
    15 s wait for nothing)."""
    workers(tmp_path, host_reads={'a4': dict(MANAGER, ControlAvailable=False, NodeID='w4')})
    assert workers.expected == ['m1', 'a1', 'a2', 'a4']


WORKER_OF_M1 = dict(MANAGER, ControlAvailable=False, NodeID='w4', Cluster=None)


def test_a_worker_whose_cluster_is_gone_leaves_and_joins_from_the_manager(tmp_path):
    """a4 names m1's address as its manager, but m1's cluster (made anew while a4 ran) does not list its node:
    it is no worker of this cluster (it was taken for one, and the verify failed on every run)."""
    out = workers(tmp_path, host_reads={'a4': WORKER_OF_M1}, manager_nodes=['n1'])
    assert sorted(out) == ['a1', 'a2', 'a4'] and 'a4' in workers.expected
    # Listed: in place, as before; and where the manager's nodes were not read, the same.
    assert sorted(workers(tmp_path, host_reads={'a4': WORKER_OF_M1}, manager_nodes=['n1', 'w4'])) == ['a1', 'a2']
    assert sorted(workers(tmp_path, host_reads={'a4': WORKER_OF_M1})) == ['a1', 'a2']
