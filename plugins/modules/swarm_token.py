#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: dockercluster.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: swarm_token
short_description: The join tokens of a Swarm-mode cluster, or a classic Swarm discovery (token)
version_added: 0.1.0
description:
  - With O(backend=swarmkit), run on a manager of the cluster. Returns the worker and manager join tokens,
    the cluster ID and the managers' addresses, which M(dockercluster.swarm.swarm_manager) and
    M(dockercluster.swarm.swarm_agent) take. With O(rotate), replaces the named tokens first. Nodes already in
    the cluster are not affected; the old tokens stop working for new joins. Fails on a host that is not an
    active manager.
  - With O(backend=classic), builds and validates the discovery URL classic Swarm's C(manage) and C(join)
    take (RV(discovery)), for every discovery classic Swarm knows (O(discovery_kind)). For V(token) it creates
    the cluster token with the hosted discovery API, as C(swarm create) does (C(POST /clusters) at
    O(discovery_url)), unless O(token) adopts one; the token is kept in O(token_file) on the managed host so
    later runs reuse it instead of making a new cluster. O(state=absent) deletes it from the discovery
    service and removes O(token_file). For V(file), writes the node list to O(nodes_file) on the managed host.
    The classic backend does not talk to the Docker engine.
author:
  - dockercluster.swarm maintainers (@dockercluster)
extends_documentation_fragment:
  - dockercluster.swarm.docker_api
  - dockercluster.swarm.backend
  - dockercluster.swarm.attributes
attributes:
  check_mode:
    description: With O(rotate), reports C(changed) without rotating; the tokens returned are the current ones.
      With O(backend=classic), reports a token that would be created or deleted, or a node list file that would
      change, without doing it.
  diff_mode:
    support: partial
    description: Tokens are secrets; RV(rotated) says which were rotated instead of a diff. With
      O(backend=classic) and O(discovery_kind=file), the node list file is diffed.
