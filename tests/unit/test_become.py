"""Privileges (issue 23, item 5): site.yml's host plays become root unless swarm_become is false;
what runs on the controller never becomes (a local sudo would prompt, or run the PKI as root);
the README's first screen says what the hosts need."""

import os
import re

import pytest
import yaml
from templating import render

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _yaml(*parts):
    with open(os.path.join(REPO_ROOT, *parts)) as handle:
        return yaml.safe_load(handle)


def test_site_host_plays_become_unless_swarm_become_false():
    plays = _yaml('playbooks', 'site.yml')
    for play in plays:
        if play['hosts'] == 'localhost':
            assert play.get('connection') == 'local' and play.get('become') is False, play['name']
            continue
        assert 'become' in play, play['name']
        for variables, expected in (({}, True), ({'swarm_become': False}, False),
                                    ({'swarm_become': 'false'}, False), ({'swarm_become': True}, True)):
            value = render(play['become'], variables)
            assert value is expected, (play['name'], variables, value)


def _tasks(node):
    if isinstance(node, list):
        for item in node:
            yield from _tasks(item)
    elif isinstance(node, dict):
        if any(key in node for key in ('name', 'block')):
            yield node
        for key in ('block', 'rescue', 'always', 'tasks', 'pre_tasks', 'post_tasks', 'handlers'):
            if key in node:
                yield from _tasks(node[key])


def _task_files():
    for top in ('roles', 'playbooks'):
        for folder, _dirs, files in os.walk(os.path.join(REPO_ROOT, top)):
            if os.sep + 'meta' in folder or os.sep + 'defaults' in folder or os.sep + 'vars' in folder:
                continue
            for name in files:
                if name.endswith('.yml'):
                    yield os.path.join(folder, name)
    yield os.path.join(REPO_ROOT, 'site.yml')


def _on_controller(task):
    variables = task.get('vars') or {}
    return (task.get('delegate_to') in ('localhost', '127.0.0.1')
            or task.get('connection') == 'local'
            or variables.get('ansible_connection') == 'local')


def test_controller_tasks_never_become():
    found = []
    for path in _task_files():
        with open(path) as handle:
            data = yaml.safe_load(handle)
        for task in _tasks(data):
            if _on_controller(task):
                found.append(task.get('name'))
                assert task.get('become') is False, '%s: %s runs on the controller without become: false' % (
                    os.path.relpath(path, REPO_ROOT), task.get('name'))
    assert found, 'no controller task found: the test looks in the wrong place'


def _first_screen():
    with open(os.path.join(REPO_ROOT, 'README.md')) as handle:
        return ''.join(handle.readlines()[:45])


@pytest.mark.parametrize('needle', ['## Requirements', 'sudo', 'python3', '2377/tcp', '7946/tcp and udp',
                                    '4789/udp', '2375/tcp', '2376/tcp', 'swarm_become'])
def test_readme_first_screen_says_what_hosts_need(needle):
    assert needle in _first_screen()


def test_swarm_become_documented():
    with open(os.path.join(REPO_ROOT, 'inventory-sample')) as handle:
        assert re.search(r'^# swarm_become=true$', handle.read(), re.M)
