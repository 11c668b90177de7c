#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: dockercluster.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: swarm_info
short_description: The cluster as data, with an optional "these nodes are Ready (Healthy)" check
version_added: 0.1.0
description:
  - With O(backend=classic), reads the classic Swarm manager's C(/info) (what C(docker -H manager:2376 info)
    shows) at O(docker_host) (by default C(tcp://127.0.0.1:2376), the manager container's published port)
    and returns its nodes with their status (C(healthy), C(pending), C(unhealthy), C(disconnected)), the
    strategy, filters and role (C(primary)/C(replica)); with O(discovery), also the discovery's node list
    (what C(swarm list) prints) in RV(discovery_nodes). O(expect_ready) then names nodes that must be
    C(Healthy). The rest of this description is about O(backend=swarmkit).
  - Run on a manager of the cluster. Returns the cluster, its nodes, and a text summary in the spirit of
    the guide's C(docker -H manager:2376 info) (C(Nodes N) first, then each node with its role, status,
    availability and engine version).
  - With O(expect_ready) and/or O(expect_managers), checks the nodes (waiting up to O(wait_timeout) seconds,
    polling every quarter second) and fails naming the nodes missing or not Ready, still returning the data.
  - Fails on a host that is not an active manager (workers cannot list the nodes).
author:
  - dockercluster.swarm maintainers (@dockercluster)
extends_documentation_fragment:
  - dockercluster.swarm.docker_api
  - dockercluster.swarm.backend
  - dockercluster.swarm.attributes
  - dockercluster.swarm.attributes.info_module
options:
  expect_ready:
    description:
      - The hosts that must be nodes of the cluster with status C(ready) (with O(backend=classic), C(healthy)).
      - Each is a host name, or a dict with what the run knows of the host, C(name) (what the results call
        it), C(node_id) (its node ID, as its own engine reported it) and C(addresses) (its IP addresses,
        of its interfaces, C(ansible_host), its advertise address). The swarm_manager and swarm_agent roles give dicts,
        so that hosts named in the inventory by IP address or by an alias find their nodes.
      - A host matches a node with its node ID, with one of its addresses (an address given for more than
        one host, like docker0's, matches none), or by name; a name matches a node's host name exactly
        (case-insensitive), or by its first label when one of them is a short name, and a name that is an
        IP address is one of the host's addresses. When several nodes match (a node that left and joined
        again leaves a C(down) entry behind), one Ready node is enough.
    type: list
    elements: raw
    default: []
  expect_managers:
    description:
      - Only with O(backend=swarmkit).
      - Number of managers the cluster must have that are C(ready) and C(reachable).
    type: int
  wait_timeout:
    description:
      - Seconds to wait for the expectations to be met, polling every quarter second. V(0) checks once.
    type: int
    default: 0
  discovery:
    description:
      - Only with O(backend=classic). The discovery URL whose node list is returned in RV(discovery_nodes)
        (C(swarm list)), read from the hosted discovery for C(token://), from the file on the managed host for
        C(file://), expanded for C(nodes://), from the store's HTTP API for C(etcd://) (v2) and C(consul://);
        not read for C(zk://). Also shown as the last line of RV(summary). Not logged.
      - The hosted discovery is asked without following redirects (a redirect fails the task, naming its
        target) and without credentials from a C(.netrc) file.
    type: str
  discovery_validate_certs:
    description:
      - Only with O(backend=classic) and C(token://) discovery. Verify the hosted discovery's certificate.
    type: bool
    default: true
  discovery_ca_path:
    description:
      - Only with O(backend=classic) and C(token://) discovery. CA certificate (PEM) for the hosted discovery.
    type: path
seealso:
  - module: dockercluster.swarm.swarm_manager
  - module: dockercluster.swarm.swarm_agent
'''

EXAMPLES = r'''
- name: Wait until every node of the inventory is Ready
  dockercluster.swarm.swarm_info:
    expect_ready: "{{ groups['swarm_managers'] + groups['swarm_agents'] }}"
    expect_managers: "{{ groups['swarm_managers'] | length }}"
    wait_timeout: 120
  delegate_to: "{{ groups['swarm_managers'][0] }}"
  run_once: true
  register: swarm

- name: Show the cluster like "docker -H manager:2376 info"
  ansible.builtin.debug:
    msg: "{{ swarm.summary }}"
'''

RETURN = r'''
cluster:
  description: The cluster.
  returned: when the host is a manager, with O(backend=swarmkit)
  type: dict
  contains:
    id:
      description: Cluster ID.
      type: str
      sample: 9xk2ho0pqfzrb8hk0upy6pxc1
    created:
      description: Creation time as the engine reports it (RFC 3339).
      type: str
      sample: "2024-05-01T10:00:00.123456789Z"
    managers:
      description: Number of manager nodes (any status).
      type: int
      sample: 1
    workers:
      description: Number of worker nodes (any status).
      type: int
      sample: 2
    leader:
      description: Host name of the leader manager.
      type: str
      sample: node1
nodes:
  description: The nodes, managers first, then by host name.
  returned: always when the host is a manager
  type: list
  elements: dict
  contains:
    id:
      description: Node ID.
      type: str
    hostname:
      description: Host name the node reported.
      type: str
    role:
      description: V(manager) or V(worker).
      type: str
    status:
      description: V(ready), V(down), V(unknown) or V(disconnected).
      type: str
    availability:
      description: V(active), V(pause) or V(drain).
      type: str
    addr:
      description: The node's IP address as the managers see it.
      type: str
    manager_addr:
      description: For managers, the C(addr:port) other nodes reach it at; null for workers.
      type: str
    engine_version:
      description: Docker engine version of the node.
      type: str
    leader:
      description: Whether the node is the leader manager.
      type: bool
    availability_before:
      description:
        - The availability a drain of this collection's (a restart of the engine) noted on the node, where no
          run gave it back yet (an interrupted run); else null.
      type: str
      sample: active
    manager_reachability:
      description: For managers, V(reachable), V(unreachable) or V(unknown); null for workers.
      type: str
  sample:
    - id: x2n4bvcbz1ezjcm9vnmdu2s6b
      hostname: node1
      role: manager
      status: ready
      availability: active
      addr: 10.0.11.150
      manager_addr: 10.0.11.150:2377
      engine_version: 26.1.5
      leader: true
      manager_reachability: reachable
summary:
  description: Text lines describing the nodes.
  returned: always when the host is a manager
  type: list
  elements: str
  sample:
    - "Nodes: 1"
    - " node1: 10.0.11.150"
    - "  \u2514 ID: x2n4bvcbz1ezjcm9vnmdu2s6b"
    - "  \u2514 Role: manager (leader)"
    - "  \u2514 Status: Ready"
    - "  \u2514 Availability: Active"
    - "  \u2514 Engine: 26.1.5"
manager_addrs:
  description: C(addr:port) of every manager (reachable ones, while any is), this one first (the engine joins through the first), then sorted.
  returned: when the host is a manager, with O(backend=swarmkit)
  type: list
  elements: str
missing:
  description: The names of the hosts in O(expect_ready) that match no node.
  returned: always when the host is a manager
  type: list
  elements: str
not_ready:
  description: The names of the hosts in O(expect_ready) whose nodes are not Ready (with O(backend=classic), not Healthy), with their status.
  returned: always when the host is a manager
  type: dict
  sample: {node3: down}
manager:
  description: With O(backend=classic), the manager as its C(/info) describes it.
  returned: when O(backend=classic)
  type: dict
  contains:
    role:
      description: V(primary) or V(replica).
      type: str
    primary:
      description: For a replica, the primary's address.
      type: str
    strategy:
      description: The scheduling strategy.
      type: str
    filters:
      description: The scheduler filters.
      type: list
      elements: str
    server_version:
      description: Like C(swarm/1.2.9).
      type: str
discovery_nodes:
  description: With O(backend=classic) and O(discovery), the discovery's node list (C(swarm list)); null for
    C(zk://).
  returned: when O(backend=classic)
  type: list
  elements: str
  sample: [10.0.11.150:2375, 10.0.11.151:2375]
'''

import os
import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.dockercluster.swarm.plugins.module_utils import (
    classic_discovery as disc,
)
from ansible_collections.dockercluster.swarm.plugins.module_utils import (
    classic_info as cinfo,
)
from ansible_collections.dockercluster.swarm.plugins.module_utils import (
    swarm_logic as logic,
)
from ansible_collections.dockercluster.swarm.plugins.module_utils.classic_hosted import (
    HostedDiscovery,
    HostedDiscoveryError,
)
from ansible_collections.dockercluster.swarm.plugins.module_utils.docker_api import (
    ENGINE_ERRORS,
    SwarmkitEngine,
    docker_api_argspec,
    engine_error,
    get_api_client,
)
from ansible_collections.dockercluster.swarm.plugins.module_utils.swarm_cluster import (
    ClusterReader,
    poll,
)
from ansible_collections.dockercluster.swarm.plugins.module_utils.swarm_member import check_backend


class SwarmInfo(ClusterReader):

    def __init__(self, module, engine, sleep=None, clock=None):
        super(SwarmInfo, self).__init__(module, engine)
        self.sleep = sleep or time.sleep
        self.clock = clock or time.time

    def run(self):
        params = self.module.params
        result = dict(changed=False)
        check = dict(ok=True, problems=[])
        try:
            swarm = self.manager_swarm()
            result, check = poll(lambda: self.snapshot(swarm), params['wait_timeout'], self.sleep, self.clock)
        except ENGINE_ERRORS as exc:
            engine_error(self.module, exc, self.doing, **result)
        if not check['ok']:
            waited = ' after waiting %ss' % params['wait_timeout'] if params['wait_timeout'] else ''
            self.module.fail_json(msg='cluster nodes not as expected%s: %s' % (waited, '; '.join(check['problems'])),
                                  **result)
        self.module.exit_json(**result)

    def snapshot(self, swarm):
        params = self.module.params
        inspect = self.inspect()
        nodes = self.nodes()
        check = logic.check_expectations(nodes, params['expect_ready'], params['expect_managers'])
        result = dict(changed=False, cluster=logic.cluster_summary(inspect, nodes), nodes=nodes,
                      summary=logic.render_summary(nodes), manager_addrs=logic.manager_addrs_from(swarm, nodes),
                      missing=check['missing'], not_ready=check['not_ready'])
        return result, check


CLASSIC_MANAGER = 'tcp://127.0.0.1:2376'
# Options each backend alone uses; given with the other backend, the module fails untouched.
CLASSIC_ONLY = ('discovery', 'discovery_validate_certs', 'discovery_ca_path')
SWARMKIT_ONLY = ('expect_managers',)


def discovery_nodes(params, hosted=None):
    """What ``swarm list <discovery>`` prints, as a list (None for key-value stores)."""
    parsed = disc.parse(params['discovery'])
    if parsed['kind'] == 'nodes':
        return parsed['nodes']
    if parsed['kind'] == 'file':
        if not os.path.exists(parsed['path']):
            raise ValueError('file discovery: %s does not exist on this host' % parsed['path'])
        with open(parsed['path']) as handle:
            return disc.parse_file(handle.read())
    if parsed['kind'] == 'token':
        hosted = hosted or HostedDiscovery(parsed['base'], params['discovery_validate_certs'],
                                           params['discovery_ca_path'], params['timeout'])
        return hosted.list(parsed['token'])
    return kv_nodes(parsed, params['timeout'])


def kv_nodes(parsed, timeout, get=None):
    """The nodes registered in an etcd or consul discovery (None for zk), from the first host that answers;
    a store that holds no entry yet lists none."""
    import ansible.module_utils.six.moves.urllib.error as urlerror
    from ansible.module_utils.urls import open_url
    get = get or (lambda url: open_url(url, timeout=timeout, follow_redirects='none').read())
    errors = []
    for url in disc.kv_list_urls(parsed):
        try:
            return disc.parse_kv_list(parsed['kind'], get(url))
        except urlerror.HTTPError as exc:
            if exc.code == 404:
                return []
            errors.append('%s: %s' % (url, exc))
        except (IOError, OSError, ValueError) as exc:
            errors.append('%s: %s' % (url, exc))
    if errors:
        raise ValueError('%s discovery: no store answered the node list: %s' % (parsed['kind'], '; '.join(errors)))
    return None


class ClassicInfo(object):
    """Classic Swarm: the manager's /info and the discovery's node list."""

    def __init__(self, module, client, sleep=None, clock=None, hosted=None):
        self.module = module
        self.client = client
        self.hosted = hosted
        self.sleep = sleep or time.sleep
        self.clock = clock or time.time
        self.doing = 'reading the manager\'s /info'

    def snapshot(self):
        params = self.module.params
        parsed = cinfo.parse_info(self.client.info())
        check = cinfo.check_healthy(parsed, params['expect_ready'])
        manager = dict((k, parsed[k]) for k in ('role', 'primary', 'strategy', 'filters', 'server_version'))
        return dict(changed=False, manager=manager, nodes=parsed['nodes'], summary=cinfo.render(parsed),
                    missing=check['missing'], not_ready=check['not_healthy']), check

    def run(self):
        params = self.module.params
        result = dict(changed=False, discovery_nodes=None)
        try:
            if params['discovery']:
                result['discovery_nodes'] = discovery_nodes(params, self.hosted)
            found, check = poll(self.snapshot, params['wait_timeout'], self.sleep, self.clock)
            result.update(found)
            if result['discovery_nodes'] is not None:
                # The guide's `swarm list <discovery>`, shown with the manager's view.
                listed = ', '.join(result['discovery_nodes']) or 'no node registered'
                result['summary'].append('Discovery (swarm list): %s' % listed)
        except (ValueError, HostedDiscoveryError) as exc:
            self.module.fail_json(msg=str(exc), **result)
        except ENGINE_ERRORS as exc:
            engine_error(self.module, exc, self.doing, **result)
        if not check['ok']:
            waited = ' after waiting %ss' % params['wait_timeout'] if params['wait_timeout'] else ''
            self.module.fail_json(msg='classic Swarm nodes not as expected%s: %s'
                                      % (waited, '; '.join(check['problems'])), **result)
        self.module.exit_json(**result)


def main():
    argument_spec = docker_api_argspec(
        backend=dict(type='str', default='swarmkit', choices=['swarmkit', 'classic']),
        expect_ready=dict(type='list', elements='raw', default=[]),
        expect_managers=dict(type='int'),
        wait_timeout=dict(type='int', default=0),
        discovery=dict(type='str', no_log=True),
        discovery_validate_certs=dict(type='bool', default=True),
        discovery_ca_path=dict(type='path'),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    if module.params['wait_timeout'] < 0:
        module.fail_json(msg='wait_timeout: %r must not be negative' % (module.params['wait_timeout'],))
    try:
        logic.expected_nodes(module.params['expect_ready'])
    except ValueError as exc:
        module.fail_json(msg=str(exc))
    if module.params['expect_managers'] is not None and module.params['expect_managers'] < 1:
        module.fail_json(msg='expect_managers: %r must be at least 1' % (module.params['expect_managers'],))
    if check_backend(module, CLASSIC_ONLY, SWARMKIT_ONLY):
        if not module.params['docker_host']:
            module.params['docker_host'] = CLASSIC_MANAGER
        ClassicInfo(module, get_api_client(module)).run()
    SwarmInfo(module, SwarmkitEngine(get_api_client(module))).run()


if __name__ == '__main__':
    main()
