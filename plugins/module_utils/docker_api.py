# -*- coding: utf-8 -*-
# Copyright: dockercluster.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Docker SDK client built from the shared connection options.

The options are documented once in the doc fragment
dockercluster.swarm.docker_api; modules merge DOCKER_API_ARGSPEC into their
argument_spec and call get_api_client(module).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import traceback

from ansible.module_utils.basic import env_fallback, missing_required_lib
from ansible_collections.dockercluster.swarm.plugins.module_utils.docker_ping import unix_request
from ansible_collections.dockercluster.swarm.plugins.module_utils.host_probe import (
    MIN_DOCKER_SDK_VERSION,
    read_swarm,
    swarm_state_error,
    version_tuple,
)
from ansible_collections.dockercluster.swarm.plugins.module_utils.swarm_drain import EngineError, SocketEngine

try:
    import docker
    from docker.errors import DockerException
    from docker.tls import TLSConfig
    HAS_DOCKER_SDK = True
    DOCKER_SDK_IMPORT_ERROR = None
except ImportError:
    docker = None
    TLSConfig = None
    HAS_DOCKER_SDK = False
    DOCKER_SDK_IMPORT_ERROR = traceback.format_exc()

    class DockerException(Exception):
        pass

try:
    from requests.exceptions import RequestException
except ImportError:
    class RequestException(Exception):
        pass

DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock'
DEFAULT_TIMEOUT = 60

SDK_HINT = ('the Docker SDK for Python (python3-docker / pip docker) is required on the managed host; '
            'the dockercluster.swarm.docker_sdk role installs it')

# Errors an engine call can raise: give them to ``except`` and report with engine_error().
ENGINE_ERRORS = (DockerException, RequestException)

DOCKER_API_ARGSPEC = dict(
    # No argspec default: a default would win over the DOCKER_HOST fallback.
    docker_host=dict(type='str', aliases=['docker_url'], fallback=(env_fallback, ['DOCKER_HOST'])),
    tls=dict(type='bool', default=False),
    # No default: unset, it follows tls (TLS verifies the engine unless validate_certs is false).
    validate_certs=dict(type='bool', aliases=['tls_verify']),
    ca_path=dict(type='path', aliases=['ca_cert', 'tls_ca_cert', 'cacert_path']),
    client_cert=dict(type='path', aliases=['tls_client_cert', 'cert_path']),
    client_key=dict(type='path', aliases=['tls_client_key', 'key_path']),
    tls_hostname=dict(type='str', fallback=(env_fallback, ['DOCKER_TLS_HOSTNAME'])),
    api_version=dict(type='str', default='auto', aliases=['docker_api_version']),
    timeout=dict(type='int', default=DEFAULT_TIMEOUT),
)


def docker_api_argspec(**extra):
    """A copy of DOCKER_API_ARGSPEC with the module's own options added."""
    spec = {k: dict(v) for k, v in DOCKER_API_ARGSPEC.items()}
    spec.update(extra)
    return spec


def sdk_version():
    """The installed Docker SDK version as a tuple of ints, () when absent/unknown."""
    if not HAS_DOCKER_SDK:
        return ()
    return version_tuple(getattr(docker, '__version__', None)
                         or getattr(getattr(docker, 'version', None), 'version', '') or '')


def require_docker_sdk(module):
    """fail_json with a clear message when the SDK is missing or too old."""
    if not HAS_DOCKER_SDK:
        module.fail_json(msg='%s. %s' % (SDK_HINT, missing_required_lib('docker (Docker SDK for Python)')),
                         exception=DOCKER_SDK_IMPORT_ERROR)
    version = sdk_version()
    if version and version < MIN_DOCKER_SDK_VERSION:
        module.fail_json(msg='Docker SDK for Python %s is too old: %s.%s or later is needed (pip\'s docker>=5.0.3,<8; '
                             'the docker_sdk role does not replace one it finds, which something else may need)'
                         % ('.'.join(str(v) for v in version), MIN_DOCKER_SDK_VERSION[0], MIN_DOCKER_SDK_VERSION[1]))


def docker_host_of(module):
    return module.params.get('docker_host') or DEFAULT_DOCKER_HOST


