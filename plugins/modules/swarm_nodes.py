#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: dockercluster.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: swarm_nodes
short_description: Give a swarm's nodes the labels, availability and role the inventory declares
version_added: 0.3.0
description:
  - Run on a manager of the cluster. Reads the cluster's nodes once through that manager's unix socket
    (without the Docker SDK), finds the node of each entry of O(nodes), and updates only the nodes that
    differ, in one run for the whole cluster, promotions first and demotions last.
  - Labels are managed per key (the keys an entry declares; the others stay) unless O(nodes[].exclusive),
    which removes the undeclared ones, except the collection's own (C(dockercluster.swarm.*)).
  - With O(remove_replaced), first removes the entries an earlier install of a host left (a machine rebuilt or
    reinstalled joins again as a new node, and its old entry stays, not Ready; a manager's still counts in the
    Raft quorum). An entry is that only when it is not Ready, has another ID than the host's node (the Ready
    one, else the newest, one just joined), is older than that node or that node is Ready, and both its host
    name and an address are that node's. A manager entry is demoted first.
  - Before any update, fails with nothing changed when an entry is not valid, when an entry's node is not in
    the cluster (check mode only reports it in RV(missing), a host the same run would join), or when the
    demotions would break Docker's quorum rule (the managers that remain keep a reachable majority of themselves,
    one demotion after another; at least one remains).
author:
  - dockercluster.swarm maintainers (@dockercluster)
extends_documentation_fragment:
  - dockercluster.swarm.attributes
attributes:
  check_mode:
    description: Reads the nodes and reports the updates it would make (RV(changes)), without making them.
  diff_mode:
    support: full
    description: Each updated node's labels, availability and role before and after, keyed by host; a removed
      entry has only a before.
