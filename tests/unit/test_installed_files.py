"""docker_host_info's stat_paths and the installed_files_problems filter: docker_pki's install skip."""

import hashlib
import os

import pytest
from ansible_collections.dockercluster.swarm.plugins.filter.installed_files import installed_files_problems
from ansible_collections.dockercluster.swarm.plugins.module_utils.host_probe import path_state
from ansible_collections.dockercluster.swarm.plugins.modules import docker_host_info

CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'
KEY = '-----BEGIN EC PRIVATE KEY-----\nMHcC\n-----END EC PRIVATE KEY-----\n'
FILES = [{'name': 'ca.pem', 'content': CA, 'mode': '0644'},
         {'name': 'server-key.pem', 'content': KEY, 'mode': '0600'}]


def install(directory, files=FILES):
    os.makedirs(directory, 0o700, exist_ok=True)
    os.chmod(directory, 0o700)
    for item in files:
        path = os.path.join(directory, item['name'])
        with open(path, 'w') as handle:
            handle.write(item['content'])
        os.chmod(path, int(item['mode'], 8))


def probe(directory, names=('ca.pem', 'server-key.pem')):
    paths = [directory] + [os.path.join(directory, name) for name in names]
    return dict((path, path_state(path)) for path in paths)


def mine(directory):
    """The test runs as whoever it runs as: compare with that owner instead of root."""
    st = os.stat(directory)
    return dict(uid=st.st_uid, gid=st.st_gid)


def test_path_state_reads_type_mode_owner_and_checksum(tmp_path):
    directory = str(tmp_path / 'certs')
    install(directory)
    os.symlink(os.path.join(directory, 'ca.pem'), str(tmp_path / 'link'))
    state = probe(directory)
    assert state[directory]['type'] == 'directory' and state[directory]['mode'] == '0700'
    key = state[os.path.join(directory, 'server-key.pem')]
    assert key['type'] == 'file' and key['mode'] == '0600'
    assert key['sha1'] == hashlib.sha1(KEY.encode()).hexdigest()
    assert path_state(str(tmp_path / 'link'))['type'] == 'link'
    assert path_state(str(tmp_path / 'nothing')) is None


def test_nothing_differs_after_an_install(tmp_path):
    directory = str(tmp_path / 'certs')
    install(directory)
    assert installed_files_problems(probe(directory), directory, FILES, **mine(directory)) == []


@pytest.mark.parametrize('spoil, words', [
    (lambda d: os.remove(os.path.join(d, 'server-key.pem')), 'server-key.pem is missing'),
    (lambda d: open(os.path.join(d, 'ca.pem'), 'a').write('x'), 'ca.pem has other content'),
    (lambda d: os.chmod(os.path.join(d, 'server-key.pem'), 0o644), 'server-key.pem has mode 0644, not 0600'),
    (lambda d: os.chmod(d, 0o755), 'has mode 0755, not 0700'),
])
def test_what_the_install_would_change_is_named(tmp_path, spoil, words):
    directory = str(tmp_path / 'certs')
    install(directory)
    spoil(directory)
    problems = installed_files_problems(probe(directory), directory, FILES, **mine(directory))
    assert len(problems) == 1 and words in problems[0], problems


def test_another_owner_and_a_missing_directory_are_differences(tmp_path):
    directory = str(tmp_path / 'certs')
    install(directory)
    owner = mine(directory)
    problems = installed_files_problems(probe(directory), directory, FILES, uid=owner['uid'] + 1, gid=owner['gid'])
    assert len(problems) == 3 and all('is owned by' in p for p in problems)
    assert installed_files_problems(probe(str(tmp_path / 'none')), str(tmp_path / 'none'), FILES) == [
        '%s is not a directory' % (tmp_path / 'none')]
    assert installed_files_problems({}, directory, FILES) == ['%s is not a directory' % directory]


def test_the_probe_returns_the_states_asked_for(module_run, tmp_path):
    directory = str(tmp_path / 'certs')
    install(directory)
    paths = [directory, os.path.join(directory, 'ca.pem'), str(tmp_path / 'gone.pem')]
    result, failed = module_run(docker_host_info.main, {'gather_subset': [], 'stat_paths': paths})
    assert not failed
    assert result['stat'] == dict((path, path_state(path)) for path in paths)
    assert result['stat'][paths[2]] is None and result['stat'][paths[1]]['sha1']
    # The contents never leave the host.
    assert 'BEGIN CERTIFICATE' not in repr(result)
