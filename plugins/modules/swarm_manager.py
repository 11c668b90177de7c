#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: dockercluster.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: swarm_manager
short_description: Make a Docker engine a Swarm manager (initialise or join), or run the classic Swarm manager
version_added: 0.1.0
description:
  - With O(backend=classic), ensures the classic Swarm manager container as the guide runs it
    (C(docker run -ti -d -p 2376:2375 --restart=always --name shipyard-swarm-manager swarm manage --host
    tcp://0.0.0.0:2375 <discovery>)), the discovery URL given in its environment (C(SWARM_DISCOVERY), which
    swarm reads when the command does not end with it; a command line is anyone's to read), with the options
    classic Swarm has (O(strategy), O(filters), O(replication) with O(advertise_addr), O(cluster_tls_ca_cert)
    and friends, O(heartbeat)). A container that mounts the host's files runs with C(label=disable) (SELinux).
    The image is pulled when absent. The container is recreated only when its image, command, published ports,
    mounts (and the contents of the files it mounts one by one), environment, restart policy or security
    options differ; a stopped one with the right spec is started. A warning says when
    the engine is too new for classic Swarm (minimum API above 1.31, Docker 29 and later).
    The rest of this description is about O(backend=swarmkit).
  - Makes the Docker engine of the managed host a manager of a Swarm-mode cluster.
  - With an empty O(remote_addrs) this node initialises the cluster (the first manager);
    otherwise it joins the managers at O(remote_addrs) with a manager O(join_token).
  - Idempotent by identity, not by "some swarm is active". A node that is already a manager of
    the expected cluster is left alone; a node in another cluster, or with the wrong role, makes
    the module fail naming what it found, unless O(force=true).
  - A node left C(pending) by an earlier join that did not finish leaves (forced) and joins again.
  - The cluster is expected to be identified by O(cluster_id) (as returned by this module or
    M(dockercluster.swarm.swarm_token)) and/or by O(remote_addrs); with neither, an active manager is adopted.
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
      - With O(backend=classic), V(present) ensures the manager container and V(absent) removes it.
      - V(present) makes the node a manager of the cluster.
      - V(absent) makes the node leave whatever swarm it is in. A manager only leaves with O(force=true)
        (Docker refuses otherwise, because leaving managers can cost the cluster its quorum); the
        safer way is to demote it first from another manager (C(docker node demote), or
        M(community.docker.docker_node) with C(role=worker)), after which it leaves as a worker.
        A node in C(pending) state leaves (forced) without O(force); in C(locked) or C(error) state it
        needs O(force=true), since it may be a manager.
    type: str
    choices: [present, absent]
    default: present
  remote_addrs:
    description:
      - Only with O(backend=swarmkit).
      - Addresses of existing managers (C(host) or C(host:port), IPv6 as C([addr]:port); port 2377 by default).
      - Empty means this node initialises the cluster.
    type: list
    elements: str
    default: []
  join_token:
    description:
      - Only with O(backend=swarmkit).
      - The manager join token of the cluster (C(docker swarm join-token -q manager), or RV(dockercluster.swarm.swarm_token#module:manager_token)).
      - Required when O(remote_addrs) is not empty.
    type: str
  cluster_id:
    description:
      - Only with O(backend=swarmkit).
      - The ID of the cluster this node must belong to. When the node is a manager of a cluster with
        another ID, it is "in another cluster".
    type: str
  advertise_addr:
    description:
      - With O(backend=classic) and O(replication), the C(ip:port) other managers reach this one at (C(--advertise)).
      - IP address (optionally with C(:port)) other nodes use to reach this manager.
      - When neither this nor O(advertise_interface) is set, initialising advertises the address O(listen_addr)
        names (its IP, or its interface's first IPv4), else the source address of the route towards 1.1.1.1
        (read from C(ip route get); no packet is sent), and joining lets the engine take the address it reaches
        the managers from.
    type: str
  advertise_interface:
    description:
      - Only with O(backend=swarmkit).
      - Network interface whose first IPv4 address is advertised. Mutually exclusive with O(advertise_addr).
    type: str
  listen_addr:
    description:
      - Address the manager listens on for cluster traffic (C(ip:port) or C(interface:port)).
    type: str
    default: 0.0.0.0:2377
  data_path_addr:
    description:
      - Only with O(backend=swarmkit).
      - IP address or interface for overlay data traffic (VXLAN, 4789/udp). Needs Docker API 1.30 or later.
    type: str
  default_addr_pool:
    description:
      - Only with O(backend=swarmkit).
      - CIDR blocks from which overlay networks get their subnets, like V(10.20.0.0/16). Only when initialising;
        needs Docker API 1.39 or later.
    type: list
    elements: str
  subnet_size:
    description:
      - Only with O(backend=swarmkit).
      - Prefix length (16 to 28) of the subnets carved from O(default_addr_pool). Only when initialising.
    type: int
  force:
    description:
      - Only with O(backend=swarmkit).
      - When the node is in another cluster, has the wrong role, or its swarm is locked or in error,
        make it leave (forced) and then initialise or join.
      - Its old entry stays in the other cluster's node list (as C(down)) until removed there.
    type: bool
    default: false
  join_timeout:
    description:
      - Seconds to wait, after the join request, for the node to leave the C(pending) state.
    type: int
    default: 60
  return_tokens:
    description:
      - Only with O(backend=swarmkit).
      - Also return the cluster's join tokens (RV(worker_token), RV(manager_token)) with O(state=present), read
        in the same call, so that a playbook needs no M(dockercluster.swarm.swarm_token) task to join the others.
      - The tokens are secrets. Set C(no_log) on the task that asks for them.
      - Not in check mode when the node is not a manager yet (there are no tokens before the cluster exists).
    type: bool
    default: false
  discovery:
    description:
      - Only with O(backend=classic), and required there. The discovery URL (C(token://...), C(consul://...),
        C(etcd://...), C(zk://...), C(file:///...), C(nodes://...)), as RV(dockercluster.swarm.swarm_token#module:discovery)
        returns it. With C(file://), the file is mounted read-only into the container.
      - With C(token://) it holds the cluster token, so it is not logged.
    type: str
  image:
    description:
      - Only with O(backend=classic). The classic Swarm image; pulled when it is not on the host.
    type: str
    default: swarm:1.2.9
  container_name:
    description:
      - Only with O(backend=classic). Name of the manager container.
    type: str
    default: shipyard-swarm-manager
  published_port:
    description:
      - Only with O(backend=classic). Host port the manager's API (2375 in the container) is published on,
        the cluster endpoint C(docker -H manager:2376 info).
    type: int
    default: 2376
  strategy:
    description:
      - Only with O(backend=classic). Scheduling strategy (C(--strategy)); unset leaves classic Swarm's default, V(spread).
    type: str
    choices: [spread, binpack, random]
  filters:
    description:
      - Only with O(backend=classic). Scheduler filters (C(--filter), one each); empty leaves classic Swarm's
        default set (health, port, containerslots, dependency, affinity, constraint, whitelist).
    type: list
    elements: str
    default: []
  heartbeat:
    description:
      - Only with O(backend=classic). Period of the manager's heartbeat with the nodes, a duration like V(60s).
    type: str
  engine_refresh:
    description:
      - Only with O(backend=classic). How often the manager reads each engine again (C(--engine-refresh-min-interval)
        and C(--engine-refresh-max-interval)), a duration like V(10s). Unset, classic Swarm's 30s to 60s.
      - With O(engine_failure_retry), how soon a node whose engine stopped leaves C(Healthy).
    type: str
  engine_failure_retry:
    description:
      - Only with O(backend=classic). Failed reads of an engine before its node is C(Unhealthy)
        (C(--engine-failure-retry)). Unset, classic Swarm's 3.
    type: int
  replication:
    description:
      - Only with O(backend=classic). Run the manager replicated (one primary, replicas), which needs
        C(consul://), C(etcd://) or C(zk://) discovery and O(advertise_addr) as C(ip:port).
    type: bool
    default: false
  cluster_tls_ca_cert:
    description:
      - Only with O(backend=classic). CA certificate on the host for TLS between the manager and the nodes and
        on its published port (C(--tlscacert)); mounted read-only into the container. Needs
        O(cluster_tls_cert) and O(cluster_tls_key).
      - These three, and a C(file://) discovery's node list, must be files on the host, else refused
        before any change (not in check mode, where the run has not written them yet).
    type: path
  cluster_tls_cert:
    description:
      - Only with O(backend=classic). Certificate on the host (C(--tlscert)).
    type: path
  cluster_tls_key:
    description:
      - Only with O(backend=classic). Private key on the host (C(--tlskey)).
    type: path
  cluster_tls_verify:
    description:
      - Only with O(backend=classic) and the certificates above. V(true) verifies peers (C(--tlsverify)),
        V(false) only encrypts (C(--tls)), and then needs O(cluster_insecure=true).
    type: bool
    default: true
  cluster_insecure:
    description:
      - Only with O(backend=classic). Accept a published port without client authentication, that is plain TCP
        (no O(cluster_tls_ca_cert) and friends) or C(--tls) (O(cluster_tls_verify=false)). Anyone who reaches
        that port commands every engine of the cluster through the manager (with its certificate, under
        C(--tls)). Without this option the module refuses such a manager before contacting the engine; with
        it, it warns. The swarm_manager role sets it from C(swarm_insecure_tcp).
    type: bool
    default: false
  replaced_files:
    description:
      - Only with O(backend=classic), and only in check mode. Files an earlier task of this run would replace
        (the certificates the docker_pki role would renew). A container that mounts one of them is predicted to
        be made again, as a real run makes it (its mounted files' contents differ). A real run ignores this
        option and compares the files themselves.
    type: list
    elements: path
    default: []
notes:
  - Open 2377/tcp (managers), 7946/tcp+udp and 4789/udp between the nodes.
  - Whether a worker token or a manager token was given cannot be seen from the token; joining with a
    worker token makes a worker, which this module reports as a failure.
seealso:
  - module: dockercluster.swarm.swarm_token
  - module: dockercluster.swarm.swarm_agent
  - module: dockercluster.swarm.swarm_info
'''

EXAMPLES = r'''
# In a play on the managers (hosts: swarm_managers); the first one initialises the cluster.
- name: Initialise the cluster on the first manager
  dockercluster.swarm.swarm_manager:
    advertise_interface: eth1
    default_addr_pool: [10.20.0.0/16]
    subnet_size: 24
  delegate_to: "{{ groups['swarm_managers'][0] }}"
  run_once: true
  register: first_manager

- name: Read the join tokens on the first manager
  dockercluster.swarm.swarm_token:
  delegate_to: "{{ groups['swarm_managers'][0] }}"
  run_once: true
  register: tokens
  no_log: true

- name: Join the other managers
  dockercluster.swarm.swarm_manager:
    remote_addrs: "{{ first_manager.manager_addrs }}"
    join_token: "{{ tokens.manager_token }}"
    cluster_id: "{{ first_manager.cluster_id }}"
    advertise_interface: eth1
  when: inventory_hostname != groups['swarm_managers'][0]
  throttle: 1  # Raft takes one new member at a time

- name: Initialise and get the join tokens in the same call (the result holds secrets)
  dockercluster.swarm.swarm_manager:
    advertise_interface: eth1
    return_tokens: true
  delegate_to: "{{ groups['swarm_managers'][0] }}"
  run_once: true
  register: first_manager
  no_log: true

- name: Make the last manager leave (after demoting it is better)
  dockercluster.swarm.swarm_manager:
    state: absent
    force: true
  when:
    - inventory_hostname == groups['swarm_managers'][-1]
    - inventory_hostname != groups['swarm_managers'][0]

# Classic: the discovery from swarm_token (its examples, registered as classic).
- name: Classic Swarm, the guide's manager container (binpack scheduling, mutual TLS on 2376)
  dockercluster.swarm.swarm_manager:
    backend: classic
    discovery: "{{ classic.discovery }}"
    image: registry.example.com/swarm:1.2.9
    strategy: binpack
    cluster_tls_ca_cert: /etc/docker/certs/ca.pem
    cluster_tls_cert: /etc/docker/certs/server-cert.pem
    cluster_tls_key: /etc/docker/certs/server-key.pem

- name: Classic Swarm as the guide runs it, plain TCP on 2376 (refused without cluster_insecure; warns)
  dockercluster.swarm.swarm_manager:
    backend: classic
    discovery: "{{ classic.discovery }}"
    cluster_insecure: true
'''

RETURN = r'''
cluster_id:
  description: ID of the cluster the node manages (null in check mode before a join, and after leaving).
  returned: with O(backend=swarmkit)
  type: str
  sample: 9xk2ho0pqfzrb8hk0upy6pxc1
node_id:
  description: The node's ID in the cluster (null when not known, e.g. in check mode before a join); after leaving, the ID it had.
  returned: with O(backend=swarmkit)
  type: str
  sample: x2n4bvcbz1ezjcm9vnmdu2s6b
manager_addrs:
  description: C(addr:port) of every manager of the cluster (reachable ones, while any is), this one first, then sorted.
  returned: with O(backend=swarmkit)
  type: list
  elements: str
  sample: [10.0.11.150:2377, 10.0.11.151:2377]
advertise_addr:
  description: Address the node advertises (as the engine reports it; in check mode, the one that would be used).
  returned: with O(backend=swarmkit)
  type: str
  sample: 10.0.11.150
role:
  description: V(manager), V(worker), or null when not in a swarm.
  returned: with O(backend=swarmkit)
  type: str
membership:
  description: Where the node stood before the run, one of C(absent), C(pending), C(same_cluster_same_role),
    C(same_cluster_other_role), C(other_cluster), C(locked), C(error).
  returned: with O(backend=swarmkit)
  type: str
  sample: absent
actions:
  description: Steps taken (or, in check mode, that would be taken), in order; C(leave) is always forced.
    With O(backend=classic), among C(pull), C(remove), C(create), C(start).
  returned: always
  type: list
  elements: str
  sample: [leave, join]
local_node_state:
  description: The engine's LocalNodeState at the end (C(inactive), C(pending), C(active), C(error), C(locked)).
  returned: with O(backend=swarmkit)
  type: str
  sample: active
worker_token:
  description: The token workers join with. A secret.
  returned: with O(return_tokens) when the node is an active manager at the end
  type: str
manager_token:
  description: The token managers join with. A secret.
  returned: with O(return_tokens) when the node is an active manager at the end
  type: str
container_id:
  description: With O(backend=classic), the ID of the container (null in check mode before it is created).
  returned: when O(backend=classic)
  type: str
command:
  description:
    - With O(backend=classic), the container's command (after the image's C(/swarm) entrypoint). The discovery URL
      is not in it (the container reads it from its environment, C(SWARM_DISCOVERY)).
  returned: when O(backend=classic)
  type: list
  elements: str
  sample: [manage, --host, "tcp://0.0.0.0:2375"]
differences:
  description: With O(backend=classic), the spec fields (image, command, ports, binds, env, restart, security_opt, and files, for the
    contents of the files it mounts one by one) in which the existing container differed, which made it be recreated.
  returned: when O(backend=classic)
  type: list
  elements: str
  sample: [command]
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

# Backends by name; each class offers swarm_info/leave/init/join/inspect/nodes.

# Options each backend alone uses; given with the other backend, the module fails untouched.
CLASSIC_ONLY = ('discovery', 'image', 'container_name', 'published_port', 'strategy', 'filters', 'heartbeat',
                'engine_refresh', 'engine_failure_retry', 'replication', 'cluster_tls_ca_cert', 'cluster_tls_cert',
                'cluster_tls_key', 'cluster_tls_verify', 'cluster_insecure', 'ca_bundle', 'replaced_files')
SWARMKIT_ONLY = ('remote_addrs', 'join_token', 'cluster_id', 'advertise_interface', 'data_path_addr',
                 'default_addr_pool', 'subnet_size', 'force', 'return_tokens')


def check_join(params, values):
    """With state=present: a manager token to join with, unless initialising."""
    if values['remote_addrs'] and not params['join_token']:
        return 'join_token is required to join the managers at %s' % ', '.join(values['remote_addrs'])
    if params['join_token']:
        params['join_token'] = logic.validate_join_token(params['join_token'])  # sent as checked: stripped
    return None


def check_pools(params, values):
    values['default_addr_pool'] = logic.validate_addr_pools(params['default_addr_pool'], params['subnet_size'])


def unauthenticated_port(params):
    """How the classic manager's published port would take clients without a certificate, else None."""
    certs = [params['cluster_tls_ca_cert'], params['cluster_tls_cert'], params['cluster_tls_key']]
    if not any(certs):
        return 'plain TCP: no cluster_tls_ca_cert, cluster_tls_cert, cluster_tls_key'
    if not params['cluster_tls_verify']:
        return '--tls without --tlsverify: cluster_tls_verify=false'
    return None


def check_cluster_port(module):
    """Classic, state=present: refuse a published port without client authentication unless
    cluster_insecure (before the engine is contacted); warn when it is allowed."""
    params = module.params
    how = unauthenticated_port(params) if params['state'] == 'present' else None
    if how is None:
        return
    if not params['cluster_insecure']:
        module.fail_json(msg=(
            'the classic manager would publish its API on TCP %s without client authentication (%s): anyone who '
            'reaches that port commands every engine of the cluster through it. Give cluster_tls_ca_cert, '
            'cluster_tls_cert and cluster_tls_key with cluster_tls_verify=true (the swarm_manager role does unless '
            'swarm_insecure_tcp is true), or accept it with cluster_insecure=true (the role: swarm_insecure_tcp: '
            'true).' % (params['published_port'], how)))
    module.warn('the classic manager publishes its API on TCP %s without client authentication (%s), as '
                'cluster_insecure allows: anyone who reaches that port commands every engine of the cluster.'
                % (params['published_port'], how))


class SwarmManager(SwarmMember):

    ROLE = 'manager'
    WRONG_ROLE = ('the node joined as a worker, not a manager: join_token is the worker token. Use the '
                  'manager token (swarm_token manager_token), then rerun with force=true or promote the node.')
    MANAGER_LEAVES = ('the node is a Swarm manager (%s): it leaves only with force=true, which can cost the '
                      'cluster its quorum. Demote it first from another manager ("docker node demote"), '
                      'then it leaves as a worker.')

    def __init__(self, module, engine, values):
        super(SwarmManager, self).__init__(module, engine, values, dict(
            changed=False, actions=[], cluster_id=None, node_id=None, manager_addrs=[], advertise_addr=None,
            role=None, membership=None, local_node_state=None))
        self.pools = values['default_addr_pool']

    def _record(self, swarm):
        facts = super(SwarmManager, self)._record(swarm)
        self.result['cluster_id'] = facts['cluster_id']
        return facts

    def _manager_details(self):
        """On an active manager: cluster ID and the managers' addresses from the node list."""
        self.doing = 'listing the cluster nodes'
        inspect = self.engine.inspect()
        if inspect.get('ID'):
            self.result['cluster_id'] = inspect['ID']
        if self.params['return_tokens']:
            # The same answer holds the join tokens: no second call for them.
            tokens = inspect.get('JoinTokens') or {}
            self.result.update(worker_token=tokens.get('Worker'), manager_token=tokens.get('Manager'))
        nodes = logic.summarize_nodes(self.engine.nodes())
        self.result['manager_addrs'] = logic.manager_addrs_from(None, nodes, self.result.get('advertise_addr')) \
            or self.result['manager_addrs']

    def _advertise(self, initialise):
        params = self.params
        if not initialise and not (params['advertise_addr'] or params['advertise_interface']):
            return None
        # The init listens on one address (or an interface's): that is the one to advertise. The engine would
        # not take it: it advertises the host's only address, or refuses one with several.
        listen_host = logic.split_host_port(params['listen_addr'])[0]
        listen_ip = logic.parse_ip(listen_host)
        if initialise and not (params['advertise_addr'] or params['advertise_interface']) and listen_host:
            if listen_ip is None:
                return self._choose_advertise(interface=listen_host)
            if not listen_ip.is_unspecified:
                return listen_host
        return self._choose_advertise()

    def present(self):
        params = self.params
        initialise = not self.remote_addrs
        swarm = self.engine.swarm_info()
        facts = self._record(swarm)
        membership = self._membership(swarm)
        self.result['membership'] = membership
        steps, problem = logic.plan_membership(membership, 'manager', params['force'], initialise)
        if problem:
            self._fail(logic.problem_message(problem, facts, 'manager', self.remote_addrs, params['cluster_id']))
        if not steps:
            self._manager_details()
            return
        self._refuse_what_the_api_lacks(dict(data_path_addr=params['data_path_addr'], **(
            dict(default_addr_pool=self.pools, subnet_size=params['subnet_size']) if initialise else {})))
        advertise = self._advertise(initialise)
        if (self.pools or params['subnet_size']) and not initialise:
            self.module.warn('default_addr_pool and subnet_size only apply when initialising; ignored when joining')
        self.result.update(changed=True, actions=list(steps))
        if self.module.check_mode:
            # What is known before the engine answers: a new node ID, and for init a new cluster.
            self.result.update(advertise_addr=advertise, role='manager', node_id=None, local_node_state='active')
            if initialise:
                port = logic.split_host_port(params['listen_addr'], logic.DEFAULT_SWARM_PORT)[1]
                self.result.update(cluster_id=None, manager_addrs=[
                    logic.normalize_manager_addr(advertise, port)] if advertise else [])
            else:
                self.result.update(cluster_id=params['cluster_id'], manager_addrs=list(self.remote_addrs))
            return
        self._leave_if_planned(steps)
        if initialise:
            self.doing = 'initialising the swarm'
            self.engine.init(advertise_addr=advertise, listen_addr=params['listen_addr'],
                             data_path_addr=params['data_path_addr'], default_addr_pool=self.pools,
                             subnet_size=params['subnet_size'])
            swarm = self.engine.swarm_info()
        else:
            swarm = self._join(advertise)
        facts = self._record(swarm)
        self._check_joined(facts)
        self._manager_details()
        if params['cluster_id'] and self.result['cluster_id'] != params['cluster_id']:
            self._fail('the node is now a manager of cluster %s, not of the expected cluster %s: remote_addrs '
                       '(%s) belong to another cluster' % (self.result['cluster_id'], params['cluster_id'],
                                                           ', '.join(self.remote_addrs)))


class ClassicManager(ClassicMember):
    """Classic Swarm: the guide's manager container."""

    def wanted(self):
        """The container spec from the options; ValueError when they do not fit together."""
        params = self.params
        if not params['discovery']:
            raise ValueError('discovery is required with backend=classic (the URL swarm_token returns)')
        parsed = disc.parse(params['discovery'])
        binds = []
        if parsed['kind'] == 'file':
            binds.append('%s:%s:ro' % (parsed['path'], parsed['path']))
        tls = None
        certs = [params['cluster_tls_ca_cert'], params['cluster_tls_cert'], params['cluster_tls_key']]
        if any(certs):
            if not all(certs):
                raise ValueError('cluster_tls_ca_cert, cluster_tls_cert and cluster_tls_key go together')
            tls_binds, tls = cc.tls_binds(*certs)
            tls['verify'] = params['cluster_tls_verify']
            binds.extend(tls_binds)
        binds.extend(cc.ca_bundle_binds(params['ca_bundle']))
        mounted = list(zip(('cluster_tls_ca_cert', 'cluster_tls_cert', 'cluster_tls_key'), certs)) if tls else []
        if parsed['kind'] == 'file':
            mounted.append(('discovery (its node list)', parsed['path']))
        if not self.module.check_mode:  # in check mode the run has not written them yet
            cc.refuse_missing_files(mounted)
        port = params['published_port']
        if not 0 < port < 65536:
            raise ValueError('published_port: %r is not a port number' % (port,))
        command = cc.manager_command(params['discovery'], strategy=params['strategy'], filters=params['filters'],
                                     heartbeat=params['heartbeat'], replication=params['replication'],
                                     engine_refresh=params['engine_refresh'],
                                     failure_retry=params['engine_failure_retry'],
                                     advertise=params['advertise_addr'], tls=tls)
        if params['replication'] and ':' not in params['advertise_addr']:
            raise ValueError('advertise_addr: with replication, give ip:port (like 10.0.11.150:%d)' % port)
        return cc.spec(params['container_name'], params['image'], command, ports={cc.SWARM_PORT: port},
                       binds=binds, discovery=params['discovery'],
                       replaced=params['replaced_files'] if self.module.check_mode else ())


def main():
    argument_spec = docker_api_argspec(
        backend=dict(type='str', default='swarmkit', choices=['classic', 'swarmkit']),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        remote_addrs=dict(type='list', elements='str', default=[]),
        join_token=dict(type='str', no_log=True),
        cluster_id=dict(type='str'),
        advertise_addr=dict(type='str'),
        advertise_interface=dict(type='str'),
        listen_addr=dict(type='str', default='0.0.0.0:2377'),
        data_path_addr=dict(type='str'),
        default_addr_pool=dict(type='list', elements='str'),
        subnet_size=dict(type='int'),
        force=dict(type='bool', default=False),
        join_timeout=dict(type='int', default=60),
        return_tokens=dict(type='bool', default=False),
        discovery=dict(type='str', no_log=True),
        image=dict(type='str', default=cc.DEFAULT_IMAGE),
        container_name=dict(type='str', default=cc.MANAGER_NAME),
        published_port=dict(type='int', default=cc.MANAGER_PUBLISHED_PORT),
        strategy=dict(type='str', choices=list(cc.STRATEGIES)),
        filters=dict(type='list', elements='str', default=[]),
        heartbeat=dict(type='str'),
        engine_refresh=dict(type='str'),
        engine_failure_retry=dict(type='int'),
        replication=dict(type='bool', default=False),
        cluster_tls_ca_cert=dict(type='path'),
        cluster_tls_cert=dict(type='path'),
        cluster_tls_key=dict(type='path', no_log=False),
        cluster_tls_verify=dict(type='bool', default=True),
        cluster_insecure=dict(type='bool', default=False),
        ca_bundle=dict(type='path'),
        replaced_files=dict(type='list', elements='path', default=[]),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True,
                           mutually_exclusive=[('advertise_addr', 'advertise_interface')])
    if check_backend(module, CLASSIC_ONLY, SWARMKIT_ONLY):
        check_cluster_port(module)
        ClassicManager(module, cc.ClassicContainers(get_api_client(module))).run()
    values = validated(module, check_join, check_pools)
    SwarmManager(module, swarmkit_engine(module), values).run()


if __name__ == '__main__':
    main()
