"""swarm_preflight's inventory check (one task on the controller): every problem, each named once."""

import os
from collections.abc import Mapping

import pytest
from ansible_collections.dockercluster.swarm.plugins.filter.swarm_inventory import swarm_inventory_problems
from ansible_collections.dockercluster.swarm.plugins.plugin_utils.inventory_checks import inventory_problems


def test_a_sound_inventory_has_no_problem():
    assert inventory_problems(['m1'], ['a1', 'a2'], {}) == []
    assert inventory_problems(['m1', 'm2', 'm3'], [], {'swarm_backend': 'classic', 'swarm_port_setup': 'proxy'}) == []


@pytest.mark.parametrize('managers, agents, settings, words', [
    ([], ['a1'], {}, ["'swarm_managers' is empty or missing"]),
    (['m1'], ['m1', 'a1'], {}, ["in both 'swarm_managers' and 'swarm_agents': m1."]),
    (['m1', 'm2'], ['a1'], {}, ['2 managers', 'swarm_allow_even_managers: true']),
    (['m1'], [], {'swarm_backend': 'swarmkitt'}, ["swarm_backend 'swarmkitt' is not one of: swarmkit, classic."]),
    (['m1'], [], {'swarm_port_setup': 'proxyy'}, ["swarm_port_setup 'proxyy' is not one of: daemon, proxy."]),
    (['m1'], [], {'swarm_port_setup': 'proxy', 'docker_listen_addresses': ['unix:///var/run/docker.sock',
                                                                         'tcp://0.0.0.0:2375']},
     ['TCP 2375', 'listen on tcp://0.0.0.0:2375.', 'Both cannot hold the same port']),
    (['m1'], [], {'swarm_engine_port': 70000}, ["swarm_engine_port 70000 is not a TCP port"]),
    (['m1'], [], {'swarm_engine_port': 'http'}, ["swarm_engine_port 'http' is not a TCP port"]),
    (['m1'], [], {'swarm_join_from_manager': 'sometimes'}, ["swarm_join_from_manager 'sometimes' is not true or"]),
    (['m1'], [], {'swarm_port_setup': 'proxy', 'docker_proxy_port': 2380,
                  'docker_listen_addresses': ['tcp://0.0.0.0:2375', 'tcp://10.0.0.1:2380']},
     ['TCP 2380', 'listen on tcp://10.0.0.1:2380.']),
])
def test_each_problem_is_named(managers, agents, settings, words):
    problems = inventory_problems(managers, agents, settings)
    assert len(problems) == 1, problems
    for word in words:
        assert word in problems[0]


def test_every_problem_is_reported_at_once():
    problems = inventory_problems(['m1', 'm2'], ['m2'], {'swarm_backend': 'x', 'swarm_port_setup': 'y'})
    assert [p.split(' ')[0] for p in problems] == ['Hosts', '2', 'swarm_backend', 'swarm_port_setup']


@pytest.mark.parametrize('value, allowed', [
    (True, True), ('yes', True), ('True', True), ('1', True), (1, True),
    (False, False), ('no', False), ('false', False), ('', False), (0, False),
])
def test_even_managers_opt_in_reads_like_the_bool_filter(value, allowed):
    problems = inventory_problems(['m1', 'm2'], [], {'swarm_allow_even_managers': value})
    assert (problems == []) is allowed


@pytest.mark.parametrize('settings', [
    {'swarm_engine_port': 2375}, {'swarm_engine_port': '12375'}, {'swarm_join_from_manager': False},
    {'swarm_join_from_manager': 'no'}, {'swarm_join_from_manager': 'True'},
])
def test_engine_port_and_join_from_manager_accept_what_the_playbook_reads(settings):
    assert inventory_problems(['m1'], [], settings) == []


def test_a_proxy_port_that_only_shares_digits_is_no_clash():
    settings = {'swarm_port_setup': 'proxy', 'docker_listen_addresses': ['tcp://0.0.0.0:23750', 'tcp://0.0.0.0:12375']}
    assert inventory_problems(['m1'], [], settings) == []


def test_the_daemon_setup_never_clashes_with_the_proxy_port():
    assert inventory_problems(['m1'], [], {'docker_listen_addresses': ['tcp://0.0.0.0:2375']}) == []


class OnlyTheseKeys(Mapping):
    """hostvars templates what is read: reading any other key fails the test."""

    allowed = {'swarm_allow_even_managers', 'swarm_backend', 'swarm_port_setup', 'docker_proxy_port',
               'docker_listen_addresses', 'swarm_engine_port', 'swarm_join_from_manager',
               'swarm_rotate_tokens', 'swarm_firewall',
               # with the classic backend: whether the manager's published port authenticates clients
               'swarm_insecure_tcp', 'swarm_manager_classic_tls_verify', 'swarm_manager_classic_tls_ca_cert',
               'swarm_manager_classic_tls_cert', 'swarm_manager_classic_tls_key', 'swarm_cluster_port'}

    def __init__(self, data):
        self.data = data

    def __getitem__(self, key):
        assert key in self.allowed, 'read %s' % key
        return self.data[key]

    def __iter__(self):
        raise AssertionError('iterated over every variable')

    def __len__(self):
        raise AssertionError('counted every variable')


