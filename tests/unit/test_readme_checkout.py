"""The README's commands for a checkout work as written in a fresh clone (issue 23, item 8).

A `git clone` of this checkout (with the working tree's changes applied), the README's `hosts`
example written as `hosts`, then the lines of the README's ```sh block under "Use it on your own
hosts" run in one bash, in order, with `ansible-playbook` given `--syntax-check` (nothing to
connect to). Nothing of the test's environment leaks in: no ANSIBLE_* variable, a HOME of its own
(no ~/.ansible/collections). The one thing supplied: `.venv` and `.cache/venv-newest` are links to
this checkout's venvs, which bootstrap.sh accepts as they are when their stamp matches the
requirements (a fresh machine installs them: minutes of pip, not this test's point); the test is
skipped when they do not match, so it never installs into them. The `--link-only` path runs with
no venv at all, with the ansible-playbook of the running Python."""

import os
import re
import shutil
import subprocess
import sys

import pytest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ENV_CLEAN = {key: value for key, value in os.environ.items()
             if not key.startswith(('ANSIBLE_', 'DCSWARM_', 'VIRTUAL_ENV'))}


def _readme_section():
    with open(os.path.join(REPO_ROOT, 'README.md')) as handle:
        text = handle.read()
    return text.split('## Use it on your own hosts', 1)[1].split('\n## ', 1)[0]


def _readme_commands():
    block = re.search(r'```sh\n(.*?)```', _readme_section(), re.S).group(1)
    return [line.split('  #', 1)[0].strip() for line in block.splitlines() if line.strip()]


def _readme_hosts():
    return re.search(r'```ini\n# hosts\n(.*?)```', _readme_section(), re.S).group(1)


def _fresh_clone(tmp_path):
    clone = str(tmp_path / 'checkout')
    subprocess.run(['git', 'clone', '-q', '--no-hardlinks', REPO_ROOT, clone], check=True)
    diff = subprocess.run(['git', 'diff', 'HEAD', '--binary'], cwd=REPO_ROOT, check=True,
                          capture_output=True).stdout
    if diff:
        subprocess.run(['git', 'apply', '--whitespace=nowarn'], cwd=clone, input=diff, check=True)
    for name in subprocess.run(['git', 'ls-files', '--others', '--exclude-standard'], cwd=REPO_ROOT,
                               check=True, capture_output=True, text=True).stdout.split():
        if name.startswith(('roles/', 'playbooks/', 'plugins/', 'meta/', 'scripts/')):
            os.makedirs(os.path.dirname(os.path.join(clone, name)), exist_ok=True)
            shutil.copy2(os.path.join(REPO_ROOT, name), os.path.join(clone, name))
    with open(os.path.join(clone, 'hosts'), 'w') as handle:
        handle.write(_readme_hosts())
    return clone


def _run(clone, commands, tmp_path, path=None):
    script = ' && '.join(
        cmd + ' --syntax-check' if cmd.startswith('ansible-playbook ') else cmd for cmd in commands)
    env = dict(ENV_CLEAN, HOME=str(tmp_path / 'home'))
    if path:
        env['PATH'] = path + os.pathsep + env.get('PATH', '')
    return subprocess.run(['bash', '-c', 'set -e; ' + script], cwd=clone, env=env,
                          capture_output=True, text=True, timeout=300)


def _venv_ready(venv, requirements):
    stamp = os.path.join(venv, '.requirements.sha256')
    if not os.path.isfile(stamp) or not os.access(os.path.join(venv, 'bin', 'python'), os.X_OK):
        return False
    digest = subprocess.run(['sha256sum', requirements], check=True, capture_output=True,
                            text=True).stdout.split()[0]
    with open(stamp) as handle:
        return handle.read().strip() == digest


def test_readme_commands_in_a_fresh_clone(tmp_path):
    commands = _readme_commands()
    assert commands[0] == './scripts/bootstrap.sh' and commands[-1] == 'ansible-playbook site.yml -i hosts'
    venvs = {'.venv': 'requirements.txt'}  # the newest ansible-core's venv is scripts/test.sh's (--newest)
    for venv, requirements in venvs.items():
        if not _venv_ready(os.path.realpath(os.path.join(REPO_ROOT, venv)), os.path.join(REPO_ROOT, requirements)):
            pytest.skip('%s is not built for %s (scripts/bootstrap.sh)' % (venv, requirements))
    clone = _fresh_clone(tmp_path)
    os.makedirs(os.path.join(clone, '.cache'))
    for venv in venvs:
        os.symlink(os.path.realpath(os.path.join(REPO_ROOT, venv)), os.path.join(clone, venv))
    done = _run(clone, commands, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert 'playbook: site.yml' in done.stdout


def test_link_only_with_an_installed_ansible(tmp_path):
    assert '`./scripts/bootstrap.sh --link-only`' in _readme_section()
    clone = _fresh_clone(tmp_path)
    bindir = os.path.dirname(sys.executable)
    if not os.path.exists(os.path.join(bindir, 'ansible-playbook')):
        pytest.skip('no ansible-playbook next to %s' % sys.executable)
    done = _run(clone, ['./scripts/bootstrap.sh --link-only', 'ansible-playbook site.yml -i hosts'],
                tmp_path, path=bindir)
    assert done.returncode == 0, done.stdout + done.stderr
    assert not os.path.exists(os.path.join(clone, '.venv'))


def test_without_the_bootstrap_the_roles_are_not_found(tmp_path):
    """Why the README says to run it: the checkout alone is no collection."""
    clone = _fresh_clone(tmp_path)
    done = _run(clone, ['ansible-playbook site.yml -i hosts'], tmp_path, path=os.path.dirname(sys.executable))
    assert done.returncode != 0
    assert 'dockercluster.swarm.swarm_preflight' in done.stdout + done.stderr
