# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side: would swarm_agent (or swarm_manager) leave this node as it is?

The play read every host's Swarm state (docker_host_info, swarm_preflight's read) before changing
anything; with it, a node that is already where it should be costs no second trip to the host.
The decision is the modules' own (swarm_logic.classify_membership and plan_membership), so the
role skips the module only when the module would do nothing.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: swarm_member_settled
short_description: Whether a node's Swarm state already is the membership a swarm module would converge to
version_added: 0.1.0
author: dockercluster.swarm maintainers (@dockercluster)
description:
  - Takes the C(Swarm) section of a node's C(docker info) (RV(dockercluster.swarm.docker_host_info#module:swarm))
    and returns true when the node is an active member of the cluster whose managers are O(manager_addrs), in
    the role O(role), which is the state in which M(dockercluster.swarm.swarm_agent) and
    M(dockercluster.swarm.swarm_manager) change nothing.
  - Uses the modules' own comparison. Manager addresses are compared by host without resolving names, so a
    host name that the node only knows by IP gives false (the module then runs and decides).
options:
  _input:
    description: The node's Swarm state.
    type: dict
    required: true
  manager_addrs:
    description: The addresses of the cluster's managers (C(host:port)).
    type: list
    elements: str
    required: true
  role:
    description: The role the node should have.
    type: str
    choices: [worker, manager]
    default: worker
  cluster_id:
    description: The cluster's ID, compared with a manager's C(Cluster.ID) when given.
    type: str
  listed:
    description:
      - The IDs of the nodes the cluster lists (RV(dockercluster.swarm.docker_host_info#module:nodes) of a manager).
        When given, a worker whose managers are all O(manager_addrs) but whose node is not listed is not settled,
        as its cluster is gone (the managers were made anew while it ran), and it joins again.
    type: list
    elements: str
'''

EXAMPLES = r'''
- name: Join only where the node is not a worker of this cluster yet
  dockercluster.swarm.swarm_agent:
    remote_addrs: "{{ managers }}"
    join_token: "{{ token }}"
  when: not (dockercluster_host.swarm | dockercluster.swarm.swarm_member_settled(managers))
'''

RETURN = r'''
_value:
  description: True when the module would leave the node as it is.
  type: bool
'''


def swarm_member_settled(swarm, manager_addrs, role='worker', cluster_id=None, listed=None):
    # Imported when called, not when the file loads: docs/architecture.md, "Filters load lazily".
    from ansible_collections.dockercluster.swarm.plugins.module_utils import swarm_logic

    if not isinstance(swarm, dict) or not manager_addrs:
        return False
    try:
        expected = swarm_logic.expand_manager_addrs(manager_addrs)
        membership = swarm_logic.classify_membership(swarm, expected, cluster_id or None, role)
    except ValueError:
        return False
    steps, problem = swarm_logic.plan_membership(membership, role, False)
    if role == 'worker' and listed is not None and swarm_logic.worker_gone(swarm, expected, listed):
        return False
    return not steps and problem is None


class FilterModule(object):
    def filters(self):
        return {'swarm_member_settled': swarm_member_settled}
