"""The roles' own vars on "the cluster" (issue 23, item 1), rendered on localhost with made-up reads:
a 3-manager cluster whose first manager's machine was rebuilt (in no swarm). swarm_preflight finds
the cluster through the second manager and refuses nobody; swarm_manager reads the tokens there and
joins only the rebuilt first manager; swarm_agent goes through the same manager."""

import json
import os
import subprocess
import sys

import yaml

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTIONS = os.path.dirname(os.path.dirname(os.path.dirname(
    __import__('ansible_collections.dockercluster.swarm', fromlist=['x']).__path__[0])))

A = 'aaaaaaaaaaaaaaaaaaaaaaaaa'
MANAGERS = [{'Addr': '10.9.0.%d:2377' % i} for i in (1, 2, 3)]
READS = {
    'm1': {'LocalNodeState': 'inactive', 'ControlAvailable': False, 'NodeID': ''},
    'm2': {'LocalNodeState': 'active', 'ControlAvailable': True, 'NodeID': 'n2', 'Cluster': {'ID': A},
           'RemoteManagers': MANAGERS},
    'm3': {'LocalNodeState': 'active', 'ControlAvailable': True, 'NodeID': 'n3', 'Cluster': {'ID': A},
           'RemoteManagers': MANAGERS},
    'a1': {'LocalNodeState': 'active', 'ControlAvailable': False, 'NodeID': 'w1', 'RemoteManagers': MANAGERS},
}

INVENTORY = """
[swarm_managers]
m1
m2
m3
[swarm_agents]
a1
[all:vars]
ansible_connection=local
"""

PLAYBOOK = """
- name: The reads
  hosts: all
  gather_facts: false
  tasks:
    - name: A read
      ansible.builtin.set_fact:
        dockercluster_host: {swarm: "{{ reads[inventory_hostname] }}"}
- name: The preflight's cluster and verdicts
  hosts: all
  gather_facts: false
  vars_files: [%(root)s/roles/swarm_preflight/vars/main.yml]
  tasks:
    - name: The cluster
      ansible.builtin.set_fact:
        dockercluster_cluster: "{{ _swarm_preflight_cluster }}"
      run_once: true
    - name: The verdicts
      ansible.builtin.set_fact:
        refusal: "{{ dockercluster_cluster.refusals[inventory_hostname] }}"
- name: The managers
  hosts: swarm_managers
  gather_facts: false
  vars_files: [%(root)s/roles/swarm_manager/defaults/main.yml, %(root)s/roles/swarm_manager/vars/main.yml]
  tasks:
    - name: Keep what they use
      ansible.builtin.set_fact:
        via: "{{ _swarm_manager_via }}"
        to_join: "{{ _swarm_manager_to_join }}"
        cluster_id: "{{ _swarm_manager_cluster_id }}"
- name: The agents
  hosts: swarm_agents
  gather_facts: false
  vars_files: [%(root)s/roles/swarm_agent/defaults/main.yml, %(root)s/roles/swarm_agent/vars/main.yml]
  tasks:
    - name: Keep what they use
      ansible.builtin.set_fact:
        agent_via: "{{ swarm_agent_manager_host }}"
        in_place: "{{ _swarm_agent_in_place }}"
- name: Write it all down
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Out
      ansible.builtin.copy:
        content: "{{ dict(groups['all'] | zip(groups['all'] | map('extract', hostvars) | list)) | to_json }}"
        dest: "%(out)s/out.json"
        mode: "0600"
"""


def render(tmp_path, reads, *extra):
    (tmp_path / 'hosts').write_text(INVENTORY)
    (tmp_path / 'play.yml').write_text(PLAYBOOK % {'root': REPO_ROOT, 'out': tmp_path})
    (tmp_path / 'reads.json').write_text(json.dumps({'reads': reads}))
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO_ROOT, 'ansible.cfg'), ANSIBLE_NOCOLOR='1',
               ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_PYTHON_INTERPRETER=sys.executable,
               ANSIBLE_LOCALHOST_WARNING='0')
    res = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), 'play.yml',
                          '-i', 'hosts', '-e', '@reads.json'] + list(extra), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         universal_newlines=True, env=env, cwd=str(tmp_path), check=False)
    assert res.returncode == 0, res.stdout
    out = json.loads((tmp_path / 'out.json').read_text())
    return {host: out[host] for host in READS}


