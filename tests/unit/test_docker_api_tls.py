"""The shared connection options: TLS verifies the engine's certificate unless told not to (issue 20,
item 12)."""

import pytest
from ansible_collections.dockercluster.swarm.plugins.module_utils import docker_api
from ansible_collections.dockercluster.swarm.plugins.modules import swarm_info, swarm_manager

pytest.importorskip('docker')


class Created(Exception):
    pass


@pytest.mark.parametrize('args, verify', [
    ({'tls': True}, True),                                   # TLS on: the certificate is checked
    ({'tls': True, 'ca_path': '/ca.pem'}, True),
    ({'validate_certs': True}, True),
    ({'tls_verify': True}, True),
    ({'tls': True, 'validate_certs': False}, False),         # the explicit opt-out
    ({'tls': True, 'tls_verify': False}, False),
])
@pytest.mark.parametrize('module', [swarm_info, swarm_manager])
def test_tls_verifies_by_default(module_run, monkeypatch, tmp_path, module, args, verify):
    seen = {}
    if 'ca_path' in args:
        (tmp_path / 'ca.pem').write_text('pem')
        args = dict(args, ca_path=str(tmp_path / 'ca.pem'))

    def api_client(**kwargs):
        seen.update(kwargs)
        raise Created()
    monkeypatch.setattr(docker_api.docker, 'APIClient', api_client)
    with pytest.raises(Created):
        module_run(module.main, dict(args, docker_host='tcp://10.0.0.1:2376'))
    tls = seen['tls']
    assert tls and tls.verify is verify
    if args.get('ca_path'):
        assert tls.ca_cert == args['ca_path']


def test_no_tls_unless_asked(module_run, monkeypatch):
    seen = {}

    def api_client(**kwargs):
        seen.update(kwargs)
        raise Created()
    monkeypatch.setattr(docker_api.docker, 'APIClient', api_client)
    for args in ({}, {'validate_certs': False}, {'tls': False}):
        with pytest.raises(Created):
            module_run(swarm_info.main, dict(args, docker_host='tcp://10.0.0.1:2375'))
        assert seen['tls'] is False