def validate_connection_params(params):
    """Return a list of problems with the connection options (empty when fine)."""
    problems = []
    host = params.get('docker_host') or DEFAULT_DOCKER_HOST
    if '://' not in host:
        problems.append('docker_host: %r has no scheme (use unix:///path, tcp://host:port, '
                        'http://host:port or https://host:port)' % (host,))
    elif host.split('://', 1)[0] not in ('unix', 'tcp', 'http', 'https', 'npipe', 'ssh'):
        problems.append('docker_host: unsupported scheme in %r' % (host,))
    if bool(params.get('client_cert')) != bool(params.get('client_key')):
        problems.append('client_cert and client_key must be given together')
    timeout = params.get('timeout')
    if timeout is not None and timeout <= 0:
        problems.append('timeout: %r must be a positive number of seconds' % (timeout,))
    api_version = params.get('api_version') or 'auto'
    if api_version != 'auto':
        parts = api_version.split('.')
        if len(parts) != 2 or not all(p.isdigit() for p in parts):
            problems.append('api_version: %r is not "auto" or a version like 1.41' % (api_version,))
    return problems


def _tls_config(module, params=None):
    params = module.params if params is None else params
    validate = params.get('validate_certs')
    if validate is None:
        # TLS without checking whom we talk to protects nothing: verify unless told not to.
        validate = bool(params.get('tls'))
    if not (validate or params.get('tls')):
        return False
    kwargs = dict(verify=validate)
    if params.get('client_cert'):
        kwargs['client_cert'] = (params['client_cert'], params['client_key'])
    if validate and params.get('ca_path'):
        kwargs['ca_cert'] = params['ca_path']
    hostname = params.get('tls_hostname')
    if hostname:
        try:
            return TLSConfig(assert_hostname=hostname, **kwargs)
        except TypeError:
            # SDK 7.0 removed assert_hostname.
            module.warn('tls_hostname is ignored with Docker SDK for Python %s (7.0 dropped assert_hostname); '
                        'the host part of docker_host is checked instead'
                        % '.'.join(str(v) for v in sdk_version()))
    return TLSConfig(**kwargs)


def get_api_client(module):
    """A docker.APIClient for the module's connection options (fails the module on error)."""
    require_docker_sdk(module)
    problems = validate_connection_params(module.params)
    if problems:
        module.fail_json(msg='; '.join(problems))
    host = docker_host_of(module)
    try:
        tls = _tls_config(module)
        return docker.APIClient(base_url=host, version=module.params.get('api_version') or 'auto',
                                timeout=module.params.get('timeout') or DEFAULT_TIMEOUT, tls=tls)
    except ENGINE_ERRORS as exc:
        module.fail_json(msg='cannot talk to the Docker engine at %s: %s' % (host, exc),
                         exception=traceback.format_exc())


def worker_client(module, docker_host, tls=None, timeout=None):
    """A docker.APIClient for another host's engine (swarm_workers): ``tls`` is a dict with ca_path,
    client_cert and client_key (the certificate verified), or None for plain TCP. Raises what
    the SDK raises (ENGINE_ERRORS) for the caller to report per host."""
    params = dict(validate_certs=True, **tls) if tls else {}
    return docker.APIClient(base_url=docker_host, version=module.params.get('api_version') or 'auto',
                            timeout=timeout or DEFAULT_TIMEOUT, tls=_tls_config(module, params))


def engine_error(module, exc, doing, **result):
    """fail_json for an engine call that raised: names the engine and the step."""
    explanation = getattr(exc, 'explanation', None) or str(exc)
    module.fail_json(msg='Docker engine at %s: %s failed: %s' % (docker_host_of(module), doing, explanation),
                     exception=traceback.format_exc(), **result)


# ------------------------------------------------ Swarm-mode engine calls
# Shared by swarm_manager and swarm_agent (the "swarmkit" backend); another
# backend only has to offer the same methods.

def resolve_host(host):
    """IP addresses for a host name (best effort, [] when it does not resolve)."""
    import socket
    try:
        return sorted({item[4][0] for item in socket.getaddrinfo(host, None)})
    except (OSError, UnicodeError, ValueError):
        return []


# The daemon's own join wait ran out ("... before node joined." since 17.x; "... before node was joined." in
# 1.12 to 17.06, CentOS 7's 1.13 among them): the join goes on in the background.
JOIN_TIMEOUT_MARK = 'Timeout was reached before node'


