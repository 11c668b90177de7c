#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: dockercluster.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: swarm_token
short_description: Read (and rotate) the join tokens of a Swarm-mode cluster
version_added: 0.1.0
description:
  - Run on a manager of the cluster. Returns the worker and manager join tokens, the cluster ID and the
    managers' addresses, which M(dockercluster.swarm.swarm_manager) and M(dockercluster.swarm.swarm_agent) take.
  - With O(rotate), replaces the named tokens first. Nodes already in the cluster are not affected;
    the old tokens stop working for new joins.
  - Fails on a host that is not an active manager.
author:
  - dockercluster.swarm maintainers (@dockercluster)
extends_documentation_fragment:
  - dockercluster.swarm.docker_api
  - dockercluster.swarm.backend
attributes:
  check_mode:
    support: full
    description: With O(rotate), reports C(changed) without rotating; the tokens returned are the current ones.
  diff_mode:
    support: none
    description: Tokens are secrets; RV(rotated) says which were rotated instead of a diff.
options:
  rotate:
    description:
      - Tokens to replace before returning them.
    type: list
    elements: str
    choices: [worker, manager]
    default: []
notes:
  - The tokens are secrets and are returned in clear, so tasks calling this module must set C(no_log) to
    C(true), and registered results must not be printed.
seealso:
  - module: dockercluster.swarm.swarm_manager
  - module: dockercluster.swarm.swarm_agent
'''

EXAMPLES = r'''
- name: Read the join tokens on the first manager
  dockercluster.swarm.swarm_token:
  register: swarm_tokens
  no_log: true

- name: Rotate the worker token (e.g. after it leaked)
  dockercluster.swarm.swarm_token:
    rotate: [worker]
  no_log: true
'''

RETURN = r'''
worker_token:
  description: The worker join token (after rotation, the new one).
  returned: success
  type: str
  sample: SWMTKN-1-3pu6hszjas19xyp7ghgosyx9k8atbfcr8p2is99znpy26u2lkl-1awxwuwd3z9j1z3puu7rcgdbx
manager_token:
  description: The manager join token (after rotation, the new one).
  returned: success
  type: str
  sample: SWMTKN-1-3pu6hszjas19xyp7ghgosyx9k8atbfcr8p2is99znpy26u2lkl-7p73s1dx5in4tatdymyhg9hu2
cluster_id:
  description: The cluster's ID.
  returned: success
  type: str
  sample: 9xk2ho0pqfzrb8hk0upy6pxc1
manager_addrs:
  description: C(addr:port) of every manager of the cluster, sorted.
  returned: success
  type: list
  elements: str
  sample: [10.0.11.150:2377]
rotated:
  description: The tokens rotated (in check mode, that would be rotated).
  returned: success
  type: list
  elements: str
  sample: [worker]
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.dockercluster.swarm.plugins.module_utils import (
    swarm_logic as logic,
)
from ansible_collections.dockercluster.swarm.plugins.module_utils.docker_api import (
    ENGINE_ERRORS,
    SwarmkitEngine,
    docker_api_argspec,
    engine_error,
    get_api_client,
)


def not_manager_message(swarm):
    facts = logic.membership_facts(swarm)
    return ('host is not a Swarm manager (LocalNodeState=%s, ControlAvailable=%s): run this on a manager of the '
            'cluster' % (facts['local_node_state'], 'true' if facts['control_available'] else 'false'))


class SwarmToken(object):

    def __init__(self, module, engine):
        self.module = module
        self.engine = engine
        self.doing = 'reading the swarm state'

    def run(self):
        try:
            result = self.tokens()
        except ENGINE_ERRORS as exc:
            engine_error(self.module, exc, self.doing)
        self.module.exit_json(**result)

    def tokens(self):
        rotate = sorted(set(self.module.params['rotate'] or []))
        swarm = self.engine.swarm_info()
        if not logic.is_manager(swarm):
            self.module.fail_json(msg=not_manager_message(swarm))
        self.doing = 'inspecting the swarm'
        inspect = self.engine.inspect()
        if rotate and not self.module.check_mode:
            self.doing = 'rotating the %s token%s' % (' and '.join(rotate), 's' if len(rotate) > 1 else '')
            self.engine.rotate_tokens(inspect, worker='worker' in rotate, manager='manager' in rotate)
            self.doing = 'inspecting the swarm'
            inspect = self.engine.inspect()
        self.doing = 'listing the cluster nodes'
        nodes = logic.summarize_nodes(self.engine.nodes())
        tokens = inspect.get('JoinTokens') or {}
        return dict(changed=bool(rotate), rotated=rotate, worker_token=tokens.get('Worker'),
                    manager_token=tokens.get('Manager'), cluster_id=inspect.get('ID'),
                    manager_addrs=logic.manager_addrs_from(swarm, nodes))


def main():
    argument_spec = docker_api_argspec(
        backend=dict(type='str', default='swarmkit', choices=['swarmkit']),
        rotate=dict(type='list', elements='str', choices=['worker', 'manager'], default=[]),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    SwarmToken(module, SwarmkitEngine(get_api_client(module))).run()


if __name__ == '__main__':
    main()
