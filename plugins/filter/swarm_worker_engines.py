# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side: the agents' engines as swarm_workers takes them (its ``workers`` option)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: swarm_worker_engines
short_description: The agents' engines, as the swarm_workers module takes them
version_added: 0.1.0
author: dockercluster.swarm maintainers (@dockercluster)
description:
  - Takes C(hostvars) and returns, for each host of O(hosts) whose C(swarm_agent_state) is not C(absent) (and
    which does not set both C(swarm_agent_advertise_addr) and C(swarm_agent_advertise_interface), which the
    C(swarm_agent) role refuses together), the entry of M(dockercluster.swarm.swarm_workers)'s O(dockercluster.swarm.swarm_workers#module:workers) option.
  - The engine is reached at C(tcp://HOST:PORT), where HOST is the host's C(swarm_agent_advertise_addr) when
    set (the address the managers reach it at), else its C(ansible_host), else its inventory name (the names
    its server certificate carries); its C(swarm_agent_advertise_addr) or C(swarm_agent_advertise_interface),
    C(swarm_agent_listen_addr) and C(swarm_agent_data_path_addr) are passed on. Each host is read once.
options:
  _input:
    description: C(hostvars).
    type: dict
    required: true
  hosts:
    description: The agents to join.
    type: list
    elements: str
    required: true
  port:
    description: The port of the engines' API (the guide's C(2375)).
    type: int
    default: 2375
'''

EXAMPLES = r'''
- name: Join the agents from the first manager
  dockercluster.swarm.swarm_workers:
    workers: "{{ hostvars | dockercluster.swarm.swarm_worker_engines(groups['swarm_agents']) }}"
  delegate_to: "{{ groups['swarm_managers'][0] }}"
  run_once: true
'''

RETURN = r'''
_value:
  description: One dict per host (name, docker_host, and the address options that are set).
  type: list
  elements: dict
'''


def _host_part(addr):
    """The host of an ``address[:port]`` (IPv6 in brackets or bare); ValueError when malformed."""
    # Imported when called, not when the file loads: docs/architecture.md, "Filters load lazily".
    from ansible_collections.dockercluster.swarm.plugins.module_utils.swarm_logic import split_host_port

    return split_host_port(addr)[0]


def worker_engine(name, host_vars, port=2375):
    """The swarm_workers entry for one host, from its variables; None when it is set to leave."""
    if host_vars.get('swarm_agent_state', 'present') == 'absent':
        return None
    advertise = host_vars.get('swarm_agent_advertise_addr') or ''
    if advertise and host_vars.get('swarm_agent_advertise_interface'):
        return None  # both set: left to the role, which refuses them together
    try:
        host = _host_part(advertise) if advertise else (host_vars.get('ansible_host') or name)
    except ValueError:
        return None  # a malformed address: left to the role, whose checks name it
    if ':' in host:
        host = '[%s]' % host
    entry = dict(name=name, docker_host='tcp://%s:%s' % (host, port))
    advertise = advertise or host_vars.get('swarm_agent_advertise_interface') or ''
    if advertise:
        entry['advertise_addr'] = advertise
    for option in ('listen_addr', 'data_path_addr'):
        value = host_vars.get('swarm_agent_' + option)
        if value:
            entry[option] = value
    return entry


def swarm_worker_engines(hostvars, hosts, port=2375):
    entries = (worker_engine(name, hostvars[name], port) for name in hosts)
    return [entry for entry in entries if entry]


class FilterModule(object):
    def filters(self):
        return {'swarm_worker_engines': swarm_worker_engines}
