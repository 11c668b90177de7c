"""docker_tls_files on a real directory: one call, all or nothing, nothing readable that should not be."""

import json
import os
import stat

import pytest
from ansible_collections.dockercluster.swarm.plugins.module_utils import tls_files
from ansible_collections.dockercluster.swarm.plugins.modules import docker_tls_files

KEY = '-----BEGIN EC PRIVATE KEY-----\nsecret-key-material\n-----END EC PRIVATE KEY-----\n'
CERT = '-----BEGIN CERTIFICATE-----\ncert\n-----END CERTIFICATE-----\n'


@pytest.fixture
def run(module_run):
    return lambda args, check=False, diff=False: module_run(docker_tls_files.main, args, check, diff)


def files(cert=CERT, key=KEY):
    return [{'name': 'ca.pem', 'content': CERT}, {'name': 'server-cert.pem', 'content': cert},
            {'name': 'server-key.pem', 'content': key, 'mode': '0600'}]


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def read(path):
    with open(path) as handle:
        return handle.read()


def test_installs_every_file_with_its_mode_then_changes_nothing(run, tmp_path):
    certs = str(tmp_path / 'certs')
    result, failed = run({'path': certs, 'files': files()})
    assert not failed and result['changed']
    assert result['changed_files'] == ['ca.pem', 'server-cert.pem', 'server-key.pem']
    assert mode(certs) == 0o700
    assert mode(os.path.join(certs, 'server-key.pem')) == 0o600
    assert mode(os.path.join(certs, 'ca.pem')) == 0o644
    assert read(os.path.join(certs, 'server-key.pem')) == KEY
    result, failed = run({'path': certs, 'files': files()})
    assert not failed and not result['changed'] and result['changed_files'] == []
    assert sorted(os.listdir(certs)) == ['ca.pem', 'server-cert.pem', 'server-key.pem']  # no temporary left


def test_only_the_changed_file_is_rewritten(run, tmp_path):
    certs = str(tmp_path / 'certs')
    run({'path': certs, 'files': files()})
    before = {name: os.stat(os.path.join(certs, name)).st_ino for name in os.listdir(certs)}
    result, failed = run({'path': certs, 'files': files(cert=CERT.replace('cert', 'renewed'))}, diff=True)
    assert not failed and result['changed_files'] == ['server-cert.pem']
    assert 'renewed' in read(os.path.join(certs, 'server-cert.pem'))
    after = {name: os.stat(os.path.join(certs, name)).st_ino for name in os.listdir(certs)}
    assert after['ca.pem'] == before['ca.pem'] and after['server-key.pem'] == before['server-key.pem']
    assert result['diff']['after'] == 'server-cert.pem\n'


def test_a_loosened_key_mode_is_tightened(run, tmp_path):
    certs = str(tmp_path / 'certs')
    run({'path': certs, 'files': files()})
    os.chmod(os.path.join(certs, 'server-key.pem'), 0o644)
    result, failed = run({'path': certs, 'files': files()})
    assert not failed and result['changed_files'] == ['server-key.pem']
    assert mode(os.path.join(certs, 'server-key.pem')) == 0o600


def test_check_mode_reports_and_writes_nothing(run, tmp_path):
    certs = str(tmp_path / 'certs')
    result, failed = run({'path': certs, 'files': files()}, check=True)
    assert not failed and result['changed'] and len(result['changed_files']) == 3
    assert not os.path.exists(certs)
    run({'path': certs, 'files': files()})
    result, _failed = run({'path': certs, 'files': files(key=KEY.replace('secret', 'other'))}, check=True)
    assert result['changed_files'] == ['server-key.pem']
    assert read(os.path.join(certs, 'server-key.pem')) == KEY


