"""docker_listen_config end to end against a temp dir, with a fake systemd and dockerd."""

import errno
import json
import os
import stat
import time

import pytest
from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes
from ansible_collections.dockercluster.swarm.plugins.module_utils import docker_ping, listen_plan
from ansible_collections.dockercluster.swarm.plugins.modules import (
    docker_listen_config as module,
)
from test_listen_config import (
    CENTOS7,
    CENTOS7_SHOW,
    DEBIAN_DEFAULT,
    DEBIAN_SHOW,
    DOCKER_CE_SHOW,
)

GUIDE = ['unix:///var/run/docker.sock', 'tcp://0.0.0.0:2375']
FATAL = 'level=fatal msg="listen tcp 0.0.0.0:2375: bind: address already in use"'


class Exited(Exception):
    pass


class Failed(Exception):
    pass


class FakeHost(object):
    """systemctl, journalctl and /_ping. ``starts()`` decides, from the files as they are at
    restart time, whether dockerd comes up; ``answers(addr)`` whether an address answers."""

    def __init__(self, show, starts=None, answers=None, journal='', lost=None):
        self.show, self.journal = show, journal
        self.lost = lost or []  # what the running engine says a restart loses (restart_losses)
        self.lost_asked = []
        self.starts = starts or (lambda: True)
        self.answers = answers or (lambda addr: True)
        self.up = True
        self.calls = []
        self.pings = []

    def run_command(self, args):
        self.calls.append(' '.join(args))
        if args[:2] == ['systemctl', 'show']:
            return 0, self.show, ''
        if args[:2] == ['systemctl', 'restart']:
            self.up = self.starts()
            if self.up:
                return 0, '', ''
            return 1, '', ('Job for docker.service failed because the control process exited with error code.\n'
                           'See "systemctl status docker.service" and "journalctl -xe" for details.')
        if args[:2] == ['systemctl', 'is-active']:
            return (0, 'active\n', '') if self.up else (3, 'failed\n', '')
        if args[0] == 'journalctl':
            return 0, self.journal, ''
        return 0, '', ''

    def ping(self, addr, timeout=5.0, tls=None):
        self.pings.append((addr, tls))
        ok = self.up and self.answers(addr)
        return ok, '%s: %s' % (addr, 'OK' if ok else 'connection refused')

    def read_lost(self, path):
        self.lost_asked.append((path, self.up))
        return list(self.lost)

    def restarts(self):
        return [c for c in self.calls if c.startswith('systemctl restart')]


@pytest.fixture
def run(monkeypatch, paths):
    def exit_json(self, **kwargs):
        kwargs['warnings'] = list(getattr(self, '_warnings', []))
        raise Exited(kwargs)

    def fail_json(self, **kwargs):
        raise Failed(kwargs)

    monkeypatch.setattr(basic.AnsibleModule, 'exit_json', exit_json)
    monkeypatch.setattr(basic.AnsibleModule, 'fail_json', fail_json)
    monkeypatch.setattr(basic.AnsibleModule, 'warn', lambda self, msg: self.__dict__.setdefault('_warnings', []).append(msg))

    def runner(host, check_mode=False, diff=True, **args):
        # The unit names the env files where this test keeps them.
        for key, real in (('sysconfig_path', '/etc/sysconfig/docker'), ('default_env_path', '/etc/default/docker')):
            for key_name in ('EnvironmentFile=', 'EnvironmentFiles='):
                host.show = host.show.replace(key_name + real + ' (', key_name + paths[key] + ' (')
        params = dict(paths, restart_timeout=1)
        params.update(args)
        params['_ansible_check_mode'] = check_mode
        params['_ansible_diff'] = diff
        monkeypatch.setattr(basic, '_ANSIBLE_ARGS', to_bytes(json.dumps({'ANSIBLE_MODULE_ARGS': params})))
        monkeypatch.setattr(basic.AnsibleModule, 'run_command', lambda self, cmd, **kw: host.run_command(cmd))
        monkeypatch.setattr(docker_ping, 'ping', host.ping)
        monkeypatch.setattr(module, 'read_lost_by_restart', host.read_lost)
        with pytest.raises((Exited, Failed)) as info:
            module.main()
        return info.type is Failed, info.value.args[0]
    return runner


def write(path, data, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'wb') as handle:
        handle.write(to_bytes(data))
    os.chmod(path, mode)


def read(path):
    with open(path, 'rb') as handle:
        return handle.read()


def listing(directory):
    return sorted(os.listdir(directory))


# --------------------------------------------------------------------------- sysconfig (CentOS 7)

def test_sysconfig_present_then_idempotent(run, paths):
    write(paths['sysconfig_path'], CENTOS7, 0o600)
    host = FakeHost(CENTOS7_SHOW)
    failed, result = run(host, allow_insecure_tcp=True)
    assert not failed, result
    assert result['changed'] and result['method'] == 'sysconfig' and result['restarted']
    assert result['files'] == [paths['sysconfig_path']]
    assert result['endpoints_checked'] == GUIDE
    text = read(paths['sysconfig_path']).decode()
    assert ("OPTIONS='--selinux-enabled --log-driver=journald --signature-verification=false "
            "-H unix:///var/run/docker.sock -H tcp://0.0.0.0:2375 --tls=false'") in text
    assert 'if [ -z "${DOCKER_CERT_PATH}" ]; then' in text
    assert stat.S_IMODE(os.stat(paths['sysconfig_path']).st_mode) == 0o600
    assert len(result['backups']) == 1 and read(result['backups'][0]) == to_bytes(CENTOS7)
    # The diff shows the line it edits, not the file (issue 20, item 4).
    assert result['diff'][0]['before'] == [line for line in CENTOS7.splitlines(True) if line.startswith('OPTIONS=')][0]
    assert result['diff'][0]['after'] == [line for line in text.splitlines(True) if line.startswith('OPTIONS=')][0]
    assert host.restarts() == ['systemctl restart docker']
    assert 'systemctl daemon-reload' not in host.calls

    host = FakeHost(CENTOS7_SHOW)
    failed, again = run(host, allow_insecure_tcp=True)
    assert not failed and not again['changed'] and not again['restarted']
    assert again['files'] == [] and host.restarts() == []


LOST = [('web', 'left stopped (restart policy no)'), ('job', 'removed (--rm)')]


@pytest.mark.parametrize('check_mode, words', [(False, 'Restarting docker stops these running containers, which '
                                                       'do not start again'),
                                               (True, 'Restarting docker would stop these running containers')])
def test_a_restart_names_the_running_containers_it_stops_for_good_before_it_restarts(run, paths, check_mode, words):
    write(paths['sysconfig_path'], CENTOS7)
    host = FakeHost(CENTOS7_SHOW, lost=LOST)
    failed, result = run(host, check_mode=check_mode, allow_insecure_tcp=True)
    assert not failed, result
    assert result['containers_lost'] == ['web: left stopped (restart policy no)', 'job: removed (--rm)']
    warned = [w for w in result['warnings'] if 'running containers' in w]
    assert len(warned) == 1 and words in warned[0]
    assert 'web, left stopped (restart policy no); job, removed (--rm)' in warned[0]
    # Asked of the engine before it restarted, on the socket it listens on.
    assert host.lost_asked == [('/var/run/docker.sock', True)]
    assert host.restarts() == ([] if check_mode else ['systemctl restart docker'])


def test_no_restart_asks_nothing_of_the_containers(run, paths):
    write(paths['sysconfig_path'], CENTOS7)
    run(FakeHost(CENTOS7_SHOW), allow_insecure_tcp=True)
    host = FakeHost(CENTOS7_SHOW, lost=LOST)
    failed, result = run(host, allow_insecure_tcp=True)
    assert not failed and not result['changed']
    assert host.lost_asked == [] and result['containers_lost'] == []
    assert not [w for w in result['warnings'] if 'running containers' in w]


def test_unchanged_but_not_answering_warns(run, paths):
    write(paths['sysconfig_path'], CENTOS7)
    run(FakeHost(CENTOS7_SHOW), allow_insecure_tcp=True, restart=False)
    host = FakeHost(CENTOS7_SHOW, answers=lambda addr: not addr.startswith('tcp://'))
    failed, result = run(host, allow_insecure_tcp=True)
    assert not failed and not result['changed'] and host.restarts() == []
    assert any('does not answer on tcp://0.0.0.0:2375' in w for w in result['warnings'])


def test_check_mode_writes_nothing(run, paths):
    write(paths['sysconfig_path'], CENTOS7)
    before = listing(os.path.dirname(paths['sysconfig_path']))
    host = FakeHost(CENTOS7_SHOW)
    failed, result = run(host, check_mode=True, allow_insecure_tcp=True)
    assert not failed and result['changed'] and result['restart_planned']
    assert read(paths['sysconfig_path']) == to_bytes(CENTOS7)
    assert listing(os.path.dirname(paths['sysconfig_path'])) == before
    assert result['backups'] == [] and not result['restarted'] and host.restarts() == []
    assert '-H tcp://0.0.0.0:2375' in result['diff'][0]['after']
    assert not os.path.exists(paths['record_path']) and not os.path.exists(paths['dropin_path'])