class SwarmkitEngine(object):
    """Swarm mode (swarmkit, built into the engine) through docker.APIClient.

    Only APIClient methods present in Docker SDK 4.x/5.0 are used.
    """

    name = 'swarmkit'

    def __init__(self, client, sleep=None, clock=None):
        import time
        self.client = client
        self.sleep = sleep or time.sleep
        self.clock = clock or time.time

    def swarm_info(self):
        return (self.client.info() or {}).get('Swarm') or {}

    def leave(self, force):
        self.client.leave_swarm(force=force)

    def init(self, advertise_addr=None, listen_addr='0.0.0.0:2377', data_path_addr=None,
             default_addr_pool=None, subnet_size=None):
        kwargs = dict(advertise_addr=advertise_addr, listen_addr=listen_addr)
        # Passed only when set: they need API >= 1.30 / 1.39.
        if data_path_addr:
            kwargs['data_path_addr'] = data_path_addr
        if default_addr_pool:
            kwargs['default_addr_pool'] = list(default_addr_pool)
        if subnet_size:
            kwargs['subnet_size'] = subnet_size
        return self.client.init_swarm(**kwargs)

    def join(self, remote_addrs, join_token, advertise_addr=None, listen_addr='0.0.0.0:2377',
             data_path_addr=None, timeout=60):
        """Join and wait until the node is no longer pending (at most ``timeout`` s).

        Returns the final info()['Swarm']. A daemon-side join timeout (the node
        stays pending and keeps trying) is not an error here: the state is.
        """
        kwargs = dict(advertise_addr=advertise_addr, listen_addr=listen_addr)
        if data_path_addr:
            kwargs['data_path_addr'] = data_path_addr
        try:
            self.client.join_swarm(list(remote_addrs), join_token, **kwargs)
        except ENGINE_ERRORS as exc:
            if JOIN_TIMEOUT_MARK not in str(getattr(exc, 'explanation', None) or exc):
                raise
        return self.wait_settled(timeout)

    def wait_settled(self, timeout, interval=1):
        deadline = self.clock() + max(timeout or 0, 0)
        while True:
            swarm = self.swarm_info()
            state = (swarm.get('LocalNodeState') or '').lower()
            if state != 'pending' or self.clock() >= deadline:
                return swarm
            self.sleep(interval)

    def rotate_tokens(self, inspect, worker=False, manager=False):
        """Rotate join tokens; ``inspect`` is a fresh inspect_swarm() answer.

        The spec is sent back unchanged, as ``docker swarm join-token --rotate``
        does: an update without it would reset the cluster's settings.
        """
        self.client.update_swarm(version=inspect['Version']['Index'], swarm_spec=inspect.get('Spec'),
                                 rotate_worker_token=worker, rotate_manager_token=manager)

    def inspect(self):
        return self.client.inspect_swarm() or {}

    def nodes(self):
        return self.client.nodes() or []


class SocketSwarmReader(object):
    """Check mode on a host without the Docker SDK yet (its install was only predicted): the Swarm
    state, and on a manager the cluster and its nodes, read through the engine's unix socket, as
    docker_host_info reads them. Read-only, which is all check mode asks of an engine."""

    name = 'swarmkit'

    def __init__(self, module, path):
        self.module = module
        self.path = path
        self.timeout = module.params.get('timeout') or DEFAULT_TIMEOUT

    def swarm_info(self):
        try:
            return read_swarm(self.path, self.timeout)
        except (OSError, ValueError) as exc:
            self.module.fail_json(msg=swarm_state_error('unix://' + self.path, exc))

    def _get(self, url):
        try:
            return SocketEngine(self.path, self.timeout, unix_request).call('GET', url)
        except EngineError as exc:
            self.module.fail_json(msg='reading the cluster (check mode, without the Docker SDK): %s' % exc)

    def inspect(self):
        return self._get('/swarm') or {}

    def nodes(self):
        return self._get('/nodes') or []


def swarmkit_engine(module):
    """The engine a Swarm-mode module works through: the SDK's client, or in check mode on a host
    whose SDK is not installed yet (and the local socket), the read-only SocketSwarmReader."""
    host = docker_host_of(module)
    if not HAS_DOCKER_SDK and module.check_mode and host.startswith('unix://') and not module.params.get('tls'):
        module.warn('the Docker SDK for Python is not on this host yet (check mode installed nothing): the Swarm '
                    'state was read through %s without it' % host)
        return SocketSwarmReader(module, host[len('unix://'):])
    return SwarmkitEngine(get_api_client(module))
