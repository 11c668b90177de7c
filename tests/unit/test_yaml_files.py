"""The collection's YAML loads in Ansible without a warning: a key given twice in a mapping (a YAML
merge key overridden, say) makes every run print "found a duplicate dict key", and only one value counts.
And swarm_manager's shared options (the init's and the joins') pass only what is set."""

import os

import pytest
import yaml
from templating import render

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
YAML_FILES = sorted(
    os.path.relpath(os.path.join(top, name), REPO_ROOT)
    for part in ('roles', 'playbooks', 'molecule')
    for top, _dirs, names in os.walk(os.path.join(REPO_ROOT, part))
    for name in names if name.endswith(('.yml', '.yaml'))) + ['site.yml', 'reset.yml']


@pytest.mark.parametrize('path', YAML_FILES)
def test_loads_without_a_warning(path, monkeypatch):
    from ansible.parsing.dataloader import DataLoader
    from ansible.utils.display import Display
    warnings = []
    monkeypatch.setattr(Display, 'warning', lambda self, msg, *args, **kwargs: warnings.append(msg))
    with open(os.path.join(REPO_ROOT, path)) as handle:
        DataLoader().load(handle.read(), file_name=os.path.join(REPO_ROOT, path))
    assert warnings == []


def test_the_loader_warns_about_an_overridden_merge_key(monkeypatch):
    """The check above can fail: what swarmkit.yml once had."""
    from ansible.parsing.dataloader import DataLoader
    from ansible.utils.display import Display
    warnings = []
    monkeypatch.setattr(Display, 'warning', lambda self, msg, *args, **kwargs: warnings.append(msg))
    DataLoader().load('- a: &args {x: 1, y: true}\n- b:\n    <<: *args\n    y: false\n', file_name=os.path.join(REPO_ROOT, "t.yml"))
    assert any('duplicate' in str(w) for w in warnings)


def _manager_args(**overrides):
    with open(os.path.join(REPO_ROOT, 'roles', 'swarm_manager', 'defaults', 'main.yml')) as handle:
        variables = yaml.safe_load(handle)
    with open(os.path.join(REPO_ROOT, 'roles', 'swarm_manager', 'vars', 'main.yml')) as handle:
        expression = yaml.safe_load(handle)['_swarm_manager_args']
    variables.update(overrides)
    return render(expression, variables)


def test_manager_args_pass_only_what_is_set():
    assert _manager_args() == {'backend': 'swarmkit', 'listen_addr': '0.0.0.0:2377', 'force': False}
    args = _manager_args(swarm_manager_advertise_addr='10.0.0.1', swarm_manager_subnet_size=26,
                         swarm_manager_default_addr_pool=['10.20.0.0/16'], swarm_manager_force=True)
    assert args == {'backend': 'swarmkit', 'listen_addr': '0.0.0.0:2377', 'force': True, 'advertise_addr': '10.0.0.1',
                    'subnet_size': 26, 'default_addr_pool': ['10.20.0.0/16']}