def test_failed_restart_restores_byte_for_byte_and_reports_journal(run, paths):
    original = CENTOS7.replace('\n', '\r\n', 1) + '# caf\xe9\n'
    write(paths['sysconfig_path'], original, 0o640)
    original_bytes = read(paths['sysconfig_path'])
    journal = '\n'.join([
        'May 01 10:00:00 n1 systemd[1]: Starting Docker Application Container Engine...',
        'May 01 10:00:01 n1 dockerd-current[9]: time="x" ' + FATAL,
        'May 01 10:00:01 n1 systemd[1]: Failed to start Docker Application Container Engine.',
    ])
    # dockerd only starts with the old file (port 2375 taken, say).
    host = FakeHost(CENTOS7_SHOW, journal=journal,
                    starts=lambda: b'tcp://' not in read(paths['sysconfig_path']))
    failed, result = run(host, allow_insecure_tcp=True)
    assert failed
    assert FATAL in result['msg'] and 'systemctl restart docker failed' in result['msg']
    assert 'restored' in result['msg'] and result['journal'][0].endswith(FATAL)
    assert read(paths['sysconfig_path']) == original_bytes
    assert stat.S_IMODE(os.stat(paths['sysconfig_path']).st_mode) == 0o640
    assert result['rollback']['restored'] == [paths['sysconfig_path']]
    assert result['rollback']['restarted'] and result['rollback']['socket'].endswith('OK')
    assert host.restarts() == ['systemctl restart docker'] * 2
    assert host.up


class RateLimitedHost(FakeHost):
    """systemd's start limit as docker.service sets it: 3 starts, then refusals until reset-failed."""

    def __init__(self, show, starts_used):
        FakeHost.__init__(self, show)
        self.starts_used = starts_used

    def run_command(self, args):
        if args[:2] == ['systemctl', 'reset-failed']:
            self.starts_used = 0
        elif args[:2] == ['systemctl', 'restart']:
            self.starts_used += 1
            if self.starts_used > 3:
                self.calls.append(' '.join(args))
                return 1, '', ('Job for docker.service failed because start of the service was attempted too '
                               'often.')
        return FakeHost.run_command(self, args)


def test_a_restart_right_after_others_is_not_refused_by_the_start_limit(run, paths):
    """Three restarts in the last minute (earlier runs): the change still restarts dockerd."""
    write(paths['sysconfig_path'], CENTOS7)
    host = RateLimitedHost(CENTOS7_SHOW, starts_used=3)
    failed, result = run(host, allow_insecure_tcp=True)
    assert not failed, result.get('msg')
    assert result['restarted'] and result['endpoints_checked'] == GUIDE
    assert host.calls.index('systemctl reset-failed docker') < host.calls.index('systemctl restart docker')


def test_no_answer_on_tcp_rolls_back(run, paths):
    write(paths['sysconfig_path'], CENTOS7)
    host = FakeHost(CENTOS7_SHOW, answers=lambda addr: not addr.startswith('tcp://'),
                    journal='dockerd: level=warning msg="Binding to IP address without --tlsverify is insecure"')
    failed, result = run(host, allow_insecure_tcp=True)
    assert failed and '/_ping' in result['msg'] and 'tcp://0.0.0.0:2375' in result['msg']
    assert read(paths['sysconfig_path']) == to_bytes(CENTOS7)
    assert result['endpoints_checked'] == ['unix:///var/run/docker.sock']


def test_restart_false_writes_only(run, paths):
    write(paths['sysconfig_path'], CENTOS7)
    host = FakeHost(CENTOS7_SHOW)
    failed, result = run(host, allow_insecure_tcp=True, restart=False)
    assert not failed and result['changed'] and not result['restarted'] and not result['restart_planned']
    assert host.restarts() == [] and host.pings == []
    assert any('restart: false' in w for w in result['warnings'])


def test_absent_restores_the_package_defaults(run, paths):
    write(paths['sysconfig_path'], CENTOS7)
    run(FakeHost(CENTOS7_SHOW), allow_insecure_tcp=True)
    host = FakeHost(CENTOS7_SHOW)
    failed, result = run(host, state='absent')
    assert not failed and result['changed']
    assert read(paths['sysconfig_path']) == to_bytes(CENTOS7)
    assert result['endpoints_checked'] == ['unix:///var/run/docker.sock']


def test_tls_flags_and_tls_ping(run, paths, tmp_path):
    tls = {}
    for name in ('tls_ca_cert', 'tls_cert', 'tls_key'):
        tls[name] = str(tmp_path / (name + '.pem'))
        write(tls[name], 'pem')
    write(paths['sysconfig_path'], CENTOS7)
    host = FakeHost(CENTOS7_SHOW)
    failed, result = run(host, listen=['unix:///var/run/docker.sock', 'tcp://0.0.0.0:2376'], tls=True, **tls)
    assert not failed, result
    text = read(paths['sysconfig_path']).decode()
    assert ('-H tcp://0.0.0.0:2376 --tlsverify --tlscacert=%s --tlscert=%s --tlskey=%s'
            % (tls['tls_ca_cert'], tls['tls_cert'], tls['tls_key'])) in text
    assert '--tls=false' not in text
    tcp_ping = next(t for a, t in host.pings if a.startswith('tcp://'))
    assert tcp_ping == {'ca_cert': tls['tls_ca_cert'], 'cert': tls['tls_cert'], 'key': tls['tls_key']}


@pytest.mark.parametrize('check_mode, pending, fails', [
    (True, True, False),    # --check: docker_pki's install was skipped, the plan goes on
    (True, False, True),    # the planning pass of a real run: a missing file is an error
    (False, True, True),    # outside check mode the option changes nothing
])
def test_tls_files_pending_only_in_check_mode(run, paths, tmp_path, check_mode, pending, fails):
    tls = dict((name, str(tmp_path / 'certs' / (name + '.pem'))) for name in ('tls_ca_cert', 'tls_cert', 'tls_key'))
    write(paths['sysconfig_path'], CENTOS7)
    failed, result = run(FakeHost(CENTOS7_SHOW), check_mode=check_mode, tls=True, tls_files_pending=pending, **tls)
    assert failed == fails, result
    if fails:
        assert 'does not exist or is not readable' in result['msg']
    else:
        assert result['changed'] and len(result['warnings']) == 3
        assert read(paths['sysconfig_path']) == to_bytes(CENTOS7)  # check mode: nothing written


def handed(tmp_path, key='-----BEGIN EC PRIVATE KEY-----\nsecret-key-material\n'):
    certs = tmp_path / 'certs'
    tls = dict((name, str(certs / file)) for name, file in (
        ('tls_ca_cert', 'ca.pem'), ('tls_cert', 'server-cert.pem'), ('tls_key', 'server-key.pem')))
    files = [{'name': 'ca.pem', 'content': 'ca\n'}, {'name': 'server-cert.pem', 'content': 'cert\n'},
             {'name': 'server-key.pem', 'content': key, 'mode': '0600'}]
    return str(certs), dict(tls, tls=True, tls_files=files)


def test_handed_tls_files_go_in_with_the_listener_in_one_run_and_one_restart(run, paths, tmp_path):
    certs, args = handed(tmp_path)
    write(paths['sysconfig_path'], CENTOS7)
    host = FakeHost(CENTOS7_SHOW)
    failed, result = run(host, **args)
    assert not failed, result
    assert result['tls_files_changed'] == ['ca.pem', 'server-cert.pem', 'server-key.pem']
    assert stat.S_IMODE(os.stat(certs).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(args['tls_key']).st_mode) == 0o600
    assert read(args['tls_key']).startswith(b'-----BEGIN EC PRIVATE KEY')
    assert '--tlscert=%s' % args['tls_cert'] in read(paths['sysconfig_path']).decode()
    assert len(host.restarts()) == 1
    shown = json.dumps(dict((k, v) for k, v in result.items() if k != '_no_log_values'))
    assert 'secret-key-material' not in shown and 'TLS files written' in shown
    failed, result = run(FakeHost(CENTOS7_SHOW), **args)
    assert not failed and not result['changed'] and result['tls_files_changed'] == []


def test_handed_tls_files_under_a_directory_named_with_a_trailing_slash(run, paths, tmp_path):
    """docker_pki_node_dir: /etc/docker/certs/ makes the role's paths .../certs//ca.pem: the same files."""
    certs, args = handed(tmp_path)
    args.update(tls_files_dir=certs + '/', **dict((key, certs + '//' + os.path.basename(args[key]))
                                                   for key in ('tls_ca_cert', 'tls_cert', 'tls_key')))
    write(paths['sysconfig_path'], CENTOS7)
    failed, result = run(FakeHost(CENTOS7_SHOW), check_mode=True, **args)
    assert not failed and result['tls_changed'] == [args['tls_ca_cert'], args['tls_cert'], args['tls_key']], result
    failed, result = run(FakeHost(CENTOS7_SHOW), **args)
    assert not failed and result['tls_files_changed'] == ['ca.pem', 'server-cert.pem', 'server-key.pem'], result
    assert read(args['tls_key']).startswith(b'-----BEGIN EC PRIVATE KEY')


