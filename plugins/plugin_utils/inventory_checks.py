# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side: what is wrong with a cluster's inventory, before any host is touched.

swarm_preflight checks it all in one task (each task costs the run a worker), through the
swarm_inventory_problems filter; the classic discovery check stays in classic_discovery.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from collections.abc import Mapping

# The bool filter itself: the opt-in reads as it did in the role's YAML (`| bool`).
from ansible.plugins.filter.core import to_bool

BACKENDS = ('swarmkit', 'classic')
PORT_SETUPS = ('daemon', 'proxy')
ROTATE_TOKENS = ('none', 'worker', 'manager', 'both')
FIREWALLS = ('none', 'firewalld')
# What the bool filter reads as true or false (it takes anything else for false, silently).
BOOL_WORDS = ('true', 'false', 'yes', 'no', 'on', 'off', '1', '0', 'y', 'n', 't', 'f')
NODE_SETTINGS = ('swarm_node_labels', 'swarm_node_labels_exclusive', 'swarm_node_availability', 'swarm_manager_availability')
# The addresses a node takes its place with (address_problems), as the inventory may set them.
ADDRESS_SETTINGS = tuple(role + name for role in ('swarm_manager_', 'swarm_agent_') for name in
                         ('advertise_addr', 'advertise_interface', 'listen_addr', 'data_path_addr')) + (
    'swarm_manager_default_addr_pool', 'swarm_manager_subnet_size')
# An interpreter that is Python 2 by its name (python2, python2.7; `/usr/bin/env python2` too). A plain
# `python` is let through: it is Python 3 on many systems (python-is-python3, Fedora, Arch); where it
# is Python 2 (CentOS 7), the first module run (docker_listen's read) fails with the same advice.
PYTHON2 = re.compile(r'(^|/)python2(\.\d+)?$')
PYTHON3_ADVICE = ("the collection's modules need Python 3.6 or newer on the hosts (CentOS 7 comes with Python 2.7 "
                  "only). Install python3 there (CentOS 7: yum install python3) and set "
                  "ansible_python_interpreter=/usr/bin/python3.")


def python2_interpreter(interpreter):
    """True when an ansible_python_interpreter value names a Python 2."""
    words = str(interpreter or '').split()
    return bool(words) and bool(PYTHON2.search(words[-1]))


def python2_problem(interpreters):
    """A sentence naming the hosts whose ansible_python_interpreter is a Python 2, or None.

    ``interpreters`` maps a host to its ansible_python_interpreter (None or absent: discovered)."""
    found = ['%s (%s)' % (host, value) for host, value in (interpreters or {}).items() if python2_interpreter(value)]
    if not found:
        return None
    return 'Python 2 is set as ansible_python_interpreter on %s: %s' % (', '.join(found), PYTHON3_ADVICE)


# The classic manager's TLS settings (the swarm_manager role's variables) that leave its published port
# without client authentication; swarm_insecure_tcp accepts that.
CLASSIC_TLS_FILES = ('swarm_manager_classic_tls_ca_cert', 'swarm_manager_classic_tls_cert',
                     'swarm_manager_classic_tls_key')


def _unset(host_settings, name):
    """True when the variable is set to nothing ('' or null); a value that cannot be read here counts as set."""
    try:
        if name not in host_settings:
            return False
        value = host_settings.get(name)
    except Exception:  # a template of role variables, undefined on the controller
        return False
    return value is None or value == ''


def classic_unauthenticated(host_settings):
    """How a classic manager with these variables would publish its port without client authentication, or None."""
    if to_bool(host_settings.get('swarm_insecure_tcp', False)):
        return None
    if any(_unset(host_settings, name) for name in CLASSIC_TLS_FILES):
        return 'no TLS files (%s empty)' % ', '.join(name for name in CLASSIC_TLS_FILES if _unset(host_settings, name))
    if not to_bool(host_settings.get('swarm_manager_classic_tls_verify', True)):
        return '--tls without --tlsverify (swarm_manager_classic_tls_verify false)'
    return None


