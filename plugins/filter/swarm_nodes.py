# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side: the node updates (labels, availability, role) that make the cluster's nodes
what the inventory declares; swarm_manager's nodes step gives them to community.docker.docker_node."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: swarm_node_plan
short_description: The node updates that give the cluster's nodes the labels, availability and role the inventory declares
version_added: 0.1.0
author: dockercluster.swarm maintainers (@dockercluster)
description:
  - Takes the cluster's nodes as a manager lists them (C(nodes) of M(community.docker.docker_swarm_info) with
    C(verbose_output=true)) and returns, for each host of O(wanted) whose node differs, the update to make
    with M(community.docker.docker_node) (promotions first, demotions last), and their diff.
  - Labels are managed per key (the keys the host declares; others stay) unless C(exclusive), which removes
    the undeclared ones, except the collection's own (C(dockercluster.swarm.*)).
  - RV(_value.problem) refuses every change when the demotions would leave fewer than a majority of the
    managers (reachable ones counted), naming the numbers.
options:
  _input:
    description: The cluster's nodes (Engine API node objects).
    type: list
    elements: dict
    required: true
  wanted:
    description:
      - "Each host as dict C(name), C(node_id), C(addresses) (what the run knows of it, to find its node),
        C(labels) (a dict, or null if not managed), C(exclusive) (bool), C(availability) (C(active), C(pause),
        C(drain), or empty to leave it) and C(role) (C(manager), C(worker), or empty)."
    type: list
    elements: dict
    required: true
'''

EXAMPLES = r'''
- name: Plan the node updates
  ansible.builtin.debug:
    msg: "{{ read.nodes | dockercluster.swarm.swarm_node_plan([{'name': 'node2', 'labels': {'zone': 'a'}}]) }}"
'''

RETURN = r'''
_value:
  description: The plan.
  type: dict
  contains:
    changes:
      description:
        - One entry per node to update, C(name), C(node_id), C(labels) (the whole set), C(availability),
          C(role) (null where unchanged), C(lines) (what changes).
      type: list
      elements: dict
    missing:
      description: The hosts whose node was not found.
      type: list
      elements: str
    problem:
      description: Why no change may be made, or an empty string.
      type: str
    diff:
      description: C(before) and C(after), keyed by host.
      type: dict
'''


def swarm_node_plan(nodes, wanted):
    # Imported when called, not when the file loads: docs/architecture.md, "Filters load lazily".
    from ansible.errors import AnsibleFilterError
    from ansible_collections.dockercluster.swarm.plugins.module_utils import swarm_nodes

    try:
        return swarm_nodes.plan_nodes(nodes or [], wanted or [])
    except ValueError as exc:
        raise AnsibleFilterError(str(exc))


class FilterModule(object):
    def filters(self):
        return {'swarm_node_plan': swarm_node_plan}