def test_a_rebuilt_first_manager_joins_through_the_second(tmp_path):
    out = render(tmp_path, READS)
    cluster = out['m1']['dockercluster_cluster']
    assert (cluster['id'], cluster['manager'], cluster['create'], cluster['problem']) == (A, 'm2', False, '')
    assert {host: out[host]['refusal'] for host in READS} == {host: '' for host in READS}
    assert {out[host]['via'] for host in ('m1', 'm2', 'm3')} == {'m2'}
    assert out['m1']['to_join'] == ['m1'] and out['m1']['cluster_id'] == A
    assert out['a1']['agent_via'] == 'm2' and out['a1']['in_place'] is True


def test_fresh_hosts_make_the_cluster_on_the_first_manager(tmp_path):
    fresh = dict((host, READS['m1']) for host in READS)
    out = render(tmp_path, fresh)
    assert out['m2']['dockercluster_cluster']['create'] is True
    assert out['m2']['via'] == 'm1' and out['m1']['to_join'] == ['m2', 'm3'] and out['a1']['agent_via'] == 'm1'


def test_the_agents_join_through_the_manager_that_creates_the_cluster(tmp_path):
    """swarm_manager_first (another manager than the group's first) creates the cluster: the agents
    look for its published token there, not on the group's first host."""
    fresh = dict((host, READS['m1']) for host in READS)
    out = render(tmp_path, fresh, '-e', 'swarm_manager_first=m2')
    assert out['m1']['via'] == 'm2' and out['m1']['to_join'] == ['m1', 'm3'] and out['a1']['agent_via'] == 'm2'


INIT_ROLE_TASKS = """
- name: The init's addresses, as the play's first host templates them
  ansible.builtin.set_fact:
    init_addrs: "{{ _swarm_manager_init_own }}"
  run_once: true
"""


def init_addrs(tmp_path, inventory, *extra, play_vars=None, note=True):
    """swarm_manager's _swarm_manager_init_own with the role's real variable precedence: a copy of its
    defaults and vars in a role of its own, in a play over the managers (a fresh cluster), after the role's
    own task that notes the init's settings on its manager (``note``: the manager is in the play)."""
    role = tmp_path / 'roles' / 'mgr'
    for part in ('defaults', 'vars', 'tasks'):
        (role / part).mkdir(parents=True, exist_ok=True)
    for part in ('defaults', 'vars'):
        with open(os.path.join(REPO_ROOT, 'roles', 'swarm_manager', part, 'main.yml')) as handle:
            (role / part / 'main.yml').write_text(handle.read())
    with open(os.path.join(REPO_ROOT, 'roles', 'swarm_manager', 'tasks', 'swarmkit.yml')) as handle:
        noted = [task for task in yaml.safe_load(handle) if task['name'].startswith('Note the settings')]
    assert len(noted) == 1
    (role / 'tasks' / 'main.yml').write_text((yaml.safe_dump(noted) if note else '') + INIT_ROLE_TASKS)
    (tmp_path / 'hosts').write_text(inventory)
    play = [{'name': 'Managers', 'hosts': 'swarm_managers', 'gather_facts': False, 'vars': play_vars or {},
             'pre_tasks': [{'name': 'No cluster yet', 'ansible.builtin.set_fact': {
                 'dockercluster_cluster': {'create': True}}}],
             'roles': ['mgr']},
            {'name': 'Out', 'hosts': 'localhost', 'gather_facts': False, 'tasks': [{
                'name': 'Out', 'ansible.builtin.copy': {
                    'content': "{{ hostvars[groups['swarm_managers'][0]].init_addrs | to_json }}",
                    'dest': str(tmp_path / 'out.json'), 'mode': '0600'}}]}]
    (tmp_path / 'play.yml').write_text(json.dumps(play))
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO_ROOT, 'ansible.cfg'), ANSIBLE_NOCOLOR='1',
               ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_PYTHON_INTERPRETER=sys.executable,
               ANSIBLE_ROLES_PATH=str(tmp_path / 'roles'), ANSIBLE_LOCALHOST_WARNING='0')
    res = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), 'play.yml',
                          '-i', 'hosts'] + list(extra), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         universal_newlines=True, env=env, cwd=str(tmp_path), check=False)
    assert res.returncode == 0, res.stdout
    return json.loads((tmp_path / 'out.json').read_text())


