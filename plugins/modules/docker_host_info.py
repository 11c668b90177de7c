#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: dockercluster.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: docker_host_info
short_description: What a host brings to the cluster, read in one trip and without the Docker SDK
version_added: 0.1.0
description:
  - Reads, in one call, whether the Docker SDK for Python can be imported by the Python this module runs
    with (the one the collection's other modules run with), and the local engine's Swarm state, that is
    the C(Swarm) section of C(GET /info) on the engine's unix socket (what C(docker info) shows
    under Swarm).
  - With V(addresses) in O(gather_subset), also the host's IPv4 addresses, the primary one of each
    network interface (what setup's network facts give as C(ansible_facts[iface].ipv4.address)).
  - Does not need the Docker SDK (it may not be installed yet) and does not import it; it only looks
    whether C(import docker) would find the SDK's package.
  - The swarm_preflight role runs it once per host before anything changes and registers the result as
    C(dockercluster_host); the roles after it in the play decide with that read instead of a trip of their
    own (swarm_preflight refuses a host in another swarm, docker_sdk installs the SDK only where it is
    missing, docker_listen applies only where its plan changes something, docker_pki names the host's
    addresses, swarm_manager and swarm_agent leave a host that is in place alone).
  - With V(nodes) in O(gather_subset), on an active manager, also lists the cluster's nodes (what
    C(docker node ls) lists), through O(cluster_endpoint) when given, such as the managers' cluster
    endpoint the guide checks with C(docker -H manager:2376 info).
  - With O(listen_plan), also works out, in the same trip, whether M(dockercluster.swarm.docker_listen_config)
    with those options would change the host's listen configuration (RV(listen_plan)). It writes
    nothing, and returns the paths that would change, never their contents (they can hold
    credentials, such as a proxy's in the unit's environment). The docker_listen role then applies only
    where something changes, without a planning trip of its own.
author:
  - dockercluster.swarm maintainers (@dockercluster)
extends_documentation_fragment:
  - dockercluster.swarm.attributes
  - dockercluster.swarm.attributes.info_module
