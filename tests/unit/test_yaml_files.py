"""The collection's YAML loads in Ansible without a warning: a key given twice in a mapping (a YAML
merge key overridden, say) makes every run print "found a duplicate dict key", and only one value counts."""

import os

import pytest

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