MANAGERS_INVENTORY = """
[swarm_managers]
m1 swarm_manager_advertise_addr=10.9.0.1 swarm_manager_force=true
m2 swarm_manager_advertise_interface=eth1
m3
[all:vars]
ansible_connection=local
"""


def test_the_init_takes_the_addresses_of_the_manager_it_runs_on(tmp_path):
    """The init runs once, on the manager that creates the cluster (m2), but is templated in the play's
    first host's variables (m1's): its addresses are m2's own, not m1's inventory value."""
    out = init_addrs(tmp_path, MANAGERS_INVENTORY, '-e', 'swarm_manager_first=m2')
    assert out == {'advertise_addr': '', 'advertise_interface': 'eth1', 'listen_addr': '0.0.0.0:2377',
                   'data_path_addr': '', 'force': False}  # nor is m1's force m2's


def test_the_init_takes_the_playbook_value_where_its_manager_sets_none(tmp_path):
    """m3 sets nothing in the inventory: the playbook's value (a play var, as a role user sets it) and the
    role's default count; m1's own inventory value does not."""
    out = init_addrs(tmp_path, MANAGERS_INVENTORY, '-e', 'swarm_manager_first=m3',
                     play_vars={'swarm_manager_listen_addr': '0.0.0.0:2400', 'swarm_manager_data_path_addr': 'eth2'})
    assert out == {'advertise_addr': '', 'advertise_interface': '', 'listen_addr': '0.0.0.0:2400',
                   'data_path_addr': 'eth2', 'force': False}  # m1's force is m1's alone


IP_INVENTORY = """
[swarm_managers]
m1 ansible_host=10.9.0.1 swarm_manager_advertise_interface=eth1
m2 ansible_host=10.9.0.2 swarm_manager_advertise_interface=eth1
m3 ansible_host=10.9.0.3 swarm_manager_advertise_interface=eth1
[all:vars]
ansible_connection=local
"""


def test_the_init_takes_its_managers_own_play_settings(tmp_path):
    """A play var templated per host, and one that outranks the inventory, are m3's own when the init is
    m3's (they were the play's first host's, m1's: the cluster advertised m1's address)."""
    play_vars = {'swarm_manager_advertise_addr': '{{ ansible_host }}', 'swarm_manager_advertise_interface': ''}
    out = init_addrs(tmp_path, IP_INVENTORY, '-e', 'swarm_manager_first=m3', play_vars=play_vars)
    assert out['advertise_addr'] == '10.9.0.3' and out['advertise_interface'] == '', out
    # Where the manager is not in the play (--limit), its inventory's values, as before.
    out = init_addrs(tmp_path, IP_INVENTORY, '-e', 'swarm_manager_first=m3', play_vars=play_vars, note=False)
    assert out['advertise_interface'] == 'eth1', out


def test_two_clusters_refuse_every_host_naming_both(tmp_path):
    other = dict(READS['m3'], Cluster={'ID': 'b' * 25}, RemoteManagers=[{'Addr': '10.9.0.3:2377'}])
    out = render(tmp_path, dict(READS, m1=READS['m2'], m3=other))
    for host in READS:
        assert out[host]['refusal'].startswith('%s: The inventory\'s hosts are in 2 different swarms' % host)
        assert A in out[host]['refusal'] and 'b' * 25 in out[host]['refusal']
        assert 'force' not in out[host]['refusal']
