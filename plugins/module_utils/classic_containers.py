# -*- coding: utf-8 -*-
# Copyright: dockercluster.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The classic Swarm containers of the guide: their specs, comparison, and the engine calls.

A spec is a plain dict: name, image, command (argv after the image's entrypoint),
ports ({container_port: host_port}), binds (sorted ``src:dst[:mode]``), env ({k: v}),
restart (restart policy name), files (the digest of the files mounted one by one). ``wanted`` specs are built from the module options;
``actual_spec()`` reads the same fields back from ``inspect_container``. Engine calls use
only ``docker.APIClient`` methods of Docker SDK 5.0 and later.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import os

from ansible_collections.dockercluster.swarm.plugins.module_utils.classic_discovery import KINDS as DISCOVERY_KINDS

MANAGER_NAME = 'shipyard-swarm-manager'
AGENT_NAME = 'shipyard-swarm-agent'
DEFAULT_IMAGE = 'swarm:1.2.9'
SWARM_PORT = 2375
MANAGER_PUBLISHED_PORT = 2376
# Classic Swarm 1.2.9 speaks Docker API up to 1.31 to the engines.
CLASSIC_MAX_API = (1, 31)
ENV_LABEL = 'dockercluster.swarm.env'
ROLE_LABEL = 'dockercluster.swarm.classic'
FILES_LABEL = 'dockercluster.swarm.files'
COMPARED = ('image', 'command', 'ports', 'binds', 'env', 'restart', 'files', 'security_opt')
# A container that reads the host's files (TLS files, a node list) runs without SELinux labels: on an enforcing
# host (CentOS 7's docker runs --selinux-enabled) their own labels deny it the reads, and relabelling them
# (a :z bind) would change the host's files.
UNLABELLED = ['label=disable']
# swarm manage and swarm join read their discovery URL (a token, a store's credentials) here when the command
# does not end with it: a container's environment is root's to read, a process's command line anyone's (ps).
DISCOVERY_ENV = 'SWARM_DISCOVERY'
CERT_DIR = '/etc/swarm-tls'
# Where the swarm image (FROM scratch, Go's TLS) reads its CA roots: for https token discovery.
CA_BUNDLE_PATH = '/etc/ssl/certs/ca-certificates.crt'
STRATEGIES = ('spread', 'binpack', 'random')


def _duration(value, what):
    """Go durations as classic Swarm takes them: 60s, 2m, 1h30m."""
    import re
    value = str(value).strip()
    if not re.match(r'^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$', value):
        raise ValueError('%s: %r is not a duration like 20s, 2m or 1h' % (what, value))
    return value


def duration_seconds(value):
    import re
    total = 0.0
    units = dict(ns=1e-9, us=1e-6, ms=1e-3, s=1, m=60, h=3600)
    for number, _frac, unit in re.findall(r'(\d+(\.\d+)?)(ns|us|ms|s|m|h)', value):
        total += float(number) * units[unit]
    return total


def manager_command(discovery, strategy=None, filters=None, heartbeat=None, replication=False,
                    advertise=None, tls=None, discovery_opts=None, engine_refresh=None, failure_retry=None):
    """argv of ``swarm manage`` as the guide runs it, plus the options asked for; the discovery URL goes in the
    container's environment (spec's ``discovery``).

    ``tls`` is None or dict(verify=bool, ca=..., cert=..., key=...) with the paths *inside*
    the container. Raises ValueError for options that do not go together.
    """
    from ansible_collections.dockercluster.swarm.plugins.module_utils import classic_discovery as disc
    kind = disc.parse(discovery)['kind']
    argv = ['manage', '--host', 'tcp://0.0.0.0:%d' % SWARM_PORT]
    if strategy:
        if strategy not in STRATEGIES:
            raise ValueError('strategy: %r is not one of %s' % (strategy, ', '.join(STRATEGIES)))
        argv += ['--strategy', strategy]
    for name in filters or []:
        argv += ['--filter', name]
    if heartbeat:
        argv += ['--heartbeat', _duration(heartbeat, 'heartbeat')]
    if engine_refresh:
        # How often the manager re-reads each engine (default 30s to 60s): how soon a dead one leaves Healthy.
        refresh = _duration(engine_refresh, 'engine_refresh')
        argv += ['--engine-refresh-min-interval', refresh, '--engine-refresh-max-interval', refresh]
    if failure_retry is not None:
        if failure_retry < 1:
            raise ValueError('engine_failure_retry: %r must be at least 1' % (failure_retry,))
        argv += ['--engine-failure-retry', str(failure_retry)]
    if replication:
        if not disc.replicates(kind):
            raise ValueError('replication needs consul, etcd or zk discovery (a shared store to elect the primary '
                             'in); %s:// cannot replicate: use one manager, or a key-value store' % kind)
        if not advertise:
            raise ValueError('replication needs advertise: the ip:port other managers reach this one at '
                             '(like 10.0.11.150:2376)')
        argv += ['--replication', '--advertise', advertise]
    elif advertise:
        raise ValueError('advertise only applies with replication=true')
    if tls:
        argv += ['--tlsverify' if tls.get('verify', True) else '--tls',
                 '--tlscacert', tls['ca'], '--tlscert', tls['cert'], '--tlskey', tls['key']]
    for opt in discovery_opts or []:
        argv += ['--discovery-opt', opt]
    return argv


# swarm join's defaults (classic Swarm 1.2.9).
JOIN_HEARTBEAT, JOIN_TTL = '60s', '180s'


def agent_command(addr, heartbeat=None, ttl=None, delay=None, discovery_opts=None):
    """argv of ``swarm join --addr <ip:port>`` (the guide's step 5); the discovery URL goes in the container's
    environment (spec's ``discovery``)."""
    argv = ['join', '--addr', addr]
    if heartbeat:
        argv += ['--heartbeat', _duration(heartbeat, 'heartbeat')]
    if ttl:
        argv += ['--ttl', _duration(ttl, 'ttl')]
    # swarm join's own checks (it exits at start, and a restart policy would loop), with its defaults.
    if heartbeat and duration_seconds(heartbeat) < 1:
        raise ValueError('heartbeat (%s) must be at least 1s' % heartbeat)
    if (heartbeat or ttl) and duration_seconds(ttl or JOIN_TTL) <= duration_seconds(heartbeat or JOIN_HEARTBEAT):
        raise ValueError('ttl (%s) must be longer than heartbeat (%s)' % (ttl or JOIN_TTL, heartbeat or JOIN_HEARTBEAT))
    if delay:
        argv += ['--delay', _duration(delay, 'delay')]
    for opt in discovery_opts or []:
        argv += ['--discovery-opt', opt]
    return argv


def tls_binds(ca, cert, key):
    """Host certificate files mounted read-only under CERT_DIR; returns (binds, paths inside)."""
    inside = dict(ca=CERT_DIR + '/ca.pem', cert=CERT_DIR + '/cert.pem', key=CERT_DIR + '/key.pem')
    binds = ['%s:%s:ro' % (ca, inside['ca']), '%s:%s:ro' % (cert, inside['cert']),
             '%s:%s:ro' % (key, inside['key'])]
    return binds, inside


def refuse_missing_files(named, exists=None):
    """``named``: (option, path) pairs the container mounts. A path that is not a file is refused: the
    engine would create an empty directory in its place, and the container would fail on it."""
    import os.path
    for option, path in named:
        if not (exists or os.path.isfile)(path):
            raise ValueError('%s: %s is not a file on this host (the container mounts it; the engine would '
                             'make a directory there)' % (option, path))


def ca_bundle_binds(path, exists=None):
    """The host's CA bundle mounted read-only over the image's roots ([] without one). A missing file
    is refused: the engine would create an empty directory in its place."""
    if not path:
        return []
    refuse_missing_files([('ca_bundle (the CA certificates the swarm containers trust for https discovery)', path)],
                         exists)
    return ['%s:%s:ro' % (path, CA_BUNDLE_PATH)]


def files_digest(binds, replaced=()):
    """SHA-1 over the contents of the files mounted one by one (a bind whose source is a file), '' when
    none: a running container keeps a file replaced by rename (a renewed certificate) as it was, so a
    new digest recreates it. A source in ``replaced`` (check mode: an earlier task would replace it) marks
    the digest as the one to come, which no container has."""
    digest, found = hashlib.sha1(), False
    sources = [bind.split(':', 1)[0] for bind in sorted(binds or [])]
    for source in sources:
        if os.path.isfile(source):
            with open(source, 'rb') as handle:
                digest.update(handle.read())
            found = True
    pending = '+replaced' if set(sources) & set(replaced or ()) else ''
    return (digest.hexdigest() if found else '') + pending


def spec(name, image, command, ports=None, binds=None, env=None, restart='always', discovery=None, replaced=()):
    env = dict(env or {})
    if discovery:
        env[DISCOVERY_ENV] = discovery
    return dict(name=name, image=image, command=list(command),
                ports=dict((int(k), int(v)) for k, v in (ports or {}).items()),
                binds=sorted(binds or []), env=env, restart=restart, files=files_digest(binds, replaced),
                security_opt=list(UNLABELLED) if binds else [])


def _port_bindings(inspect):
    result = {}
    bindings = ((inspect.get('HostConfig') or {}).get('PortBindings')) or {}
    for key, entries in bindings.items():
        port = int(str(key).split('/')[0])
        for entry in entries or []:
            if entry.get('HostPort'):
                result[port] = int(entry['HostPort'])
    return result


def actual_spec(inspect):
    """The spec fields of an existing container (``inspect_container`` answer)."""
    config = inspect.get('Config') or {}
    host = inspect.get('HostConfig') or {}
    managed = [k for k in (config.get('Labels') or {}).get(ENV_LABEL, '').split(',') if k]
    env = {}
    for item in config.get('Env') or []:
        key, _sep, value = item.partition('=')
        if key in managed:
            env[key] = value
    return dict(name=(inspect.get('Name') or '').lstrip('/'), image=config.get('Image'),
                image_id=inspect.get('Image'), command=list(config.get('Cmd') or []),
                ports=_port_bindings(inspect), binds=sorted(host.get('Binds') or []), env=env,
                restart=(host.get('RestartPolicy') or {}).get('Name') or 'no',
                files=(config.get('Labels') or {}).get(FILES_LABEL, ''), security_opt=sorted(host.get('SecurityOpt') or []),
                running=bool((inspect.get('State') or {}).get('Running')), id=inspect.get('Id'))


def differences(wanted, actual, wanted_image_id=None):
    """Names of the spec fields that differ (image by ID when the wanted image's ID is known)."""
    result = []
    for key in COMPARED:
        if key == 'image':
            if wanted_image_id and actual.get('image_id'):
                if wanted_image_id != actual['image_id']:
                    result.append('image')
            elif wanted['image'] != actual.get('image'):
                result.append('image')
        elif wanted[key] != actual.get(key):
            result.append(key)
    return result


def _masked(url):
    scheme, sep, _rest = url.partition('://')
    return (scheme + sep if sep else '') + '********'


def comparable(spec_dict):
    """The fields shown in diffs and results; the discovery URL (a token, or a store's credentials) masked, whether
    or not it is this run's (a removed container's, one made when the command ended with it)."""
    shown = dict((k, spec_dict.get(k)) for k in ('name', 'image') + COMPARED[1:])
    if (shown.get('env') or {}).get(DISCOVERY_ENV):
        shown['env'] = dict(shown['env'], **{DISCOVERY_ENV: _masked(shown['env'][DISCOVERY_ENV])})
    if shown.get('command') and shown['command'][-1].partition('://')[0] in DISCOVERY_KINDS:
        shown['command'] = list(shown['command'][:-1]) + [_masked(shown['command'][-1])]
    return shown


def parse_api_version(text):
    try:
        major, minor = str(text).split('.')[:2]
        return int(major), int(minor)
    except (ValueError, TypeError):
        return None


def engine_warning(version):
    """A warning when this engine is too new for classic Swarm (``version()`` answer), else None."""
    version = version or {}
    min_api = parse_api_version(version.get('MinAPIVersion'))
    engine = str(version.get('Version') or 'unknown')
    major = parse_api_version(engine + '.0') if engine[:1].isdigit() else None
    too_new = (min_api is not None and min_api > CLASSIC_MAX_API) or (major is not None and major[0] >= 29)
    if not too_new:
        return None
    return ('the Docker engine here (%s, minimum API %s) is too new for classic Swarm: swarm 1.2.9 speaks Docker '
            'API 1.31 at most, and Docker 29 and later refuse API versions below 1.44. The manager will not be able '
            'to use this node unless the daemon\'s minimum API is lowered (environment DOCKER_MIN_API_VERSION=1.24 '
            'for dockerd), or use swarm_backend: swarmkit.'
            % (engine, version.get('MinAPIVersion') or 'unknown'))


class ClassicContainers(object):
    """The guide's containers through docker.APIClient (SDK 5.0 and later)."""

    def __init__(self, client):
        self.client = client

    def version(self):
        return self.client.version() or {}

    def inspect(self, name):
        from ansible_collections.dockercluster.swarm.plugins.module_utils.docker_api import docker
        try:
            return self.client.inspect_container(name)
        except docker.errors.NotFound:
            return None

    def image_id(self, image):
        from ansible_collections.dockercluster.swarm.plugins.module_utils.docker_api import docker
        try:
            return (self.client.inspect_image(image) or {}).get('Id')
        except docker.errors.NotFound:
            return None

    def pull(self, image):
        repo, tag = image, None
        last = image.rsplit('/', 1)[-1]
        if '@' not in image and ':' in last:
            repo, tag = image.rsplit(':', 1)
        self.client.pull(repo, tag=tag)
        return self.image_id(image)

    def remove(self, name):
        self.client.remove_container(name, force=True)

    def start(self, name):
        self.client.start(name)

    def create(self, wanted):
        client = self.client
        bindings = dict((port, host) for port, host in wanted['ports'].items())
        host_config = client.create_host_config(
            port_bindings=bindings or None, binds=wanted['binds'] or None, security_opt=wanted['security_opt'] or None,
            restart_policy={'Name': wanted['restart'], 'MaximumRetryCount': 0} if wanted['restart'] != 'no' else None)
        labels = {ROLE_LABEL: wanted['name'], ENV_LABEL: ','.join(sorted(wanted['env'])), FILES_LABEL: wanted['files']}
        env = ['%s=%s' % (k, v) for k, v in sorted(wanted['env'].items())]
        # -ti -d as in the guide: a TTY and an open stdin, detached.
        created = client.create_container(
            wanted['image'], command=wanted['command'], name=wanted['name'], detach=True, tty=True,
            stdin_open=True, ports=list(wanted['ports']) or None, environment=env or None, labels=labels,
            host_config=host_config)
        client.start(created['Id'])
        return created['Id']


class Ensure(object):
    """Bring one container to a spec: create, recreate on a spec change, start, or remove.

    ``result`` is updated in place: changed, actions, container_id, differences, diff.
    Engine errors propagate to the caller (which reports them with engine_error).
    """

    def __init__(self, containers, check_mode=False, want_diff=False):
        self.containers = containers
        self.check_mode = check_mode
        self.want_diff = want_diff

    def image(self, image, result):
        """The image's ID, pulling it when absent (in check mode: None and a 'pull' action)."""
        image_id = self.containers.image_id(image)
        if image_id:
            return image_id
        result['actions'].append('pull')
        result['changed'] = True
        if self.check_mode:
            return None
        return self.containers.pull(image)

    def present(self, wanted, result):
        image_id = self.image(wanted['image'], result)
        current = self.containers.inspect(wanted['name'])
        # The wanted image not on the host yet (check mode has not pulled it): compared by name, as the container
        # names its own (Config.Image), so another image's recreate is predicted.
        actual = actual_spec(current) if current else None
        before = comparable(actual) if actual else {}
        if actual is None:
            steps = ['create']
        else:
            result['differences'] = differences(wanted, actual, image_id)
            result['container_id'] = actual['id']
            if result['differences']:
                steps = ['remove', 'create']
            elif not actual['running']:
                steps = ['start']
            else:
                steps = []
        if self.want_diff:
            result['diff'] = dict(before=before, after=comparable(wanted))
        if not steps:
            return
        result['actions'].extend(steps)
        result['changed'] = True
        if self.check_mode:
            return
        if 'remove' in steps:
            self.containers.remove(wanted['name'])
        if 'create' in steps:
            result['container_id'] = self.containers.create(wanted)
        else:
            self.containers.start(wanted['name'])

    def absent(self, name, result):
        current = self.containers.inspect(name)
        if self.want_diff:
            result['diff'] = dict(before=comparable(actual_spec(current)) if current else {}, after={})
        if not current:
            return
        result.update(changed=True, container_id=current.get('Id'))
        result['actions'].append('remove')
        if not self.check_mode:
            self.containers.remove(name)
