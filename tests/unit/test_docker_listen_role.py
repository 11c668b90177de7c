"""The docker_listen role plans and applies with the same options."""

import os

import pytest
import yaml

ROLE = os.path.join(os.path.dirname(__file__), '..', '..', 'roles', 'docker_listen')


def load(*path):
    with open(os.path.join(ROLE, *path)) as handle:
        return yaml.safe_load(handle)


def render(template, **extra):
    """``template`` rendered as the role would: its defaults and vars, and ``extra``."""
    from ansible.parsing.dataloader import DataLoader
    from ansible.template import Templar

    variables = dict(load('defaults', 'main.yml'), **load('vars', 'main.yml'))
    variables.update(dict(dict(ansible_check_mode=False), **extra))
    return Templar(loader=DataLoader(), variables=variables).template(template)


def as_module_gets(options):
    """``options`` as docker_listen_config receives them (its argument spec: '60' is 60)."""
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
    from ansible_collections.dockercluster.swarm.plugins.module_utils.listen_plan import LISTEN_ARGUMENT_SPEC

    checked = ArgumentSpecValidator(LISTEN_ARGUMENT_SPEC).validate(options)
    assert not checked.error_messages
    return checked.validated_parameters


@pytest.mark.parametrize('extra', [
    {},
    {'swarm_insecure_tcp': True, 'docker_listen_extra_addresses': ['tcp://0.0.0.0:2376']},
    {'ansible_check_mode': True, 'docker_pki_node_dir': '/srv/certs', 'docker_listen_restart': 'no',
     'docker_listen_restart_timeout': '90', 'docker_listen_method': 'daemon_json'},
])
def test_the_apply_passes_exactly_the_options_the_plan_used(extra):
    (apply_task,) = [t for t in load('tasks', 'main.yml') if 'dockercluster.swarm.docker_listen_config' in t]
    planned = render('{{ _docker_listen_args }}', **extra)
    applied = render(apply_task['dockercluster.swarm.docker_listen_config'], **extra)
    assert isinstance(planned, dict) and as_module_gets(planned) == as_module_gets(applied)
    assert planned['tls'] is not bool(extra.get('swarm_insecure_tcp'))  # the settings really were read


def test_the_plan_runs_through_the_probe_module_with_those_options():
    (plan_task,) = [t for t in load('tasks', 'main.yml') if 'dockercluster.swarm.docker_host_info' in t]
    assert plan_task['dockercluster.swarm.docker_host_info']['listen_plan'] == '{{ _docker_listen_args }}'


def test_the_variables_entry_point_runs_nothing():
    assert load('tasks', 'variables.yml') == []
