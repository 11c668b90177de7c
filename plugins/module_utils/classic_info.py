# -*- coding: utf-8 -*-
# Copyright: dockercluster.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The classic Swarm manager's ``GET /info`` (``docker -H manager:2376 info``) as data.

A classic manager answers ``ServerVersion: swarm/1.2.9`` and a ``SystemStatus`` list of
``[key, value]`` pairs: ``Role`` (``primary``/``replica``, with ``Primary`` for a replica),
``Strategy``, ``Filters``, ``Nodes``, then for each node ``[' name', 'ip:port']`` followed by
``['  \u2514 ID', ...]``, ``Status``, ``Containers``, ``Reserved CPUs``, ``Reserved Memory``,
``Labels``, ``Error``, ``UpdatedAt``, ``ServerVersion``. Pure functions only.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.dockercluster.swarm.plugins.module_utils.swarm_logic import (
    addr_host,
    expected_nodes,
)

MARK = u'\u2514'
STATUSES = ('healthy', 'pending', 'unhealthy', 'disconnected')
_FIELDS = {
    'ID': 'id', 'Status': 'status', 'Containers': 'containers', 'Reserved CPUs': 'reserved_cpus',
    'Reserved Memory': 'reserved_memory', 'Labels': 'labels', 'Error': 'error', 'UpdatedAt': 'updated_at',
    'ServerVersion': 'server_version',
}


def _text(value):
    if value is None:
        return ''
    if isinstance(value, bytes):
        return value.decode('utf-8', 'replace')
    return u'%s' % (value,)


def _labels(text):
    result = {}
    for item in _text(text).split(','):
        key, sep, value = item.strip().partition('=')
        if sep and key:
            result[key] = value
    return result


def parse_system_status(status):
    """SystemStatus pairs -> dict(role, primary, strategy, filters, node_count, nodes)."""
    result = dict(role=None, primary=None, strategy=None, filters=[], node_count=None, nodes=[])
    node = None
    for pair in status or []:
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            continue
        key, value = _text(pair[0]), _text(pair[1]).strip()
        name = key.strip()
        if MARK in key:
            field = name.replace(MARK, '').strip()
            if node is not None and field in _FIELDS:
                node[_FIELDS[field]] = value
            continue
        if key.startswith(' '):
            node = dict(name=name, addr=value, id=None, status=None, containers=None, reserved_cpus=None,
                        reserved_memory=None, labels=None, error=None, updated_at=None, server_version=None)
            result['nodes'].append(node)
            continue
        node = None
        if name == 'Role':
            result['role'] = value.lower() or None
        elif name == 'Primary':
            result['primary'] = value or None
        elif name == 'Strategy':
            result['strategy'] = value or None
        elif name == 'Filters':
            result['filters'] = [f.strip() for f in value.split(',') if f.strip()]
        elif name == 'Nodes':
            result['node_count'] = int(value) if value.isdigit() else None
    for item in result['nodes']:
        item['status'] = (item['status'] or 'unknown').lower()
        item['labels'] = _labels(item['labels'])
        if item['error'] in ('', '(none)'):
            item['error'] = None
    return result


def parse_info(info):
    """The whole ``/info`` answer: the parsed SystemStatus plus the version; ValueError if not classic."""
    info = info or {}
    version = _text(info.get('ServerVersion'))
    if not version.startswith('swarm/'):
        raise ValueError('the endpoint is not a classic Swarm manager (ServerVersion %r, expected swarm/...): '
                         'point docker_host at the manager container, like tcp://127.0.0.1:2376' % (version,))
    result = parse_system_status(info.get('SystemStatus'))
    result['server_version'] = version
    result['containers'] = info.get('Containers')
    result['images'] = info.get('Images')
    return result


def _is_ip(host):
    host = host.strip('[]')
    if ':' in host:
        return True
    parts = host.split('.')
    return len(parts) == 4 and all(p.isdigit() and int(p) < 256 for p in parts)


