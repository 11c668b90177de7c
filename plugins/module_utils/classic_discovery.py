# -*- coding: utf-8 -*-
# Copyright: dockercluster.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Classic (standalone) Swarm discovery URLs: parse, validate, build, expand ranges.

Pure functions: nothing here opens a connection or a file. The URL forms are the
ones ``swarm manage`` / ``swarm join`` / ``swarm list`` accept (classic Swarm 1.2.x):

- ``token://<32 hex>`` (hosted discovery at the default base) or
  ``token://host[:port]/path/<32 hex>`` (hosted discovery at ``https://host[:port]/path``)
- ``consul://h[:p][,h[:p]...][/prefix]``, ``etcd://...``, ``zk://...``
- ``file:///absolute/path`` (one ``ip:port`` a line)
- ``nodes://ip:port[,ip:port...]``, each entry may hold ``[a:b]`` ranges
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

KINDS = ('token', 'consul', 'etcd', 'zk', 'file', 'nodes')
KV_KINDS = ('consul', 'etcd', 'zk')
# With these, ``swarm join`` does nothing useful: the manager reads the static list.
STATIC_KINDS = ('file', 'nodes')
DEFAULT_HOSTED_BASE = 'https://discovery.hub.docker.com/v1'
HUB_SHUTDOWN = '2019-06-19'
HUB_GONE = ('token discovery creates its token at Docker\'s hosted discovery service (%s), which was shut down on '
            '%s: point swarm_classic_discovery_url at a server of the same API, or use another discovery (nodes, '
            'file, etcd, consul, zk; swarm_classic_discovery)' % (DEFAULT_HOSTED_BASE, HUB_SHUTDOWN))
MAX_RANGE = 65536

_TOKEN = re.compile(r'^[0-9a-f]{32}$')
_RANGE = re.compile(r'\[(\d+):(\d+)\]')
_HOSTNAME = re.compile(r'^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$')


def validate_token(token):
    """A hosted-discovery token is 32 lowercase hex digits (what ``swarm create`` prints)."""
    token = (token or '').strip()
    if not _TOKEN.match(token):
        raise ValueError('token: %r is not a classic Swarm cluster token (32 hex digits, as "swarm create" '
                         'prints)' % (_mask(token),))
    return token


def _mask(token):
    """Enough of a bad token to recognise it, not enough to use it."""
    return token if len(token) < 8 else token[:4] + '...'


def _host_port(entry, what, need_port=False):
    """Check ``host[:port]`` (``[v6]:port`` too); returns (host, port or None)."""
    entry = entry.strip()
    if not entry:
        raise ValueError('%s: empty address' % what)
    port = None
    if entry.startswith('['):
        host, sep, rest = entry[1:].partition(']')
        if not sep or (rest and not rest.startswith(':')):
            raise ValueError('%s: %r is not [ipv6]:port' % (what, entry))
        port = rest[1:] if rest else None
    elif entry.count(':') == 1:
        host, port = entry.split(':')
    elif ':' in entry:
        raise ValueError('%s: %r: write IPv6 addresses as [addr]:port' % (what, entry))
    else:
        host = entry
    if entry.startswith('['):
        if not host or not all(c in '0123456789abcdefABCDEF:.' for c in host):
            raise ValueError('%s: %r is not an IPv6 address' % (what, host))
    elif not _HOSTNAME.match(host):
        raise ValueError('%s: %r is not a host name or IP address' % (what, host))
    if port is None:
        if need_port:
            raise ValueError('%s: %r has no port (write ip:port, like 10.0.11.150:2375)' % (what, entry))
        return host, None
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError('%s: port %r of %r is not a number from 1 to 65535' % (what, port, entry))
    return host, int(port)


def expand_ranges(entry):
    """``10.0.0.[10:12]:2375`` -> ['10.0.0.10:2375', '10.0.0.11:2375', '10.0.0.12:2375'].

    Every ``[a:b]`` (a <= b, inclusive) is expanded; an entry without one is returned alone.
    """
    match = _RANGE.search(entry)
    if not match:
        if '[' in entry and not entry.startswith('['):
            raise ValueError('nodes: %r has a malformed range (write [first:last], like 10.0.0.[10:200]:2375)'
                             % (entry,))
        return [entry]
    first, last = int(match.group(1)), int(match.group(2))
    if first > last:
        raise ValueError('nodes: range [%d:%d] in %r goes backwards' % (first, last, entry))
    if last - first + 1 > MAX_RANGE:
        raise ValueError('nodes: range [%d:%d] in %r is too large' % (first, last, entry))
    result = []
    for value in range(first, last + 1):
        result.extend(expand_ranges(entry[:match.start()] + str(value) + entry[match.end():]))
    return result


def expand_nodes(entries):
    """Expand and validate a list of ``ip:port`` entries (ranges allowed); order kept, no duplicates."""
    result = []
    for entry in entries or []:
        for item in expand_ranges(entry.strip()):
            _host_port(item, 'nodes', need_port=True)
            if item not in result:
                result.append(item)
    return result


def _split_hosts_path(rest, kind):
    hosts, _sep, path = rest.partition('/')
    entries = [h for h in hosts.split(',')]
    if not hosts or not all(e.strip() for e in entries):
        raise ValueError('discovery: %s:// needs at least one host, like %s://10.0.0.1:8500/swarm' % (kind, kind))
    for entry in entries:
        _host_port(entry, 'discovery (%s)' % kind)
    return entries, path.strip('/')


