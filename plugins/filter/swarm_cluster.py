# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side: the cluster the inventory's hosts are in, and the manager to use for it.

swarm_preflight's host entry point asks it once, after every host's read, before any change.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: swarm_cluster_choice
short_description: The cluster the inventory's hosts are in, and the manager to use for it
version_added: 0.1.0
author: dockercluster.swarm maintainers (@dockercluster)
description:
  - Takes every inventory host's Swarm state, as its own engine reported it, and returns the cluster they are
    in (the one the inventory's managers are managers of, whichever host comes first; a rebuilt first manager
    in no swarm joins it), and an active manager of it that answered, to initialise from, read the tokens on,
    join the agents and verify through.
  - A new cluster (RV(_value.create)) only when no inventory manager is in a swarm and every manager was read.
  - RV(_value.problem) names both clusters when the managers are in two, or the managers that could not be
    read when none is in a swarm; swarm_preflight then fails every host before any change.
  - RV(_value.refusals) judges each host against the manager to use. A host in no swarm, or in this cluster in
    either role (swarm_manager promotes or demotes it in place), may take its place.
options:
  _input:
    description:
      - The inventory's hosts, managers first, each a dict C(name), C(manager) (listed as a manager), C(swarm)
        (RV(dockercluster.swarm.docker_host_info#module:swarm); null when it could not be read), C(force)
        (C(swarm_manager_force) or C(swarm_agent_force)), and optionally C(advertise_addr) and
        C(advertise_interface) (its role's settings) and C(addresses) (its read's, interface to address).
    type: list
    elements: dict
    required: true
'''

EXAMPLES = r'''
- name: Find the cluster from every host's read
  ansible.builtin.set_fact:
    cluster: "{{ hosts | dockercluster.swarm.swarm_cluster_choice }}"
  run_once: true
'''

RETURN = r'''
_value:
  description: The cluster.
  type: dict
  contains:
    id:
      description: The cluster's ID; empty when a cluster is to be created.
      type: str
    create:
      description: No inventory host is in a swarm, every manager was read; the first manager initialises one.
      type: bool
    manager:
      description: The manager to use; with RV(_value.create), the first manager.
      type: str
    first:
      description: The first manager of the inventory.
      type: str
    members:
      description: The inventory hosts in the cluster.
      type: list
      elements: str
    unread:
      description: The inventory hosts that were not read (failed, unreachable, or not in the play).
      type: list
      elements: str
    problem:
      description: Why no host may change, or an empty string.
      type: str
    notes:
      description:
        - What the run says and leaves as it is, a sentence each. The manager that answers when it is not the first
          one; each node whose settings name another address than the one it joined with (a node keeps it).
      type: list
      elements: str
    refusals:
      description:
        - Each host's verdict, by name, the sentence that fails it before any change, or an empty string.
        - The cluster's RV(_value.problem) refuses every host; else a host in another swarm, or a manager of
          another swarm with other nodes (not advised to force), is refused unless its C(force) is set.
      type: dict
'''


def swarm_cluster_choice(hosts):
    # Imported when called, not when the file loads: docs/architecture.md, "Filters load lazily".
    from ansible.plugins.filter.core import to_bool
    from ansible_collections.dockercluster.swarm.plugins.module_utils import swarm_logic

    items = []
    for host in hosts or []:
        items.append(dict(name=host['name'], manager=to_bool(host.get('manager')),
                          swarm=host.get('swarm') if isinstance(host.get('swarm'), dict) else None,
                          force=to_bool(host.get('force')), advertise_addr=host.get('advertise_addr') or '',
                          advertise_interface=host.get('advertise_interface') or '',
                          addresses=host.get('addresses') if isinstance(host.get('addresses'), dict) else {}))
    return swarm_logic.find_cluster(items)


class FilterModule(object):
    def filters(self):
        return {'swarm_cluster_choice': swarm_cluster_choice}