def test_handed_tls_files_in_check_mode_are_predicted_and_not_written(run, paths, tmp_path):
    certs, args = handed(tmp_path)
    write(paths['sysconfig_path'], CENTOS7)
    failed, result = run(FakeHost(CENTOS7_SHOW), check_mode=True, **args)
    assert not failed, result
    assert result['changed'] and result['restart_planned'] and len(result['tls_files_changed']) == 3
    assert not os.path.exists(certs) and read(paths['sysconfig_path']) == to_bytes(CENTOS7)


def test_a_failed_restart_puts_back_the_handed_tls_files_it_replaced(run, paths, tmp_path):
    """dockerd restarted with its old configuration must find its old certificates: a handed-over file
    that replaced one gets its old bytes, mode and owner back, a link its link, one that was new is removed."""
    certs, args = handed(tmp_path)
    os.makedirs(certs, 0o700)
    write(args['tls_cert'], 'old cert\n', 0o640)
    os.chown(args['tls_cert'], 1234, 1235)
    write(str(tmp_path / 'key-elsewhere.pem'), 'old key\n', 0o600)
    os.symlink(str(tmp_path / 'key-elsewhere.pem'), args['tls_key'])
    write(paths['sysconfig_path'], CENTOS7)
    host = FakeHost(CENTOS7_SHOW, starts=lambda: b'tcp://' not in read(paths['sysconfig_path']))
    failed, result = run(host, **args)
    assert failed and 'restored' in result['msg']
    assert read(args['tls_cert']) == b'old cert\n' and stat.S_IMODE(os.stat(args['tls_cert']).st_mode) == 0o640
    assert (os.stat(args['tls_cert']).st_uid, os.stat(args['tls_cert']).st_gid) == (1234, 1235)
    assert os.readlink(args['tls_key']) == str(tmp_path / 'key-elsewhere.pem') and read(args['tls_key']) == b'old key\n'
    assert not os.path.exists(args['tls_ca_cert'])
    assert sorted(result['rollback']['restored']) == sorted([paths['sysconfig_path'], args['tls_cert'], args['tls_key']])
    assert args['tls_ca_cert'] in result['rollback']['removed'] and result['rollback']['errors'] == []
    assert sorted(os.listdir(certs)) == ['server-cert.pem', 'server-key.pem'] and result['tls_files_changed'] == []
    assert 'old key' not in json.dumps(dict((k, v) for k, v in result.items() if k != '_no_log_values'))


def test_handed_tls_files_take_away_a_client_key_no_longer_handed_and_a_rollback_puts_it_back(run, paths, tmp_path):
    """A host no longer a manager: the managers' client certificate and key go with the listener's change,
    and come back with a failed restart's rollback."""
    certs, args = handed(tmp_path)
    os.makedirs(certs, 0o700)
    write(os.path.join(certs, 'client-key.pem'), 'client key\n', 0o600)
    write(os.path.join(certs, 'client-cert.pem'), 'client cert\n', 0o644)
    write(paths['sysconfig_path'], CENTOS7)
    host = FakeHost(CENTOS7_SHOW, starts=lambda: b'tcp://' not in read(paths['sysconfig_path']))
    failed, result = run(host, **args)
    assert failed and 'restored' in result['msg']
    assert read(os.path.join(certs, 'client-key.pem')) == b'client key\n'
    assert stat.S_IMODE(os.stat(os.path.join(certs, 'client-key.pem')).st_mode) == 0o600
    assert sorted(os.listdir(certs)) == ['client-cert.pem', 'client-key.pem']
    failed, result = run(FakeHost(CENTOS7_SHOW), **args)
    assert not failed, result
    assert result['tls_files_changed'] == ['ca.pem', 'server-cert.pem', 'server-key.pem', 'client-cert.pem',
                                           'client-key.pem']
    assert sorted(os.listdir(certs)) == ['ca.pem', 'server-cert.pem', 'server-key.pem']


def test_a_failed_restart_removes_the_certificate_directory_it_made(run, paths, tmp_path):
    certs, args = handed(tmp_path)
    write(paths['sysconfig_path'], CENTOS7)
    host = FakeHost(CENTOS7_SHOW, starts=lambda: b'tcp://' not in read(paths['sysconfig_path']))
    failed, result = run(host, **args)
    assert failed and 'restored' in result['msg'] and not os.path.exists(certs)


def test_a_failed_backup_puts_back_the_handed_tls_files(run, paths, tmp_path, monkeypatch):
    certs, args = handed(tmp_path)
    write(paths['sysconfig_path'], CENTOS7)

    def no_backup(self, path):
        raise OSError(28, 'No space left on device')
    monkeypatch.setattr(basic.AnsibleModule, 'backup_local', no_backup)
    host = FakeHost(CENTOS7_SHOW)
    failed, result = run(host, **args)
    assert failed and 'backing up the files failed' in result['msg'] and 'restored' in result['msg']
    assert not os.path.exists(certs) and read(paths['sysconfig_path']) == to_bytes(CENTOS7)
    assert host.restarts() == []


def test_a_handed_file_that_cannot_be_read_fails_before_anything_is_written(run, paths, tmp_path):
    certs, args = handed(tmp_path)
    os.makedirs(args['tls_cert'])  # a directory where the certificate goes: it cannot be read
    write(paths['sysconfig_path'], CENTOS7)
    failed, result = run(FakeHost(CENTOS7_SHOW), **args)
    assert failed and 'cannot be read before it is replaced' in result['msg']
    assert sorted(os.listdir(certs)) == ['server-cert.pem'] and read(paths['sysconfig_path']) == to_bytes(CENTOS7)


def test_a_changed_handed_file_alone_is_a_change(run, paths, tmp_path):
    _certs, args = handed(tmp_path)
    write(paths['sysconfig_path'], CENTOS7)
    run(FakeHost(CENTOS7_SHOW), **args)
    args['tls_files'].append({'name': 'client-cert.pem', 'content': 'client\n'})
    failed, result = run(FakeHost(CENTOS7_SHOW), **args)
    assert not failed and result['changed'] and result['tls_files_changed'] == ['client-cert.pem']
    assert result['files'] == []


def test_a_loosened_certificate_directory_is_tightened_and_reported(run, paths, tmp_path):
    certs, args = handed(tmp_path)
    write(paths['sysconfig_path'], CENTOS7)
    run(FakeHost(CENTOS7_SHOW), **args)
    os.chmod(certs, 0o755)
    failed, result = run(FakeHost(CENTOS7_SHOW), **args)
    assert not failed and result['changed'] and result['tls_files_changed'] == []
    assert stat.S_IMODE(os.stat(certs).st_mode) == 0o700


@pytest.mark.parametrize('files, words', [
    ([{'name': '../ca.pem', 'content': 'x'}], 'not a plain file name'),
    ([{'name': 'ca.pem', 'content': 'x', 'mode': 'rw'}], 'not an octal permission mode'),
])
def test_bad_handed_tls_files_fail_before_anything_is_written(run, paths, tmp_path, files, words):
    certs, args = handed(tmp_path)
    args['tls_files'] = files
    write(paths['sysconfig_path'], CENTOS7)
    failed, result = run(FakeHost(CENTOS7_SHOW), **args)
    assert failed and words in result['msg']
    assert not os.path.exists(certs) and read(paths['sysconfig_path']) == to_bytes(CENTOS7)


def test_handed_tls_files_with_state_absent_are_refused(run, paths, tmp_path):
    certs, args = handed(tmp_path)
    write(paths['sysconfig_path'], CENTOS7)
    failed, result = run(FakeHost(CENTOS7_SHOW), state='absent', **args)
    assert failed and 'only with state=present' in result['msg']
    assert not os.path.exists(certs) and read(paths['sysconfig_path']) == to_bytes(CENTOS7)


def test_bad_listen_input_fails_before_the_handed_tls_files_are_written(run, paths, tmp_path):
    certs, args = handed(tmp_path)
    write(paths['sysconfig_path'], CENTOS7)
    failed, result = run(FakeHost(CENTOS7_SHOW), listen=['tcp://0.0.0.0:99999'], **args)
    assert failed and not os.path.exists(certs)


# --------------------------------------------------------------------------- default_env (Debian docker.io)

def test_default_env_leaves_the_socket_to_the_unit(run, paths):
    write(paths['default_env_path'], DEBIAN_DEFAULT)
    host = FakeHost(DEBIAN_SHOW)
    failed, result = run(host, allow_insecure_tcp=True)
    assert not failed, result
    assert result['method'] == 'default_env'
    assert result['provided_by_unit'] == ['unix:///var/run/docker.sock']
    text = read(paths['default_env_path']).decode()
    assert text == DEBIAN_DEFAULT + "DOCKER_OPTS='-H tcp://0.0.0.0:2375 --tls=false'\n"
    assert result['endpoints_checked'] == GUIDE


