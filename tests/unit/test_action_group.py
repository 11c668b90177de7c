"""The `swarm` action group (meta/runtime.yml) is usable with module_defaults (issue 23, item 8).

`module_defaults: {group/dockercluster.swarm.swarm: {...}}` gives every option set there to every
module of the group, and a module without one of them fails ("Unsupported parameters"). So the
group holds exactly the modules that talk to the engine with the shared connection options (the
docker_api doc fragment: docker_host, tls, validate_certs, ca_path, ...), and each of them takes
all of those options, with the same meaning. docker_listen_config is not one of them: it has no
docker_host, and its `tls` means dockerd's --tlsverify."""

import json
import os
import re
import shutil
import subprocess
import sys

import pytest
import yaml

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTIONS = os.path.join(REPO_ROOT, '.cache', 'collections')


def _group():
    with open(os.path.join(REPO_ROOT, 'meta', 'runtime.yml')) as handle:
        return yaml.safe_load(handle)['action_groups']['swarm']


def _fragment_options():
    path = os.path.join(REPO_ROOT, 'plugins', 'doc_fragments', 'docker_api.py')
    with open(path) as handle:
        text = handle.read()
    doc = re.search(r"DOCUMENTATION = r'''(.*?)'''", text, re.S).group(1)
    return yaml.safe_load(doc)['options']


def _module_docs():
    tool = shutil.which('ansible-doc') or os.path.join(os.path.dirname(sys.executable), 'ansible-doc')
    if not os.path.exists(os.path.join(COLLECTIONS, 'ansible_collections', 'dockercluster', 'swarm')):
        pytest.skip('the collection is not linked in .cache/collections (scripts/bootstrap.sh)')
    names = sorted(name[:-3] for name in os.listdir(os.path.join(REPO_ROOT, 'plugins', 'modules'))
                   if name.endswith('.py') and not name.startswith('_'))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS)
    out = subprocess.run([tool, '-j'] + ['dockercluster.swarm.' + name for name in names],
                         cwd=REPO_ROOT, env=env, check=True, capture_output=True, text=True).stdout
    return {key.split('.')[-1]: value['doc'] for key, value in json.loads(out).items()}


def test_every_group_module_takes_every_connection_option():
    fragment = _fragment_options()
    docs = _module_docs()
    for module in _group():
        options = docs[module]['options']
        missing = sorted(set(fragment) - set(options))
        assert not missing, '%s is in the swarm action group but lacks %s' % (module, ', '.join(missing))
        for name, spec in fragment.items():
            assert options[name].get('type') == spec.get('type'), (module, name)


def test_the_group_holds_every_module_with_the_connection_options():
    fragment = set(_fragment_options())
    docs = _module_docs()
    expected = sorted(name for name, doc in docs.items() if fragment <= set(doc['options']))
    assert sorted(_group()) == expected
    assert 'docker_listen_config' not in _group()
