"""docker_listen's choices for a restart in a running swarm, from the play's read (dockercluster_host):
which hosts roll one at a time, which are drained, and through which manager. The role's variables
are templated by ansible-playbook on localhost stand-ins (connection local); nothing runs on a host."""

import json
import os
import subprocess
import sys

import ansible_collections.dockercluster.swarm as swarm_collection
import pytest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTIONS_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(list(swarm_collection.__path__)[0])))
ROLE = os.path.join(REPO_ROOT, 'roles', 'docker_listen')

PLAY = """
- hosts: all
  gather_facts: false
  tasks:
    - ansible.builtin.include_vars: %(role)s/defaults/main.yml
    - ansible.builtin.include_vars: %(role)s/vars/main.yml
    - ansible.builtin.debug:
        msg: "CHOICE {{ {'via': _docker_listen_via, 'drain': _docker_listen_drain,
                         'member': _docker_listen_member, 'rolls': _docker_listen_rolls} | to_json }}"
      vars:
        _docker_listen_apply: true
""" % {'role': ROLE}


def swarm(state='active', node_id='x', manager=False):
    return {'dockercluster_host': {'swarm': {'LocalNodeState': state, 'NodeID': node_id if state == 'active' else '',
                                             'ControlAvailable': manager}}}


@pytest.fixture
def choices(tmp_path):
    playbook = tmp_path / 'play.yml'
    playbook.write_text(PLAY)
    bindir = os.path.dirname(sys.executable)

    def run(managers, agents, extra_vars=None):
        inventory = {'all': {'vars': {'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable},
                             'children': {'swarm_managers': {'hosts': managers}, 'swarm_agents': {'hosts': agents}}}}
        (tmp_path / 'inventory.json').write_text(json.dumps(inventory))
        env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO_ROOT, 'ansible.cfg'), ANSIBLE_NOCOLOR='1',
                   ANSIBLE_COLLECTIONS_PATH=COLLECTIONS_ROOT, PATH=bindir + os.pathsep + os.environ.get('PATH', ''))
        res = subprocess.run([os.path.join(bindir, 'ansible-playbook'), str(playbook), '-i',
                              str(tmp_path / 'inventory.json'), '-e', json.dumps(extra_vars or {})], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             universal_newlines=True, env=env, cwd=str(tmp_path), check=False)
        assert res.returncode == 0, res.stdout
        found = {}
        host = None
        for line in res.stdout.splitlines():
            if line.startswith('ok: ['):
                host = line[5:].split(']')[0]
            if '"msg": "CHOICE ' in line:
                found[host] = json.loads(json.loads(line.split('"msg": ', 1)[1])[len('CHOICE '):])
        return found
    return run


def test_a_manager_drains_through_itself_a_worker_through_the_first_active_manager(choices):
    # m1 is listed first but is in no swarm yet (a new manager): the workers go through m2.
    found = choices({'m1': swarm('inactive'), 'm2': swarm(manager=True), 'm3': swarm(manager=True)},
                    {'w1': swarm(), 'w2': swarm('inactive')})
    assert {h: c['via'] for h, c in found.items() if c['member']} == {'m2': 'm2', 'm3': 'm3', 'w1': 'm2'}
    assert {h: c['member'] for h, c in found.items()} == {'m1': False, 'm2': True, 'm3': True, 'w1': True, 'w2': False}
    assert {h: c['drain'] for h, c in found.items()} == {'m1': False, 'm2': True, 'm3': True, 'w1': True, 'w2': False}
    # No check-mode answer yet in this play: nothing rolls.
    assert not any(c['rolls'] for c in found.values())


def test_a_single_manager_is_its_own_way_and_a_pending_node_is_not_drained(choices):
    found = choices({'m1': swarm(manager=True)}, {'w1': swarm(), 'w2': swarm('pending')})
    assert found['m1']['via'] == 'm1' and found['w1']['via'] == 'm1'
    assert found['w2']['member'] and not found['w2']['drain']


def test_no_read_of_the_managers_goes_through_the_first_of_the_group(choices):
    found = choices({'m1': {}, 'm2': {}}, {'w1': swarm()})
    assert found['w1']['via'] == 'm1'


def test_docker_listen_drain_false_drains_nothing(choices):
    found = choices({'m1': swarm(manager=True)}, {'w1': swarm()}, {'docker_listen_drain': False})
    assert set(found) == {'m1', 'w1'}
    assert not any(c['drain'] for c in found.values()) and all(c['member'] for c in found.values())
