"""Options a module's documentation marks "Only with O(backend=...)" fail the module, before any engine is
asked, when given (a value other than their default) with the other backend: read from each module's
DOCUMENTATION, so a new option marked so is checked too."""

import re

import pytest
import yaml
from ansible_collections.dockercluster.swarm.plugins.modules import swarm_agent, swarm_info, swarm_manager, swarm_token

MODULES = (swarm_agent, swarm_info, swarm_manager, swarm_token)
ONLY_WITH = re.compile(r'[Oo]nly with O\(backend=(\w+)\)')


def backend_only_options():
    for module in MODULES:
        for name, option in yaml.safe_load(module.DOCUMENTATION)['options'].items():
            text = option['description'] if isinstance(option['description'], str) else ' '.join(option['description'])
            found = ONLY_WITH.search(text)
            if found:
                yield pytest.param(module, name, option, found.group(1), id='%s-%s' % (module.__name__.split('.')[-1], name))


def other_value(option):
    """A value of the option's type that is not its default."""
    default = option.get('default')
    if option.get('choices'):
        return [choice for choice in option['choices'] if choice != default][0]
    kind = option.get('type', 'str')
    if kind == 'bool':
        return not default if default is not None else True
    if kind == 'int':
        return (default or 0) + 1
    return {'list': ['x'], 'dict': {'x': 'y'}, 'path': '/nowhere/x'}.get(kind, 'x-other')


def test_every_module_marks_some():
    assert set(p.values[0] for p in backend_only_options()) == set(MODULES)


@pytest.mark.parametrize('module, name, option, backend', list(backend_only_options()))
def test_an_option_of_the_other_backend_fails_the_module_untouched(module_run, module, name, option, backend):
    other = 'swarmkit' if backend == 'classic' else 'classic'
    args = {'backend': other, name: other_value(option), 'docker_host': 'unix:///nowhere/docker.sock'}
    result, failed = module_run(module.main, args)
    assert failed and '%s only appl' % name in result['msg'] and 'with backend=%s' % backend in result['msg'], result