options:
  rotate:
    description:
      - Tokens to replace before returning them. Only with O(backend=swarmkit).
    type: list
    elements: str
    choices: [worker, manager]
    default: []
  state:
    description:
      - Only with O(backend=classic). V(present) ensures the discovery (and creates the token);
        V(absent) deletes the token from the hosted discovery and removes O(token_file)
        (and, for V(file), O(nodes_file)).
    type: str
    choices: [present, absent]
    default: present
  discovery_kind:
    description:
      - Only with O(backend=classic). The discovery classic Swarm uses to find the nodes.
      - V(token) is Docker's hosted discovery (or a server with the same API at O(discovery_url));
        V(consul), V(etcd), V(zk) are key-value stores at O(kv_hosts); V(file) and V(nodes) are static
        lists taken from O(nodes) (with them C(swarm join) does nothing).
    type: str
    choices: [token, consul, etcd, zk, file, nodes]
    default: token
  token:
    description:
      - Only with O(backend=classic) and O(discovery_kind=token). An existing cluster token (32 hex digits)
        to adopt instead of creating one; it is kept in O(token_file).
      - A secret, like everything this module returns, so set C(no_log) on the task. (The option itself is not
        masked, because the module returns it in RV(token) and RV(discovery).)
    type: str
  discovery_url:
    description:
      - Only with O(backend=classic) and O(discovery_kind=token). Base URL of the hosted discovery API,
        C(https://) only. Docker's service at the default URL was shut down on 2019-06-19, so a token can
        only be created or deleted against another server implementing the same API.
      - With another URL, RV(discovery) takes the form C(token://host[:port]/path/<token>) that points
        classic Swarm at it.
      - 'Redirects are not followed (one could send the token elsewhere or over plain http): a redirect fails
        the task, naming its target. Credentials from a C(.netrc) file are never sent.'
    type: str
    default: https://discovery.hub.docker.com/v1
  discovery_validate_certs:
    description:
      - Only with O(backend=classic). Verify the certificate of O(discovery_url).
    type: bool
    default: true
  discovery_ca_path:
    description:
      - Only with O(backend=classic). CA certificate (PEM) to verify O(discovery_url) with, instead of the
        system's CA store.
    type: path
  token_file:
    description:
      - Only with O(backend=classic). File on the managed host (mode 0600) where the token is kept, so a
        later run reuses it.
    type: path
    default: /etc/docker/dockercluster-swarm-token
  kv_hosts:
    description:
      - Only with O(backend=classic) and a key-value O(discovery_kind). The store's C(host[:port]) addresses.
    type: list
    elements: str
    default: []
  kv_path:
    description:
      - Only with O(backend=classic) and a key-value O(discovery_kind). The key prefix of the cluster in the store.
    type: str
    default: swarm
  nodes:
    description:
      - Only with O(backend=classic) and O(discovery_kind) V(file) or V(nodes). The nodes' C(ip:port)
        (their engines' TCP listener, like V(10.0.11.150:2375)); C([a:b]) ranges are expanded, as in
        C(10.0.11.[150:159]:2375).
    type: list
    elements: str
    default: []
  nodes_file:
    description:
      - Only with O(backend=classic) and O(discovery_kind=file). Where the node list is written on the
        managed host (the manager's host; the manager container mounts it).
    type: path
    default: /etc/docker/dockercluster-swarm-nodes
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
  delegate_to: "{{ groups['swarm_managers'][0] }}"
  run_once: true
  register: swarm_tokens
  no_log: true

- name: Rotate the worker token (e.g. after it leaked)
  dockercluster.swarm.swarm_token:
    rotate: [worker]
  delegate_to: "{{ groups['swarm_managers'][0] }}"
  run_once: true
  no_log: true

- name: Classic Swarm, the guide's "swarm create" against a hosted discovery server of your own
  dockercluster.swarm.swarm_token:
    backend: classic
    discovery_url: https://discovery.example.com/v1
  register: classic
  no_log: true

- name: Classic Swarm with a static node list (ranges allowed)
  dockercluster.swarm.swarm_token:
    backend: classic
    discovery_kind: nodes
    nodes: ["10.0.11.[150:152]:2375"]
'''

RETURN = r'''
worker_token:
  description: The worker join token (after rotation, the new one).
  returned: with O(backend=swarmkit)
  type: str
  sample: SWMTKN-1-3pu6hszjas19xyp7ghgosyx9k8atbfcr8p2is99znpy26u2lkl-1awxwuwd3z9j1z3puu7rcgdbx
manager_token:
  description: The manager join token (after rotation, the new one).
  returned: with O(backend=swarmkit)
  type: str
  sample: SWMTKN-1-3pu6hszjas19xyp7ghgosyx9k8atbfcr8p2is99znpy26u2lkl-7p73s1dx5in4tatdymyhg9hu2
cluster_id:
  description: The cluster's ID.
  returned: with O(backend=swarmkit)
  type: str
  sample: 9xk2ho0pqfzrb8hk0upy6pxc1
manager_addrs:
  description: C(addr:port) of every manager of the cluster (reachable ones, while any is), this one first, then sorted.
  returned: with O(backend=swarmkit)
  type: list
  elements: str
  sample: [10.0.11.150:2377]
rotated:
  description: The tokens rotated (in check mode, that would be rotated).
  returned: with O(backend=swarmkit)
  type: list
  elements: str
  sample: [worker]
token:
  description: With O(backend=classic) and O(discovery_kind=token), the cluster token (null in check mode
    before it is created, and after O(state=absent)).
  returned: with O(backend=classic)
  type: str
  sample: 5a0a4f2bd2e24d9a9ed2e24d9a9ed2e2
discovery:
  description:
    - With O(backend=classic), the discovery URL for C(swarm manage) and C(swarm join).
    - In check mode, where a token would be created, its URL with 32 zeros in place of the token.
  returned: with O(backend=classic)
  type: str
  sample: token://5a0a4f2bd2e24d9a9ed2e24d9a9ed2e2
discovery_kind:
  description: With O(backend=classic), the discovery kind.
  returned: with O(backend=classic)
  type: str
  sample: token
nodes:
  description: With O(backend=classic) and O(discovery_kind) V(file) or V(nodes), the nodes, ranges expanded.
  returned: with O(backend=classic)
  type: list
  elements: str
  sample: [10.0.11.150:2375, 10.0.11.151:2375]
created:
  description: With O(backend=classic), whether a new token was (in check mode, would be) created.
  returned: with O(backend=classic)
  type: bool
deleted:
  description: With O(backend=classic) and O(state=absent), whether a token was (would be) deleted.
  returned: with O(backend=classic)
  type: bool
'''

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.dockercluster.swarm.plugins.module_utils import (
    classic_discovery as disc,
)
from ansible_collections.dockercluster.swarm.plugins.module_utils import (
    swarm_logic as logic,
)
from ansible_collections.dockercluster.swarm.plugins.module_utils.atomic_write import atomic_write, selinux_setter
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
)
from ansible_collections.dockercluster.swarm.plugins.module_utils.swarm_member import backend_mismatch

# Options only the classic backend uses (the swarmkit backend's only is rotate).
CLASSIC_ONLY = ('state', 'discovery_kind', 'token', 'discovery_url', 'discovery_validate_certs', 'discovery_ca_path',
                'token_file', 'kv_hosts', 'kv_path', 'nodes', 'nodes_file')
# Check mode's stand-in for a hosted token not created yet (a valid token's form).
CHECK_MODE_TOKEN = '0' * 32


class SwarmToken(ClusterReader):

    def run(self):
        try:
            result = self.tokens()
        except ENGINE_ERRORS as exc:
            engine_error(self.module, exc, self.doing)
        self.module.exit_json(**result)

    def tokens(self):
        rotate = sorted(set(self.module.params['rotate'] or []))
        swarm = self.manager_swarm()
        inspect = self.inspect()
        if rotate and not self.module.check_mode:
            self.doing = 'rotating the %s token%s' % (' and '.join(rotate), 's' if len(rotate) > 1 else '')
            self.engine.rotate_tokens(inspect, worker='worker' in rotate, manager='manager' in rotate)
            inspect = self.inspect()
        nodes = self.nodes()
        tokens = inspect.get('JoinTokens') or {}
        return dict(changed=bool(rotate), rotated=rotate, worker_token=tokens.get('Worker'),
                    manager_token=tokens.get('Manager'), cluster_id=inspect.get('ID'),
                    manager_addrs=logic.manager_addrs_from(swarm, nodes))


class ClassicToken(object):
    """Classic Swarm: the discovery URL, and the hosted token's life cycle."""

    def __init__(self, module, client=None):
        self.module = module
        self.params = module.params
        self.client = client
        self.result = dict(changed=False, token=None, discovery=None, discovery_kind=self.params['discovery_kind'],
                           nodes=[], created=False, deleted=False)

    def run(self):
        try:
            if self.params['discovery_kind'] == 'token':
                self.token()
            else:
                self.static_or_kv()
        except ValueError as exc:
            self.module.fail_json(msg=str(exc), **self._safe())
        except HostedDiscoveryError as exc:
            self.module.fail_json(msg=str(exc), **self._safe())
        self.module.exit_json(**self.result)

    def _safe(self):
        return dict((k, v) for k, v in self.result.items() if k not in ('token', 'discovery'))

    def hosted(self):
        if self.client is None:
            self.client = HostedDiscovery(self.params['discovery_url'], self.params['discovery_validate_certs'],
                                          self.params['discovery_ca_path'], self.params['timeout'])
        return self.client

    def _read_token_file(self):
        path = self.params['token_file']
        if not os.path.exists(path):
            return None
        with open(path) as handle:
            text = handle.read().strip()
        try:
            return disc.validate_token(text)
        except ValueError:
            self.module.fail_json(msg='token_file %s does not hold a cluster token (32 hex digits); remove it, or '
                                      'give the token to adopt' % path)

    def _write(self, path, content, mode):
        """Write ``content`` atomically with ``mode``; returns True when it changed."""
        current = None
        if os.path.exists(path):
            with open(path) as handle:
                current = handle.read()
        if current == content and (os.stat(path).st_mode & 0o777) == mode:
            return False
        if self.module.check_mode:
            return True
        folder = os.path.dirname(path) or '.'
        if not os.path.isdir(folder):
            os.makedirs(folder, 0o755)
        # The temporary file has ``mode`` before the token goes in, and keeps it through the rename
        # (atomic_move would make a new file 0644 for a moment, or give it an old file's mode).
        try:
            atomic_write(path, content.encode('utf-8'), mode, set_context=selinux_setter(self.module, path))
        except OSError as exc:
            self.module.fail_json(msg='cannot write %s: %s' % (path, exc), **self._safe())
        return True

    def _remove(self, path):
        if not os.path.exists(path):
            return False
        if not self.module.check_mode:
            os.remove(path)
        return True

    def token(self):
        params = self.params
        base = disc.normalize_base(params['discovery_url'])
        stored = self._read_token_file()
        if params['state'] == 'absent':
            token = disc.validate_token(params['token']) if params['token'] else stored
            if token is None:
                return
            self.result['changed'] = True
            if not self.module.check_mode:
                self.result['deleted'] = self.hosted().delete(token)
            else:
                self.result['deleted'] = True
            self._remove(params['token_file'])
            return
        if params['token']:
            token = disc.validate_token(params['token'])
        elif stored:
            token = stored
        else:
            self.result.update(changed=True, created=True)
            if self.module.check_mode:
                # The roles' check mode predicts the containers with it: the URL of a token not made yet.
                self.result['discovery'] = disc.hosted_token_url(CHECK_MODE_TOKEN, base)
                return
            token = self.hosted().create()
        if self._write(params['token_file'], token + '\n', 0o600):
            self.result['changed'] = True
        self.result.update(token=token, discovery=disc.hosted_token_url(token, base))

    def static_or_kv(self):
        params = self.params
        kind = params['discovery_kind']
        if params['token']:
            raise ValueError('token only applies with discovery_kind=token (not %s)' % kind)
        if kind in disc.KV_KINDS:
            url = disc.build(kind, hosts=params['kv_hosts'], path=params['kv_path'])
        elif kind == 'nodes':
            url = disc.build(kind, nodes=disc.expand_nodes(params['nodes']))
            self.result['nodes'] = disc.expand_nodes(params['nodes'])
        else:
            url = disc.build(kind, path=params['nodes_file'])
            if params['state'] == 'present':
                content = disc.render_file(params['nodes'])
                if not content:
                    raise ValueError('file discovery needs the nodes (ip:port) to write to %s' % params['nodes_file'])
                self.result['nodes'] = disc.expand_nodes(params['nodes'])
                before = ''
                if os.path.exists(params['nodes_file']):
                    with open(params['nodes_file']) as handle:
                        before = handle.read()
                if self._write(params['nodes_file'], content, 0o644):
                    self.result['changed'] = True
                    if self.module._diff:
                        self.result['diff'] = dict(before=before, after=content, before_header=params['nodes_file'],
                                                   after_header=params['nodes_file'])
            elif self._remove(params['nodes_file']):
                self.result['changed'] = True
        self.result['discovery'] = url if params['state'] == 'present' else None


def check_backend_options(module):
    """Options that only one backend uses: refuse them with the other before anything runs."""
    error = backend_mismatch(module.params, CLASSIC_ONLY, ('rotate',), module.argument_spec)
    if error:
        module.fail_json(msg=error)


def main():
    argument_spec = docker_api_argspec(
        backend=dict(type='str', default='swarmkit', choices=['swarmkit', 'classic']),
        rotate=dict(type='list', elements='str', choices=['worker', 'manager'], default=[]),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        discovery_kind=dict(type='str', default='token', choices=list(disc.KINDS)),
        # Not no_log on purpose: Ansible would mask the value in the result, and the result must
        # return the adopted token (and the discovery URL holding it). Tasks set no_log: true.
        token=dict(type='str', no_log=False),
        discovery_url=dict(type='str', default=disc.DEFAULT_HOSTED_BASE),
        discovery_validate_certs=dict(type='bool', default=True),
        discovery_ca_path=dict(type='path'),
        token_file=dict(type='path', default='/etc/docker/dockercluster-swarm-token', no_log=False),
        kv_hosts=dict(type='list', elements='str', default=[]),
        kv_path=dict(type='str', default='swarm'),
        nodes=dict(type='list', elements='str', default=[]),
        nodes_file=dict(type='path', default='/etc/docker/dockercluster-swarm-nodes'),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    check_backend_options(module)
    if module.params['backend'] == 'classic':
        ClassicToken(module).run()
    SwarmToken(module, SwarmkitEngine(get_api_client(module))).run()


if __name__ == '__main__':
    main()