@pytest.mark.parametrize('entries, problem', [
    ([{'name': '../ca.pem', 'content': CERT}], 'not a plain file name'),
    ([{'name': 'ca.pem', 'content': CERT}, {'name': 'ca.pem', 'content': CERT}], 'given twice'),
    ([{'name': 'key.pem', 'content': KEY, 'mode': 'rw'}], 'not an octal permission mode'),
    ([{'name': 'key.pem', 'content': KEY, 'mode': '17777'}], 'not an octal permission mode'),
    ([{'name': 'key.pem', 'content': KEY, 'mode': True}], 'not an octal permission mode'),
])
def test_a_bad_file_list_fails_before_anything_is_made(run, tmp_path, entries, problem):
    certs = str(tmp_path / 'certs')
    result, failed = run({'path': certs, 'files': entries})
    assert failed and problem in result['msg']
    assert not os.path.exists(certs)


@pytest.mark.parametrize('owners, problem', [
    ({'owner': 'no-such-user-here'}, "owner 'no-such-user-here' is not a user on this host"),
    ({'group': 'no-such-group-here'}, "group 'no-such-group-here' is not a group on this host"),
])
def test_an_unknown_owner_or_group_fails_before_any_file_changes(run, tmp_path, owners, problem):
    """The files are written before their owner is set: a name the host does not know is refused first, the
    old files in place (a new directory not made)."""
    certs = str(tmp_path / 'certs')
    run({'path': certs, 'files': files()})
    result, failed = run(dict({'path': certs, 'files': files(cert=CERT.replace('cert', 'renewed'))}, **owners))
    assert failed and problem in result['msg'], result
    assert read(os.path.join(certs, 'server-cert.pem')) == CERT
    result, failed = run(dict({'path': str(tmp_path / 'new'), 'files': files()}, **owners))
    assert failed and not os.path.exists(str(tmp_path / 'new'))
    assert not run({'path': certs, 'files': files(), 'owner': str(os.getuid()), 'group': str(os.getgid())})[1]


def test_a_mode_given_as_a_number_is_the_mode_itself(run, tmp_path):
    """An unquoted YAML 0600 arrives as the number 384: the key is 0600, not the octal 0384 read from its
    digits (a 0640 that way was 0416: others could write the key)."""
    certs = str(tmp_path / 'certs')
    entries = [{'name': 'server-key.pem', 'content': KEY, 'mode': 0o640}, {'name': 'ca.pem', 'content': CERT, 'mode': 0o644}]
    result, failed = run({'path': certs, 'files': entries})
    assert not failed and result['changed']
    assert mode(os.path.join(certs, 'server-key.pem')) == 0o640
    assert mode(os.path.join(certs, 'ca.pem')) == 0o644
    result, failed = run({'path': certs, 'files': [dict(e, mode='%o' % e['mode']) for e in entries]})
    assert not failed and not result['changed']


def test_a_failed_write_leaves_every_old_file_in_place(run, tmp_path, monkeypatch):
    certs = str(tmp_path / 'certs')
    run({'path': certs, 'files': files()})
    real_stage = tls_files.stage

    def stage(path, data, mode):
        if path.endswith('server-key.pem'):
            raise OSError(28, 'No space left on device')
        return real_stage(path, data, mode)
    monkeypatch.setattr(tls_files, 'stage', stage)
    result, failed = run({'path': certs, 'files': files(cert='new cert\n', key='new key\n')})
    assert failed and 'nothing was changed' in result['msg'] and 'No space left' in result['msg']
    assert read(os.path.join(certs, 'server-cert.pem')) == CERT  # staged, but never moved in
    assert sorted(os.listdir(certs)) == ['ca.pem', 'server-cert.pem', 'server-key.pem']


def test_contents_are_never_logged_or_returned(run, tmp_path):
    result, failed = run({'path': str(tmp_path / 'certs'), 'files': files()}, diff=True)
    assert not failed
    assert KEY in result['_no_log_values']
    shown = json.dumps({k: v for k, v in result.items() if k != '_no_log_values'})
    assert 'secret-key-material' not in shown