@pytest.mark.parametrize('hosts', ['["unix:///var/run/docker.sock"]', '[]'])  # dockerd: the key, whatever its value
def test_env_method_refuses_hosts_in_daemon_json(run, paths, hosts):
    write(paths['default_env_path'], DEBIAN_DEFAULT)
    write(paths['daemon_json_path'], '{"hosts": %s}' % hosts)
    host = FakeHost(DEBIAN_SHOW)
    failed, result = run(host, allow_insecure_tcp=True)
    assert failed and '"hosts"' in result['msg']
    assert read(paths['default_env_path']) == to_bytes(DEBIAN_DEFAULT) and host.restarts() == []


@pytest.mark.parametrize('daemon_json, tls, words', [
    ('{"debug": true,}', False, 'is not valid JSON'),
    ('{"tlsverify": true}', True, 'sets tlsverify, which dockerd refuses next to the TLS flags'),
])
def test_env_method_refuses_a_daemon_json_dockerd_would_not_start_with(run, paths, tmp_path, daemon_json, tls,
                                                                       words):
    """dockerd runs on the daemon.json it read at its start: the restart would meet the file as it is now."""
    write(paths['default_env_path'], DEBIAN_DEFAULT)
    write(paths['daemon_json_path'], daemon_json)
    host = FakeHost(DEBIAN_SHOW)
    failed, result = run(host, **(dict(tls=True, **tls_files(tmp_path)) if tls else dict(allow_insecure_tcp=True)))
    assert failed and words in result['msg'], result.get('msg')
    assert read(paths['default_env_path']) == to_bytes(DEBIAN_DEFAULT) and host.restarts() == []


# --------------------------------------------------------------------------- daemon_json (docker-ce)

def docker_ce_starts(paths):
    """dockerd refuses "hosts" in daemon.json while the unit still passes -H fd://."""
    def starts():
        hosts = os.path.exists(paths['daemon_json_path']) and 'hosts' in json.loads(read(paths['daemon_json_path']))
        return not hosts or os.path.exists(paths['dropin_path'])
    return starts


def test_daemon_json_with_dropin_then_absent(run, paths):
    write(paths['daemon_json_path'], '{\n    "log-driver": "journald"\n}\n')
    host = FakeHost(DOCKER_CE_SHOW, starts=docker_ce_starts(paths))
    failed, result = run(host, allow_insecure_tcp=True, method='daemon_json')
    assert not failed, result
    assert result['method'] == 'daemon_json'
    assert result['files'] == [paths['daemon_json_path'], paths['dropin_path']]
    assert len(result['backups']) == 1  # the drop-in did not exist
    data = json.loads(read(paths['daemon_json_path']))
    assert list(data) == ['log-driver', 'hosts', 'tls'] and data['hosts'] == GUIDE and data['tls'] is False
    dropin = read(paths['dropin_path']).decode()
    assert dropin.endswith('ExecStart=\nExecStart=/usr/bin/dockerd --containerd=/run/containerd/containerd.sock\n')
    assert host.calls.index('systemctl daemon-reload') < host.calls.index('systemctl restart docker')

    # systemd now shows our drop-in's command: nothing to do.
    applied = DOCKER_CE_SHOW.replace('/usr/bin/dockerd -H fd:// ', '/usr/bin/dockerd ')
    failed, again = run(FakeHost(applied, starts=docker_ce_starts(paths)), allow_insecure_tcp=True,
                        method='daemon_json')
    assert not failed and not again['changed']

    host = FakeHost(applied, starts=docker_ce_starts(paths))
    failed, result = run(host, state='absent', method='daemon_json')
    assert not failed, result
    # Nothing else changed in it: the file as it was, byte for byte, and the record gone.
    assert read(paths['daemon_json_path']) == b'{\n    "log-driver": "journald"\n}\n'
    assert not os.path.exists(paths['record_path'])
    assert not os.path.exists(paths['dropin_path'])
    assert 'systemctl daemon-reload' in host.calls and result['endpoints_checked'] == [GUIDE[0]]
    # Back to -H fd://: docker.socket makes the socket file again that dockerd deleted when it stopped.
    assert host.calls.index('systemctl stop docker') < host.calls.index('systemctl restart docker.socket') \
        < host.calls.index('systemctl restart docker')


def refuses_a_setting_given_both_ways(paths):
    """dockerd does not start where daemon.json and its command line (drop-in, or $DOCKER_OPTS) set the same."""
    def starts():
        data = json.loads(read(paths['daemon_json_path'])) if os.path.exists(paths['daemon_json_path']) else {}
        dropin = read(paths['dropin_path']).decode() if os.path.exists(paths['dropin_path']) else 'ExecStart=x -H fd://'
        command = ' '.join(line for line in dropin.splitlines() if line.startswith('ExecStart='))
        command += ' ' + (read(paths['default_env_path']).decode() if os.path.exists(paths['default_env_path']) else '')
        return not ('hosts' in data and ' -H' in command) and not ('tlsverify' in data and '--tls' in command)
    return starts


def test_from_the_systemd_dropin_method_to_daemon_json_the_tls_flags_leave_the_command(run, paths, tmp_path):
    """The drop-in of the systemd_dropin method (-H and TLS flags) is what systemd shows as the command: the
    daemon_json method's drop-in, made from it, kept the TLS flags beside daemon.json's TLS keys."""
    certs = collections_certificates(tmp_path)
    assert not run(FakeHost(DOCKER_CE_SHOW), listen=ROLE_LISTEN, tls=True, **certs)[0]
    command = [line for line in read(paths['dropin_path']).decode().splitlines()
               if line.startswith('ExecStart=/')][0][len('ExecStart='):]
    assert '--tlsverify' in command
    applied = DOCKER_CE_SHOW.replace('/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock',
                                     command)
    host = FakeHost(applied, starts=refuses_a_setting_given_both_ways(paths))
    failed, result = run(host, listen=ROLE_LISTEN, tls=True, method='daemon_json', **certs)
    assert not failed and result['changed'], result
    assert json.loads(read(paths['daemon_json_path']))['tlsverify'] is True
    command = [line for line in read(paths['dropin_path']).decode().splitlines() if line.startswith('ExecStart=/')]
    assert command == ['ExecStart=/usr/bin/dockerd --containerd=/run/containerd/containerd.sock'], command
    assert host.restarts().count('systemctl restart docker') == 1 and 'rollback' not in result


def test_daemon_json_refuses_the_listeners_docker_opts_passes_before_writing(run, paths):
    write(paths['default_env_path'], "DOCKER_OPTS='-H tcp://0.0.0.0:2375 --tls=false'\n")
    host = FakeHost(DEBIAN_SHOW.replace('${DOCKER_OPTS}', '$DOCKER_OPTS'), starts=refuses_a_setting_given_both_ways(paths))
    failed, result = run(host, allow_insecure_tcp=True, method='daemon_json')
    assert failed and result['msg'].startswith(
        'DOCKER_OPTS in %s sets -H, --tls=false, which dockerd refuses next to the same settings in %s'
        % (paths['default_env_path'], paths['daemon_json_path'])), result['msg']
    assert host.restarts() == [] and not os.path.exists(paths['daemon_json_path'])
    assert not os.path.exists(paths['dropin_path'])


def test_daemon_json_failure_removes_files_it_created(run, paths):
    etc = os.path.dirname(os.path.dirname(paths['daemon_json_path']))
    before = sorted(os.walk(etc))
    host = FakeHost(DOCKER_CE_SHOW, starts=lambda: not os.path.exists(paths['daemon_json_path']),
                    journal='dockerd[1]: unable to configure the Docker daemon with file daemon.json')
    failed, result = run(host, listen=['unix:///var/run/docker.sock', 'tcp://127.0.0.1:2375'], method='daemon_json')
    assert failed and 'unable to configure the Docker daemon' in result['msg']
    assert sorted(os.walk(etc)) == before
    assert sorted(result['rollback']['removed']) == sorted([paths['daemon_json_path'], paths['dropin_path'],
                                                            paths['record_path']])
    assert host.calls.count('systemctl daemon-reload') == 2


# --------------------------------------------------------------------------- bad input: nothing touched

