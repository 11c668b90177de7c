"""The roles' documentation says what the roles do (issue 23, item 8).

- Every role's meta/argument_specs.yml states the default its defaults/main.yml really sets: a
  literal default must be the same value; a templated one (it follows another variable) must have
  no literal ``default:`` (ansible-doc would show an untrue value) and its description must say
  what it follows (the word "default", e.g. "Defaults to the cluster-wide swarm_insecure_tcp").
- Every variable of defaults/main.yml (not a private ``_`` one) is documented in the spec.
- inventory-sample lists every option of every role's spec and the cluster-wide variables of the
  README's table, and every value it shows is the role's default, read as the INI [all:vars]
  string it is there (a template in the sample must work with the strings INI gives)."""

import os
import re

import pytest
import yaml
from templating import render

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROLES = sorted(name for name in os.listdir(os.path.join(REPO_ROOT, 'roles'))
               if os.path.isfile(os.path.join(REPO_ROOT, 'roles', name, 'meta', 'argument_specs.yml')))


def _load(*parts):
    with open(os.path.join(REPO_ROOT, *parts)) as handle:
        return yaml.safe_load(handle) or {}


def _defaults(role):
    return _load('roles', role, 'defaults', 'main.yml')


def _options(role):
    spec = _load('roles', role, 'meta', 'argument_specs.yml')['argument_specs']
    options = {}
    for entry in spec.values():
        options.update(entry.get('options') or {})
    return options


def _templated(value):
    if isinstance(value, str):
        return '{{' in value or '{%' in value
    if isinstance(value, list):
        return any(_templated(item) for item in value)
    if isinstance(value, dict):
        return any(_templated(item) for item in value.values())
    return False


def _description(option):
    text = option.get('description') or ''
    return ' '.join(text) if isinstance(text, list) else text


def test_roles_found():
    assert len(ROLES) >= 7, ROLES


@pytest.mark.parametrize('role', ROLES)
def test_argument_spec_defaults_are_true(role):
    defaults, options = _defaults(role), _options(role)
    wrong = []
    for name, value in defaults.items():
        if name.startswith('_'):
            continue
        if name not in options:
            wrong.append('%s: in defaults/main.yml, not documented in argument_specs.yml' % name)
            continue
        option = options[name]
        if _templated(value):
            if 'default' in option:
                wrong.append('%s: templated default (%r) documented as the literal default %r'
                             % (name, value.strip() if isinstance(value, str) else value, option['default']))
            elif 'default' not in _description(option).lower():
                wrong.append('%s: templated default; the description does not say what it follows' % name)
        elif 'default' not in option and value is not None:
            wrong.append('%s: default %r not documented' % (name, value))
        elif 'default' in option and option['default'] != value:
            wrong.append('%s: argument_specs says default %r, defaults/main.yml sets %r'
                         % (name, option['default'], value))
    assert not wrong, '\n'.join(wrong)


# ---- inventory-sample -------------------------------------------------------------------------

SAMPLE_LINE = re.compile(r'^#\s?([a-z][a-z0-9_]*)=(.*)$')


def _sample():
    """{variable: value as the INI [all:vars] line would set it (a string), or None if empty}."""
    found = {}
    with open(os.path.join(REPO_ROOT, 'inventory-sample')) as handle:
        for line in handle:
            match = SAMPLE_LINE.match(line.rstrip('\n'))
            if not match:
                continue
            # Whole: Ansible's INI parser keeps a trailing comment in the value (a user uncommenting the
            # line would get it), so the sample has none and the value compares as it stands.
            value = match.group(2).strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in '"\'':
                value = value[1:-1]
            found[match.group(1)] = value if value != '' else None
    return found


def _readme_cluster_variables():
    with open(os.path.join(REPO_ROOT, 'README.md')) as handle:
        text = handle.read()
    section = text.split('## Variables', 1)[1].split('\n## ', 1)[0]
    return re.findall(r'^\| `([a-z_]+)` \|', section, re.M)


def test_inventory_sample_lists_every_role_option_and_cluster_variable():
    sample = _sample()
    missing = [name for role in ROLES for name in _options(role) if name not in sample]
    missing += [name for name in _readme_cluster_variables() if name not in sample]
    assert not missing, 'inventory-sample lacks: %s' % ', '.join(sorted(set(missing)))


def _as_ini_string(value):
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, (list, dict)):
        return repr(value)
    return str(value)


def test_inventory_sample_values_are_the_defaults():
    """Each value shown is the role's default (a literal one), as INI writes it."""
    sample = _sample()
    wrong = []
    for role in ROLES:
        for name, value in _defaults(role).items():
            if name not in sample or sample[name] is None or _templated(value):
                continue
            if sample[name] != _as_ini_string(value):
                wrong.append('%s: sample %r, default %r' % (name, sample[name], value))
    assert not wrong, '\n'.join(wrong)


def test_inventory_sample_templates_work_with_ini_strings():
    """A value of the sample that is a template is rendered with the sample's own INI strings
    (every [all:vars] value is a string: 'false' is true to `not`): it must give the role's
    default in effect (here, with the sample's swarm_insecure_tcp=false, TLS on)."""
    from ansible.module_utils.parsing.convert_bool import boolean

    sample = _sample()
    templated = {name: value for name, value in sample.items() if value and '{{' in value}
    assert templated, 'the sample shows no templated value: nothing checked here'
    strings = {name: value for name, value in sample.items() if value is not None}
    strings.setdefault('inventory_dir', '/inventory')
    defaults = {}
    for role in ROLES:
        defaults.update(_defaults(role))
    for name, value in templated.items():
        rendered = render(value, strings)
        if name.endswith(('_tls', '_allow_insecure_tcp')):
            expected = name.endswith('_tls')  # swarm_insecure_tcp=false in the sample
            assert boolean(rendered, strict=False) is expected, (name, value, rendered)
        else:
            assert name in defaults, name
            assert rendered == render(defaults[name], strings), (name, value, rendered)