def node_settings_problems(managers, host_settings):
    """Day two's per-host settings (swarm_node_labels, swarm_node_labels_exclusive, swarm_node_availability,
    and on managers swarm_manager_availability), one sentence per host and setting that is wrong."""
    from ansible_collections.dockercluster.swarm.plugins.module_utils.swarm_nodes import validate_wanted

    problems = []
    for host in sorted(host_settings or {}):
        hv = host_settings[host]
        checks = [dict(name=host, labels=hv.get('swarm_node_labels')),
                  dict(name=host, availability=hv.get('swarm_node_availability'))]
        if host in managers:
            checks.append(dict(name=host, availability=hv.get('swarm_manager_availability'),
                               availability_from='swarm_manager_availability'))
        for item in checks:
            try:
                validate_wanted(item)
            except ValueError as exc:
                problems.append('Node settings: %s' % exc)
        exclusive = hv.get('swarm_node_labels_exclusive', False)
        if not isinstance(exclusive, bool) and str(exclusive).lower() not in BOOL_WORDS:
            problems.append('Node settings: %s: swarm_node_labels_exclusive %r is not true or false.' % (host, exclusive))
    return problems


def address_problems(managers, host_settings):
    """The addresses each host takes its place in the cluster with (swarm_manager_* on the managers, with the
    init's address pools, swarm_agent_* on the agents), checked as their modules check them, one sentence
    per host; Swarm mode only (the classic backend reads them otherwise)."""
    from ansible_collections.dockercluster.swarm.plugins.module_utils import swarm_logic

    problems = []
    for host in host_settings or {}:  # the inventory's order
        hv = host_settings[host]
        role = 'swarm_manager_' if host in managers else 'swarm_agent_'
        # A value of the wrong type is the argument specs' to refuse (swarm_preflight's next check), by its type.
        given = dict((name, hv[role + name]) for name in swarm_logic.ADDRESS_OPTIONS if isinstance(hv.get(role + name), str))
        pools = hv.get('swarm_manager_default_addr_pool') or []
        size = hv.get('swarm_manager_subnet_size') or None
        try:
            swarm_logic.validate_member_addrs(**given)
            if host in managers and isinstance(pools, list) and all(isinstance(pool, str) for pool in pools):
                if size is not None and not str(size).isdigit():
                    raise ValueError('subnet_size: %r is not a number' % (size,))
                swarm_logic.validate_addr_pools(pools, int(size) if size is not None else None)
        except ValueError as exc:
            problems.append('Address settings: %s: %s%s.' % (host, role, exc))
    return problems


