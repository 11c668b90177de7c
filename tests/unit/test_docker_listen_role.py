"""The docker_listen role plans and applies with the same options."""

import os

import yaml

ROLE = os.path.join(os.path.dirname(__file__), '..', '..', 'roles', 'docker_listen')


def load(*path):
    with open(os.path.join(ROLE, *path)) as handle:
        return yaml.safe_load(handle)


def test_the_apply_passes_exactly_the_options_the_plan_used():
    planned = load('vars', 'main.yml')['_docker_listen_args']
    (apply_task,) = [t for t in load('tasks', 'main.yml') if 'dockercluster.swarm.docker_listen_config' in t]
    assert apply_task['dockercluster.swarm.docker_listen_config'] == planned


def test_the_plan_runs_through_the_probe_module_with_those_options():
    (plan_task,) = [t for t in load('tasks', 'main.yml') if 'dockercluster.swarm.docker_host_info' in t]
    assert plan_task['dockercluster.swarm.docker_host_info']['listen_plan'] == '{{ _docker_listen_args }}'


def test_the_variables_entry_point_runs_nothing():
    assert load('tasks', 'variables.yml') == []
