"""The manager swarm_agent joins through, where the swarm_manager role ran alone in a play of the managers
only: the cluster it found (dockercluster_cluster) is on the managers, not on the agents. The role's defaults
and vars are templated by ansible-playbook on localhost stand-ins (connection local); nothing runs on a host."""

import json
import os
import subprocess
import sys

import ansible_collections.dockercluster.swarm as swarm_collection
import pytest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTIONS_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(list(swarm_collection.__path__)[0])))
ROLE = os.path.join(REPO_ROOT, 'roles', 'swarm_agent')
INVENTORY = """
[swarm_managers]
m1
m2
[swarm_agents]
a1
[all:vars]
ansible_connection=local
"""


def play(cluster_on):
    managers = {'name': 'The managers find the cluster (swarm_manager alone)', 'hosts': 'swarm_managers',
                'gather_facts': False, 'tasks': [{'ansible.builtin.set_fact': {
                    'dockercluster_cluster': {'create': False, 'manager': 'm2', 'unread': ['a1']}}, 'run_once': True}]}
    agents = {'name': 'The agents', 'hosts': 'swarm_agents', 'gather_facts': False, 'tasks': [
        {'ansible.builtin.set_fact': {'dockercluster_host': {'swarm': {'LocalNodeState': 'active', 'NodeID': 'w1'}}}},
        {'ansible.builtin.include_vars': ROLE + '/defaults/main.yml'},
        {'ansible.builtin.include_vars': ROLE + '/vars/main.yml'},
        {'ansible.builtin.debug': {'msg': 'VIA {{ swarm_agent_manager_host }}'}},
        # The hosts the managers' play did not read are its own: the agent is still expected Ready.
        {'ansible.builtin.debug': {'msg': "EXPECTED {{ _swarm_agent_expected | map(attribute='name') | join(',') }}"}}]}
    return [managers, agents] if cluster_on == 'managers' else [agents]


@pytest.mark.parametrize('cluster_on, via', [('managers', 'm2'), ('nowhere', 'm1')])
def test_the_agents_join_through_the_manager_the_managers_play_found(tmp_path, cluster_on, via):
    (tmp_path / 'play.yml').write_text(json.dumps(play(cluster_on)))
    (tmp_path / 'hosts').write_text(INVENTORY)
    bindir = os.path.dirname(sys.executable)
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO_ROOT, 'ansible.cfg'), ANSIBLE_NOCOLOR='1',
               ANSIBLE_COLLECTIONS_PATH=COLLECTIONS_ROOT, ANSIBLE_PYTHON_INTERPRETER=sys.executable)
    res = subprocess.run([os.path.join(bindir, 'ansible-playbook'), 'play.yml', '-i', 'hosts'], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, universal_newlines=True, env=env, cwd=str(tmp_path), check=False)
    assert res.returncode == 0, res.stdout
    assert '"msg": "VIA %s"' % via in res.stdout, res.stdout
    assert '"msg": "EXPECTED m1,m2,a1"' in res.stdout, res.stdout
