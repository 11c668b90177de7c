"""A Python 2 on the hosts (CentOS 7's only Python) is refused with the fix named (issue 23, item 4).

- Set in the inventory (ansible_python_interpreter=/usr/bin/python2.7): the inventory check on the
  controller refuses it, before any host is touched (here: an inventory of unreachable names; the
  play on them never starts).
- Discovered or named plainly (/usr/bin/python that is 2.7): the first module run, docker_listen's
  read, fails with the same advice instead of the module's traceback. Run on the controller
  (connection local) with a real Python 2.7 behind a link named `python`, as CentOS 7 has it.
- Any other failure of the read still fails with its own words.
"""

import glob
import os
import shutil
import subprocess
import sys

import pytest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTIONS = os.path.join(REPO_ROOT, '.cache', 'collections')
ADVICE = 'ansible_python_interpreter=/usr/bin/python3'


def _playbook(args, tmp_path):
    tool = shutil.which('ansible-playbook') or os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
    if not os.path.exists(os.path.join(COLLECTIONS, 'ansible_collections', 'dockercluster', 'swarm')):
        pytest.skip('the collection is not linked in .cache/collections (scripts/bootstrap.sh)')
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO_ROOT, 'ansible.cfg'),
               ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_LOCAL_TEMP=str(tmp_path / 'tmp'),
               ANSIBLE_NOCOLOR='1')
    done = subprocess.run([tool] + args, cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=120)
    return done.returncode, done.stdout + done.stderr


def _python27():
    for path in [shutil.which('python2.7'), '/usr/bin/python2.7'] + sorted(
            glob.glob(os.path.expanduser('~/.pyenv/versions/2.7*/bin/python2.7'))):
        if path and os.path.exists(path):
            done = subprocess.run([path, '-c', 'import sys; print(sys.version_info[0])'],
                                  capture_output=True, text=True)
            if done.returncode == 0 and done.stdout.strip() == '2':
                return path
    return None


READ = """
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - ansible.builtin.include_role:
        name: dockercluster.swarm.docker_listen
        tasks_from: read
"""


def test_the_inventory_check_refuses_a_python2_interpreter(tmp_path):
    (tmp_path / 'hosts').write_text(
        '[swarm_managers]\nnode1.invalid ansible_python_interpreter=/usr/bin/python3\n'
        '[swarm_agents]\nnode2.invalid ansible_python_interpreter=/usr/bin/python2.7\nnode3.invalid\n')
    rc, out = _playbook(['-i', 'hosts', os.path.join(REPO_ROOT, 'site.yml')], tmp_path)
    assert rc != 0, out
    assert 'Python 2 is set as ansible_python_interpreter on node2.invalid (/usr/bin/python2.7)' in out, out
    assert ADVICE in out and 'Install python3' in out
    assert 'node1.invalid' not in out.split('PLAY RECAP', 1)[1], 'a cluster host was reached'


def test_the_read_names_a_python2_that_ran_it(tmp_path):
    python27 = _python27()
    if python27 is None:
        pytest.skip('no Python 2.7 on this machine')
    os.symlink(python27, str(tmp_path / 'python'))  # CentOS 7's /usr/bin/python: the name tells nothing
    (tmp_path / 'read.yml').write_text(READ)
    rc, out = _playbook(['-i', 'localhost,', 'read.yml', '-e', 'ansible_python_interpreter=%s' % (tmp_path / 'python')],
                        tmp_path)
    assert rc != 0
    assert 'is a Python 2 (%s)' % (tmp_path / 'python') in out, out
    assert ADVICE in out


def test_another_failure_of_the_read_keeps_its_words(tmp_path):
    fake = tmp_path / 'fakepython'
    fake.write_text('#!/bin/sh\necho \'{"failed": true, "msg": "the engine said no"}\'\n')
    fake.chmod(0o755)
    (tmp_path / 'read.yml').write_text(READ)
    rc, out = _playbook(['-i', 'localhost,', 'read.yml', '-e', 'ansible_python_interpreter=%s' % fake], tmp_path)
    assert rc != 0
    assert "Fail with the read's reason" in out and '"msg": "the engine said no"' in out, out
    assert 'is a Python 2' not in out
