"""The classic manager container publishes 2376 and holds a certificate every engine accepts: its port
without client authentication (plain TCP, or --tls without --tlsverify) needs the plain opt-in
(swarm_insecure_tcp, the module's cluster_insecure), and is refused before the engine is contacted."""

import atexit
import json
import os
import shutil
import tempfile

import pytest
from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes
from ansible_collections.dockercluster.swarm.plugins.modules import swarm_manager
from ansible_collections.dockercluster.swarm.plugins.plugin_utils.inventory_checks import inventory_problems

# The files the container mounts must be there (the engine would make directories in their place).
CERTS = tempfile.mkdtemp(prefix='dcswarm-classic-tls-')
atexit.register(shutil.rmtree, CERTS, True)
for _name in ('ca.pem', 'server-cert.pem', 'server-key.pem'):
    with open(os.path.join(CERTS, _name), 'w') as _handle:
        _handle.write('PEM\n')
TLS = dict(cluster_tls_ca_cert=os.path.join(CERTS, 'ca.pem'), cluster_tls_cert=os.path.join(CERTS, 'server-cert.pem'),
           cluster_tls_key=os.path.join(CERTS, 'server-key.pem'))
BASE = dict(backend='classic', discovery='nodes://10.0.0.1:2375,10.0.0.2:2375')


class Done(Exception):
    pass


class FakeContainers(object):
    """cc.ClassicContainers' methods: no container yet, the image present."""

    def __init__(self):
        self.created = []

    def version(self):
        return {'Version': '20.10.24', 'MinAPIVersion': '1.12'}

    def inspect(self, name):
        return None

    def image_id(self, image):
        return 'sha256:aaa'

    def create(self, wanted):
        self.created.append(wanted)
        return 'c1'


@pytest.fixture
def run(monkeypatch):
    """run(args, engine) -> (result, failed, warnings); engine None: contacting it fails the test."""
    def finish(failed):
        def _finish(self, msg=None, **kwargs):
            if msg is not None:
                kwargs['msg'] = msg
            kwargs['_warnings'] = list(self.__dict__.get('_test_warnings', []))
            raise Done(kwargs, failed)
        return _finish
    monkeypatch.setattr(basic.AnsibleModule, 'exit_json', finish(False))
    monkeypatch.setattr(basic.AnsibleModule, 'fail_json', finish(True))
    monkeypatch.setattr(basic.AnsibleModule, 'warn',
                        lambda self, msg: self.__dict__.setdefault('_test_warnings', []).append(msg))

    def _run(args, engine):
        def client(module):
            if engine is None:
                raise AssertionError('the engine was contacted')
            return engine
        monkeypatch.setattr(swarm_manager, 'get_api_client', client)
        monkeypatch.setattr(swarm_manager.cc, 'ClassicContainers', lambda c: c)
        monkeypatch.setattr(basic, '_ANSIBLE_ARGS', to_bytes(json.dumps({'ANSIBLE_MODULE_ARGS': dict(args)})))
        with pytest.raises(Done) as exc:
            swarm_manager.main()
        result, failed = exc.value.args
        return result, failed, result.pop('_warnings')
    return _run


@pytest.mark.parametrize('extra,flag', [
    ({}, None),                                    # no TLS files: plain TCP on 2376
    (dict(TLS, cluster_tls_verify=False), '--tls'),  # encrypted, but anyone may connect
])
def test_an_unauthenticated_cluster_port_is_refused_without_the_opt_in(run, extra, flag):
    result, failed, _warnings = run(dict(BASE, **extra), None)
    assert failed, result
    assert 'cluster_insecure' in result['msg'] and 'swarm_insecure_tcp' in result['msg']
    assert 'without client authentication' in result['msg']


@pytest.mark.parametrize('extra,flag', [
    ({}, None),
    (dict(TLS, cluster_tls_verify=False), '--tls'),
])
def test_the_opt_in_allows_it_and_warns(run, extra, flag):
    engine = FakeContainers()
    result, failed, warnings = run(dict(BASE, cluster_insecure=True, **extra), engine)
    assert not failed and result['changed'], result
    command = engine.created[0]['command']
    assert '--tlsverify' not in command and (flag is None or flag in command)
    assert any('without client authentication' in w and '2376' in w for w in warnings), warnings


def test_mutual_tls_needs_no_opt_in_and_does_not_warn(run):
    engine = FakeContainers()
    result, failed, warnings = run(dict(BASE, **TLS), engine)
    assert not failed and '--tlsverify' in engine.created[0]['command']
    assert not any('without client authentication' in w for w in warnings)


def test_removing_the_manager_container_needs_no_opt_in(run):
    class Gone(FakeContainers):
        def remove(self, name):
            pass
    result, failed, _warnings = run(dict(BASE, state='absent'), Gone())
    assert not failed and result['changed'] is False


def test_cluster_insecure_is_classic_only(run):
    result, failed, _warnings = run({'cluster_insecure': True}, None)
    assert failed and 'cluster_insecure only applies with backend=classic' in result['msg']


