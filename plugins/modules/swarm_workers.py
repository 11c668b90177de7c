#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: dockercluster.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: swarm_workers
short_description: Join many workers to a Swarm-mode cluster at once, from a manager, through their engines
version_added: 0.1.0
description:
  - Run on an active manager of a Swarm-mode cluster. Reads the worker token and the managers' addresses
    from this manager's engine (the token is never returned nor logged; it goes only to the workers' engines,
    in their join request, over mutual TLS with O(worker_tls), else in clear as with the guide's plain TCP),
    then tells the engine of every worker in O(workers) to join, all at once, through that engine's API (the
    TCP port the guide opens, C(2375)).
  - One module run on the manager instead of one per worker; the swarm_agent role joins the new agents of its
    play this way, and the rest with the M(dockercluster.swarm.swarm_agent) module.
  - Only an engine that is in no swarm (C(inactive)) is told to join. One that is already a worker of this
    cluster is left as it is (V(in_place)). A worker that names one of this cluster's managers but is not one of
    its nodes (its cluster is gone; the managers were made anew while it ran) leaves, then joins
    (V(rejoined)). Any other (pending, in error, in another swarm, a manager), and
    one whose engine does not answer within O(worker_timeout), is left to the host's own join
    (V(left_to_host)), which decides and reports. A worker whose engine was told to join and did not is
    V(failed); the module itself fails only on bad input or when this host is not an active manager.
author:
  - dockercluster.swarm maintainers (@dockercluster)
extends_documentation_fragment:
  - dockercluster.swarm.docker_api
  - dockercluster.swarm.attributes
attributes:
  check_mode:
    description: Reads every worker's engine and reports the workers that would join (as V(joined)).
  diff_mode:
    support: none
    description: Membership is not a file; RV(workers) lists each worker's outcome.
