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
  - The site playbook runs it once per host before it changes anything. swarm_preflight refuses a host
    that is in another swarm, docker_sdk installs the SDK only where RV(docker_sdk.present) is false,
    docker_listen restarts the engines of hosts that are in no swarm yet without its throttle, and
    docker_pki names the host's addresses in its certificate without gathering facts.
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
    type: list
    elements: str
    choices: [docker_sdk, swarm, addresses]
    default: [docker_sdk, swarm]
  timeout:
    description:
      - Seconds to wait for the engine's answer.
    type: int
    default: 30
notes:
  - Fails when V(swarm) is asked for and the engine does not answer on O(docker_socket), naming the socket.
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
docker_sdk:
  description: The Docker SDK for Python, as seen by the Python this module ran with.
  returned: when V(docker_sdk) is in O(gather_subset)
  type: dict
  contains:
    present:
      description: Whether C(import docker) finds the SDK's package.
      type: bool
      sample: true
    python:
      description: The interpreter this module ran with.
      type: str
      sample: /usr/bin/python3
swarm:
  description:
    - The C(Swarm) section of the engine's C(GET /info), as the engine returns it (C(LocalNodeState),
      C(NodeID), C(ControlAvailable), C(RemoteManagers), C(Cluster) on managers, ...).
  returned: when V(swarm) is in O(gather_subset)
  type: dict
  sample: {"LocalNodeState": "inactive", "NodeID": "", "ControlAvailable": false, "RemoteManagers": null}
'''

import sys

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.dockercluster.swarm.plugins.module_utils.host_probe import (
    ipv4_addresses,
    read_swarm,
    sdk_present,
    swarm_state_error,
)


class DockerHostInfo(object):

    def __init__(self, module, get=None):
        self.module = module
        self.get = get

    def swarm(self):
        params = self.module.params
        try:
            return read_swarm(params['docker_socket'], params['timeout'], self.get)
        except (OSError, ValueError) as exc:
            self.module.fail_json(msg=swarm_state_error(params['docker_socket'], exc))

    def run(self):
        subset = self.module.params['gather_subset']
        result = dict(changed=False)
        if 'docker_sdk' in subset:
            result['docker_sdk'] = dict(present=sdk_present(), python=sys.executable)
        if 'swarm' in subset:
            result['swarm'] = self.swarm()
        if 'addresses' in subset:
            result['addresses'] = ipv4_addresses()
        self.module.exit_json(**result)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            docker_socket=dict(type='path', default='/var/run/docker.sock'),
            gather_subset=dict(type='list', elements='str', choices=['docker_sdk', 'swarm', 'addresses'],
                               default=['docker_sdk', 'swarm']),
            timeout=dict(type='int', default=30),
        ),
        supports_check_mode=True,
    )
    DockerHostInfo(module).run()


if __name__ == '__main__':
    main()
