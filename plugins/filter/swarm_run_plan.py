# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side: the site playbook's plan for the run (plugin_utils/run_plan.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: swarm_run_plan
short_description: Which cluster hosts each play of the site playbook has to act on
version_added: 0.1.0
author: dockercluster.swarm maintainers (@dockercluster)
description:
  - Takes C(hostvars) and returns, from what M(dockercluster.swarm.docker_host_info) found on every host before
    anything changed (each host's registered C(swarm_preflight_probe)), the hosts each play has to act on, by the
    same tests the roles make.
  - Reads of each host C(swarm_preflight_probe), C(swarm_insecure_tcp), C(swarm_port_setup),
    C(swarm_agent_state), C(swarm_manager_force) and C(swarm_agent_force), and C(swarm_backend) of the first
    manager, once each.
options:
  _input:
    description: C(hostvars).
    type: dict
    required: true
  managers:
    description: The cluster's managers, the first one first.
    type: list
    elements: str
    required: true
  agents:
    description: The cluster's agents.
    type: list
    elements: str
    required: true
'''

EXAMPLES = r'''
- name: Work out the run's plan once (run_once sets the fact on every host of the play)
  ansible.builtin.set_fact:
    swarm_run_plan: >-
      {{ hostvars | dockercluster.swarm.swarm_run_plan(groups['swarm_managers'], groups['swarm_agents']) }}
  run_once: true

- name: Leave the hosts with nothing to prepare
  ansible.builtin.meta: end_host
  when: inventory_hostname not in swarm_run_plan.prepare
'''

RETURN = r'''
_value:
  description: The plan.
  type: dict
  contains:
    refused:
      description:
        - Host name to the message swarm_preflight's membership check fails it with
          (P(dockercluster.swarm.swarm_membership_refusal#filter)), for each host it refuses.
      type: dict
    prepare:
      description:
        - The hosts that are not in place (the Docker SDK missing, a listen configuration to change, mutual TLS or
          the proxy port setup, a membership to check). All of them when the first manager's state is unknown.
      type: list
      elements: str
    form:
      description: Whether the managers' play has anything to do (not every host is in this cluster in its role).
      type: bool
    join:
      description: The agents that are not workers of this cluster yet, and those set to leave.
      type: list
      elements: str
    fanout:
      description:
        - Those of O(join) that the first manager can join through their engines
          (M(dockercluster.swarm.swarm_workers)) to stay, with the swarmkit backend, and in no swarm yet.
      type: list
      elements: str
    seen_ready:
      description:
        - True when nothing is to change and the first manager's probe listed every expected host as a Ready node,
          so that the verify's check is made already.
      type: bool
'''


def swarm_run_plan(hostvars, managers, agents):
    # Imported when called, not when the file loads: docs/architecture.md, "Filters load lazily".
    from ansible_collections.dockercluster.swarm.plugins.plugin_utils import run_plan

    return run_plan.run_plan(hostvars, managers, agents)


class FilterModule(object):
    def filters(self):
        return {'swarm_run_plan': swarm_run_plan}