@pytest.mark.parametrize('args, words', [
    ({'listen': ['tcp://0.0.0.0:99999'], 'allow_insecure_tcp': True}, 'port 99999 is outside 1-65535'),
    ({'listen': ['tcp//0.0.0.0:2375'], 'allow_insecure_tcp': True}, 'tcp//0.0.0.0:2375'),
    ({}, 'allow_insecure_tcp: true'),
    ({'tls': True, 'tls_ca_cert': '/nonexistent/ca.pem', 'tls_cert': '/nonexistent/c.pem',
      'tls_key': '/nonexistent/k.pem'}, '/nonexistent/ca.pem'),
    ({'restart_timeout': 0, 'allow_insecure_tcp': True}, 'restart_timeout'),
    # A zone ID outside interface-name characters would reach OPTIONS as extra dockerd flags.
    ({'listen': ['tcp://[fe80::1%x --group=users --add-runtime=r=evilbin]:2376'], 'allow_insecure_tcp': True},
     'zone ID'),
    ({'listen': ['tcp://[::1%lo]:2375']}, 'zone ID'),
])
def test_bad_input_fails_before_touching_anything(run, paths, args, words):
    write(paths['sysconfig_path'], CENTOS7)
    host = FakeHost(CENTOS7_SHOW)
    failed, result = run(host, **args)
    assert failed and words in result['msg']
    assert host.calls == []
    assert read(paths['sysconfig_path']) == to_bytes(CENTOS7)


def test_insecure_message_tells_both_ways_out(run, paths):
    failed, result = run(FakeHost(CENTOS7_SHOW))
    assert failed and 'tls: true' in result['msg'] and 'tls_ca_cert' in result['msg']
    assert 'allow_insecure_tcp: true' in result['msg']


def test_unknown_method_rejected(run):
    failed, result = run(FakeHost(CENTOS7_SHOW), method='upstart')
    assert failed and 'upstart' in result['msg']


def test_unparseable_env_file_fails_naming_the_line(run, paths):
    text = '# x\nOPTIONS="$(cat /etc/docker-opts)"\n'
    write(paths['sysconfig_path'], text)
    host = FakeHost(CENTOS7_SHOW)
    failed, result = run(host, allow_insecure_tcp=True)
    assert failed and 'line 2' in result['msg'] and paths['sysconfig_path'] in result['msg']
    assert read(paths['sysconfig_path']) == to_bytes(text) and host.restarts() == []
    assert len(os.listdir(os.path.dirname(paths['sysconfig_path']))) == 1


def test_invalid_daemon_json_fails(run, paths):
    write(paths['daemon_json_path'], '{"debug": true,}')
    host = FakeHost(DOCKER_CE_SHOW)
    failed, result = run(host, allow_insecure_tcp=True, method='daemon_json')
    assert failed and 'not valid JSON' in result['msg'] and paths['daemon_json_path'] in result['msg']
    assert not os.path.exists(paths['dropin_path']) and host.restarts() == []


def test_service_not_found(run):
    failed, result = run(FakeHost('LoadState=not-found\nExecStart=\n'), allow_insecure_tcp=True)
    assert failed and 'not found' in result['msg']


def tls_files(tmp_path):
    tls = {}
    for name in ('tls_ca_cert', 'tls_cert', 'tls_key'):
        tls[name] = str(tmp_path / (name + '.pem'))
        write(tls[name], 'pem')
    return tls


@pytest.mark.parametrize('started, check_mode, restarts', [
    (-60, False, 1),   # certificate replaced after dockerd started: restart to load it
    (-60, True, 0),    # the plan says so, without restarting
    (+60, False, 0),   # dockerd started after the files were written: nothing to do
    (None, False, 0),  # dockerd not running: its next start reads them
])
def test_restart_when_tls_files_changed_after_start(run, paths, tmp_path, monkeypatch, started, check_mode, restarts):
    tls = tls_files(tmp_path)
    write(paths['sysconfig_path'], CENTOS7)
    listen = ['unix:///var/run/docker.sock', 'tcp://0.0.0.0:2376']
    failed, _result = run(FakeHost(CENTOS7_SHOW), listen=listen, tls=True, **tls)
    assert not failed
    now = time.time()
    monkeypatch.setattr(listen_plan, 'main_pid', lambda out: 123)
    monkeypatch.setattr(listen_plan, 'process_start_time', lambda pid: None if started is None else now + started)
    host = FakeHost(CENTOS7_SHOW)
    failed, result = run(host, check_mode=check_mode, listen=listen, tls=True, **tls)
    assert not failed, result
    assert result['files'] == []
    assert result['changed'] == (started == -60) == result['restart_planned']
    assert result['tls_changed'] == ([tls['tls_ca_cert'], tls['tls_cert'], tls['tls_key']] if started == -60 else [])
    assert len(host.restarts()) == restarts and result['restarted'] == bool(restarts)
    # Switched off: never restarted for the files alone.
    host = FakeHost(CENTOS7_SHOW)
    failed, result = run(host, listen=listen, tls=True, restart_on_tls_change=False, **tls)
    assert not failed and not result['changed'] and host.restarts() == []


def test_tls_reload_that_fails_says_so(run, paths, tmp_path, monkeypatch):
    tls = tls_files(tmp_path)
    write(paths['sysconfig_path'], CENTOS7)
    listen = ['unix:///var/run/docker.sock', 'tcp://0.0.0.0:2376']
    assert not run(FakeHost(CENTOS7_SHOW), listen=listen, tls=True, **tls)[0]
    monkeypatch.setattr(listen_plan, 'main_pid', lambda out: 123)
    monkeypatch.setattr(listen_plan, 'process_start_time', lambda pid: time.time() - 60)
    host = FakeHost(CENTOS7_SHOW, answers=lambda addr: not addr.startswith('tcp://'))
    failed, result = run(host, listen=listen, tls=True, **tls)
    assert failed and 'restarted to load the changed %s' % tls['tls_ca_cert'] in result['msg']
    assert 'restored' not in result['msg'] and len(host.restarts()) == 2


def test_plain_tcp_opt_in_warns_at_every_run(run, paths):
    write(paths['sysconfig_path'], CENTOS7)
    for _ in range(2):
        failed, result = run(FakeHost(CENTOS7_SHOW), allow_insecure_tcp=True)
        assert not failed
        assert any(w.startswith('tcp://0.0.0.0:2375: plain, unauthenticated TCP') for w in result['warnings'])
    failed, result = run(FakeHost(CENTOS7_SHOW), listen=['unix:///var/run/docker.sock', 'tcp://127.0.0.1:2375'])
    assert not failed and not any('unauthenticated' in w for w in result['warnings'])


# --------------------------------------------------------------------------- no file contents out (issue 20, item 4)

SECRET = 'user:s3cret'
PROXY_LINES = 'http_proxy=http://%s@proxy.example:3128\nHTTPS_PROXY="http://%s@proxy.example:3128"\n' % (SECRET, SECRET)


@pytest.mark.parametrize('check_mode', [False, True])
def test_no_diff_without_diff_mode(run, paths, check_mode):
    write(paths['sysconfig_path'], CENTOS7 + PROXY_LINES)
    failed, result = run(FakeHost(CENTOS7_SHOW), check_mode=check_mode, diff=False, allow_insecure_tcp=True)
    assert not failed and result['changed']
    assert 'diff' not in result and SECRET not in repr(result)


def test_env_file_diff_holds_only_the_edited_line(run, paths):
    write(paths['sysconfig_path'], CENTOS7 + PROXY_LINES)
    failed, result = run(FakeHost(CENTOS7_SHOW), allow_insecure_tcp=True)
    assert not failed
    assert result['diff'] == [{
        'before_header': paths['sysconfig_path'], 'after_header': paths['sysconfig_path'],
        'before': "OPTIONS='--selinux-enabled --log-driver=journald --signature-verification=false'\n",
        'after': ("OPTIONS='--selinux-enabled --log-driver=journald --signature-verification=false "
                  "-H unix:///var/run/docker.sock -H tcp://0.0.0.0:2375 --tls=false'\n")}]
    assert SECRET not in repr(result)


def test_daemon_json_diff_holds_only_the_keys_it_edits(run, paths):
    write(paths['daemon_json_path'], json.dumps({'proxies': {'http-proxy': 'http://%s@p:3128' % SECRET},
                                                 'log-driver': 'journald'}, indent=4))
    host = FakeHost(DOCKER_CE_SHOW, starts=docker_ce_starts(paths))
    failed, result = run(host, allow_insecure_tcp=True, method='daemon_json')
    assert not failed, result
    assert SECRET not in repr(result)
    json_diff = result['diff'][0]
    assert json_diff['before_header'] == paths['daemon_json_path'] and json_diff['before'] == ''
    assert json.loads(json_diff['after']) == {'hosts': GUIDE, 'tls': False}
    assert 'ExecStart=/usr/bin/dockerd' in result['diff'][1]['after']  # the drop-in is ours, all of it


def test_a_failed_restart_carries_no_file_contents(run, paths):
    write(paths['sysconfig_path'], CENTOS7 + PROXY_LINES)
    host = FakeHost(CENTOS7_SHOW, starts=lambda: b'tcp://' not in read(paths['sysconfig_path']))
    failed, result = run(host, allow_insecure_tcp=True)
    assert failed and 'restored' in result['msg']
    assert SECRET not in repr(result) and 'DOCKER_CERT_PATH' not in repr(result)


