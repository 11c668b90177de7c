#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: dockercluster.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: swarm_node_drain
short_description: Drain a swarm node before its engine restarts, and give it back its availability after
version_added: 0.2.0
description:
  - Run on a manager of the cluster (the docker_listen role delegates it to the node itself when it is a
    manager, else to a manager). Speaks to that manager's engine through its unix socket, without the
    Docker SDK.
  - V(drained) sets the node's availability to C(drain) (its tasks move to other nodes; Swarm stops each one,
    then starts its replacement elsewhere) and waits until none of its tasks runs on it any more and their
    replacements that a node took have started, at most O(timeout) seconds; after that it warns and
    returns (RV(timed_out), RV(left)); the restart that follows stops what is left, a removal stops there.
    Returns the availability the node had before
    (RV(availability_before), also kept in a label of the node until V(restored)) and what its services ran (RV(running_before)).
  - V(restored) waits until the node is C(ready) (a manager also C(reachable)), at most O(timeout) seconds
    (engine errors meanwhile, such as a manager with no leader yet, are waited out), then sets its
    availability to O(availability), the one it had before the drain. For a manager, it then waits until
    the manager lists no node of the cluster as C(unknown) (back from its restart, a manager lists the
    other nodes so until each has re-registered; RV(nodes_unknown), and a warning, name a node still
    unknown at the timeout). Last, it waits until each service of O(running_before) runs as many tasks
    as before (a service still short is a warning). O(timeout) bounds all these waits together.
  - Swarm never moves tasks back to a node that is active again, so a service whose replicas share a node
    (two of three after an earlier drain, say) runs that many fewer while that node drains. A service meant
    to stay up through one node's restart spreads one replica per node (C(--replicas-max-per-node 1)).
author:
  - dockercluster.swarm maintainers (@dockercluster)
extends_documentation_fragment:
  - dockercluster.swarm.attributes
attributes:
  check_mode:
    description: V(drained) reads the node and reports whether it would drain it; V(restored) reads it and
      reports whether its availability differs from O(availability). Neither changes nor waits.
  diff_mode:
    support: none
    description: A node's availability is not a file; RV(availability_before) and RV(availability) say what changed.
options:
  node_id:
    description:
      - The node's ID (what C(docker info) shows as C(NodeID) on the node itself).
    type: str
    required: true
  state:
    description:
      - V(drained) drains the node and waits for its tasks to leave; V(restored) waits for it to be back and
        sets its availability.
    type: str
    choices: [drained, restored]
    default: drained
  availability:
    description:
      - With V(restored), the availability to set (the RV(availability_before) of V(drained)). Unset, the
        node keeps its availability (and the label of an interrupted drain), and V(restored) only waits
        until the node is back.
    type: str
    choices: [active, pause, drain]
  running_before:
    description:
      - With V(restored), service ID to the number of tasks it ran before the drain (the RV(running_before) of
        V(drained)).
    type: dict
    default: {}
  timeout:
    description:
      - Seconds each state waits at most.
    type: int
    default: 120
  docker_socket:
    description:
      - The manager engine's unix socket.
    type: path
    default: /var/run/docker.sock
notes:
  - While drained for a restart, the node carries the label C(dockercluster.swarm.availability-before) with the
    availability it had (none when that was C(drain)); V(restored) removes it. A run interrupted in between
    leaves the node drained with that label, and the next V(drained) of the node takes the label as the
    availability before. By hand, C(docker node update --availability <label> --label-rm
    dockercluster.swarm.availability-before <node>).
seealso:
  - module: dockercluster.swarm.docker_listen_config
'''

EXAMPLES = r'''
- name: Read the node's ID from its own engine
  dockercluster.swarm.docker_host_info:
    gather_subset: [swarm]
  register: dockercluster_host

- name: Drain the node through the first manager
  dockercluster.swarm.swarm_node_drain:
    node_id: "{{ dockercluster_host.swarm.NodeID }}"
  delegate_to: "{{ groups['swarm_managers'][0] }}"
  register: drained

- name: Restart the engine
  ansible.builtin.systemd_service:
    name: docker
    state: restarted

- name: Back Ready, with the availability it had before
  dockercluster.swarm.swarm_node_drain:
    node_id: "{{ dockercluster_host.swarm.NodeID }}"
    state: restored
    availability: "{{ drained.availability_before }}"
    running_before: "{{ drained.running_before }}"
  delegate_to: "{{ groups['swarm_managers'][0] }}"
'''

RETURN = r'''
node_id:
  description: The node's ID.
  returned: success
  type: str