def parse(url):
    """Parse a discovery URL into a dict; raise ValueError naming what is wrong.

    Keys: kind, url (normalised), and by kind: token + base (token); hosts + path (kv);
    path (file); nodes (nodes, expanded).
    """
    url = (url or '').strip()
    kind, sep, rest = url.partition('://')
    if not sep:
        raise ValueError('discovery: %r has no scheme; use one of %s'
                         % (url, ', '.join(k + '://' for k in KINDS)))
    if kind not in KINDS:
        raise ValueError('discovery: unknown scheme %r in %r; classic Swarm knows %s'
                         % (kind, url, ', '.join(k + '://' for k in KINDS)))
    result = dict(kind=kind, url=url)
    if kind == 'token':
        prefix, _sep, token = rest.rpartition('/')
        result['token'] = validate_token(token)
        if prefix:
            host = prefix.split('/', 1)[0]
            _host_port(host, 'discovery (token)')
            result['base'] = 'https://' + prefix
        else:
            result['base'] = DEFAULT_HOSTED_BASE
    elif kind in KV_KINDS:
        result['hosts'], result['path'] = _split_hosts_path(rest, kind)
    elif kind == 'file':
        if not rest.startswith('/') or rest == '/':
            raise ValueError('discovery: file:// needs an absolute path, like file:///etc/swarm/cluster (got %r)'
                             % (url,))
        result['path'] = rest
    else:
        entries = [e for e in rest.split(',')]
        if not rest or not all(e.strip() for e in entries):
            raise ValueError('discovery: nodes:// needs ip:port entries, like nodes://10.0.0.[10:20]:2375')
        result['nodes'] = expand_nodes(entries)
    return result


def hosted_token_url(token, base=DEFAULT_HOSTED_BASE):
    """``token://<token>``, or ``token://host[:port]/path/<token>`` for another https base."""
    token = validate_token(token)
    base = normalize_base(base)
    if base == DEFAULT_HOSTED_BASE:
        return 'token://' + token
    return 'token://%s/%s' % (base[len('https://'):], token)


def normalize_base(base):
    """The hosted-discovery API base: https only (classic Swarm speaks nothing else to it)."""
    base = (base or DEFAULT_HOSTED_BASE).strip().rstrip('/')
    if not base.startswith('https://'):
        raise ValueError('discovery_url: %r must be an https:// URL (classic Swarm only speaks https to the '
                         'hosted token discovery)' % (base,))
    host = base[len('https://'):].split('/', 1)[0]
    if not host:
        raise ValueError('discovery_url: %r has no host' % (base,))
    _host_port(host, 'discovery_url')
    return base


def build(kind, token=None, base=None, hosts=None, path=None, nodes=None):
    """The discovery URL for ``kind`` from its parts; validated by parsing it back."""
    if kind == 'token':
        url = hosted_token_url(token, base or DEFAULT_HOSTED_BASE)
    elif kind in KV_KINDS:
        if not hosts:
            raise ValueError('%s discovery needs the store\'s addresses (kv_hosts)' % kind)
        url = '%s://%s' % (kind, ','.join(h.strip() for h in hosts))
        if path:
            url += '/' + path.strip('/')
    elif kind == 'file':
        if not path:
            raise ValueError('file discovery needs the path of the node list on the manager host')
        url = 'file://' + path
    elif kind == 'nodes':
        if not nodes:
            raise ValueError('nodes discovery needs the nodes (ip:port) of the cluster')
        url = 'nodes://' + ','.join(n.strip() for n in nodes)
    else:
        raise ValueError('unknown discovery %r; classic Swarm knows %s' % (kind, ', '.join(KINDS)))
    parse(url)
    return url


def render_file(nodes):
    """The node list file for ``file://`` discovery: one ``ip:port`` a line."""
    return ''.join('%s\n' % n for n in expand_nodes(nodes))


def parse_file(text):
    """Entries of a ``file://`` node list (blank lines and # comments skipped, ranges expanded)."""
    entries = [line.strip() for line in (text or '').splitlines()]
    return expand_nodes([e for e in entries if e and not e.startswith('#')])


def joins(kind):
    """Whether ``swarm join`` registers anything with this discovery."""
    return kind not in STATIC_KINDS


def replicates(kind):
    """Whether manager replication (a primary and replicas) works with this discovery."""
    return kind in KV_KINDS


# Where classic Swarm's agents register in a key-value store (libkv): <prefix>/docker/swarm/nodes/<ip:port>.
KV_NODES_PATH = 'docker/swarm/nodes'


def kv_list_urls(parsed):
    """The HTTP URLs that list the registered nodes (``swarm list``) of an etcd or consul discovery,
    one for each of the store's hosts; [] for zk (not HTTP)."""
    path = '/'.join(p for p in (parsed['path'], KV_NODES_PATH) if p)
    urls = []
    for host in parsed.get('hosts') or []:
        host = host.strip()
        if parsed['kind'] == 'etcd':
            urls.append('http://%s/v2/keys/%s' % (host if ':' in host else host + ':2379', path))
        elif parsed['kind'] == 'consul':
            urls.append('http://%s/v1/kv/%s/?keys' % (host if ':' in host else host + ':8500', path))
    return urls


def parse_kv_list(kind, body):
    """The node addresses in an etcd v2 ``GET /v2/keys/...`` or consul ``GET /v1/kv/...?keys`` answer."""
    import json
    data = json.loads(body) if body else None
    if kind == 'etcd':
        keys = [n.get('key', '') for n in ((data or {}).get('node') or {}).get('nodes') or []]
    else:
        keys = list(data or [])
    return sorted(k.rstrip('/').rsplit('/', 1)[-1] for k in keys if k.rstrip('/'))