options:
  nodes:
    description:
      - One entry per inventory host whose node is managed.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: The inventory host.
        type: str
        required: true
      node_id:
        description: Its node ID when the run knows it (its engine's C(NodeID)); else it is found by address or name.
        type: str
        default: ''
      addresses:
        description: Addresses of the host (its interfaces, C(ansible_host), its advertise address), to find its node.
        type: list
        elements: str
        default: []
      labels:
        description:
          - A mapping of label name to value; a null value removes the label. Null or unset leaves the node's labels
            alone.
        type: raw
      exclusive:
        description: Remove the labels O(nodes[].labels) does not declare (never the collection's own).
        type: bool
        default: false
      availability:
        description: V(active), V(pause) or V(drain); empty leaves it.
        type: str
        default: ''
      role:
        description: V(manager) or V(worker); empty leaves it.
        type: str
        default: ''
  remove_replaced:
    description:
      - Remove the entries an earlier install of a listed host left (see the description).
    type: bool
    default: true
  docker_socket:
    description:
      - The manager engine's unix socket.
    type: path
    default: /var/run/docker.sock
seealso:
  - module: community.docker.docker_node
  - module: dockercluster.swarm.swarm_node_drain
'''

EXAMPLES = r'''
- name: Zone labels on the agents, and no tasks on the first manager (once, on a manager)
  dockercluster.swarm.swarm_nodes:
    nodes:
      - {name: node1, availability: drain}
      - {name: node2, addresses: [10.0.11.151], labels: {zone: a, ssd: true}}
      - {name: node3, addresses: [10.0.11.152], labels: {zone: b}, exclusive: true}
  delegate_to: node1
  run_once: true

- name: What a promotion would change, without making it (check mode; --diff shows before and after)
  dockercluster.swarm.swarm_nodes:
    nodes:
      - {name: node2, role: manager}
  check_mode: true
  delegate_to: node1
  run_once: true
'''

RETURN = r'''
changes:
  description: One entry per node updated (in check mode, to update), in the order made.
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: The inventory host.
      type: str
    node_id:
      description: Its node's ID.
      type: str
    lines:
      description: What changed, one line each.
      type: list
      elements: str
      sample: ["label zone: 'b' -> 'c'", promoted (worker -> manager)]
summary:
  description: RV(removed) and RV(changes) as one line per node.
  returned: success
  type: list
  elements: str
  sample: ["node4: label zone: 'b' -> 'c'; availability active -> drain"]
removed:
  description: The entries of earlier installs removed (in check mode, to remove), each as the host, the entry's
    node ID and role.
  returned: success
  type: list
  elements: dict
  sample: [{name: node1, node_id: 9x3k1n2v7c8q, role: manager}]
missing:
  description: The entries whose node is not in the cluster (yet); only in check mode, where that is no failure.
  returned: success
  type: list
  elements: str
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.dockercluster.swarm.plugins.module_utils.docker_ping import unix_request
from ansible_collections.dockercluster.swarm.plugins.module_utils.swarm_drain import (
    EngineError,
    SocketEngine,
    update_spec,
)
from ansible_collections.dockercluster.swarm.plugins.module_utils.swarm_nodes import plan_entries, validate_wanted

NOTHING_CHANGED = 'Nothing was changed on the nodes.'


class SwarmNodes(object):

    def __init__(self, module, engine=None):
        self.module = module
        self.engine = engine or SocketEngine(module.params['docker_socket'], 30, unix_request)

    def plan(self):
        """The updates, from one read of the nodes; fails (nothing changed) on a bad entry, a missing
        node outside check mode, or a demotion below majority."""
        try:
            entries = [validate_wanted(item) for item in self.module.params['nodes']]
        except ValueError as exc:
            self.module.fail_json(msg='%s %s' % (exc, NOTHING_CHANGED))
        plan = plan_entries(self.engine.nodes(), entries, self.module.params['remove_replaced'])
        if plan['problem']:
            self.module.fail_json(msg=plan['problem'])
        if plan['missing'] and not self.module.check_mode:
            self.module.fail_json(msg='No node found in the cluster for %s. %s'
                                  % (', '.join(plan['missing']), NOTHING_CHANGED), missing=plan['missing'])
        return plan

    def update(self, change):
        """One node's update on its spec as it is now (its version read again on a race)."""
        def edit(node):
            # The inventory's names (labels, availability, role) to the Engine API's.
            return dict(node.get('Spec') or {}, **dict((key.capitalize(), value)
                                                       for key, value in change['after'].items()))
        update_spec(self.engine, change['node_id'], edit)

    def remove(self, entry):
        """An earlier install's entry, demoted first if a manager (Swarm removes no manager)."""
        if entry['role'] == 'manager':
            self.update(dict(node_id=entry['node_id'], after=dict(role='worker')))
        self.engine.remove_node(entry['node_id'])

    def run(self):
        plan = self.plan()
        removed, changed = plan['removals'], plan['changes']
        if not self.module.check_mode:
            removed, changed = [], []
            try:
                for entry in plan['removals']:
                    self.remove(entry)
                    removed.append(entry)
                for change in plan['changes']:
                    self.update(change)
                    changed.append(change)
            except EngineError as exc:
                # What was done before the error is reported as done: the run changed the cluster.
                self.module.fail_json(msg='the cluster\'s nodes, through the manager engine at unix://%s: %s'
                                      % (self.module.params['docker_socket'], exc), **self.result(removed, changed))
        result = self.result(removed, changed)
        if self.module._diff:
            result['diff'] = plan['diff']
        self.module.exit_json(missing=plan['missing'], **result)

    @staticmethod
    def result(removed, changed):
        changes = [dict(name=c['name'], node_id=c['node_id'], lines=c['lines']) for c in changed]
        return dict(changed=bool(changes or removed), changes=changes,
                    removed=[dict(name=r['name'], node_id=r['node_id'], role=r['role']) for r in removed],
                    summary=['%s: %s' % (c['name'], '; '.join(c['lines'])) for c in removed + changes])


def main():
    module = AnsibleModule(
        argument_spec=dict(
            nodes=dict(type='list', elements='dict', required=True, options=dict(
                name=dict(type='str', required=True),
                node_id=dict(type='str', default=''),
                addresses=dict(type='list', elements='str', default=[]),
                labels=dict(type='raw'),
                exclusive=dict(type='bool', default=False),
                availability=dict(type='str', default=''),
                role=dict(type='str', default=''),
            )),
            remove_replaced=dict(type='bool', default=True),
            docker_socket=dict(type='path', default='/var/run/docker.sock'),
        ),
        supports_check_mode=True,
    )
    try:
        SwarmNodes(module).run()
    except EngineError as exc:
        module.fail_json(msg='the cluster\'s nodes, through the manager engine at unix://%s: %s'
                         % (module.params['docker_socket'], exc))


if __name__ == '__main__':
    main()