@pytest.mark.parametrize('line', [
    'OPTIONS="$(cat /etc/opts) --registry-mirror=http://%s@m"\n' % SECRET,
    "OPTIONS='--registry-mirror=http://%s@m\n" % SECRET,
    "OPTIONS='--label \"http://%s@m'\n" % SECRET,
])
def test_an_unparseable_line_is_named_not_copied(run, paths, line):
    write(paths['sysconfig_path'], '# x\n' + line)
    failed, result = run(FakeHost(CENTOS7_SHOW), allow_insecure_tcp=True)
    assert failed and 'line 2' in result['msg'] and paths['sysconfig_path'] in result['msg']
    assert SECRET not in repr(result)


# --------------------------------------------------------------------------- writes that fail, symlinks (item 12)

def fail_rename_to(monkeypatch, target):
    real = os.rename

    def rename(src, dst):
        if os.path.basename(os.fsdecode(dst)) == os.path.basename(target):  # atomic_move passes bytes
            raise OSError(errno.EIO, 'Input/output error')
        return real(src, dst)
    monkeypatch.setattr(os, 'rename', rename)
    monkeypatch.setattr(os, 'replace', rename)


@pytest.mark.parametrize('existing', [True, False])
def test_a_failed_write_rolls_back_what_was_written(run, paths, monkeypatch, existing):
    # daemon.json with "hosts" but no drop-in: dockerd would not start again.
    original = '{"log-driver": "journald"}\n'
    if existing:
        write(paths['daemon_json_path'], original)
    fail_rename_to(monkeypatch, paths['dropin_path'])
    host = FakeHost(DOCKER_CE_SHOW, starts=docker_ce_starts(paths))
    failed, result = run(host, allow_insecure_tcp=True)
    assert failed and 'writing %s failed' % paths['dropin_path'] in result['msg'], result.get('msg')
    assert 'restored' in result['msg']
    if existing:
        assert read(paths['daemon_json_path']) == to_bytes(original)
    else:
        assert not os.path.exists(paths['daemon_json_path'])
    assert not os.path.exists(paths['dropin_path']) and host.restarts() == []
    leftovers = [n for d in (paths['daemon_json_path'], paths['dropin_path']) if os.path.isdir(os.path.dirname(d))
                 for n in os.listdir(os.path.dirname(d)) if n.startswith('.')]
    assert leftovers == []


def test_a_symlinked_daemon_json_is_written_through(run, paths, tmp_path):
    real = str(tmp_path / 'shared' / 'daemon.json')
    write(real, '{"log-driver": "journald"}\n', 0o640)
    os.makedirs(os.path.dirname(paths['daemon_json_path']))
    os.symlink(os.path.relpath(real, os.path.dirname(paths['daemon_json_path'])), paths['daemon_json_path'])
    host = FakeHost(DOCKER_CE_SHOW, starts=docker_ce_starts(paths))
    failed, result = run(host, allow_insecure_tcp=True, method='daemon_json')
    assert not failed, result
    assert os.path.islink(paths['daemon_json_path'])
    assert json.loads(read(real))['hosts'] == GUIDE
    assert stat.S_IMODE(os.stat(real).st_mode) == 0o640

    # A refused restart restores the target, and the symlink stays.
    write(real, '{"log-driver": "journald"}\n', 0o640)
    os.remove(paths['dropin_path'])
    host = FakeHost(DOCKER_CE_SHOW, starts=lambda: b'hosts' not in read(real))
    failed, result = run(host, allow_insecure_tcp=True, method='daemon_json')
    assert failed and 'restored' in result['msg']
    assert os.path.islink(paths['daemon_json_path']) and read(real) == b'{"log-driver": "journald"}\n'


def test_a_selinux_labelling_failure_rolls_back_too(run, paths, monkeypatch):
    # Ansible's SELinux helpers call fail_json themselves: that must not skip the rollback either.
    original = '{"log-driver": "journald"}\n'
    write(paths['daemon_json_path'], original)

    def set_context(self, path, context, changed, diff=None):
        if 'listen.conf' in os.fsdecode(path):
            self.fail_json(msg='invalid selinux context: %s' % os.fsdecode(path))
        return changed
    monkeypatch.setattr(basic.AnsibleModule, 'selinux_enabled', lambda self: True)
    monkeypatch.setattr(basic.AnsibleModule, 'selinux_context', lambda self, path: ['system_u', 'object_r', 'etc_t', 's0'])
    monkeypatch.setattr(basic.AnsibleModule, 'selinux_default_context', lambda self, path, mode=0: ['system_u', 'object_r', 'etc_t', 's0'])
    monkeypatch.setattr(basic.AnsibleModule, 'set_context_if_different', set_context)
    host = FakeHost(DOCKER_CE_SHOW, starts=docker_ce_starts(paths))
    failed, result = run(host, allow_insecure_tcp=True)
    assert failed and 'invalid selinux context' in result['msg'] and 'restored' in result['msg'], result.get('msg')
    assert read(paths['daemon_json_path']) == to_bytes(original)
    assert not os.path.exists(paths['dropin_path']) and host.restarts() == []


# --------------------------------------------------------------------------- the record (issue 23)

def test_a_port_change_removes_the_port_added_before_and_keeps_the_users(run, paths):
    text = "# mine\nOPTIONS='--selinux-enabled -H tcp://127.0.0.1:4243'\nOTHER=1\n"
    write(paths['sysconfig_path'], text)
    failed, result = run(FakeHost(CENTOS7_SHOW), allow_insecure_tcp=True,
                         listen=[GUIDE[0], 'tcp://0.0.0.0:2375', 'tcp://127.0.0.1:4243'])
    assert not failed, result
    assert result['record_changed'] and paths['record_path'] not in result['files']
    record = json.loads(read(paths['record_path']))
    # The user's own -H is not recorded as added, though listen names it.
    assert record['added'] == {paths['sysconfig_path']: [GUIDE[0], 'tcp://0.0.0.0:2375']}
    assert stat.S_IMODE(os.stat(paths['record_path']).st_mode) == 0o600
    failed, result = run(FakeHost(CENTOS7_SHOW), allow_insecure_tcp=True, listen=[GUIDE[0], 'tcp://0.0.0.0:12375'])
    assert not failed, result
    options = read(paths['sysconfig_path']).decode().splitlines()[1]
    assert ':2375' not in options and 'tcp://0.0.0.0:12375' in options
    assert options.startswith("OPTIONS='--selinux-enabled -H tcp://127.0.0.1:4243 ")
    failed, result = run(FakeHost(CENTOS7_SHOW), allow_insecure_tcp=True, listen=[GUIDE[0], 'tcp://0.0.0.0:12375'])
    assert not failed and not result['changed']
    # absent with the current listen: the file as it was before the first write, byte for byte.
    failed, result = run(FakeHost(CENTOS7_SHOW), state='absent', listen=[GUIDE[0], 'tcp://0.0.0.0:12375'])
    assert not failed, result
    assert read(paths['sysconfig_path']) == to_bytes(text) and not os.path.exists(paths['record_path'])
    failed, result = run(FakeHost(CENTOS7_SHOW), state='absent', listen=[GUIDE[0], 'tcp://0.0.0.0:12375'])
    assert not failed and not result['changed']


def test_absent_keeps_what_the_user_changed_since(run, paths):
    write(paths['sysconfig_path'], CENTOS7)
    assert not run(FakeHost(CENTOS7_SHOW), allow_insecure_tcp=True)[0]
    with open(paths['sysconfig_path'], 'a') as handle:
        handle.write('ADDED_LATER=1\n')
    failed, result = run(FakeHost(CENTOS7_SHOW), state='absent')
    assert not failed, result
    after = read(paths['sysconfig_path']).decode()
    assert 'ADDED_LATER=1' in after and 'tcp://' not in after


def fragment_show(unit_path, dropins=()):
    return (DOCKER_CE_SHOW.replace('DropInPaths=/etc/systemd/system/docker.service.d/http-proxy.conf',
                                   'DropInPaths=%s' % ' '.join(dropins))
            + 'FragmentPath=%s\n' % unit_path)


