# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side check of the cluster's inventory: swarm_preflight's first play, in one task."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: swarm_inventory_problems
short_description: What is wrong with a cluster's inventory, as a list of sentences
version_added: 0.1.0
author: dockercluster.swarm maintainers (@dockercluster)
description:
  - Checks the inventory groups and the cluster-wide settings before any host is touched, and returns one
    sentence per problem (an empty list when there is none).
  - No manager; a host in both groups; an even number of managers (unless C(swarm_allow_even_managers));
    a host whose C(ansible_python_interpreter) is a Python 2 (C(python2), C(python2.7); with O(hostvars));
    a C(swarm_backend) or C(swarm_port_setup) outside O(backends) or O(port_setups); a C(swarm_engine_port)
    that is not a port, a C(swarm_join_from_manager) that is not a boolean; a C(swarm_rotate_tokens) or
    C(swarm_firewall) outside its choices (a rotation with the classic backend); with the proxy, a
    C(docker_listen_addresses) entry on C(docker_proxy_port); with the classic backend, a manager whose
    container would publish the cluster port without client authentication (C(swarm_manager_classic_tls_verify)
    false, or its C(swarm_manager_classic_tls_*) files emptied) without C(swarm_insecure_tcp) (each manager's
    own variables with O(hostvars), else the first manager's).
options:
  _input:
    description:
      - The cluster-wide variables as the first manager sees them; keys C(swarm_allow_even_managers),
        C(swarm_backend), C(swarm_port_setup), C(swarm_engine_port), C(swarm_join_from_manager),
        C(swarm_rotate_tokens), C(swarm_firewall),
        C(docker_proxy_port), C(docker_listen_addresses), and with the classic backend C(swarm_insecure_tcp),
        C(swarm_cluster_port), C(swarm_manager_classic_tls_verify) and the C(swarm_manager_classic_tls_*) files. A missing
        key takes the roles' default. A host's C(hostvars) will do, as only these keys are read.
    type: dict
    required: true
  managers:
    description: The manager group's hosts, the first one first.
    type: list
    elements: str
    required: true
  agents:
    description: The agent group's hosts.
    type: list
    elements: str
    required: true
  manager_group:
    description: The manager group's name, for the messages.
    type: str
    default: swarm_managers
  agent_group:
    description: The agent group's name, for the messages.
    type: str
    default: swarm_agents
  backends:
    description: The values C(swarm_backend) may take.
    type: list
    elements: str
    default: [swarmkit, classic]
  port_setups:
    description: The values C(swarm_port_setup) may take.
    type: list
    elements: str
    default: [daemon, proxy]
  hostvars:
    description:
      - The play's C(hostvars), to read each manager's own classic TLS settings and C(swarm_insecure_tcp), and
        every host's C(ansible_python_interpreter) and day-two settings (C(swarm_node_labels),
        C(swarm_node_labels_exclusive), C(swarm_node_availability), C(swarm_manager_availability)), and in Swarm
        mode the addresses each host takes its place with, as swarm_manager and swarm_agent check them
        (C(swarm_manager_advertise_addr), C(swarm_manager_advertise_interface), C(swarm_manager_listen_addr),
        C(swarm_manager_data_path_addr), C(swarm_manager_default_addr_pool), C(swarm_manager_subnet_size) on the
        managers, the C(swarm_agent_) ones on the agents). Only those keys are read; one that needs facts not
        gathered yet is left to its module. Without it, only the first manager's (the input) are checked.
    type: dict
'''

EXAMPLES = r'''
- name: Check the inventory
  ansible.builtin.assert:
    that: problems | length == 0
    fail_msg: "{{ problems | join(' ') }}"
  vars:
    problems: >-
      {{ hostvars[groups['swarm_managers'][0]]
         | dockercluster.swarm.swarm_inventory_problems(groups['swarm_managers'], groups['swarm_agents']) }}
'''

RETURN = r'''
_value:
  description: One sentence per problem; empty when the inventory is fine.
  type: list
  elements: str
'''


from ansible.errors import AnsibleError  # noqa: E402 - after the documentation


def swarm_inventory_problems(settings, managers, agents, manager_group='swarm_managers', agent_group='swarm_agents',
                             backends=None, port_setups=None, hostvars=None):
    # Imported when called, not when the file loads: docs/architecture.md, "Filters load lazily".
    from ansible_collections.dockercluster.swarm.plugins.plugin_utils import inventory_checks

    managers = list(managers or [])
    manager_settings = interpreters = node_settings = address_settings = None
    if hostvars is not None:
        # Each hostvars[host] gathers the host's variables anew: once per host.
        found_hosts = dict((host, hostvars[host]) for host in managers + list(agents or []) if host in hostvars)
        manager_settings = dict((host, found_hosts[host]) for host in managers if host in found_hosts)
        interpreters, node_settings, address_settings = {}, {}, {}
        for host, hv in found_hosts.items():
            if 'ansible_python_interpreter' in hv:
                interpreters[host] = hv['ansible_python_interpreter']
            for names, kept in ((inventory_checks.NODE_SETTINGS, node_settings),
                                (inventory_checks.ADDRESS_SETTINGS, address_settings)):
                found = _set_here(hv, names)
                if found:
                    kept[host] = found
    return inventory_checks.inventory_problems(
        managers, agents, settings, manager_group, agent_group,
        backends or inventory_checks.BACKENDS, port_setups or inventory_checks.PORT_SETUPS, manager_settings,
        interpreters, node_settings, address_settings)


def _set_here(hv, names):
    """The variables among ``names`` the host sets, as the controller can read them now: one that needs facts
    not gathered yet is left to its module, which checks it on the host."""
    found = {}
    for name in names:
        try:
            if name in hv:
                found[name] = hv[name]
        except AnsibleError:  # an undefined variable in its template
            continue
    return found


class FilterModule(object):
    def filters(self):
        return {'swarm_inventory_problems': swarm_inventory_problems}
