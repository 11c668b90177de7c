"""What the swarm_manager verify and swarm_agent's joins expect as nodes (issue 23, item 2): each
host of the play as what the run knows of it, rendered by the roles' own vars on localhost, then
matched by swarm_logic against the nodes a manager lists. An inventory that names its hosts by IP
address (as k3s-ansible's sample does) or by an alias finds every node; before, every host was
"missing" (only the inventory names were compared with the nodes' host names)."""

import json
import os
import subprocess
import sys

from ansible_collections.dockercluster.swarm.plugins.module_utils import (
    swarm_logic as logic,
)

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

INVENTORY = """
[swarm_managers]
10.9.0.1 node_id=ida ip=10.9.0.1
[swarm_agents]
alpha ansible_host=node-b.example node_id=idb ip=10.9.0.2
10.9.0.3 node_id= ip=10.9.0.99 swarm_agent_advertise_addr=10.9.0.3
leaving swarm_agent_state=absent node_id=idx ip=10.9.0.4
[all:vars]
ansible_connection=local
"""

PLAYBOOK = """
- name: The play's read of each host (what swarm_preflight registers), made up
  hosts: all
  gather_facts: false
  tasks:
    - name: A read
      ansible.builtin.set_fact:
        dockercluster_host:
          swarm: {NodeID: "{{ node_id }}", LocalNodeState: active}
          addresses: {lo: 127.0.0.1, docker0: 172.17.0.1, eth0: "{{ ip }}"}
- name: The agents' joins
  hosts: swarm_agents
  gather_facts: false
  vars_files: [%(root)s/roles/swarm_agent/vars/main.yml]
  tasks:
    - name: Keep what they expect
      ansible.builtin.copy:
        content: "{{ _swarm_agent_expected | to_json }}"
        dest: "%(out)s/agent.json"
        mode: "0600"
      run_once: true
- name: The verify
  hosts: all
  gather_facts: false
  vars_files: [%(root)s/roles/swarm_manager/vars/main.yml]
  tasks:
    - name: Keep what it expects
      ansible.builtin.copy:
        content: "{{ _swarm_manager_expected | to_json }}"
        dest: "%(out)s/verify.json"
        mode: "0600"
      run_once: true
"""

# The nodes as a manager lists them: each reports its own host name, never the inventory's.
NODES = logic.summarize_nodes([
    {'ID': 'ida', 'Spec': {'Role': 'manager'}, 'Description': {'Hostname': 'node-a'},
     'Status': {'State': 'ready', 'Addr': '10.9.0.1'}, 'ManagerStatus': {'Leader': True, 'Addr': '10.9.0.1:2377'}},
    {'ID': 'idb', 'Spec': {'Role': 'worker'}, 'Description': {'Hostname': 'node-b'},
     'Status': {'State': 'ready', 'Addr': '10.9.0.2'}},
    {'ID': 'idc', 'Spec': {'Role': 'worker'}, 'Description': {'Hostname': 'node-c'},
     'Status': {'State': 'ready', 'Addr': '10.9.0.3'}},
])


def render(tmp_path):
    (tmp_path / 'hosts').write_text(INVENTORY)
    (tmp_path / 'play.yml').write_text(PLAYBOOK % {'root': REPO_ROOT, 'out': tmp_path})
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO_ROOT, 'ansible.cfg'), ANSIBLE_NOCOLOR='1',
               ANSIBLE_PYTHON_INTERPRETER=sys.executable, ANSIBLE_LOCALHOST_WARNING='0')
    res = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), 'play.yml',
                          '-i', 'hosts'], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         universal_newlines=True, env=env, cwd=str(tmp_path), check=False)
    assert res.returncode == 0, res.stdout
    return (json.loads((tmp_path / name).read_text()) for name in ('agent.json', 'verify.json'))


def test_the_roles_expect_every_host_as_what_the_run_knows_of_it(tmp_path):
    agent, verify = render(tmp_path)
    assert [e['name'] for e in agent] == ['10.9.0.1', 'alpha', '10.9.0.3']
    assert [e['name'] for e in verify] == ['10.9.0.1', 'alpha', '10.9.0.3']
    alpha = [e for e in verify if e['name'] == 'alpha'][0]
    assert alpha['node_id'] == 'idb'
    assert sorted(alpha['addresses']) == ['10.9.0.2', '127.0.0.1', '172.17.0.1', 'node-b.example']
    third = [e for e in verify if e['name'] == '10.9.0.3'][0]
    assert third['node_id'] == '' and '10.9.0.3' in third['addresses']
    for expected in (agent, verify):
        check = logic.check_expectations(NODES, expected, 1)
        assert check['ok'] is True, check
        # The names alone: what the roles gave before.
        check = logic.check_expectations(NODES, [e['name'] for e in expected if e['name'] == 'alpha'])
        assert check['missing'] == ['alpha']
