"""docker_host_info's listen_plan: docker_listen_config's plan in the probe's trip, paths only."""

import json

import pytest
from ansible.module_utils import basic
from ansible_collections.dockercluster.swarm.plugins.module_utils import listen_plan
from ansible_collections.dockercluster.swarm.plugins.modules import docker_host_info, docker_listen_config
from test_docker_listen_config_module import FakeHost, read, write
from test_listen_config import CENTOS7, CENTOS7_SHOW

TLS_NAMES = ('tls_ca_cert', 'tls_cert', 'tls_key')


@pytest.fixture
def probe(module_run, monkeypatch, paths):
    """docker_host_info with listen_plan against the temp files and a fake systemd."""
    def _probe(host, **options):
        host.show = host.show.replace('EnvironmentFile=/etc/sysconfig/docker (',
                                      'EnvironmentFile=%s (' % paths['sysconfig_path'])
        monkeypatch.setattr(basic.AnsibleModule, 'run_command', lambda self, cmd, **kw: host.run_command(cmd))
        return module_run(docker_host_info.main, {'gather_subset': [], 'listen_plan': dict(paths, **options)})
    return _probe


def test_plan_names_the_file_that_would_change_and_never_its_content(probe, paths):
    write(paths['sysconfig_path'], CENTOS7)
    host = FakeHost(CENTOS7_SHOW)
    result, failed = probe(host, allow_insecure_tcp=True)
    assert not failed, result
    plan = result['listen_plan']
    assert plan['changed'] is True and plan['files'] == [paths['sysconfig_path']]
    assert plan['method'] == 'sysconfig' and plan['deferred'] is None
    assert read(paths['sysconfig_path']) == CENTOS7.encode()
    assert host.restarts() == []
    # Neither the file as it is nor as it would be leaves the host.
    assert 'selinux-enabled' not in json.dumps(dict(result, _no_log_values=None))


def test_plan_agrees_with_the_module_after_it_applied(probe, module_run, monkeypatch, paths):
    write(paths['sysconfig_path'], CENTOS7)
    monkeypatch.setattr(listen_plan.ListenPlanner, 'tls_changed', lambda self: [])
    monkeypatch.setattr(docker_listen_config.DockerListenConfig, 'wait', lambda self, endpoints: (endpoints, {}))
    probe(FakeHost(CENTOS7_SHOW), allow_insecure_tcp=True)  # points the fake unit at the temp file
    applied, failed = module_run(docker_listen_config.main, dict(paths, allow_insecure_tcp=True))
    assert not failed and applied['changed'] and applied['restarted'], applied
    result, failed = probe(FakeHost(CENTOS7_SHOW), allow_insecure_tcp=True)
    assert not failed and result['listen_plan']['changed'] is False and result['listen_plan']['files'] == []


def test_missing_tls_files_leave_the_plan_undecided(probe, paths, tmp_path):
    write(paths['sysconfig_path'], CENTOS7)
    tls = dict((name, str(tmp_path / 'certs' / (name + '.pem'))) for name in TLS_NAMES)
    result, failed = probe(FakeHost(CENTOS7_SHOW), tls=True, **tls)
    assert not failed, result
    assert result['listen_plan']['changed'] is None
    assert tls['tls_ca_cert'] in result['listen_plan']['deferred']


def test_tls_files_replaced_after_dockerd_started_are_a_change(probe, paths, tmp_path, monkeypatch):
    write(paths['sysconfig_path'], CENTOS7)
    tls = dict((name, str(tmp_path / 'certs' / (name + '.pem'))) for name in TLS_NAMES)
    for path in tls.values():
        write(path, 'pem')
    applied_host = FakeHost(CENTOS7_SHOW)
    monkeypatch.setattr(listen_plan, 'main_pid', lambda out: 123)
    monkeypatch.setattr(listen_plan, 'process_start_time', lambda pid: 0.0)  # started long before the files
    result, failed = probe(applied_host, tls=True, **tls)
    assert not failed, result
    assert result['listen_plan']['changed'] is True
    assert sorted(result['listen_plan']['tls_changed']) == sorted(tls.values())


@pytest.mark.parametrize('options, words', [
    ({'listen': ['unix:///var/run/docker.sock', 'tcp://300.1.2.3:2375'], 'allow_insecure_tcp': True},
     '300.1.2.3'),
    ({'listen': ['tcp://0.0.0.0:2375']}, 'allow_insecure_tcp'),
    ({'method': 'bogus'}, 'listen_plan: value of method must be one of'),
    ({'tls': True}, 'listen_plan:'),
])
def test_bad_options_fail_and_touch_nothing(probe, paths, options, words):
    write(paths['sysconfig_path'], CENTOS7)
    host = FakeHost(CENTOS7_SHOW)
    result, failed = probe(host, **options)
    assert failed and words in result['msg'], result
    assert read(paths['sysconfig_path']) == CENTOS7.encode() and host.restarts() == []
