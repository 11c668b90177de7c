"""The docker_sdk role: the distribution's package first, else pip within a tested version range, a
clear failure when neither gives the modules' interpreter the SDK (no ignored errors), and check mode
reporting the install. The role runs on localhost (connection local) with stand-ins for the
interpreter and pip, so nothing is installed here; ``docker_sdk_packages: []`` leaves the
distribution's package out."""

import json
import os
import re
import subprocess
import sys

import ansible_collections.dockercluster.swarm as swarm_collection
import pytest
import yaml
from ansible_collections.dockercluster.swarm.plugins.module_utils.docker_api import MIN_DOCKER_SDK_VERSION
from packaging.requirements import Requirement
from templating import render

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# conftest links this checkout in as ansible_collections/dockercluster/swarm under a temporary root.
COLLECTIONS_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(list(swarm_collection.__path__)[0])))
ROLE = os.path.join(REPO_ROOT, 'roles', 'docker_sdk')


def _defaults():
    with open(os.path.join(ROLE, 'defaults', 'main.yml')) as f:
        return yaml.safe_load(f)


def test_pip_installs_the_docker_sdk_within_a_tested_range():
    requirement = Requirement(_defaults()['docker_sdk_pip_package'])
    assert requirement.name == 'docker'
    spec = requirement.specifier
    # 5.0.3: the newest that runs on Python 3.6 (6.0 needs 3.7, 7.0 needs 3.8), Debian 12's package;
    # 7.1.0: Debian 13's; 7.2.0: the controller's (requirements.txt). 8: a major release nobody tested.
    assert all(spec.contains(v) for v in ('5.0.3', '6.1.3', '7.1.0', '7.2.0')), spec
    assert not any(spec.contains(v) for v in ('8.0.0', '4.4.4', '3.7.0', '2.7.0')), spec
    # Whatever the range lets pip install, the modules accept (they check the version themselves).
    assert MIN_DOCKER_SDK_VERSION <= (5, 0, 3)


def test_the_role_ignores_no_error():
    for name in os.listdir(os.path.join(ROLE, 'tasks')):
        with open(os.path.join(ROLE, 'tasks', name)) as f:
            text = f.read()
        assert 'ignore_errors' not in text, name


def test_the_argument_specs_give_the_pip_default():
    with open(os.path.join(ROLE, 'meta', 'argument_specs.yml')) as f:
        options = yaml.safe_load(f)['argument_specs']['main']['options']
    assert options['docker_sdk_pip_package']['default'] == _defaults()['docker_sdk_pip_package']


def _text(description):
    return description if isinstance(description, str) else ' '.join(description)


def test_images_may_be_pinned_by_digest():
    with open(os.path.join(REPO_ROOT, 'roles', 'docker_proxy', 'meta', 'argument_specs.yml')) as f:
        options = yaml.safe_load(f)['argument_specs']['main']['options']
    assert '@sha256:' in _text(options['docker_proxy_image']['description'])
    with open(os.path.join(REPO_ROOT, 'roles', 'swarm_manager', 'meta', 'argument_specs.yml')) as f:
        options = yaml.safe_load(f)['argument_specs']['main']['options']
    assert '@sha256:' in _text(options['swarm_manager_classic_image']['description'])


# ------------------------------------------------------------ the role, run on localhost

PLAY = """\
- name: The docker_sdk role on localhost, with stand-ins
  hosts: localhost
  connection: local
  gather_facts: false
  roles:
    - role: dockercluster.swarm.docker_sdk
"""

# A stand-in interpreter: `import docker` works once the stand-in pip "installed" it.
PYTHON = """\
#!/bin/sh
test -e "{marker}"
"""

# A stand-in pip: logs its arguments; `install` "installs" (the marker) or fails like pip.
PIP = """\
#!/bin/sh
echo "$@" >> "{log}"
case "$1" in
  install)
    if [ -n "{fail}" ]; then echo "ERROR: No matching distribution found for docker" >&2; exit 1; fi
    touch "{marker}"; echo "Successfully installed docker-7.2.0" ;;
esac
exit 0
"""


def _script(path, text, **fmt):
    path.write_text(text.format(**fmt))
    path.chmod(0o755)
    return str(path)


@pytest.fixture
def role_run(tmp_path):
    playbook = tmp_path / 'play.yml'
    playbook.write_text(PLAY)
    bindir = os.path.dirname(sys.executable)

    def run(pip_fails, check=False, present=False, more=()):
        marker, log = tmp_path / 'installed', tmp_path / 'pip.log'
        if present:
            marker.touch()
        python = _script(tmp_path / 'python', PYTHON, marker=marker)
        pip = _script(tmp_path / 'pip', PIP, marker=marker, log=log, fail='yes' if pip_fails else '')
        extra = ['-e', 'ansible_python_interpreter=%s' % sys.executable, '-e', 'docker_sdk_python=%s' % python, '-e', 'docker_sdk_pip_executable=%s' % pip,
                 '-e', '{"docker_sdk_packages": []}'] + list(more) + (['--check'] if check else [])
        env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO_ROOT, 'ansible.cfg'), ANSIBLE_NOCOLOR='1',
                   ANSIBLE_COLLECTIONS_PATH=COLLECTIONS_ROOT,
                   ANSIBLE_LOCALHOST_WARNING='0', ANSIBLE_INVENTORY_UNPARSED_WARNING='0',
                   PATH=bindir + os.pathsep + os.environ.get('PATH', ''))
        res = subprocess.run([os.path.join(bindir, 'ansible-playbook'), str(playbook), '-i', 'localhost,'] + extra,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, env=env,
                             cwd=str(tmp_path), check=False)
        pip_log = log.read_text() if log.exists() else ''
        return res.returncode, res.stdout, pip_log, marker.exists()
    return run