def explain(node):
    """Why a node is not Healthy: what swarm reports for it (its error, the address it tries) and the
    usual causes, the likely one first."""
    addr = node.get('addr') or ''
    error = node.get('error') or ''
    said = '%s, address tried %s, error: %s' % (node['status'], addr or 'unknown', error or 'none reported')
    lowered = error.lower()
    host = addr.rsplit(':', 1)[0] if ':' in addr else addr
    causes = []
    if host and not _is_ip(host):
        causes.append('%s is a name the manager container may not resolve (inner containers do not get the '
                      'node\'s loopback resolvers): list the engines by IP (swarm_classic_node_addr)' % host)
    if 'refused' in lowered or 'no route' in lowered or 'timeout' in lowered or 'cannot connect' in lowered:
        causes.append('the engine port is closed or unreachable (is dockerd up and listening on %s? a firewall?)'
                      % (addr or 'its TCP port'))
    if any(word in lowered for word in ('tls', 'x509', 'certificate', 'handshake')):
        causes.append('TLS refused (the engine wants mutual TLS, or the manager\'s certificate or CA does not '
                      'match the engine\'s)')
    if 'api' in lowered and 'version' in lowered:
        causes.append('the engine is too new for classic Swarm (it speaks Docker API 1.31 at most)')
    if not causes:
        causes = ['name not resolvable in the manager container', 'engine port closed or not listening',
                  'TLS refused by the engine', 'engine too new (Docker 29 refuses API 1.31)']
    return '%s; usual causes: %s' % (said, '; '.join(causes))


def check_healthy(parsed, expect_healthy):
    """dict(ok, missing, not_healthy {name: status}, problems); each entry (a name, or a dict with
    what the run knows of the host, as swarm_logic.expected_nodes reads it) matches a node by its
    name or by its address's host."""
    missing, not_healthy, why = [], {}, {}
    for entry in expected_nodes(expect_healthy):
        want = entry['name']
        want_l = want.lower()
        matches = [n for n in parsed['nodes']
                   if n['name'].lower() in (want_l, want_l.split('.')[0])
                   or n['name'].lower().split('.')[0] == want_l
                   or (n['addr'] or '').rsplit(':', 1)[0] == want
                   or addr_host(n['addr'] or '') in entry['addresses']]
        if not matches:
            missing.append(want)
        elif not any(n['status'] == 'healthy' for n in matches):
            not_healthy[want] = '/'.join(sorted({n['status'] for n in matches}))
            why[want] = ' / '.join(explain(n) for n in matches)
    problems = []
    if missing:
        problems.append('not in the cluster: %s (the manager does not list them: with a key-value store or token, '
                        'did their agent register (its logs, the discovery\'s list) and does the manager watch the '
                        'same discovery? with nodes or file, does the list hold them?)' % ', '.join(missing))
    if not_healthy:
        problems.append('not Healthy: %s' % ', '.join('%s (%s)' % (k, why[k]) for k in sorted(not_healthy)))
    return dict(ok=not problems, missing=missing, not_healthy=not_healthy, problems=problems, why=why)


def render(parsed):
    """Lines like the cluster section of ``docker -H manager:2376 info``."""
    lines = ['Role: %s' % (parsed['role'] or 'unknown')]
    if parsed.get('primary'):
        lines.append('Primary: %s' % parsed['primary'])
    lines.append('Strategy: %s' % (parsed['strategy'] or 'unknown'))
    lines.append('Filters: %s' % ', '.join(parsed['filters']))
    lines.append('Nodes: %d' % len(parsed['nodes']))
    for node in parsed['nodes']:
        lines.append(' %s: %s' % (node['name'], node['addr']))
        lines.append(u'  \u2514 ID: %s' % (node['id'] or ''))
        lines.append(u'  \u2514 Status: %s' % node['status'].capitalize())
        if node['error']:
            lines.append(u'  \u2514 Error: %s' % node['error'])
        lines.append(u'  \u2514 ServerVersion: %s' % (node['server_version'] or ''))
    return lines