options:
  docker_socket:
    description:
      - Path of the engine's unix socket on the managed host.
    type: path
    default: /var/run/docker.sock
  gather_subset:
    description:
      - What to read. V(swarm) needs the engine to answer on O(docker_socket); V(docker_sdk) and
        V(addresses) do not.
      - V(nodes) implies V(swarm). It never fails the module; where the nodes could not be listed (not an
        active manager, the endpoint did not answer) RV(nodes) is null and RV(nodes_error) says why.
    type: list
    elements: str
    choices: [docker_sdk, swarm, addresses, nodes]
    default: [docker_sdk, swarm]
  timeout:
    description:
      - Seconds to wait for the engine's answer.
    type: int
    default: 30
  leader_wait:
    description:
      - Seconds to read V(swarm) again, each second, while the engine is a manager of a swarm with no leader
        (its C(Cluster) is missing), such as during the election after a manager was lost (swarmkit's election
        timeout is 10 to 20 s). A swarm whose managers lost their quorum stays so, and is returned as read
        once this time is over. V(0) reads once.
    type: int
    default: 30
  stat_paths:
    description:
      - Paths whose state to return in RV(stat) (type, mode, owner, group and a file's SHA-1), read
        without following links.
    type: list
    elements: path
    default: []
  tls_dir:
    description:
      - A directory of the TLS files the collection installs (the docker_pki role's C(docker_pki_node_dir)).
        Its state and that of each file the collection puts there (C(ca.pem), C(server-cert.pem),
        C(server-key.pem), C(client-cert.pem), C(client-key.pem)) go into RV(stat), as for O(stat_paths).
    type: path
  cluster_endpoint:
    description:
      - Where V(nodes) lists the nodes, instead of O(docker_socket).
    type: dict
    suboptions:
      docker_host:
        description:
          - The engine API's address, C(tcp://host:port) or C(unix://path).
        type: str
        required: true
      ca_path:
        description:
          - CA certificate to verify a TLS endpoint with. Without it the endpoint is spoken to in plain HTTP.
        type: path
      client_cert:
        description:
          - Client certificate to present to a TLS endpoint that asks for one.
        type: path
      client_key:
        description:
          - The client certificate's private key.
        type: path
  listen_plan:
    description:
      - Options of M(dockercluster.swarm.docker_listen_config) (the same names, types and defaults) to
        plan with, as that module does in check mode. Bad options fail this module, on the host that has
        them, before anything changed. A TLS file that is not there yet (the docker_pki role installs it
        later in the run) leaves the plan undecided instead of failing (RV(listen_plan.changed) is null).
    type: dict
notes:
  - Fails when V(swarm) is asked for and the engine does not answer on O(docker_socket), naming the socket.
  - Fails when O(listen_plan) is given and docker_listen_config would fail on its input or on the host's
    files (an options file it cannot parse, C(hosts) in daemon.json beside C(-H)).
seealso:
  - module: dockercluster.swarm.swarm_info
'''

EXAMPLES = r'''
- name: Read the host's Swarm state and whether the SDK is there
  dockercluster.swarm.docker_host_info:
  register: host

- name: Stop when the host is already in a swarm
  ansible.builtin.assert:
    that: host.swarm.LocalNodeState == 'inactive'

- name: Also whether dockerd's listen configuration would change (the docker_listen role's plan)
  dockercluster.swarm.docker_host_info:
    listen_plan:
      listen: [unix:///var/run/docker.sock, tcp://0.0.0.0:2375]
      allow_insecure_tcp: true
  register: host

- name: On a manager, also the cluster's nodes as its TLS cluster endpoint lists them
  dockercluster.swarm.docker_host_info:
    gather_subset: [swarm, nodes]
    cluster_endpoint:
      docker_host: tcp://127.0.0.1:2376
      ca_path: /etc/docker/certs/ca.pem
      client_cert: /etc/docker/certs/client-cert.pem
      client_key: /etc/docker/certs/client-key.pem
  when: inventory_hostname in groups['swarm_managers']
  register: manager

- name: Only whether the SDK is there (the engine may be down)
  dockercluster.swarm.docker_host_info:
    gather_subset: [docker_sdk]
  register: sdk
'''

RETURN = r'''
addresses:
  description: Interface name to its primary IPv4 address, for the interfaces that have one.
  returned: when V(addresses) is in O(gather_subset)
  type: dict
  sample: {"lo": "127.0.0.1", "eth0": "10.0.0.5"}
default_ipv4:
  description:
    - The address the host's default route leaves from (as C(ip route get 1.1.1.1) shows it), or null. What the
      classic swarm_agent gives as C(--addr) by default, and what the classic manager's C(nodes://) list uses by
      default (in Swarm mode the engine chooses the address it advertises).
  returned: when V(addresses) is in O(gather_subset)
  type: str
  sample: 10.0.0.5
docker_sdk:
  description: The Docker SDK for Python, as seen by the Python this module ran with.
  returned: when V(docker_sdk) is in O(gather_subset)
  type: dict
  contains:
    present:
      description: Whether C(import docker) finds the SDK's package.
      type: bool
      sample: true
    version:
      description: Its version, as its files spell it (read, not imported); null when they do not, or none is there.
      type: str
      sample: 5.0.3
    usable:
      description:
        - Whether it is one the collection's modules take (4.0 or later; a version the files do not spell counts).
          The docker_sdk role refuses a host where it is present but not usable.
      type: bool
      sample: true
    python:
      description: The interpreter this module ran with.
      type: str
      sample: /usr/bin/python3
listen_plan:
  description: What docker_listen_config with O(listen_plan) would do here (nothing is written).
  returned: when O(listen_plan) is given
  type: dict
  contains:
    changed:
      description: Whether it would change a file or restart dockerd; null when a TLS file is not there yet.
      type: bool
      sample: false
    deferred:
      description: Why the plan is undecided (the missing TLS file), else null.
      type: str
      sample: null
    files:
      description: The files it would change.
      type: list
      elements: str
      sample: [/etc/default/docker]
    tls_changed:
      description: TLS files replaced after dockerd started, which it would restart dockerd to load.
      type: list
      elements: str
      sample: []
    method:
      description: Where the listen addresses are configured (sysconfig, default_env, systemd_dropin, daemon_json).
      type: str
      sample: default_env
nodes:
  description:
    - The cluster's nodes as M(dockercluster.swarm.swarm_info) returns them (RV(dockercluster.swarm.swarm_info#module:nodes)),
      managers first. Null where they could not be listed.
  returned: when V(nodes) is in O(gather_subset)
  type: list
  elements: dict
  sample: [{"hostname": "node1", "role": "manager", "status": "ready", "availability": "active", "leader": true}]
nodes_error:
  description: Why RV(nodes) is null.
  returned: when V(nodes) is in O(gather_subset) and the nodes could not be listed
  type: str
  sample: "this host is not an active manager (LocalNodeState: active, ControlAvailable: false)"
nodes_summary:
  description: RV(nodes) as lines, as M(dockercluster.swarm.swarm_info) shows them (RV(dockercluster.swarm.swarm_info#module:summary)).
  returned: when RV(nodes) is not null
  type: list
  elements: str
  sample: ["Nodes: 1", " node1: 10.0.0.5"]
stat:
  description: Each path of O(stat_paths) and its state, null when it does not exist.
  returned: when O(stat_paths) is not empty or O(tls_dir) is given
  type: dict
  sample:
    /etc/docker/certs: {type: directory, mode: '0700', uid: 0, gid: 0}
    /etc/docker/certs/ca.pem: {type: file, mode: '0644', uid: 0, gid: 0, sha1: 3c0c6e8d2f0c1e9a6b1c5a8f0e2d9b7c4a1e6f20}
    /etc/docker/certs/server-key.pem: null
swarm:
  description:
    - The C(Swarm) section of the engine's C(GET /info), as the engine returns it (C(LocalNodeState),
      C(NodeID), C(ControlAvailable), C(RemoteManagers), C(Cluster) on managers, ...).
  returned: when V(swarm) is in O(gather_subset)
  type: dict
  sample: {"LocalNodeState": "inactive", "NodeID": "", "ControlAvailable": false, "RemoteManagers": null}
'''

import os
import sys

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible_collections.dockercluster.swarm.plugins.module_utils.host_probe import (
    default_ipv4,
    ipv4_addresses,
    path_state,
    read_nodes,
    read_swarm_led,
    sdk_state,
    swarm_state_error,
)
from ansible_collections.dockercluster.swarm.plugins.module_utils.listen_plan import (
    LISTEN_ARGUMENT_SPEC,
    LISTEN_REQUIRED_IF,
    ListenPlanner,
)
from ansible_collections.dockercluster.swarm.plugins.module_utils.tls_files import NODE_FILES


class DockerHostInfo(object):

    def __init__(self, module, get=None):
        self.module = module
        self.get = get

    def swarm(self, result=None):
        params = self.module.params
        try:
            return read_swarm_led(params['docker_socket'], params['timeout'], params['leader_wait'], self.get)
        except (OSError, ValueError) as exc:
            self.module.fail_json(msg=swarm_state_error(params['docker_socket'], exc), **(result or {}))

    def nodes(self, swarm):
        """The result's nodes and nodes_summary, or nodes null and nodes_error saying why."""
        # Imported here: only a manager asked for its nodes pays for loading it (every host
        # runs this module on every run, and a module's imports are compiled anew each time).
        from ansible_collections.dockercluster.swarm.plugins.module_utils import swarm_logic

        if not swarm_logic.is_manager(swarm):
            return dict(nodes=None, nodes_error=swarm_logic.not_manager_message(swarm))
        params = self.module.params
        endpoint = params['cluster_endpoint'] or dict(docker_host='unix://' + params['docker_socket'])
        tls = None
        if endpoint.get('ca_path'):
            tls = dict(ca_cert=endpoint['ca_path'], cert=endpoint.get('client_cert'), key=endpoint.get('client_key'))
        try:
            nodes = swarm_logic.summarize_nodes(read_nodes(endpoint['docker_host'], params['timeout'], tls))
        except (OSError, ValueError) as exc:
            return dict(nodes=None, nodes_error='listing the nodes through %s: %s' % (endpoint['docker_host'], exc))
        return dict(nodes=nodes, nodes_summary=swarm_logic.render_summary(nodes))

    def listen_plan(self):
        checked = ArgumentSpecValidator(LISTEN_ARGUMENT_SPEC, required_if=LISTEN_REQUIRED_IF).validate(
            self.module.params['listen_plan'])
        if checked.error_messages:
            self.module.fail_json(msg='listen_plan: %s' % '; '.join(checked.error_messages))
        return ListenPlanner(self.module, checked.validated_parameters, defer_missing_tls=True).summary()

    def run(self):
        subset = self.module.params['gather_subset']
        if self.module.params['leader_wait'] < 0:
            self.module.fail_json(msg='leader_wait must be 0 or more seconds, not %d' % self.module.params['leader_wait'])
        result = dict(changed=False)
        if 'docker_sdk' in subset:
            result['docker_sdk'] = dict(sdk_state(), python=sys.executable)
        # The addresses first: a read that fails on the engine still tells where the host is (the
        # classic manager's node list keeps such a host's address).
        if 'addresses' in subset:
            result['addresses'] = ipv4_addresses()
            result['default_ipv4'] = default_ipv4()
        if 'swarm' in subset or 'nodes' in subset:
            result['swarm'] = self.swarm(result)
        if 'nodes' in subset:
            result.update(self.nodes(result['swarm']))
        paths = list(self.module.params['stat_paths'])
        if self.module.params['tls_dir']:
            tls_dir = self.module.params['tls_dir']
            paths += [tls_dir] + [os.path.join(tls_dir, name) for name in NODE_FILES]
        if paths:
            result['stat'] = dict((path, path_state(path)) for path in paths)
        if self.module.params['listen_plan'] is not None:
            result['listen_plan'] = self.listen_plan()
        self.module.exit_json(**result)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            docker_socket=dict(type='path', default='/var/run/docker.sock'),
            gather_subset=dict(type='list', elements='str', choices=['docker_sdk', 'swarm', 'addresses', 'nodes'],
                               default=['docker_sdk', 'swarm']),
            cluster_endpoint=dict(type='dict', options=dict(
                docker_host=dict(type='str', required=True),
                ca_path=dict(type='path'),
                client_cert=dict(type='path'),
                client_key=dict(type='path'),
            )),
            timeout=dict(type='int', default=30),
            leader_wait=dict(type='int', default=30),
            stat_paths=dict(type='list', elements='path', default=[]),
            tls_dir=dict(type='path'),
            listen_plan=dict(type='dict'),
        ),
        supports_check_mode=True,
    )
    DockerHostInfo(module).run()


if __name__ == '__main__':
    main()