# ------------------------------------------------------- the inventory check (swarm_preflight)

CLASSIC = {'swarm_backend': 'classic'}


@pytest.mark.parametrize('manager_vars', [
    {'swarm_manager_classic_tls_verify': False},
    {'swarm_manager_classic_tls_verify': 'false'},
    {'swarm_manager_classic_tls_ca_cert': '', 'swarm_manager_classic_tls_cert': '',
     'swarm_manager_classic_tls_key': ''},
])
def test_the_inventory_check_refuses_an_unauthenticated_classic_manager(manager_vars):
    settings = dict(CLASSIC, **manager_vars)
    problems = inventory_problems(['m1'], ['a1'], settings, manager_settings={'m1': settings})
    assert len(problems) == 1 and 'm1' in problems[0] and 'swarm_insecure_tcp' in problems[0], problems


def test_the_inventory_check_reads_each_manager():
    first = dict(CLASSIC)
    problems = inventory_problems(['m1', 'm2', 'm3'], [], first, manager_settings={
        'm1': first, 'm2': dict(CLASSIC, swarm_manager_classic_tls_verify=False), 'm3': first})
    assert len(problems) == 1 and 'm2' in problems[0] and 'm1' not in problems[0], problems


@pytest.mark.parametrize('manager_vars', [
    {},                                                           # the defaults: --tlsverify
    {'swarm_manager_classic_tls_verify': False, 'swarm_insecure_tcp': True},
    {'swarm_manager_classic_tls_verify': False, 'swarm_insecure_tcp': 'true'},  # INI [all:vars]
    {'swarm_insecure_tcp': True},                                 # the opt-in: plain TCP
])
def test_the_inventory_check_accepts_mutual_tls_or_the_opt_in(manager_vars):
    settings = dict(CLASSIC, **manager_vars)
    assert inventory_problems(['m1'], [], settings, manager_settings={'m1': settings}) == []


def test_swarmkit_ignores_the_classic_settings():
    settings = {'swarm_manager_classic_tls_verify': False}
    assert inventory_problems(['m1'], [], settings, manager_settings={'m1': settings}) == []


@pytest.mark.parametrize('missing, option', [
    (dict(cluster_tls_key='/nowhere/server-key.pem'), 'cluster_tls_key: /nowhere/server-key.pem is not a file'),
    (dict(discovery='file:///nowhere/nodes'), 'discovery (its node list): /nowhere/nodes is not a file'),
])
def test_a_file_the_container_would_mount_that_is_not_there_is_refused_before_any_change(run, missing, option):
    engine = FakeContainers()
    result, failed, _warnings = run(dict(BASE, **dict(TLS, **missing)), engine)
    assert failed and option in result['msg'], result
    assert engine.created == []


def test_in_check_mode_the_files_the_run_has_not_written_yet_are_not_refused(run):
    engine = FakeContainers()
    result, failed, _warnings = run(dict(BASE, _ansible_check_mode=True, **dict(TLS, cluster_tls_key='/nowhere/k.pem')),
                                    engine)
    assert not failed and result['changed'] and engine.created == [], result


class RunningContainers(FakeContainers):
    """The manager container in place as ``spec`` made it (labels, binds, files' digest)."""

    def __init__(self, spec):
        super(RunningContainers, self).__init__()
        self.spec = spec

    def inspect(self, name):
        spec = self.spec
        return {'Id': 'c1', 'Name': '/' + spec['name'], 'Image': 'sha256:aaa',
                'Config': {'Image': spec['image'], 'Cmd': spec['command'],
                           'Env': ['%s=%s' % kv for kv in spec['env'].items()],
                           'Labels': {swarm_manager.cc.ENV_LABEL: ','.join(sorted(spec['env'])),
                                      swarm_manager.cc.FILES_LABEL: spec['files']}},
                'HostConfig': {'PortBindings': {'%d/tcp' % p: [{'HostIp': '', 'HostPort': str(h)}]
                                                for p, h in spec['ports'].items()},
                               'Binds': spec['binds'], 'SecurityOpt': spec['security_opt'],
                               'RestartPolicy': {'Name': spec['restart'], 'MaximumRetryCount': 0}},
                'State': {'Running': True}}


@pytest.mark.parametrize('check_mode, replaced, actions', [
    (True, [TLS['cluster_tls_cert']], ['remove', 'create']),  # docker_pki would renew it: the recreate to come
    (True, ['/etc/docker/certs/other.pem'], []),              # not a file the container mounts
    (True, [], []),
    (False, [TLS['cluster_tls_cert']], []),                   # a real run compares the files themselves
])
def test_check_mode_predicts_the_recreate_a_renewed_certificate_makes(run, check_mode, replaced, actions):
    made = FakeContainers()
    run(dict(BASE, **TLS), made)
    engine = RunningContainers(made.created[0])
    result, failed, _warnings = run(dict(BASE, _ansible_check_mode=check_mode, replaced_files=replaced, **TLS), engine)
    assert not failed and result['actions'] == actions and result['changed'] == bool(actions), result
    assert engine.created == []