def test_systemd_dropin_adds_flags_leaves_daemon_json_and_follows_the_unit(run, paths, tmp_path):
    unit = str(tmp_path / 'docker.service')
    write(unit, '[Unit]\nDescription=Docker\n[Service]\nType=notify\n'
                'ExecStart=/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock\n')
    theirs = '{"log-level": "warn"}'
    write(paths['daemon_json_path'], theirs)
    listen = [GUIDE[0], 'tcp://0.0.0.0:2375']
    failed, result = run(FakeHost(fragment_show(unit)), allow_insecure_tcp=True, listen=listen)
    assert not failed, result
    assert result['method'] == 'systemd_dropin' and result['files'] == [paths['dropin_path']]
    assert result['provided_by_unit'] == [GUIDE[0]]
    dropin = read(paths['dropin_path']).decode()
    assert '# Derived from: /usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock\n' in dropin
    assert dropin.endswith('ExecStart=\nExecStart=/usr/bin/dockerd -H fd:// '
                           '--containerd=/run/containerd/containerd.sock -H tcp://0.0.0.0:2375 --tls=false\n')
    assert read(paths['daemon_json_path']) == to_bytes(theirs)
    # In effect, systemd lists the drop-in: the plan still reads the unit's own file. Nothing changes.
    applied = fragment_show(unit, [paths['dropin_path']])
    failed, again = run(FakeHost(applied), allow_insecure_tcp=True, listen=listen)
    assert not failed and not again['changed'], again
    # A package upgrade changes the unit's command: the drop-in is derived again.
    write(unit, '[Service]\nExecStart=/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock \\\n'
                '   --log-opt max-size=10m\n')
    host = FakeHost(applied)
    failed, result = run(host, allow_insecure_tcp=True, listen=listen)
    assert not failed and result['changed'] and result['restarted']
    dropin = read(paths['dropin_path']).decode()
    assert dropin.endswith('--log-opt max-size=10m -H tcp://0.0.0.0:2375 --tls=false\n'), dropin
    assert host.calls.index('systemctl daemon-reload') < host.calls.index('systemctl restart docker')
    # TLS keys in daemon.json next to TLS flags: refused before anything changes.
    write(paths['daemon_json_path'], '{"tlsverify": true}')
    failed, result = run(FakeHost(applied), allow_insecure_tcp=True, listen=[GUIDE[0], 'tcp://0.0.0.0:2380'])
    assert failed and 'tlsverify' in result['msg'] and read(paths['dropin_path']).decode() == dropin
    failed, result = run(FakeHost(applied), state='absent', listen=listen)
    assert not failed and not os.path.exists(paths['dropin_path'])


def test_systemd_dropin_refuses_a_later_dropin_that_sets_execstart(run, paths, tmp_path):
    """`systemctl edit docker` writes override.conf, read after 10-dockercluster-listen.conf: its ExecStart
    would replace ours. Refused before anything is written; one read earlier does not matter."""
    unit = str(tmp_path / 'docker.service')
    write(unit, '[Service]\nExecStart=/usr/bin/dockerd -H fd://\n')
    earlier, later = str(tmp_path / '05-env.conf'), str(tmp_path / 'override.conf')
    write(earlier, '[Service]\nExecStart=\nExecStart=/usr/bin/dockerd -H fd:// --log-level warn\n')
    write(later, '[Service]\nExecStart=\nExecStart=/usr/bin/dockerd -H fd:// --debug\n')
    host = FakeHost(fragment_show(unit, [earlier, later]))
    failed, result = run(host, allow_insecure_tcp=True, listen=[GUIDE[0], 'tcp://0.0.0.0:2375'])
    assert failed and later in result['msg'] and 'read after' in result['msg'] and earlier not in result['msg']
    assert not os.path.exists(paths['dropin_path']) and host.restarts() == []
    write(later, '[Service]\nEnvironment=HTTP_PROXY=http://proxy:3128\n')
    failed, result = run(FakeHost(fragment_show(unit, [earlier, later])), allow_insecure_tcp=True,
                         listen=[GUIDE[0], 'tcp://0.0.0.0:2375'])
    assert not failed and result['changed'], result


def test_absent_gives_back_a_file_that_had_no_assignment(run, paths):
    text = '# Here in Debian...\n#DOCKER_OPTS="--dns 8.8.8.8"\n'
    write(paths['default_env_path'], text)
    assert not run(FakeHost(DEBIAN_SHOW), allow_insecure_tcp=True)[0]
    assert b"DOCKER_OPTS='-H tcp://0.0.0.0:2375 --tls=false'" in read(paths['default_env_path'])
    failed, result = run(FakeHost(DEBIAN_SHOW), state='absent')
    assert not failed, result
    assert read(paths['default_env_path']) == to_bytes(text)


# The host's own TLS listener on 2376, before the collection came (the guide's kind of setup, with TLS).
USERS_OPTIONS = ("OPTIONS='--selinux-enabled -H unix:///var/run/docker.sock -H tcp://0.0.0.0:2376 --tlsverify "
                 "--tlscacert=/etc/mine/ca.pem --tlscert=/etc/mine/cert.pem --tlskey=/etc/mine/key.pem'\n")
ROLE_LISTEN = ['unix:///var/run/docker.sock', 'tcp://0.0.0.0:2375', 'tcp://0.0.0.0:2376']


def collections_certificates(tmp_path):
    """The server's TLS options as docker_pki names them, each file written."""
    certs = {}
    for key, name in (('tls_ca_cert', 'ca.pem'), ('tls_cert', 'server-cert.pem'), ('tls_key', 'server-key.pem')):
        certs[key] = str(tmp_path / 'certs' / name)
        write(certs[key], 'pem\n')
    return certs


def test_reset_removes_only_what_the_record_says_and_a_second_reset_changes_nothing(run, paths, tmp_path):
    """The host's own -H and TLS flags stay: the first reset gives the file back, the second (no record
    left) changes nothing and restarts nothing, nor does a reset of a host the module never set up."""
    certs = collections_certificates(tmp_path)
    write(paths['sysconfig_path'], USERS_OPTIONS)
    failed, result = run(FakeHost(CENTOS7_SHOW), listen=ROLE_LISTEN, tls=True, **certs)
    assert not failed and result['changed'], result
    failed, result = run(FakeHost(CENTOS7_SHOW), state='absent', listen=ROLE_LISTEN, tls=True, **certs)
    assert not failed and result['changed'], result
    assert read(paths['sysconfig_path']) == to_bytes(USERS_OPTIONS)
    host = FakeHost(CENTOS7_SHOW)
    failed, result = run(host, state='absent', listen=ROLE_LISTEN, tls=True, **certs)
    assert not failed and not result['changed'] and host.restarts() == [], result
    assert read(paths['sysconfig_path']) == to_bytes(USERS_OPTIONS)


def test_reset_gives_back_the_hosts_own_tls_listener_on_another_address(run, paths, tmp_path):
    """The host's own TLS listener on another address, its flags replaced by the collection's: the reset
    gives the file back byte for byte (the comparison strips every TLS flag on both sides)."""
    certs = collections_certificates(tmp_path)
    theirs = ("OPTIONS='--selinux-enabled -H unix:///var/run/docker.sock -H tcp://10.0.0.5:2400 --tlsverify "
              "--tlscacert=/etc/mine/ca.pem --tlscert=/etc/mine/cert.pem --tlskey=/etc/mine/key.pem'\n")
    write(paths['sysconfig_path'], theirs)
    assert not run(FakeHost(CENTOS7_SHOW), listen=ROLE_LISTEN, tls=True, **certs)[0]
    assert str(tmp_path / 'certs') in read(paths['sysconfig_path']).decode()
    failed, result = run(FakeHost(CENTOS7_SHOW), state='absent', listen=ROLE_LISTEN, tls=True, **certs)
    assert not failed and result['changed'], result
    assert read(paths['sysconfig_path']) == to_bytes(theirs)


def test_reset_of_an_edited_file_puts_back_the_hosts_own_tls_flags(run, paths, tmp_path):
    """The same host, its file edited since (a line added): not given back whole, but its own TLS flags replace
    the collection's, whose files the reset deletes next (dockerd would not start again with them named)."""
    certs = collections_certificates(tmp_path)
    theirs = ("OPTIONS='--selinux-enabled -H unix:///var/run/docker.sock -H tcp://10.0.0.5:2400 --tlsverify "
              "--tlscacert=/etc/mine/ca.pem --tlscert=/etc/mine/cert.pem --tlskey=/etc/mine/key.pem'\n")
    write(paths['sysconfig_path'], theirs)
    assert not run(FakeHost(CENTOS7_SHOW), listen=ROLE_LISTEN, tls=True, **certs)[0]
    write(paths['sysconfig_path'], read(paths['sysconfig_path']).decode() + 'DOCKER_CERT_PATH=/etc/docker\n')
    failed, result = run(FakeHost(CENTOS7_SHOW), state='absent', listen=ROLE_LISTEN, tls=True, **certs)
    assert not failed and result['changed'], result
    after = read(paths['sysconfig_path']).decode()
    assert str(tmp_path / 'certs') not in after and 'DOCKER_CERT_PATH=/etc/docker' in after, after
    for flag in ('--tlsverify', '--tlscacert=/etc/mine/ca.pem', '--tlscert=/etc/mine/cert.pem',
                 '--tlskey=/etc/mine/key.pem', '-H tcp://10.0.0.5:2400'):
        assert flag in after, (flag, after)
    assert 'tcp://0.0.0.0:2375' not in after


