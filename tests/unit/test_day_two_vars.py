"""The day-two role variables as Ansible templates them: which tokens swarm_rotate_tokens rotates, and the
ports swarm_firewall opens on a manager and on an agent, per backend and port setup."""

import os

import pytest
import yaml
from templating import render

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _load(role, kind):
    with open(os.path.join(REPO_ROOT, 'roles', role, kind, 'main.yml')) as handle:
        return yaml.safe_load(handle)


@pytest.mark.parametrize('value, rotated', [
    ('none', []), ('', []), (None, []), ('worker', ['worker']), ('manager', ['manager']),
    ('both', ['worker', 'manager']),
])
def test_rotate_tokens(value, rotated):
    role_vars = _load('swarm_manager', 'vars')
    assert render(role_vars['_swarm_manager_rotate'], {'swarm_manager_rotate_tokens': value}) == rotated


def firewall_ports(host, **cluster):
    defaults = _load('swarm_firewall', 'defaults')
    variables = dict(cluster, inventory_hostname=host, groups={'swarm_managers': ['m1'], 'swarm_agents': ['a1']})
    for name in ('swarm_firewall_backend', 'swarm_firewall_manager', 'swarm_firewall_engine_port',
                 'swarm_firewall_cluster_port'):
        variables[name] = render(defaults[name], variables)
    return render(defaults['swarm_firewall_ports'], variables)


def test_swarm_mode_ports():
    assert firewall_ports('m1') == ['2377/tcp', '7946/tcp', '7946/udp', '4789/udp', '2375/tcp', '2376/tcp']
    assert firewall_ports('a1') == ['7946/tcp', '7946/udp', '4789/udp', '2375/tcp']


def test_classic_needs_only_the_engine_and_cluster_ports():
    assert firewall_ports('m1', swarm_backend='classic') == ['2375/tcp', '2376/tcp']
    assert firewall_ports('a1', swarm_backend='classic') == ['2375/tcp']


def test_ports_follow_the_cluster_settings():
    assert firewall_ports('a1', swarm_port_setup='proxy', docker_proxy_port=2380)[-1] == '2380/tcp'
    assert firewall_ports('m1', swarm_engine_port=12375, swarm_cluster_port=12376)[-2:] == ['12375/tcp', '12376/tcp']


def pki_request(host, **settings):
    """docker_pki's certificate request for ``host`` (m1 a manager, a1 an agent)."""
    role_vars, defaults = _load('docker_pki', 'vars'), _load('docker_pki', 'defaults')
    variables = dict(defaults, inventory_hostname=host, groups={'swarm_managers': ['m1'], 'swarm_agents': ['a1']},
                     dockercluster_host={'addresses': {}}, docker_pki_node_dir='/etc/docker/certs', **settings)
    for name in ('_docker_pki_managers', '_docker_pki_detected', '_docker_pki_manager'):
        variables[name] = render(role_vars[name], variables)
    request = render(role_vars['_docker_pki_request'], variables)
    return request['client'], request['client_auth']


@pytest.mark.parametrize('host, settings, wanted', [
    ('m1', {}, ('manager', False)),
    ('a1', {}, ('', False)),
    ('m1', {'swarm_backend': 'classic'}, ('manager', True)),
    # Set, they win over the group and the backend, false as much as true.
    ('m1', {'docker_pki_install_client_cert': False, 'docker_pki_server_client_auth': False,
            'swarm_backend': 'classic'}, ('', False)),
    ('m1', {'docker_pki_install_client_cert': 'false'}, ('', False)),
    ('a1', {'docker_pki_install_client_cert': True, 'docker_pki_server_client_auth': True}, ('manager', True)),
])
def test_pki_client_certificate_and_client_auth_follow_the_group_unless_set(host, settings, wanted):
    assert pki_request(host, **settings) == wanted


ACTIVE = {'LocalNodeState': 'active', 'NodeID': 'n4'}
LISTED = {'nodes': [{'id': 'n1'}, {'id': 'n4'}]}


@pytest.mark.parametrize('host, swarm, cluster, settings, elsewhere', [
    ('a1', ACTIVE, LISTED, {}, False),                                          # a node of the cluster: it leaves
    ('a1', dict(ACTIVE, NodeID='n9'), LISTED, {}, True),                       # another swarm's: it stays
    ('a1', dict(ACTIVE, NodeID='n9'), LISTED, {'swarm_leave_force': True}, False),
    ('a1', ACTIVE, {'nodes': None, 'nodes_error': 'not an active manager'}, {}, True),  # no cluster to tell by
    ('a1', ACTIVE, {'unreachable': True, 'msg': 'unreachable'}, {}, True),
    ('m1', dict(ACTIVE, NodeID='n7'), {'nodes': None}, {}, False),             # the last manager is the cluster's
    ('a1', {'LocalNodeState': 'inactive', 'NodeID': ''}, LISTED, {}, False),   # in no swarm: nothing to leave
    ('a1', dict(ACTIVE, NodeID='n9'), {'skipped': True}, {'swarm_backend': 'classic'}, False),
])
def test_a_host_the_last_manager_does_not_list_stays_in_its_swarm(host, swarm, cluster, settings, elsewhere):
    variables = dict(_load('swarm_leave', 'defaults'), inventory_hostname=host, swarm_leave_last_manager='m1',
                     swarm_leave_host={'swarm': swarm}, swarm_leave_cluster=cluster, **settings)
    assert render(_load('swarm_leave', 'vars')['_swarm_leave_elsewhere'], variables) is elsewhere