hostname:
  description: The node's host name.
  returned: success
  type: str
  sample: node2
role:
  description: The node's role.
  returned: success
  type: str
  sample: worker
availability_before:
  description: The node's availability when the module started.
  returned: success
  type: str
  sample: active
availability:
  description: Its availability now (in check mode, still the one before).
  returned: success
  type: str
  sample: drain
running_before:
  description: V(drained) only. Service ID to the number of its tasks running (cluster-wide) before the drain,
    for each service that had a task on the node.
  returned: with O(state=drained)
  type: dict
  sample: {9x3k1n2v7c8q: 3}
tasks_moved:
  description: V(drained) only. How many tasks were on the node.
  returned: with O(state=drained)
  type: int
left:
  description: V(drained) only. At O(timeout), the tasks still on the node or starting elsewhere, each as its
    task ID, state and node.
  returned: with O(state=drained)
  type: list
  elements: str
  sample: [x1y2z3a4b5c6 (running on this node)]
unplaced:
  description: V(drained) only. Replacements of the node's tasks that no other node took (pending with the
    scheduler's reason, such as a placement constraint or one replica per node), each as its task ID and the reason; they
    are not waited for.
  returned: with O(state=drained)
  type: list
  elements: str
  sample: ["x1y2z3a4b5c6: no suitable node (scheduling constraints not satisfied on 2 nodes)"]
state:
  description: V(restored) only. The node's status (C(ready), and C(reachable) for a manager).
  returned: with O(state=restored)
  type: str
  sample: ready, reachable
services_short:
  description: V(restored) only. Services running fewer tasks than before when the wait ended.
  returned: with O(state=restored)
  type: dict
  sample: {9x3k1n2v7c8q: {running: 2, before: 3}}
nodes_unknown:
  description: V(restored) of a manager only. The nodes (host names; a node without one by its ID's first 12
    characters) the manager still listed as C(unknown) when O(timeout) was reached; empty when every node
    had re-registered.
  returned: with O(state=restored)
  type: list
  elements: str
  sample: [node3]
timed_out:
  description: Whether the wait ended at O(timeout) (a warning says what was left).
  returned: success
  type: bool
waited:
  description: Seconds waited.
  returned: success, but not in check mode with O(state=restored)
  type: float
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.dockercluster.swarm.plugins.module_utils.docker_ping import unix_request
from ansible_collections.dockercluster.swarm.plugins.module_utils.swarm_drain import (
    Drainer,
    EngineError,
    SocketEngine,
)


class SwarmNodeDrain(object):

    def __init__(self, module, engine=None, **drainer_args):
        self.module = module
        params = module.params
        self.engine = engine or SocketEngine(params['docker_socket'], 30, unix_request)
        self.drainer = Drainer(self.engine, params['timeout'], module.warn, **drainer_args)

    def validate(self):
        params = self.module.params
        if not params['node_id'].strip():
            self.module.fail_json(msg='node_id is empty: the node is in no swarm (its engine shows no NodeID)')
        if params['timeout'] < 0:
            self.module.fail_json(msg='timeout: %s is not a number of seconds' % params['timeout'])
        try:
            return dict((str(k), int(v)) for k, v in params['running_before'].items())
        except (TypeError, ValueError):
            self.module.fail_json(msg='running_before: every value must be a number of tasks, got %r'
                                  % (params['running_before'],))

    def drained(self, _running_before):
        return self.drainer.drain(self.module.params['node_id'], check_mode=self.module.check_mode)

    def restored(self, running_before):
        params = self.module.params
        return self.drainer.restore(params['node_id'], params['availability'], running_before,
                                    check_mode=self.module.check_mode)

    def run(self):
        params = self.module.params
        running_before = self.validate()
        try:
            result = getattr(self, params['state'])(running_before)
        except EngineError as exc:
            # Once the availability was set, the run changed the node: said, with what was done.
            self.module.fail_json(msg='node %s, through the manager engine at unix://%s (%s): %s'
                                  % (params['node_id'], params['docker_socket'], params['state'], exc),
                                  **self.drainer.done)
        self.module.exit_json(**result)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            node_id=dict(type='str', required=True),
            state=dict(type='str', default='drained', choices=['drained', 'restored']),
            availability=dict(type='str', choices=['active', 'pause', 'drain']),
            running_before=dict(type='dict', default={}),
            timeout=dict(type='int', default=120),
            docker_socket=dict(type='path', default='/var/run/docker.sock'),
        ),
        supports_check_mode=True,
    )
    SwarmNodeDrain(module).run()


if __name__ == '__main__':
    main()
