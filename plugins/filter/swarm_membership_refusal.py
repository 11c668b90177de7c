# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side: the message that refuses a host its place in the cluster, or ''.

swarm_preflight's membership check (its host entry point) fails a host with it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: swarm_membership_refusal
short_description: Why a host is refused its place in the cluster, as the message to fail it with, or an empty string
version_added: 0.1.0
author: dockercluster.swarm maintainers (@dockercluster)
description:
  - Takes a host's Swarm state and returns the whole sentence, naming the host, that swarm_preflight fails it
    with when the first manager's state is unknown (O(first_manager) is not a dict, because that host failed or
    was unreachable), or when the host is in another swarm or in this one with the other role
    (P(dockercluster.swarm.swarm_membership_problem#filter)) and O(force) is not set.
  - A host that manages another swarm with other nodes is not advised to set O(force) (it would abandon them).
  - An empty string when the host may take its place.
options:
  _input:
    description: The host's Swarm state (RV(dockercluster.swarm.docker_host_info#module:swarm)).
    type: dict
    required: true
  host:
    description: The host's inventory name.
    type: str
    required: true
  first_host:
    description: The first manager's inventory name.
    type: str
    required: true
  first_manager:
    description: The first manager's Swarm state; anything but a dict when it could not be read.
    type: raw
    required: true
  is_manager:
    description: Whether the inventory lists the host as a manager.
    type: bool
    required: true
  force:
    description: Whether the host is to leave whatever swarm it is in and join this one (swarm_manager_force, swarm_agent_force).
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: Check that the host is in no other swarm
  ansible.builtin.assert:
    that: refusal == ''
    fail_msg: "{{ refusal }}"
  vars:
    refusal: >-
      {{ dockercluster_host.swarm | dockercluster.swarm.swarm_membership_refusal(
           inventory_hostname, first, hostvars[first].dockercluster_host.swarm | default(false),
           inventory_hostname in groups['swarm_managers']) }}
'''

RETURN = r'''
_value:
  description: The message, or an empty string.
  type: str
'''


def refusal_message(host, problem, first_host, first_known, is_manager, force=False, others=0):
    """The message for ``host`` given its membership problem (swarm_membership_problem, '' for
    none) and whether the first manager's state was known at all; '' when it is not refused.
    ``others``: the other nodes of the swarm the host manages, which force would abandon."""
    from ansible.plugins.filter.core import to_bool

    if not first_known:
        return ('%s: the first manager, %s, could not be read (it failed or was unreachable), so this host\'s '
                'place in the cluster cannot be checked. Nothing was changed on it.' % (host, first_host))
    if not problem or to_bool(force):
        return ''
    if others:
        return ('%s %s. Nothing was changed on it. It manages that swarm, which has %d other node%s: leaving it '
                'would abandon them. Remove it from the inventory, or move that swarm\'s work elsewhere and '
                'make it leave by hand (docker swarm leave).' % (host, problem, others, '' if others == 1 else 's'))
    return ('%s %s. Nothing was changed on it. Remove it from the inventory, make it leave that swarm (docker '
            'swarm leave), or set %s: true for it to leave and join this cluster.'
            % (host, problem, 'swarm_manager_force' if to_bool(is_manager) else 'swarm_agent_force'))


def swarm_membership_refusal(mine, host, first_host, first_manager, is_manager, force=False):
    # Imported when called, not when the file loads: docs/architecture.md, "Filters load lazily".
    from ansible.plugins.filter.core import to_bool
    from ansible_collections.dockercluster.swarm.plugins.filter.swarm_membership import swarm_membership_problem
    from ansible_collections.dockercluster.swarm.plugins.module_utils import swarm_logic

    first_known = isinstance(first_manager, dict)
    problem = swarm_membership_problem(mine, first_manager, 'manager' if to_bool(is_manager) else 'worker',
                                       host == first_host) if first_known else ''
    swarm = swarm_logic.swarm_section(mine if isinstance(mine, dict) else {})
    try:
        others = max(int(swarm.get('Nodes') or 0) - 1, 0) \
            if swarm_logic.is_manager(swarm) and problem.startswith('is already in another swarm') else 0
    except (TypeError, ValueError):
        others = 0
    return refusal_message(host, problem, first_host, first_known, is_manager, force, others)


class FilterModule(object):
    def filters(self):
        return {'swarm_membership_refusal': swarm_membership_refusal}