def test_pip_installs_the_range_and_the_interpreter_imports_it(role_run):
    rc, out, pip_log, installed = role_run(pip_fails=False)
    assert rc == 0, out
    wanted = Requirement(_defaults()['docker_sdk_pip_package'])
    installs = [Requirement(line.split()[-1]) for line in pip_log.splitlines() if line.startswith('install ')]
    assert installed and [(r.name, r.specifier) for r in installs] == [(wanted.name, wanted.specifier)], pip_log
    assert re.search(r'localhost\s*:\s*ok=\d+\s+changed=[1-9]', out), out


@pytest.mark.parametrize('check', [False, True])
def test_an_sdk_too_old_for_the_modules_is_refused_not_replaced(role_run, check):
    """The play's read found one older than 4.0 (EPEL 7's python36-docker 2.6.1, which its docker-compose needs):
    the role fails naming it and the fix, and pip is not run."""
    read = {'docker_sdk': {'present': True, 'version': '2.6.1', 'usable': False, 'python': '/usr/bin/python3'}}
    rc, out, pip_log, installed = role_run(pip_fails=False, check=check, present=True,
                                           more=['-e', json.dumps({'dockercluster_host': read})])
    assert rc != 0 and pip_log == '', out
    assert 'Docker SDK for Python 2.6.1' in out and 'older than the 4.0' in out and 'does not replace it' in out, out


def test_a_host_the_read_found_without_the_sdk_gets_it(role_run):
    """The read says not usable where there is none at all: that host gets it installed, not refused."""
    read = {'docker_sdk': {'present': False, 'version': None, 'usable': False, 'python': '/usr/bin/python3'}}
    rc, out, pip_log, installed = role_run(pip_fails=False, more=['-e', json.dumps({'dockercluster_host': read})])
    assert rc == 0 and installed and 'install ' in pip_log, out


def test_neither_way_fails_clearly_without_ignored_errors(role_run):
    rc, out, pip_log, installed = role_run(pip_fails=True)
    assert rc != 0 and not installed
    assert '...ignoring' not in out, out
    assert 'could not be installed' in out and _defaults()['docker_sdk_pip_package'] in out, out
    assert "No matching distribution found for docker" in out, out


def test_where_the_sdk_imports_the_role_alone_reads_no_distribution_and_installs_nothing(role_run):
    rc, out, pip_log, _installed = role_run(pip_fails=True, present=True)
    assert rc == 0, out
    assert pip_log == ''
    task = out.split('TASK [dockercluster.swarm.docker_sdk : Read the distribution')[1].split('TASK [')[0]
    assert 'skipping: [localhost]' in task and 'ok: [localhost]' not in task, task
    assert re.search(r'localhost\s*:\s*ok=\d+\s+changed=0\s', out), out


def test_check_mode_reports_the_install_and_makes_none(role_run):
    rc, out, pip_log, installed = role_run(pip_fails=False, check=True)
    assert rc == 0, out
    assert pip_log == '' and not installed
    assert re.search(r'localhost\s*:\s*ok=\d+\s+changed=1\s', out), out
    assert 'the run installs' in out and _defaults()['docker_sdk_pip_package'] in out, out


@pytest.mark.parametrize('facts, packages', [
    ({'os_family': 'RedHat', 'distribution': 'CentOS', 'distribution_major_version': '7'}, []),
    ({'os_family': 'RedHat', 'distribution': 'Rocky', 'distribution_major_version': '9'}, ['python3-docker']),
    ({'os_family': 'Debian', 'distribution': 'Debian', 'distribution_major_version': '12'}, ['python3-docker']),
    ({}, ['python3-docker']),
])
def test_the_package_s_name_follows_the_distribution(facts, packages):
    """EL 7: its Python 3 is 3.6, and EPEL's python36-docker is 2.6.1, older than the modules take: pip's 5.0.3."""
    assert render(_defaults()['docker_sdk_packages'], {'ansible_facts': facts}) == packages


@pytest.mark.parametrize('variables, python', [
    ({'ansible_python_interpreter': '/opt/py/bin/python3'}, '/opt/py/bin/python3'),
    # Discovery picks python3.11 where the system's python3 is 3.9 (RHEL 9): the read ran with it.
    ({'ansible_python_interpreter': 'auto_silent', 'dockercluster_host': {'docker_sdk': {'python': '/usr/bin/python3.11'}},
      'ansible_facts': {'discovered_interpreter_python': '/usr/bin/python3.9'}}, '/usr/bin/python3.11'),
    ({'dockercluster_host': {'docker_sdk': {'python': '/usr/bin/python3.11'}}}, '/usr/bin/python3.11'),
    ({'ansible_facts': {'discovered_interpreter_python': '/usr/bin/python3.12'}}, '/usr/bin/python3.12'),
    ({'ansible_python_interpreter': 'auto'}, '/usr/bin/python3'),
    ({}, '/usr/bin/python3'),
])
def test_the_sdk_is_checked_with_the_interpreter_the_modules_run_with(variables, python):
    assert render(_defaults()['docker_sdk_python'], variables) == python