def test_the_filter_reads_only_the_settings_from_a_hostvars_like_mapping():
    hv = OnlyTheseKeys({'swarm_backend': 'classic', 'swarm_port_setup': 'proxy', 'docker_proxy_port': 2375,
                        'docker_listen_addresses': ['tcp://0.0.0.0:2375']})
    problems = swarm_inventory_problems(hv, ['m1'], ['a1'])
    assert len(problems) == 1 and 'Both cannot hold the same port' in problems[0]


def test_the_filter_passes_the_role_s_group_names_and_allowed_values():
    problems = swarm_inventory_problems({'swarm_backend': 'classic'}, [], [], 'ctl', 'workers', ['swarmkit'], ['daemon'])
    assert problems == ["The inventory group 'ctl' is empty or missing: the cluster needs at least one manager "
                        "(the first one initialises it).",
                        "swarm_backend 'classic' is not one of: swarmkit."]


# ---- Python 2 interpreters (issue 23, item 4): refused on the controller, naming the fix --------

@pytest.mark.parametrize('interpreter, python2', [
    ('/usr/bin/python2', True), ('/usr/bin/python2.7', True), ('python2', True), ('/usr/bin/env python2.7', True),
    ('/usr/bin/python3', False), ('/usr/bin/python3.6', False), ('/usr/bin/python', False),
    ('auto', False), ('auto_silent', False), (None, False), ('/opt/venv/bin/python', False),
])
def test_python2_interpreters_are_named(interpreter, python2):
    problems = inventory_problems(['m1'], ['a1'], {}, interpreters={'m1': '/usr/bin/python3', 'a1': interpreter})
    if python2:
        assert len(problems) == 1
        assert 'a1 (%s)' % interpreter in problems[0]
        assert 'install python3' in problems[0].lower()
        assert 'ansible_python_interpreter=/usr/bin/python3' in problems[0]
    else:
        assert problems == []


def test_the_filter_reads_every_host_s_interpreter_from_hostvars():
    class Keys(OnlyTheseKeys):
        allowed = OnlyTheseKeys.allowed | {'ansible_python_interpreter'}

        def __contains__(self, key):
            return key in self.data

    hostvars = {'m1': Keys({}), 'a1': Keys({'ansible_python_interpreter': '/usr/bin/python2.7'}),
                'a2': Keys({'ansible_python_interpreter': '/usr/bin/python3'})}
    problems = swarm_inventory_problems({}, ['m1'], ['a1', 'a2'], hostvars=hostvars)
    assert len(problems) == 1 and problems[0].startswith('Python 2 is set as ansible_python_interpreter on a1 ')


@pytest.mark.parametrize('settings, words', [
    ({'swarm_rotate_tokens': 'workers'}, ["swarm_rotate_tokens 'workers' is not one of: none, worker, manager, both."]),
    ({'swarm_rotate_tokens': 'worker', 'swarm_backend': 'classic'}, ['classic Swarm has no join tokens']),
    ({'swarm_firewall': 'iptables'}, ["swarm_firewall 'iptables' is not one of: none, firewalld."]),
])
def test_day_two_settings_refused(settings, words):
    problems = ' '.join(inventory_problems(['m1'], [], settings))
    for word in words:
        assert word in problems


@pytest.mark.parametrize('settings', [{'swarm_rotate_tokens': 'both', 'swarm_firewall': 'firewalld'},
                                      {'swarm_rotate_tokens': '', 'swarm_firewall': 'none'}])
def test_day_two_settings_accepted(settings):
    assert inventory_problems(['m1'], [], settings) == []


@pytest.mark.parametrize('node_addr, refused', [('', False), (' swarm_classic_node_addr=node_2:2375', True),
                                               (' swarm_agent_advertise_addr="{{ ansible_eth1.ipv4.address }}"', False)])
def test_classic_node_lists_are_checked_as_the_manager_role_builds_them(tmp_path, node_addr, refused):
    """nodes discovery: a host known by an alias (node_2, not a valid host name) is listed by the address of its
    default route, so the alias is not refused; an address given for it is checked as given."""
    from test_python2_refused import REPO_ROOT, _playbook
    (tmp_path / 'hosts').write_text(
        '[controller]\nlocalhost ansible_connection=local\n[swarm_managers]\nnode_1\n[swarm_agents]\nnode_2%s\n'
        '[all:vars]\nswarm_backend=classic\nswarm_classic_discovery=nodes\nswarm_insecure_tcp=true\n' % node_addr)
    rc, out = _playbook(['-i', 'hosts', os.path.join(REPO_ROOT, 'site.yml'), '--limit', 'localhost'], tmp_path)
    assert (rc != 0) == refused and ("'node_2' is not a host name or IP address" in out) == refused, out


