"""Group names set in the inventory, which site.yml's and reset.yml's plays cannot see (a play's hosts are
chosen before the inventory's variables are read): refused on the controller, naming -e, instead of plays
that match no host and a run that "succeeds" having done nothing."""

import os
import re

import pytest
from test_python2_refused import REPO_ROOT, _playbook

# localhost listed, so that --limit localhost runs the check alone (the cluster's hosts do not exist).
CONTROLLER = '[controller]\nlocalhost ansible_connection=local\n'
INVENTORY = (CONTROLLER + '[dc1_managers]\nnode1.invalid\n[dc1_workers]\nnode2.invalid\n'
             '[all:vars]\nswarm_manager_group=dc1_managers\nswarm_agent_group=dc1_workers\n')
GIVE = '-e swarm_manager_group=dc1_managers -e swarm_agent_group=dc1_workers'


@pytest.mark.parametrize('playbook', ['site.yml', 'reset.yml'])
def test_names_set_in_the_inventory_are_refused_naming_e(tmp_path, playbook):
    (tmp_path / 'hosts').write_text(INVENTORY)
    rc, out = _playbook(['-i', 'hosts', os.path.join(REPO_ROOT, playbook)], tmp_path)
    assert rc != 0, out
    assert 'Give the names with -e: ' + GIVE in out, out
    assert 'node1.invalid' not in out.split('PLAY RECAP', 1)[1], 'a cluster host was reached'


@pytest.mark.parametrize('playbook', ['site.yml', 'reset.yml'])
def test_names_given_with_e_pass(tmp_path, playbook):
    (tmp_path / 'hosts').write_text(INVENTORY)
    rc, out = _playbook(['-i', 'hosts', os.path.join(REPO_ROOT, playbook), '--limit', 'localhost']
                        + GIVE.split(), tmp_path)
    assert rc == 0, out
    assert 'Give the names' not in out


def test_the_default_names_need_nothing(tmp_path):
    (tmp_path / 'hosts').write_text(CONTROLLER + '[swarm_managers]\nnode1.invalid\n[swarm_agents]\nnode2.invalid\n')
    rc, out = _playbook(['-i', 'hosts', os.path.join(REPO_ROOT, 'site.yml'), '--limit', 'localhost'], tmp_path)
    assert rc == 0, out
    assert 'Give the names' not in out


def test_a_rotation_with_a_limit_without_managers_is_refused(tmp_path):
    """--limit <agent>: the managers' play, which rotates the tokens, would run on no host. Refused on the
    controller before the host is read (it does not exist)."""
    (tmp_path / 'hosts').write_text(CONTROLLER + '[swarm_managers]\nnode1.invalid\n[swarm_agents]\nnode2.invalid\n')
    site = os.path.join(REPO_ROOT, 'site.yml')
    (tmp_path / 'retry').write_text('node2.invalid\n')
    for limit in ('node2.invalid', '@retry'):  # without localhost, or from a retry file: the same
        rc, out = _playbook(['-i', 'hosts', site, '--limit', limit, '-e', 'swarm_rotate_tokens=worker'], tmp_path)
        assert rc != 0 and 'this run holds none of the managers' in out, out
        assert re.search(r'node2.invalid +: ok=1 +changed=0 +unreachable=0 +failed=1', out), 'a cluster host was reached'
    # Set for the managers only (group_vars): read as the first manager sees it, refused the same.
    (tmp_path / 'managers').write_text(CONTROLLER + '[swarm_managers]\nnode1.invalid\n[swarm_agents]\nnode2.invalid\n'
                                       '[swarm_managers:vars]\nswarm_rotate_tokens=worker\n')
    rc, out = _playbook(['-i', 'managers', site, '--limit', 'node2.invalid'], tmp_path)
    assert rc != 0 and 'this run holds none of the managers' in out, out
    # With the first manager in the limit the check passes (the run then fails on the made-up host).
    rc, out = _playbook(['-i', 'hosts', site, '--limit', 'node1.invalid,localhost', '-e', 'swarm_rotate_tokens=worker'],
                        tmp_path)
    assert 'holds none of the managers' not in out, out
    assert re.search(r'node1.invalid +: ok=2 +changed=0 +unreachable=1', out), out  # past the check, to its read


def test_a_classic_run_without_every_manager_is_refused(tmp_path):
    """The classic managers publish the discovery and write the node lists: an agent alone would fail after
    its engine was set up (no discovery), or never be listed."""
    (tmp_path / 'hosts').write_text(CONTROLLER + '[swarm_managers]\nnode1.invalid\n[swarm_agents]\nnode2.invalid\n'
                                    '[all:vars]\nswarm_backend=classic\nswarm_insecure_tcp=true\n')
    rc, out = _playbook(['-i', 'hosts', os.path.join(REPO_ROOT, 'site.yml'), '--limit', 'node2.invalid'], tmp_path)
    assert rc != 0 and 'swarm_backend is classic (the first manager publishes the discovery' in out, out
    assert 'this run holds none of the managers (node1.invalid), nor did their role run before in it: add ' \
           'node1.invalid to the --limit' in out, out
    assert re.search(r'node2.invalid +: ok=1 +changed=0 +unreachable=0 +failed=1', out), 'a cluster host was reached'


def test_a_play_of_the_agents_after_the_managers_role_ran_passes(tmp_path):
    """The roles in a playbook of one's own, a play for the managers, then one for the agents: the managers'
    role ran before in the run (its result is there), so the agents' play is not refused (rotation, classic)."""
    (tmp_path / 'hosts').write_text(CONTROLLER + '[swarm_managers]\nnode1.invalid\n[swarm_agents]\nnode2.invalid\n'
                                    '[all:vars]\nswarm_backend=classic\nswarm_insecure_tcp=true\n')
    (tmp_path / 'play.yml').write_text(
        '- {name: The managers role ran, hosts: swarm_managers, gather_facts: false,\n'
        '   tasks: [{name: Its result, ansible.builtin.set_fact: {swarm_manager_init: {changed: false}}}]}\n'
        '- name: The agents\n  hosts: swarm_agents\n  gather_facts: false\n  tasks:\n'
        '    - {name: Preflight, ansible.builtin.include_role: {name: dockercluster.swarm.swarm_preflight, '
        'tasks_from: host}}\n')
    rc, out = _playbook(['-i', 'hosts', 'play.yml', '-e', 'swarm_rotate_tokens=worker'], tmp_path)
    assert 'this run holds none of the managers' not in out, out
    assert re.search(r'node2.invalid +: ok=\d+ +changed=0 +unreachable=1', out), out  # past the check, to its read
