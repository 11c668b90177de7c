# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side: may this host take its place in the cluster, judging by its Swarm state?

swarm_preflight asks it for every host before anything changes, with the state docker_host_info
read from the host and from the first manager.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: swarm_membership_problem
short_description: Why a host cannot take its place in the cluster as it stands, or an empty string
version_added: 0.1.0
author: dockercluster.swarm maintainers (@dockercluster)
description:
  - Compares a host's Swarm state with the first manager's (both the C(Swarm) section of C(docker info), as
    RV(dockercluster.swarm.docker_host_info#module:swarm) returns it) and returns what stands in the way of
    the host joining as O(role), or an empty string.
  - A host in no swarm, or already in this cluster (in either role, since swarm_manager's nodes step promotes or
    demotes it in place), is fine; so is the first manager itself.
    A manager of this cluster is recognised by the cluster ID, a worker by a manager address in common.
options:
  _input:
    description: The host's Swarm state.
    type: dict
    required: true
  first_manager:
    description: The first manager's Swarm state.
    type: dict
    required: true
  role:
    description: The role the inventory gives the host.
    type: str
    choices: [manager, worker]
    required: true
  is_first:
    description: Whether the host is the first manager.
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: Refuse a host that is in another swarm
  ansible.builtin.assert:
    that: problem == ''
    fail_msg: "{{ inventory_hostname }} {{ problem }}"
  vars:
    problem: >-
      {{ dockercluster_host.swarm
         | dockercluster.swarm.swarm_membership_problem(hostvars[first].dockercluster_host.swarm, 'worker') }}
'''

RETURN = r'''
_value:
  description: What stands in the way (a sentence that follows the host's name), or an empty string.
  type: str
'''


def _manager_hosts(swarm_logic, swarm):
    return {swarm_logic.addr_host(item.get('Addr')) for item in (swarm.get('RemoteManagers') or []) if item} - {''}


def swarm_membership_problem(mine, first_manager, role, is_first=False):
    # Imported when called, not when the file loads: docs/architecture.md, "Filters load lazily".
    from ansible_collections.dockercluster.swarm.plugins.module_utils import swarm_logic

    mine = swarm_logic.swarm_section(mine if isinstance(mine, dict) else {})
    ours = swarm_logic.swarm_section(first_manager if isinstance(first_manager, dict) else {})
    state = swarm_logic.local_state(mine)
    if is_first or state not in ('active', 'locked'):
        return ''
    # This cluster, as far as the first manager knows it: nothing when it is in no swarm yet.
    our_id = (ours.get('Cluster') or {}).get('ID') or '' if swarm_logic.is_manager(ours) else ''
    is_manager = bool(mine.get('ControlAvailable'))
    # In this cluster with the other role: promoted or demoted in place (swarm_manager's nodes step).
    if our_id and is_manager and (mine.get('Cluster') or {}).get('ID') == our_id:
        return ''
    if our_id and not is_manager and _manager_hosts(swarm_logic, mine) & _manager_hosts(swarm_logic, ours):
        return ''
    cluster = ', cluster %s' % (mine.get('Cluster') or {}).get('ID') if is_manager else ''
    return 'is already in another swarm (node %s%s, state %s)' % (mine.get('NodeID'), cluster, state)


class FilterModule(object):
    def filters(self):
        return {'swarm_membership_problem': swarm_membership_problem}