def test_absent_removes_the_collections_files_then_the_empty_directory(run, tmp_path):
    certs = str(tmp_path / 'certs')
    run({'path': certs, 'files': files()})
    os.symlink(os.path.join(certs, 'ca.pem'), os.path.join(certs, 'client-cert.pem'))
    result, failed = run({'path': certs, 'state': 'absent'}, check=True, diff=True)
    assert not failed and result['changed']
    assert result['changed_files'] == ['ca.pem', 'server-cert.pem', 'server-key.pem', 'client-cert.pem']
    assert result['diff']['before'] == 'ca.pem\nserver-cert.pem\nserver-key.pem\nclient-cert.pem\n'
    assert len(os.listdir(certs)) == 4  # check mode: nothing removed
    result, failed = run({'path': certs, 'state': 'absent'})
    assert not failed and result['changed'] and len(result['changed_files']) == 4
    assert not os.path.exists(certs)
    result, failed = run({'path': certs, 'state': 'absent'})
    assert not failed and not result['changed'] and result['changed_files'] == []


def test_absent_keeps_other_files_and_their_directory(run, tmp_path):
    certs = str(tmp_path / 'certs')
    run({'path': certs, 'files': files()})
    with open(os.path.join(certs, 'operator.pem'), 'w') as handle:
        handle.write(CERT)
    result, failed = run({'path': certs, 'state': 'absent'})
    assert not failed and result['changed'] and len(result['changed_files']) == 3
    assert os.listdir(certs) == ['operator.pem']
    result, failed = run({'path': certs, 'state': 'absent'})
    assert not failed and not result['changed']


def test_absent_takes_no_files_and_present_needs_them(run, tmp_path):
    certs = str(tmp_path / 'certs')
    run({'path': certs, 'files': files()})
    result, failed = run({'path': certs, 'state': 'absent', 'files': files()})
    assert failed and 'not taken' in result['msg'] and len(os.listdir(certs)) == 3
    result, failed = run({'path': certs})
    assert failed and 'files' in result['msg']


def test_absent_through_a_linked_directory_keeps_the_link_and_its_directory(run, tmp_path):
    real, link = str(tmp_path / 'real'), str(tmp_path / 'certs')
    run({'path': real, 'files': files()})
    os.symlink(real, link)
    result, failed = run({'path': link, 'state': 'absent'})
    assert not failed and result['changed'] and len(result['changed_files']) == 3
    assert os.path.islink(link) and os.listdir(real) == []
    result, failed = run({'path': link, 'state': 'absent'})
    assert not failed and not result['changed']


def test_exclusive_removes_the_collections_files_no_longer_named_and_nothing_else(run, tmp_path):
    certs = str(tmp_path / 'certs')
    manager = files() + [{'name': 'client-cert.pem', 'content': CERT},
                         {'name': 'client-key.pem', 'content': KEY, 'mode': '0600'}]
    run({'path': certs, 'files': manager})
    with open(os.path.join(certs, 'operator.pem'), 'w') as handle:
        handle.write(CERT)
    result, failed = run({'path': certs, 'files': files()})  # not exclusive: nothing removed
    assert not failed and not result['changed'] and len(os.listdir(certs)) == 6
    result, failed = run({'path': certs, 'files': files(), 'exclusive': True}, check=True)
    assert not failed and result['changed_files'] == ['client-cert.pem', 'client-key.pem']
    assert len(os.listdir(certs)) == 6
    result, failed = run({'path': certs, 'files': files(), 'exclusive': True})
    assert not failed and result['changed'] and result['changed_files'] == ['client-cert.pem', 'client-key.pem']
    assert sorted(os.listdir(certs)) == ['ca.pem', 'operator.pem', 'server-cert.pem', 'server-key.pem']
    result, failed = run({'path': certs, 'files': files(), 'exclusive': True})
    assert not failed and not result['changed']