def inventory_problems(managers, agents, settings, manager_group='swarm_managers', agent_group='swarm_agents',
                       backends=BACKENDS, port_setups=PORT_SETUPS, manager_settings=None, interpreters=None,
                       node_settings=None, address_settings=None):
    """Sentences naming each problem, in the order a reader fixes them; empty when there is none.

    ``settings`` are the cluster-wide variables as the first manager sees them (the inventory's
    group_vars apply there): swarm_allow_even_managers, swarm_backend, swarm_port_setup,
    swarm_engine_port, swarm_join_from_manager, swarm_rotate_tokens, swarm_firewall, docker_proxy_port,
    docker_listen_addresses (classic: also swarm_insecure_tcp, swarm_cluster_port and the
    swarm_manager_classic_tls_* settings); any mapping (a host's hostvars: only these keys are read, so only
    these are templated). Missing ones take the roles' defaults.

    ``manager_settings`` maps each manager to its own variables (hostvars): with the classic backend,
    a manager whose container would publish the cluster port without client authentication
    (swarm_manager_classic_tls_verify false, or its TLS files emptied) needs swarm_insecure_tcp there.
    Without it, only the first manager's ``settings`` are checked.

    ``interpreters`` maps each cluster host to its ansible_python_interpreter: a Python 2 is refused.

    ``node_settings`` maps cluster hosts to the day-two variables they set (node_settings_problems).

    ``address_settings`` maps cluster hosts to the address variables they set (address_problems).
    """
    managers, agents = list(managers or []), list(agents or [])
    settings = settings if isinstance(settings, Mapping) else {}
    problems = []
    if not managers:
        problems.append("The inventory group '%s' is empty or missing: the cluster needs at least one manager "
                        "(the first one initialises it)." % manager_group)
    both = [host for host in managers if host in agents]
    if both:
        problems.append("Hosts in both '%s' and '%s': %s. A node is a manager or an agent, not both."
                        % (manager_group, agent_group, ', '.join(both)))
    if len(managers) % 2 == 0 and managers and not to_bool(settings.get('swarm_allow_even_managers', False)):
        problems.append("%d managers: Raft needs a majority, so an even number tolerates no more failures than "
                        "one fewer, and a split into two halves cannot elect a leader. Use 1, 3 or 5 managers, "
                        "or set swarm_allow_even_managers: true." % len(managers))
    python2 = python2_problem(interpreters)
    if python2:
        problems.append(python2)
    backend = settings.get('swarm_backend', 'swarmkit')
    if backend not in backends:
        problems.append("swarm_backend '%s' is not one of: %s." % (backend, ', '.join(backends)))
    port_setup = settings.get('swarm_port_setup', 'daemon')
    if port_setup not in port_setups:
        problems.append("swarm_port_setup '%s' is not one of: %s." % (port_setup, ', '.join(port_setups)))
    engine_port = settings.get('swarm_engine_port', 2375)
    if not (str(engine_port).isdigit() and 0 < int(engine_port) < 65536):
        problems.append("swarm_engine_port %r is not a TCP port (1-65535): the first manager reaches the agents' "
                        "engines on it." % (engine_port,))
    join_from_manager = settings.get('swarm_join_from_manager', True)
    if not isinstance(join_from_manager, bool) and str(join_from_manager).lower() not in BOOL_WORDS:
        problems.append("swarm_join_from_manager %r is not true or false." % (join_from_manager,))
    rotate = settings.get('swarm_rotate_tokens', 'none')
    if str(rotate or 'none') not in ROTATE_TOKENS:
        problems.append("swarm_rotate_tokens %r is not one of: %s." % (rotate, ', '.join(ROTATE_TOKENS)))
    elif backend == 'classic' and str(rotate or 'none') != 'none':
        problems.append("swarm_rotate_tokens is %s, but classic Swarm has no join tokens (swarm_backend is "
                        "classic)." % rotate)
    firewall = settings.get('swarm_firewall', 'none')
    if str(firewall or 'none') not in FIREWALLS:
        problems.append("swarm_firewall %r is not one of: %s." % (firewall, ', '.join(FIREWALLS)))
    if backend == 'classic' and managers:
        per_host = manager_settings if isinstance(manager_settings, Mapping) else {managers[0]: settings}
        found = []
        for host in managers:
            how = classic_unauthenticated(per_host[host]) if host in per_host else None
            if how:
                found.append('%s (%s)' % (host, how))
        if found:
            problems.append("Classic Swarm: the manager container on %s would publish the cluster port (%s) without "
                            "client authentication: anyone who reaches the port commands every engine of the "
                            "cluster through it. Leave swarm_manager_classic_tls_verify and "
                            "the TLS files at their defaults (mutual TLS), or set swarm_insecure_tcp: true to accept "
                            "that." % (', '.join(found), settings.get('swarm_cluster_port', 2376)))
    if port_setup == 'proxy':
        port = settings.get('docker_proxy_port', 2375)
        clash = [addr for addr in settings.get('docker_listen_addresses') or []
                 if re.match(r'^tcp://.*:%s$' % re.escape(str(port)), str(addr))]
        if clash:
            problems.append("swarm_port_setup is proxy (the shipyard-proxy container on TCP %s), but "
                            "docker_listen_addresses also asks dockerd to listen on %s. Both cannot hold the same "
                            "port: use one method (swarm_port_setup: daemon, or proxy without that address), or "
                            "move docker_proxy_port." % (port, ', '.join(clash)))
    problems.extend(node_settings_problems(managers, node_settings))
    if backend == 'swarmkit':
        problems.extend(address_problems(managers, address_settings))
    return problems
