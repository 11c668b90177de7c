# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side: what keeps a list of nodes from being the cluster swarm_info waits for.

The site playbook's probe lists the nodes on the first manager before anything changes
(docker_host_info, gather_subset nodes). When the run then changes nothing, that list, judged
here by swarm_info's own check, stands for the verify play's wait.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: swarm_nodes_problems
short_description: What keeps the named hosts from all being Ready nodes of a cluster
version_added: 0.1.0
author: dockercluster.swarm maintainers (@dockercluster)
description:
  - Takes a cluster's nodes as M(dockercluster.swarm.swarm_info) or M(dockercluster.swarm.docker_host_info)
    return them (RV(dockercluster.swarm.docker_host_info#module:nodes)) and returns what stands between them
    and O(expect_ready), in the words of M(dockercluster.swarm.swarm_info)'s own check (hosts not in the
    cluster, hosts not Ready); an empty list when every named host has a Ready node.
  - Names match the nodes' host names as in M(dockercluster.swarm.swarm_info) (short names match an FQDN's
    first label). A missing list of nodes (null) is a problem in itself.
options:
  _input:
    description: The cluster's nodes.
    type: list
    elements: dict
    required: true
  expect_ready:
    description: The hosts that must each have a Ready node.
    type: list
    elements: str
    required: true
'''

EXAMPLES = r'''
- name: Wait for the nodes only if the probe did not already see them all Ready
  dockercluster.swarm.swarm_info:
    expect_ready: "{{ hosts }}"
    wait_timeout: 90
  when: probe.nodes | dockercluster.swarm.swarm_nodes_problems(hosts) | length > 0
'''

RETURN = r'''
_value:
  description: The problems found, each a sentence; empty when there is none.
  type: list
  elements: str
'''


def swarm_nodes_problems(nodes, expect_ready):
    # Imported when called, not when the file loads: docs/architecture.md, "Filters load lazily".
    from ansible_collections.dockercluster.swarm.plugins.module_utils import swarm_logic

    if not isinstance(nodes, list):
        return ['no list of nodes']
    return swarm_logic.check_expectations(nodes, list(expect_ready))['problems']


class FilterModule(object):
    def filters(self):
        return {'swarm_nodes_problems': swarm_nodes_problems}