@pytest.mark.parametrize('host, settings, words', [
    ('m1', {'swarm_manager_advertise_addr': '300.1.2.3'}, ["m1: swarm_manager_advertise_addr: '300.1.2.3' is not"]),
    ('m1', {'swarm_manager_listen_addr': '0.0.0.0:99999'}, ['m1: swarm_manager_listen_addr:', '99999']),
    ('m1', {'swarm_manager_data_path_addr': '10.0.0.1:4789'}, ['m1: swarm_manager_data_path_addr:', 'no port']),
    ('m1', {'swarm_manager_advertise_interface': 'eth 0'}, ["swarm_manager_advertise_interface: 'eth 0'"]),
    ('m1', {'swarm_manager_default_addr_pool': ['10.0.0.0/33']}, ['m1: swarm_manager_default_addr_pool:', '/33']),
    ('m1', {'swarm_manager_default_addr_pool': ['10.0.0.0/8', '10.1.0.0/16']}, ['overlaps']),
    ('m1', {'swarm_manager_subnet_size': 40}, ['m1: swarm_manager_subnet_size: 40 is out of range']),
    ('m1', {'swarm_manager_subnet_size': 'big'}, ["m1: swarm_manager_subnet_size: 'big' is not a number"]),
    ('a1', {'swarm_agent_advertise_addr': '0.0.0.0'}, ['a1: swarm_agent_advertise_addr:', 'unspecified']),
    ('a1', {'swarm_agent_listen_addr': ''}, ['a1: swarm_agent_listen_addr:']),
])
def test_the_addresses_a_host_takes_its_place_with_are_refused_before_any_host_changes(host, settings, words):
    problems = inventory_problems(['m1'], ['a1'], {}, address_settings={host: settings})
    assert len(problems) == 1 and problems[0].startswith('Address settings: %s: ' % host), problems
    for word in words:
        assert word in problems[0], problems


@pytest.mark.parametrize('host, settings', [
    ('m1', {'swarm_manager_advertise_addr': '10.0.0.1:2377', 'swarm_manager_listen_addr': 'eth0:2377',
            'swarm_manager_data_path_addr': 'eth1', 'swarm_manager_default_addr_pool': ['10.20.0.0/16'],
            'swarm_manager_subnet_size': 24, 'swarm_manager_advertise_interface': 'eth0'}),
    ('m1', {'swarm_manager_advertise_addr': '', 'swarm_manager_subnet_size': 0,
            'swarm_manager_default_addr_pool': []}),       # the roles' defaults: unset
    ('a1', {'swarm_agent_advertise_addr': '192.168.1.5', 'swarm_agent_listen_addr': '0.0.0.0:2377'}),
    # Each role's own names only: an agent's swarm_manager_* is not its to check.
    ('a1', {'swarm_manager_advertise_addr': '300.1.2.3'}),
])
def test_sound_or_unset_addresses_are_accepted(host, settings):
    assert inventory_problems(['m1'], ['a1'], {}, address_settings={host: settings}) == []


def test_the_classic_backend_reads_the_addresses_otherwise_and_they_are_not_checked_here():
    assert inventory_problems(['m1'], [], {'swarm_backend': 'classic'},
                              address_settings={'m1': {'swarm_manager_advertise_addr': 'node1.example'}}) == []


def test_the_filter_reads_the_addresses_from_hostvars_and_leaves_those_that_need_facts_to_the_module():
    from ansible.errors import AnsibleUndefinedVariable

    class Host(dict):
        def __getitem__(self, key):
            value = dict.__getitem__(self, key)
            if '{{' in str(value):
                raise AnsibleUndefinedVariable("'ansible_eth1' is undefined")
            return value

    hostvars = {'m1': Host(swarm_manager_listen_addr='0.0.0.0:99999'),
                'a1': Host(swarm_agent_advertise_addr='{{ ansible_eth1.ipv4.address }}'),
                'a2': Host(swarm_agent_data_path_addr='10.0.0.2:1')}
    problems = swarm_inventory_problems({}, ['m1'], ['a1', 'a2'], hostvars=hostvars)
    assert [p.split(':')[1].strip() for p in problems] == ['m1', 'a2'], problems


@pytest.mark.parametrize('settings', [{'swarm_agent_listen_addr': ['a', 'list']},
                                      {'swarm_manager_default_addr_pool': '10.0.0.0/8'}])
def test_a_value_of_the_wrong_type_is_left_to_the_argument_specs(settings):
    host = 'a1' if 'swarm_agent_listen_addr' in settings else 'm1'
    assert inventory_problems(['m1'], ['a1'], {}, address_settings={host: settings}) == []