def test_reset_of_an_edited_daemon_json_puts_back_the_hosts_own_tls_settings(run, paths, tmp_path):
    certs = collections_certificates(tmp_path)
    write(paths['daemon_json_path'], '{"hosts": ["tcp://10.0.0.5:2400"], "tlsverify": true, '
                                     '"tlscacert": "/etc/mine/ca.pem", "tlscert": "/etc/mine/cert.pem", '
                                     '"tlskey": "/etc/mine/key.pem"}\n')
    assert not run(FakeHost(DOCKER_CE_SHOW, starts=docker_ce_starts(paths)), listen=ROLE_LISTEN, tls=True,
                   method='daemon_json', **certs)[0]
    data = json.loads(read(paths['daemon_json_path']))
    write(paths['daemon_json_path'], json.dumps(dict(data, debug=True)))
    applied = DOCKER_CE_SHOW.replace('/usr/bin/dockerd -H fd:// ', '/usr/bin/dockerd ')
    failed, result = run(FakeHost(applied, starts=docker_ce_starts(paths)), state='absent', listen=ROLE_LISTEN,
                         tls=True, method='daemon_json', **certs)
    assert not failed and result['changed'], result
    after = json.loads(read(paths['daemon_json_path']))
    assert after == {'hosts': ['tcp://10.0.0.5:2400'], 'tlsverify': True, 'tlscacert': '/etc/mine/ca.pem',
                     'tlscert': '/etc/mine/cert.pem', 'tlskey': '/etc/mine/key.pem', 'debug': True}, after


def test_reset_gives_back_the_hosts_own_tls_settings_in_daemon_json(run, paths, tmp_path):
    certs = collections_certificates(tmp_path)
    theirs = ('{"hosts": ["tcp://10.0.0.5:2400"], "tlsverify": true, "tlscacert": "/etc/mine/ca.pem", '
              '"tlscert": "/etc/mine/cert.pem", "tlskey": "/etc/mine/key.pem"}\n')
    write(paths['daemon_json_path'], theirs)
    host = FakeHost(DOCKER_CE_SHOW, starts=docker_ce_starts(paths))
    assert not run(host, listen=ROLE_LISTEN, tls=True, method='daemon_json', **certs)[0]
    assert json.loads(read(paths['daemon_json_path']))['tlscacert'] == certs['tls_ca_cert']
    applied = DOCKER_CE_SHOW.replace('/usr/bin/dockerd -H fd:// ', '/usr/bin/dockerd ')
    failed, result = run(FakeHost(applied, starts=docker_ce_starts(paths)), state='absent', listen=ROLE_LISTEN,
                         tls=True, method='daemon_json', **certs)
    assert not failed and result['changed'], result
    assert read(paths['daemon_json_path']) == to_bytes(theirs)


def test_reset_without_a_record_keeps_the_hosts_own_tls_flags_whose_listener_is_elsewhere(run, paths, tmp_path):
    """No record, and the TLS flags name the host's own files (its tcp:// -H set in another variable):
    nothing in the file is the collection's, so nothing changes and docker is not restarted."""
    certs = collections_certificates(tmp_path)
    theirs = "OPTIONS='--selinux-enabled --tlsverify --tlscacert=/etc/mine/ca.pem --tlscert=/etc/mine/cert.pem'\n"
    write(paths['sysconfig_path'], theirs)
    host = FakeHost(CENTOS7_SHOW)
    failed, result = run(host, state='absent', listen=ROLE_LISTEN, tls=True, **certs)
    assert not failed and not result['changed'] and host.restarts() == [], result
    assert read(paths['sysconfig_path']) == to_bytes(theirs)


@pytest.mark.parametrize('method', ['sysconfig', 'daemon_json'])
def test_the_hosts_own_tls_files_where_the_collection_puts_its_own_are_refused_untouched(run, paths, tmp_path, method):
    """The host's dockerd already serves TLS with files of the names the collection installs (Docker's own guide
    names them so): replaced, then deleted by the reset that gives back the host's flags, dockerd would not start."""
    certs = collections_certificates(tmp_path)
    if method == 'sysconfig':
        theirs = ("OPTIONS='-H tcp://10.0.0.5:2376 --tlsverify --tlscacert=%s --tlscert=%s --tlskey=%s'\n"
                  % (certs['tls_ca_cert'], certs['tls_cert'], certs['tls_key']))
        show, target = FakeHost(CENTOS7_SHOW), paths['sysconfig_path']
    else:
        theirs = json.dumps({'hosts': ['tcp://10.0.0.5:2376'], 'tlsverify': True, 'tlscacert': certs['tls_ca_cert'],
                             'tlscert': certs['tls_cert'], 'tlskey': certs['tls_key']}) + '\n'
        show, target = FakeHost(DOCKER_CE_SHOW, starts=docker_ce_starts(paths)), paths['daemon_json_path']
    write(target, theirs)
    failed, result = run(show, listen=ROLE_LISTEN, tls=True, method=method, **certs)
    assert failed and 'with no record of this module setting it up' in result['msg'], result
    assert certs['tls_cert'] in result['msg'] and 'docker_pki_node_dir' in result['msg']
    assert read(target) == to_bytes(theirs) and show.restarts() == [] and not os.path.exists(paths['record_path'])


def test_reset_with_the_record_gone_still_removes_what_names_the_collections_certificates(run, paths, tmp_path):
    """A host set up by this module whose record was wiped: its file still names the collection's TLS files,
    which the reset's next step deletes. The -H listen names go with those flags, so dockerd never starts
    with certificates that are gone."""
    certs = collections_certificates(tmp_path)
    write(paths['sysconfig_path'], CENTOS7)
    failed, result = run(FakeHost(CENTOS7_SHOW), listen=ROLE_LISTEN, tls=True, **certs)
    assert not failed and result['changed'], result
    os.remove(paths['record_path'])
    host = FakeHost(CENTOS7_SHOW)
    failed, result = run(host, state='absent', listen=ROLE_LISTEN, tls=True, **certs)
    assert not failed and result['changed'] and len(host.restarts()) == 1, result
    after = read(paths['sysconfig_path']).decode()
    assert 'tcp://' not in after and '--tls' not in after and str(tmp_path / 'certs') not in after, after
    failed, result = run(FakeHost(CENTOS7_SHOW), state='absent', listen=ROLE_LISTEN, tls=True, **certs)
    assert not failed and not result['changed'], result


def test_reset_with_the_record_gone_and_a_listener_of_the_hosts_own_is_refused_untouched(run, paths, tmp_path):
    """As above, but a tcp -H of the host's own was added beside ours since: it would keep the TLS flags, whose
    files the reset deletes next (dockerd would not start again). Refused, the file as it is."""
    certs = collections_certificates(tmp_path)
    write(paths['sysconfig_path'], CENTOS7)
    failed, result = run(FakeHost(CENTOS7_SHOW), listen=ROLE_LISTEN, tls=True, **certs)
    assert not failed and result['changed'], result
    os.remove(paths['record_path'])
    mine = read(paths['sysconfig_path']).decode().replace("OPTIONS='", "OPTIONS='-H tcp://10.0.0.5:2400 ", 1)
    write(paths['sysconfig_path'], mine)
    host = FakeHost(CENTOS7_SHOW)
    failed, result = run(host, state='absent', listen=ROLE_LISTEN, tls=True, **certs)
    assert failed and 'keeps a listener of its own (tcp://10.0.0.5:2400)' in result['msg'], result
    assert 'Nothing was changed' in result['msg'] and host.restarts() == []
    assert read(paths['sysconfig_path']) == to_bytes(mine)


def test_the_files_are_named_after_the_service_where_not_given():
    """CentOS 7's docker-latest reads /etc/sysconfig/docker-latest; a drop-in for docker.service would not apply."""
    params = listen_plan.fill_service_paths(dict(service='docker-latest', sysconfig_path=None, default_env_path=None,
                                                 dropin_path='/run/mine.conf'))
    assert params == dict(service='docker-latest', sysconfig_path='/etc/sysconfig/docker-latest',
                          default_env_path='/etc/default/docker-latest', dropin_path='/run/mine.conf')
    assert listen_plan.fill_service_paths(dict(service='docker.service'))['dropin_path'] == \
        '/etc/systemd/system/docker.service.d/10-dockercluster-listen.conf'
    with pytest.raises(ValueError, match='not a systemd service name'):
        listen_plan.fill_service_paths(dict(service='../docker'))


def test_daemon_json_leaves_a_docker_opts_it_cannot_read_to_the_host(run, paths):
    """The daemon_json method writes nothing in /etc/default/docker: a value the env methods refuse to edit
    (command substitution) is no reason to refuse it."""
    write(paths['default_env_path'], 'DOCKER_OPTS="--dns 8.8.8.8 --label host=`hostname`"\n')
    write(paths['daemon_json_path'], '{\n    "log-driver": "journald"\n}\n')
    host = FakeHost(DEBIAN_SHOW.replace('${DOCKER_OPTS}', '$DOCKER_OPTS'), starts=refuses_a_setting_given_both_ways(paths))
    failed, result = run(host, allow_insecure_tcp=True, method='daemon_json')
    assert not failed and result['changed'], result
