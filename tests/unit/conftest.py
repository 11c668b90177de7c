"""Make this checkout importable as ``ansible_collections.dockercluster.swarm``.

The plugins import each other by their collection name, as they do on a managed host, so the
tests do the same: a temporary ``ansible_collections/dockercluster/swarm`` symlink to the repo
root goes at the front of sys.path (namespace packages need no __init__.py).
"""

import atexit
import json
import os
import shutil
import sys
import tempfile

import pytest
from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _link_collection():
    top = tempfile.mkdtemp(prefix='dockercluster-unit-')
    namespace = os.path.join(top, 'ansible_collections', 'dockercluster')
    os.makedirs(namespace)
    os.symlink(REPO_ROOT, os.path.join(namespace, 'swarm'))
    sys.path.insert(0, top)
    atexit.register(shutil.rmtree, top, True)
    return top


COLLECTIONS_ROOT = _link_collection()


class ModuleDone(Exception):
    """Raised instead of exit_json / fail_json: args are (result, failed)."""


@pytest.fixture(autouse=True)
def module_args_profile(monkeypatch):
    """ansible-core 2.19 and later decode the module args set in ``basic._ANSIBLE_ARGS`` with the
    serialization profile in ``basic._ANSIBLE_PROFILE`` (what ansible.module_utils.testing's
    patch_module_args sets); 2.16 has neither."""
    if hasattr(basic, '_ANSIBLE_PROFILE'):
        monkeypatch.setattr(basic, '_ANSIBLE_PROFILE', 'legacy')


@pytest.fixture
def module_run(monkeypatch):
    """Run a module's main() with ``args``; return (result, failed).

    The result also holds ``_no_log_values``: what the module would mask in its output, and
    ``_warnings``: what it warned.
    """
    def finish(failed):
        def _finish(self, msg=None, **kwargs):
            if msg is not None:
                kwargs['msg'] = msg
            kwargs['_no_log_values'] = set(self.no_log_values)
            kwargs['_warnings'] = list(getattr(self, '_warnings', []))
            raise ModuleDone(kwargs, failed)
        return _finish
    monkeypatch.setattr(basic.AnsibleModule, 'warn', lambda self, msg: self.__dict__.setdefault('_warnings', []).append(msg))
    monkeypatch.setattr(basic.AnsibleModule, 'exit_json', finish(False))
    monkeypatch.setattr(basic.AnsibleModule, 'fail_json', finish(True))

    def _run(main, args, check=False, diff=False):
        args = dict(args, _ansible_check_mode=check, _ansible_diff=diff)
        monkeypatch.setattr(basic, '_ANSIBLE_ARGS', to_bytes(json.dumps({'ANSIBLE_MODULE_ARGS': args})))
        with pytest.raises(ModuleDone) as exc:
            main()
        return exc.value.args
    return _run


@pytest.fixture
def paths(tmp_path):
    """Where docker_listen_config's files live for a test (a temp dir)."""
    etc = tmp_path / 'etc'
    (etc / 'sysconfig').mkdir(parents=True)
    (etc / 'default').mkdir()
    return {
        'sysconfig_path': str(etc / 'sysconfig' / 'docker'),
        'default_env_path': str(etc / 'default' / 'docker'),
        'daemon_json_path': str(etc / 'docker' / 'daemon.json'),
        'dropin_path': str(etc / 'systemd' / 'system' / 'docker.service.d' / '10-dockercluster-listen.conf'),
        'record_path': str(tmp_path / 'var' / 'lib' / 'dockercluster' / 'listen-record.json'),
    }
