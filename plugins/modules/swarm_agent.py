#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: dockercluster.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: swarm_agent
short_description: Make a Docker engine a Swarm worker, or run the classic Swarm agent
version_added: 0.1.0
description:
  - With O(backend=classic), ensures the classic Swarm agent container as the guide runs it
    (C(docker run -ti -d --restart=always --name shipyard-swarm-agent swarm join --addr <node ip>:2375
    <discovery>)), the discovery URL in its environment as the manager's, with O(heartbeat), O(ttl) and
    O(delay); recreated only when its spec differs, like the
    manager (see M(dockercluster.swarm.swarm_manager)). With C(file://) or C(nodes://) discovery C(swarm join)
    does nothing (the manager reads the static list), so no agent runs; an agent container of that name is
    removed and RV(msg) says so. A warning says when the engine is too new for classic Swarm.
    The rest of this description is about O(backend=swarmkit).
  - Makes the Docker engine of the managed host join a Swarm-mode cluster as a worker, using the
    managers at O(remote_addrs) and the worker O(join_token).
  - Idempotent by identity. A worker "belongs to the cluster" when one of the managers it knows
    (its C(RemoteManagers)) is one of O(remote_addrs), compared by host; a worker cannot see the cluster ID.
  - A node in another cluster, or that is a manager, makes the module fail naming what it found,
    unless O(force=true). A node left C(pending) by an earlier join leaves (forced) and joins again.
  - In check mode on a host where the Docker SDK for Python is not installed yet (its install only
    predicted), the Swarm state is read through the engine's unix socket, with a warning, instead of failing.
author:
  - dockercluster.swarm maintainers (@dockercluster)
extends_documentation_fragment:
  - dockercluster.swarm.docker_api
  - dockercluster.swarm.backend
  - dockercluster.swarm.backend.ca_bundle
  - dockercluster.swarm.attributes
  - dockercluster.swarm.attributes.membership
options:
  state:
    description:
      - With O(backend=classic), V(present) ensures the agent container and V(absent) removes it.
      - V(present) makes the node a worker of the cluster; V(absent) makes it leave whatever swarm it is in.
      - A manager only leaves with O(force=true). A node in C(pending) state leaves (forced) without O(force);
        in C(locked) or C(error) state it needs O(force=true), since it may be a manager.
    type: str
    choices: [present, absent]
    default: present
  remote_addrs:
    description:
      - Only with O(backend=swarmkit).
      - Addresses of the cluster's managers (C(host) or C(host:port), IPv6 as C([addr]:port); port 2377 by default).
      - Required with O(state=present).
    type: list
    elements: str
    default: []
  join_token:
    description:
      - Only with O(backend=swarmkit).
      - The worker join token (C(docker swarm join-token -q worker), or RV(dockercluster.swarm.swarm_token#module:worker_token)).
      - Required with O(state=present).
    type: str
  advertise_addr:
    description:
      - With O(backend=classic), the address the manager reaches this node's engine at (C(--addr)), an IP, to
        which O(engine_port) is added, or C(ip:port). When neither this nor O(advertise_interface) is set, the
        source address of the route towards 1.1.1.1 is used (read from C(ip route get); no packet is sent).
      - IP address (optionally with C(:port)) other nodes use to reach this node.
      - When neither this nor O(advertise_interface) is set, the engine takes the address it reaches the managers from.
    type: str
  advertise_interface:
    description:
      - Network interface whose first IPv4 address is advertised. Mutually exclusive with O(advertise_addr).
    type: str
  listen_addr:
    description:
      - Listen address for cluster traffic, used if the node is promoted to manager (C(ip:port) or C(interface:port)).
    type: str
    default: 0.0.0.0:2377
  data_path_addr:
    description:
      - Only with O(backend=swarmkit).
      - IP address or interface for overlay data traffic (VXLAN, 4789/udp). Needs Docker API 1.30 or later.
    type: str
  force:
    description:
      - Only with O(backend=swarmkit).
      - When the node is in another cluster, is a manager, or its swarm is locked or in error, make it
        leave (forced) and join as a worker. Forcing a manager out can cost its cluster the quorum.
    type: bool
    default: false
  join_timeout:
    description:
      - Seconds to wait, after the join request, for the node to leave the C(pending) state.
    type: int
    default: 60
  discovery:
    description:
      - Only with O(backend=classic), and required there. The discovery URL, as
        RV(dockercluster.swarm.swarm_token#module:discovery) returns it. Not logged.
    type: str
  image:
    description:
      - Only with O(backend=classic). The classic Swarm image; pulled when it is not on the host.
    type: str
    default: swarm:1.2.9
  container_name:
    description:
      - Only with O(backend=classic). Name of the agent container.
    type: str
    default: shipyard-swarm-agent
  engine_port:
    description:
      - Only with O(backend=classic). The port of this node's engine TCP listener, added to an O(advertise_addr) without one.
    type: int
    default: 2375
  heartbeat:
    description:
      - Only with O(backend=classic). How often the agent registers the node (C(--heartbeat)), a duration like V(60s)
        (swarm join's default), at least V(1s).
    type: str
  ttl:
    description:
      - Only with O(backend=classic). How long a registration lives (C(--ttl)), V(180s) when not given; must be longer
        than O(heartbeat), given or not (swarm join exits otherwise).
    type: str
  delay:
    description:
      - Only with O(backend=classic). Longest random delay before the first registration (C(--delay)), to spread
        the load of many nodes starting together.
    type: str
notes:
  - Leaving does not remove the node from the managers' node list; it stays there as C(down). The
    P(dockercluster.swarm.swarm_agent#role) role removes it with M(community.docker.docker_swarm)
    C(state=remove) and C(node_id=...) delegated to a manager, using RV(node_id).
  - Open 7946/tcp+udp and 4789/udp between the nodes, and 2377/tcp towards the managers.
seealso:
  - module: dockercluster.swarm.swarm_manager
  - module: dockercluster.swarm.swarm_token
'''

EXAMPLES = r'''
# In a play on the agents (hosts: swarm_agents); the first manager holds the cluster.
- name: Read the worker token and the managers' addresses on the first manager
  dockercluster.swarm.swarm_token:
  delegate_to: "{{ groups['swarm_managers'][0] }}"
  run_once: true
  register: tokens
  no_log: true

- name: Join as a worker
  dockercluster.swarm.swarm_agent:
    remote_addrs: "{{ tokens.manager_addrs }}"
    join_token: "{{ tokens.worker_token }}"
    advertise_interface: eth1

- name: Leave the cluster
  dockercluster.swarm.swarm_agent:
    state: absent
  register: left

- name: Remove the node from the managers' list
  community.docker.docker_swarm:
    state: remove
    node_id: "{{ left.node_id }}"
    force: true  # the manager may not have seen it go down yet
  delegate_to: "{{ groups['swarm_managers'][0] }}"
  when: left is changed and left.node_id
'''

RETURN = r'''
node_id:
  description: The node's ID in the cluster; after leaving, the ID it had (to remove it from the node list).
  returned: with O(backend=swarmkit)
  type: str
  sample: x2n4bvcbz1ezjcm9vnmdu2s6b
joined:
  description: Whether the node is (in check mode, would be) a worker of the cluster when the module returns.
  returned: with O(backend=swarmkit)
  type: bool
manager_addrs:
  description: The managers the node knows (its C(RemoteManagers)), C(addr:port), sorted.
  returned: with O(backend=swarmkit)
  type: list
  elements: str
  sample: [10.0.11.150:2377]
advertise_addr:
  description: Address the node advertises, as the engine reports it (in check mode, the one that would be used).
  returned: always
  type: str
role:
  description: V(worker), V(manager), or null when not in a swarm.
  returned: with O(backend=swarmkit)
  type: str
membership:
  description: Where the node stood before the run (see M(dockercluster.swarm.swarm_manager)'s RV(dockercluster.swarm.swarm_manager#module:membership)).
  returned: with O(backend=swarmkit)
  type: str
actions:
  description: Steps taken (or that would be taken), in order; C(leave) is forced except for a healthy worker leaving.
    With O(backend=classic), among C(pull), C(remove), C(create), C(start).
  returned: always
  type: list
  elements: str
  sample: [join]
local_node_state:
  description: The engine's LocalNodeState at the end.
  returned: with O(backend=swarmkit)
  type: str
container_id:
  description: With O(backend=classic), the ID of the agent container (null when none runs).
  returned: when O(backend=classic)
  type: str
command:
  description:
    - With O(backend=classic), the agent's command; null when no agent runs. The discovery URL is not in it (the
      container reads it from its environment, C(SWARM_DISCOVERY)).
  returned: when O(backend=classic)
  type: list
  elements: str
  sample: [join, --addr, "10.0.11.151:2375"]
differences:
  description: With O(backend=classic), the spec fields in which the existing container differed.
  returned: when O(backend=classic)
  type: list
  elements: str
msg:
  description: With O(backend=classic) and static discovery, why no agent runs.
  returned: when O(backend=classic) and the discovery is C(file://) or C(nodes://)
  type: str
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.dockercluster.swarm.plugins.module_utils import (
    classic_containers as cc,
)
from ansible_collections.dockercluster.swarm.plugins.module_utils import (
    classic_discovery as disc,
)
from ansible_collections.dockercluster.swarm.plugins.module_utils import (
    swarm_logic as logic,
)
from ansible_collections.dockercluster.swarm.plugins.module_utils.docker_api import (
    docker_api_argspec,
    get_api_client,
    swarmkit_engine,
)
from ansible_collections.dockercluster.swarm.plugins.module_utils.swarm_member import (
    ClassicMember,
    SwarmMember,
    check_backend,
    validated,
)

CLASSIC_ONLY = ('discovery', 'image', 'container_name', 'engine_port', 'heartbeat', 'ttl', 'delay', 'ca_bundle')
SWARMKIT_ONLY = ('remote_addrs', 'join_token', 'data_path_addr', 'force')


def check_join(params, values):
    """With state=present: the managers and the worker token."""
    if not values['remote_addrs']:
        return 'remote_addrs (the managers to join) is required with state=present'
    if not params['join_token']:
        return 'join_token (the worker token) is required with state=present'
    params['join_token'] = logic.validate_join_token(params['join_token'])  # sent as checked: stripped
    return None


class SwarmAgent(SwarmMember):

    ROLE = 'worker'
    WRONG_ROLE = ('the node joined as a manager, not a worker: join_token is the manager token. '
                  'Use the worker token (swarm_token worker_token), then rerun with force=true or demote the node.')
    MANAGER_LEAVES = ('the node is a manager, not a worker (%s): it leaves only with force=true, which can cost '
                      'the cluster its quorum. Demote it first from another manager ("docker node demote").')

    def __init__(self, module, engine, values):
        super(SwarmAgent, self).__init__(module, engine, values, dict(
            changed=False, actions=[], node_id=None, joined=False, manager_addrs=[], advertise_addr=None, role=None,
            membership=None, local_node_state=None))

    def present(self):
        params = self.params
        swarm = self.engine.swarm_info()
        facts = self._record(swarm)
        membership = self._membership(swarm)
        self.result['membership'] = membership
        steps, problem = logic.plan_membership(membership, 'worker', params['force'])
        if problem:
            self._fail(logic.problem_message(problem, facts, 'worker', self.remote_addrs))
        if not steps:
            self.result['joined'] = True
            return
        self._refuse_what_the_api_lacks(dict(data_path_addr=params['data_path_addr']))
        advertise = None
        if params['advertise_addr'] or params['advertise_interface']:
            advertise = self._choose_advertise()
        self.result.update(changed=True, actions=list(steps))
        if self.module.check_mode:
            self.result.update(joined=True, role='worker', node_id=None, advertise_addr=advertise,
                               manager_addrs=list(self.remote_addrs), local_node_state='active')
            return
        self._leave_if_planned(steps)
        self._check_joined(self._record(self._join(advertise)))
        self.result['joined'] = True


class ClassicAgent(ClassicMember):
    """Classic Swarm: the guide's agent container (swarm join)."""

    def __init__(self, module, containers):
        super(ClassicAgent, self).__init__(module, containers, advertise_addr=None)
        self.static = False

    def addr(self):
        params = self.params
        addr = params['advertise_addr']
        if addr and (addr.count(':') == 1 or addr.startswith('[')) and not addr.endswith(']'):
            return addr
        if not addr:
            addr = logic.choose_advertise_addr(self._run_ip, None, params['advertise_interface'])[0]
            if not addr:
                raise ValueError('cannot tell this node\'s address (no route, no interface address): set '
                                 'advertise_addr (swarm_agent_advertise_addr) to the IP the manager reaches it at')
        if ':' in addr:
            addr = '[%s]' % addr.strip('[]')
        return '%s:%d' % (addr, params['engine_port'])

    def wanted(self):
        params = self.params
        if not params['discovery']:
            raise ValueError('discovery is required with backend=classic (the URL swarm_token returns)')
        kind = disc.parse(params['discovery'])['kind']
        if not disc.joins(kind):
            return None
        addr = self.addr()
        self.result['advertise_addr'] = addr
        command = cc.agent_command(addr, heartbeat=params['heartbeat'], ttl=params['ttl'],
                                   delay=params['delay'])
        return cc.spec(params['container_name'], params['image'], command,
                       binds=cc.ca_bundle_binds(params['ca_bundle']), discovery=params['discovery'])

    def run(self):
        wanted = self.wanted_or_fail()
        self.static = self.params['state'] == 'present' and wanted is None
        if self.static:
            self.result['msg'] = ('%s:// discovery: swarm join does nothing with a static node list (the manager '
                                  'reads it), so no agent runs on this node'
                                  % disc.parse(self.params['discovery'])['kind'])
        self.ensure(wanted)

    def removed(self):
        if self.static and self.result['changed']:
            self.result['msg'] += '; the agent container %s was removed' % self.params['container_name']
        self.result['container_id'] = None


def main():
    argument_spec = docker_api_argspec(
        backend=dict(type='str', default='swarmkit', choices=['swarmkit', 'classic']),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        remote_addrs=dict(type='list', elements='str', default=[]),
        join_token=dict(type='str', no_log=True),
        advertise_addr=dict(type='str'),
        advertise_interface=dict(type='str'),
        listen_addr=dict(type='str', default='0.0.0.0:2377'),
        data_path_addr=dict(type='str'),
        force=dict(type='bool', default=False),
        join_timeout=dict(type='int', default=60),
        discovery=dict(type='str', no_log=True),
        image=dict(type='str', default=cc.DEFAULT_IMAGE),
        container_name=dict(type='str', default=cc.AGENT_NAME),
        engine_port=dict(type='int', default=cc.SWARM_PORT),
        heartbeat=dict(type='str'),
        ttl=dict(type='str'),
        delay=dict(type='str'),
        ca_bundle=dict(type='path'),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True,
                           mutually_exclusive=[('advertise_addr', 'advertise_interface')])
    if check_backend(module, CLASSIC_ONLY, SWARMKIT_ONLY):
        ClassicAgent(module, cc.ClassicContainers(get_api_client(module))).run()
    values = validated(module, check_join)
    SwarmAgent(module, swarmkit_engine(module), values).run()


if __name__ == '__main__':
    main()