options:
  workers:
    description:
      - The workers to join.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: The worker's name in the results (the swarm_agent role gives its inventory name).
        type: str
        required: true
      docker_host:
        description:
          - The worker's engine API as this manager reaches it, like C(tcp://10.0.11.151:2375).
          - Exactly one of O(workers[].docker_host) and O(workers[].address) is required.
        type: str
      address:
        description:
          - The worker's host name or IP address (of a C(host:port) or C([v6]:port), the host); its engine API is
            then C(tcp://<host>:<engine_port>).
        type: str
      advertise_addr:
        description: The address the worker advertises (empty, the worker's engine chooses).
        type: str
      listen_addr:
        description: The worker's Swarm listen address.
        type: str
        default: 0.0.0.0:2377
      data_path_addr:
        description: The worker's data path address.
        type: str
  engine_port:
    description: The port of the workers' engine API, for the workers given by O(workers[].address).
    type: int
    default: 2375
  worker_tls:
    description:
      - Mutual TLS to the workers' engines, the server certificate verified against O(worker_tls.ca_path).
        Without it the workers' engines are reached on plain TCP.
    type: dict
    suboptions:
      ca_path:
        description: The CA certificate the workers' server certificates are checked against.
        type: path
        required: true
      client_cert:
        description: This manager's client certificate.
        type: path
        required: true
      client_key:
        description: Its key.
        type: path
        required: true
  worker_timeout:
    description: Seconds a worker's engine has to answer before the worker is left to the host's own join.
    type: int
    default: 5
  join_timeout:
    description: Seconds a worker has to leave the C(pending) state after it was told to join.
    type: int
    default: 60
  expect_ready:
    description:
      - The hosts that must then be Ready nodes of the cluster, given and matched as
        M(dockercluster.swarm.swarm_info)'s O(dockercluster.swarm.swarm_info#module:expect_ready) (a host
        name, or a dict C(name), C(node_id), C(addresses)); checked, polling every quarter second for up to
        O(wait_timeout) seconds, only when every worker joined or was in place (not in check mode).
      - The outcome is RV(expectations_met), never a failure (the swarm_manager role's verify makes its own
        check, and fails naming the nodes, when this one was not met).
    type: list
    elements: raw
    default: []
  wait_timeout:
    description: Seconds to wait for O(expect_ready).
    type: int
    default: 30
seealso:
  - module: dockercluster.swarm.swarm_agent
  - module: dockercluster.swarm.swarm_manager
  - module: dockercluster.swarm.swarm_info
'''

EXAMPLES = r'''
- name: Join the agents from the first manager, all at once
  dockercluster.swarm.swarm_workers:
    workers:
      - name: node2
        docker_host: tcp://10.0.11.151:2375
      - name: node3
        docker_host: tcp://10.0.11.152:2375
    worker_tls:
      ca_path: /etc/docker/certs/ca.pem
      client_cert: /etc/docker/certs/client-cert.pem
      client_key: /etc/docker/certs/client-key.pem
  delegate_to: "{{ groups['swarm_managers'][0] }}"
  run_once: true
  register: swarm_workers_result

# Read-only (check mode): which agents it would join. By address: the engine API on engine_port
# (of a host:port, or [fd00::3]:2377, the host).
- name: Ask the first manager which agents it can join
  dockercluster.swarm.swarm_workers:
    workers:
      - name: node2
        address: 10.0.11.151
      - name: node3
        address: 10.0.11.152
    engine_port: 2375
    worker_tls:
      ca_path: /etc/docker/certs/ca.pem
      client_cert: /etc/docker/certs/client-cert.pem
      client_key: /etc/docker/certs/client-key.pem
  check_mode: true
  delegate_to: "{{ groups['swarm_managers'][0] }}"
  run_once: true
  register: swarm_workers_plan
'''

RETURN = r'''
workers:
  description: Each worker's outcome, in the order of O(workers).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The worker's name, as given.
      type: str
    docker_host:
      description: Its engine, as given.
      type: str
    status:
      description: V(joined) (in check mode, would join), V(rejoined), V(in_place), V(left_to_host) or V(failed).
      type: str
      sample: joined
    node_id:
      description: Its node ID, when it has one.
      type: str
    msg:
      description: Why it was left to the host, or why it failed.
      type: str
joined:
  description: The names of the workers that joined (in check mode, that would), V(rejoined) ones included.
  returned: always
  type: list
  elements: str
in_place:
  description: The names of the workers already in this cluster.
  returned: always
  type: list
  elements: str
left_to_host:
  description: The names of the workers left to the host's own join.
  returned: always
  type: list
  elements: str
failed_workers:
  description: The workers told to join that did not, with why.
  returned: always
  type: dict
  sample: {"node3": "joining through its engine at tcp://10.0.11.152:2375 failed: ..."}
expectations_met:
  description: Whether every host of O(expect_ready) was seen a Ready node (false when not checked).
  returned: always
  type: bool
summary:
  description: The nodes as text, like M(dockercluster.swarm.swarm_info)'s RV(dockercluster.swarm.swarm_info#module:summary).
  returned: when O(expect_ready) was checked
  type: list
  elements: str
not_ready:
  description: Hosts of O(expect_ready) that are nodes but not Ready, with their status.
  returned: when O(expect_ready) was checked
  type: dict
missing:
  description: Hosts of O(expect_ready) that are not nodes of the cluster.
  returned: when O(expect_ready) was checked
  type: list
  elements: str
'''

import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.dockercluster.swarm.plugins.module_utils import (
    swarm_logic as logic,
)
from ansible_collections.dockercluster.swarm.plugins.module_utils import (
    worker_fanout as fanout,
)
from ansible_collections.dockercluster.swarm.plugins.module_utils.docker_api import (
    ENGINE_ERRORS,
    SwarmkitEngine,
    docker_api_argspec,
    engine_error,
    get_api_client,
    validate_connection_params,
    worker_client,
)
from ansible_collections.dockercluster.swarm.plugins.module_utils.swarm_cluster import (
    ClusterReader,
    poll,
)


class WorkerEngine(SwarmkitEngine):
    """A worker's engine: asked with a short timeout whether it answers, given the join's own to join."""

    def __init__(self, client, join_timeout):
        super(WorkerEngine, self).__init__(client)
        self.join_timeout = join_timeout

    def join(self, *args, **kwargs):
        # The engine answers a join once the node is registered (or the daemon's own wait ran out).
        self.client.timeout = max(self.join_timeout, self.client.timeout)
        return super(WorkerEngine, self).join(*args, **kwargs)


def check_workers(params):
    """Problems with the workers' options, before any engine is asked."""
    problems = []
    names = [w['name'] for w in params['workers']]
    if len(set(names)) != len(names):
        problems.append('workers: names must be unique (%s)' % ', '.join(sorted(set(n for n in names
                                                                                    if names.count(n) > 1))))
    for worker in params['workers']:
        if bool(worker.get('docker_host')) == bool(worker.get('address')):
            problems.append('workers[%s]: give one of docker_host and address' % worker['name'])
            continue
        if worker.get('address'):
            try:
                worker['docker_host'] = fanout.engine_url(worker['address'], params.get('engine_port', 2375))
            except ValueError as exc:
                problems.append('workers[%s]: address: %s' % (worker['name'], exc))
                continue
        for problem in validate_connection_params(dict(docker_host=worker['docker_host'])):
            problems.append('workers[%s]: %s' % (worker['name'], problem))
        try:
            logic.validate_member_addrs(worker.get('advertise_addr'), None, worker.get('listen_addr'),
                                        worker.get('data_path_addr'))
        except ValueError as exc:
            problems.append('workers[%s]: %s' % (worker['name'], exc))
    try:
        logic.expected_nodes(params.get('expect_ready'))
    except ValueError as exc:
        problems.append(str(exc))
    for option in ('worker_timeout', 'join_timeout'):
        if params[option] <= 0:
            problems.append('%s: %r must be a positive number of seconds' % (option, params[option]))
    if params['wait_timeout'] < 0:
        problems.append('wait_timeout: %r must not be negative' % (params['wait_timeout'],))
    return problems


class SwarmWorkers(ClusterReader):

    def __init__(self, module, manager, connect, sleep=None, clock=None):
        super(SwarmWorkers, self).__init__(module, manager)
        self.connect = connect
        self.sleep = sleep or time.sleep
        self.clock = clock or time.time

    def run(self):
        params = self.module.params
        try:
            swarm = self.manager_swarm()
            token = fanout.worker_token(self.inspect())
            # Read here, never an option: masked in whatever a worker's engine answers back.
            self.module.no_log_values.add(token)
            nodes = self.nodes()
        except ValueError as exc:
            self.module.fail_json(msg=str(exc))
        except ENGINE_ERRORS as exc:
            engine_error(self.module, exc, self.doing)
        addrs = logic.manager_addrs_from(swarm, nodes)
        worker_ids = set(node['id'] for node in nodes if node['role'] == 'worker')
        results = fanout.fan_out(params['workers'], self.connect, token, addrs, worker_ids,
                                 check_mode=self.module.check_mode, join_timeout=params['join_timeout'],
                                 errors=ENGINE_ERRORS, listed=set(node['id'] for node in nodes))
        result = dict(changed=any(r['status'] in (fanout.JOINED, fanout.REJOINED) for r in results), workers=results,
                      expectations_met=False, **fanout.summary(results))
        # The nodes are checked only when every worker was settled here: the others join later.
        if params['expect_ready'] and not (result['left_to_host'] or result['failed_workers'] or self.module.check_mode):
            try:
                result.update(self.wait_ready())
            except ENGINE_ERRORS as exc:
                engine_error(self.module, exc, self.doing, **result)
        self.module.exit_json(**result)

    def wait_ready(self):
        """Poll the nodes until every host of expect_ready is a Ready node or wait_timeout passes."""
        params = self.module.params

        def snapshot():
            nodes = self.nodes()
            return nodes, logic.check_expectations(nodes, params['expect_ready'])

        # Joined workers are Ready as soon as their join returns (it waits for their registration):
        # the first listing nearly always settles it.
        nodes, check = poll(snapshot, params['wait_timeout'], self.sleep, self.clock)
        return dict(expectations_met=check['ok'], summary=logic.render_summary(nodes),
                    not_ready=check['not_ready'], missing=check['missing'])


def main():
    argument_spec = docker_api_argspec(
        workers=dict(type='list', elements='dict', required=True, options=dict(
            name=dict(type='str', required=True),
            docker_host=dict(type='str'),
            address=dict(type='str'),
            advertise_addr=dict(type='str'),
            listen_addr=dict(type='str', default='0.0.0.0:2377'),
            data_path_addr=dict(type='str'),
        )),
        worker_tls=dict(type='dict', options=dict(
            ca_path=dict(type='path', required=True),
            client_cert=dict(type='path', required=True),
            client_key=dict(type='path', required=True, no_log=False),
        )),
        engine_port=dict(type='int', default=2375),
        worker_timeout=dict(type='int', default=5),
        join_timeout=dict(type='int', default=60),
        expect_ready=dict(type='list', elements='raw', default=[]),
        wait_timeout=dict(type='int', default=30),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    problems = check_workers(module.params)
    if problems:
        module.fail_json(msg='; '.join(problems))
    params = module.params

    def connect(worker):
        client = worker_client(module, worker['docker_host'], params['worker_tls'], params['worker_timeout'])
        return WorkerEngine(client, params['join_timeout'])

    SwarmWorkers(module, SwarmkitEngine(get_api_client(module)), connect).run()


if __name__ == '__main__':
    main()
