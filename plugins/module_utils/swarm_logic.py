# -*- coding: utf-8 -*-
# Copyright: dockercluster.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure Swarm-mode decisions: addresses, membership, plans, summaries.

Nothing here talks to an engine or runs a command: callers pass in the
engine's answers (``info()['Swarm']``, ``nodes()``...) or, for the advertise
address, a ``run(argv) -> (rc, stdout, stderr)`` callable.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re

from ansible_collections.dockercluster.swarm.plugins.module_utils.host_probe import leaderless, version_tuple
from ansible_collections.dockercluster.swarm.plugins.module_utils.swarm_drain import BEFORE_LABEL

DEFAULT_SWARM_PORT = 2377

# Membership classes returned by classify_membership().
ABSENT = 'absent'
PENDING = 'pending'
SAME_ROLE = 'same_cluster_same_role'
OTHER_ROLE = 'same_cluster_other_role'
OTHER_CLUSTER = 'other_cluster'
LOCKED = 'locked'
ERROR = 'error'
MEMBERSHIPS = (ABSENT, PENDING, SAME_ROLE, OTHER_ROLE, OTHER_CLUSTER, LOCKED, ERROR)

# Plan steps returned by plan_membership().
LEAVE = 'leave'
INIT = 'init'
JOIN = 'join'

_HOSTNAME_RE = re.compile(r'^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$')
_IFACE_RE = re.compile(r'^[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}$')
_TOKEN_RE = re.compile(r'^SWMTKN-1-[0-9a-z]{50}-[0-9a-z]{25}$')


def _text(value):
    if value is None:
        return ''
    return '%s' % (value,)


# ---------------------------------------------------------------- addresses

def parse_ip(value):
    """Return an ipaddress object for ``value`` or None when it is not an IP."""
    try:
        return ipaddress.ip_address(_text(value).strip())
    except ValueError:
        return None


def _parse_port(port, original):
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError('invalid port %r in address %r (expected 1-65535)' % (port, original))
    return int(port)


def split_host_port(addr, default_port=None):
    """Split ``host[:port]`` / ``[v6][:port]`` / bare IPv6 into (host, port).

    IPv6 hosts are returned without brackets; port is an int or default_port.
    Raises ValueError naming the bad value.
    """
    original = addr
    addr = _text(addr).strip()
    if not addr:
        raise ValueError('empty address')
    if addr.startswith('['):
        end = addr.find(']')
        if end < 0:
            raise ValueError('unbalanced "[" in address %r' % (original,))
        host = addr[1:end]
        rest = addr[end + 1:]
        if parse_ip(host) is None or parse_ip(host).version != 6:
            raise ValueError('%r in address %r is not an IPv6 address' % (host, original))
        if not rest:
            return host, default_port
        if not rest.startswith(':'):
            raise ValueError('unexpected %r after "]" in address %r' % (rest, original))
        return host, _parse_port(rest[1:], original)
    if addr.count(':') > 1:
        ip = parse_ip(addr)
        if ip is None:
            raise ValueError('%r is neither host[:port] nor an IPv6 address '
                             '(write IPv6 with a port as [addr]:port)' % (original,))
        return addr, default_port
    if ':' in addr:
        host, port = addr.split(':', 1)
        return host, _parse_port(port, original)
    return addr, default_port


def _check_host(host, original):
    ip = parse_ip(host)
    if ip is not None:
        if ip.is_unspecified:
            raise ValueError('%r is the unspecified address, not a reachable manager address' % (original,))
        return ip.compressed
    if not _HOSTNAME_RE.match(host) or '..' in host or len(host) > 253:
        raise ValueError('%r is not an IP address or a host name' % (original,))
    return host.lower()


def join_host_port(host, port):
    ip = parse_ip(host)
    if ip is not None and ip.version == 6:
        return '[%s]:%d' % (ip.compressed, port)
    return '%s:%d' % (host, port)


def normalize_manager_addr(addr, default_port=DEFAULT_SWARM_PORT):
    """``10.0.0.1`` -> ``10.0.0.1:2377``; ``fe80::1`` -> ``[fe80::1]:2377``.

    Raises ValueError naming the bad value.
    """
    host, port = split_host_port(addr, default_port)
    host = _check_host(host, addr)
    return join_host_port(host, port)


def normalize_manager_addrs(addrs, default_port=DEFAULT_SWARM_PORT):
    """Normalise a list of manager addresses, dropping duplicates (order kept)."""
    result = []
    for addr in addrs or []:
        norm = normalize_manager_addr(addr, default_port)
        if norm not in result:
            result.append(norm)
    return result


def expand_manager_addrs(addrs, resolve=None):
    """Normalised addresses plus, for host names, ``ip:port`` of each address
    ``resolve(host)`` returns (a worker only knows its managers by IP)."""
    result = normalize_manager_addrs(addrs)
    if resolve is None:
        return result
    for addr in list(result):
        host, port = split_host_port(addr)
        if parse_ip(host) is not None:
            continue
        for ip in resolve(host) or []:
            if parse_ip(ip) is None:
                continue
            extra = join_host_port(ip, port)
            if extra not in result:
                result.append(extra)
    return result


def addr_host(addr):
    """The host part of a (possibly un-normalised) address, lower-cased; '' when unparsable."""
    try:
        host = split_host_port(addr)[0]
    except ValueError:
        return ''
    ip = parse_ip(host)
    return ip.compressed if ip is not None else host.lower()


def validate_listen_addr(value, what='listen_addr'):
    """``ip[:port]``, ``[v6][:port]``, ``iface[:port]``. Returns the value stripped."""
    value = _text(value).strip()
    try:
        host = split_host_port(value)[0]
    except ValueError as exc:
        raise ValueError('%s: %s' % (what, exc))
    if parse_ip(host) is None and not _IFACE_RE.match(host):
        raise ValueError('%s: %r is not an IP address or an interface name' % (what, value))
    return value


def validate_advertise_addr(value):
    """``ip`` or ``ip:port`` (``[v6]:port``). Interfaces go in advertise_interface."""
    value = _text(value).strip()
    try:
        host = split_host_port(value)[0]
    except ValueError as exc:
        raise ValueError('advertise_addr: %s' % (exc,))
    ip = parse_ip(host)
    if ip is None:
        raise ValueError('advertise_addr: %r is not an IP address (optionally with :port); '
                         'name an interface with advertise_interface instead' % (value,))
    if ip.is_unspecified:
        raise ValueError('advertise_addr: %r is the unspecified address; give a reachable IP' % (value,))
    return value


def validate_data_path_addr(value):
    """An IP address or an interface name, without a port."""
    value = _text(value).strip()
    if parse_ip(value) is not None:
        return value
    if not _IFACE_RE.match(value):
        raise ValueError('data_path_addr: %r is not an IP address or an interface name '
                         '(no port: the data path port is 4789/udp)' % (value,))
    return value


def validate_interface(value, what='advertise_interface'):
    value = _text(value).strip()
    if not _IFACE_RE.match(value):
        raise ValueError('%s: %r is not a valid network interface name' % (what, value))
    return value


# The addresses a node takes its place in the cluster with, in validate_member_addrs' order.
ADDRESS_OPTIONS = ('advertise_addr', 'advertise_interface', 'listen_addr', 'data_path_addr')


# The Docker API version an option of init or join needs (the Docker SDK refuses it below that, raised inside the
# init or join, after any leave): 1.30 is Docker 17.06, 1.39 is 18.09. CentOS 7's docker 1.13 speaks 1.26.
API_NEEDED = (('data_path_addr', (1, 30)), ('default_addr_pool', (1, 39)), ('subnet_size', (1, 39)))


def api_too_old(engine, given):
    """Why the engine cannot take one of the options ``given`` (name -> value) at the API version its client
    speaks, or None (also when the version is not known: the check-mode socket reader has no client)."""
    api_version = getattr(getattr(engine, 'client', None), 'api_version', None)
    have = version_tuple(api_version)
    for name, needed in API_NEEDED:
        if given.get(name) not in (None, '', []) and have and have < needed:
            return ('%s needs Docker API %d.%d or later (Docker %s); this engine speaks %s: leave it out for this host'
                    % (name, needed[0], needed[1], '17.06' if needed == (1, 30) else '18.09', api_version))
    return None


def validate_member_addrs(advertise_addr=None, advertise_interface=None, listen_addr=None, data_path_addr=None):
    """The addresses a node initialises or joins with (swarm_manager's and swarm_agent's options, each checked
    where given); ValueError naming the first bad one."""
    if advertise_addr:
        validate_advertise_addr(advertise_addr)
    if advertise_interface:
        validate_interface(advertise_interface)
    if listen_addr is not None:
        validate_listen_addr(listen_addr)
    if data_path_addr:
        validate_data_path_addr(data_path_addr)


def validate_addr_pools(pools, subnet_size=None):
    """Validate default_addr_pool CIDRs and subnet_size; return the pools as strings.

    Raises ValueError naming the first bad value.
    """
    if subnet_size is not None and not 16 <= subnet_size <= 28:
        raise ValueError('subnet_size: %r is out of range (16 to 28)' % (subnet_size,))
    result = []
    for pool in pools or []:
        text = _text(pool).strip()
        if '/' not in text:
            raise ValueError('default_addr_pool: %r is not a CIDR block (like 10.20.0.0/16)' % (text,))
        try:
            net = ipaddress.ip_network(text, strict=True)
        except ValueError as exc:
            raise ValueError('default_addr_pool: %r is not a valid CIDR block: %s' % (text, exc))
        if subnet_size is not None and net.version == 4 and net.prefixlen > subnet_size:
            raise ValueError('default_addr_pool: %r is smaller than subnet_size /%d: each pool must '
                             'hold at least one subnet' % (text, subnet_size))
        for other in result:
            if ipaddress.ip_network(other).overlaps(net):
                raise ValueError('default_addr_pool: %r overlaps %r' % (text, other))
        result.append(net.with_prefixlen)
    return result


def validate_join_token(token):
    """Swarm join tokens look like SWMTKN-1-<50 chars>-<25 chars>. Never echoes the token."""
    token = _text(token).strip()
    if not _TOKEN_RE.match(token):
        shown = token[:9] + '...' if token.startswith('SWMTKN-') else '(not starting with SWMTKN-1-)'
        raise ValueError('join_token does not look like a Swarm join token %s: expected '
                         'SWMTKN-1-<50 chars>-<25 chars>, as printed by "docker swarm join-token -q worker|manager" '
                         'or returned by dockercluster.swarm.swarm_token' % (shown,))
    return token


# -------------------------------------------------- advertise address choice

def parse_ip_addr_show(output):
    """Parse ``ip -4 -o addr show [dev IFACE]`` output.

    Returns a list of dicts {ifname, addr, prefixlen, scope, secondary} in output order.
    """
    result = []
    for line in _text(output).splitlines():
        fields = line.split()
        if 'inet' not in fields:
            continue
        idx = fields.index('inet')
        if idx + 1 >= len(fields) or '/' not in fields[idx + 1]:
            continue
        addr, prefixlen = fields[idx + 1].split('/', 1)
        if parse_ip(addr) is None:
            continue
        scope = ''
        if 'scope' in fields and fields.index('scope') + 1 < len(fields):
            scope = fields[fields.index('scope') + 1]
        ifname = fields[1].rstrip(':').split('@')[0] if len(fields) > 1 else ''
        result.append(dict(ifname=ifname, addr=addr, prefixlen=int(prefixlen) if prefixlen.isdigit() else None,
                           scope=scope, secondary='secondary' in fields))
    return result


def pick_interface_addr(output):
    """The address to advertise from ``ip -4 -o addr show dev IFACE`` output, or None.

    Prefers a primary global-scope address, then any global one, then the first.
    """
    addrs = parse_ip_addr_show(output)
    for want in (lambda a: a['scope'] == 'global' and not a['secondary'],
                 lambda a: a['scope'] == 'global',
                 lambda a: True):
        for item in addrs:
            if want(item):
                return item['addr']
    return None


def _route_fields(line):
    fields = line.split()
    found = {}
    for key in ('src', 'dev', 'via'):
        if key in fields:
            idx = fields.index(key)
            if idx + 1 < len(fields):
                found[key] = fields[idx + 1]
    return found


def parse_route_get(output):
    """Parse ``ip -4 route get ADDR`` output -> {'src', 'dev', 'via'} (keys present when found)."""
    for line in _text(output).splitlines():
        found = _route_fields(line)
        if found:
            return found
    return {}


def parse_route_show_default(output):
    """Parse ``ip -4 route show default`` -> the first default route's {'src', 'dev', 'via'}."""
    for line in _text(output).splitlines():
        if line.split()[:1] == ['default']:
            return _route_fields(line)
    return {}


def choose_advertise_addr(run, advertise_addr=None, advertise_interface=None, target='1.1.1.1'):
    """Decide the address to advertise.

    ``run(argv)`` returns (rc, stdout, stderr). Order: advertise_addr as given;
    else the IPv4 of advertise_interface; else the source address the kernel
    would use towards ``target`` (``ip route get``: a routing-table lookup, no
    packet is sent); else the default route's src, or its device's address.

    Returns (addr, how) where how describes the source; addr is None when
    nothing could be found (the engine then picks by itself).
    Raises ValueError when a named interface has no IPv4 address.
    """
    if advertise_addr:
        return advertise_addr, 'advertise_addr'
    if advertise_interface:
        rc, out, err = run(['ip', '-4', '-o', 'addr', 'show', 'dev', advertise_interface])
        addr = pick_interface_addr(out) if rc == 0 else None
        if not addr:
            raise ValueError('advertise_interface: interface %r has no IPv4 address (ip: %s)'
                             % (advertise_interface, (_text(err) or _text(out)).strip() or 'no output'))
        return addr, 'interface %s' % advertise_interface
    rc, out, err = run(['ip', '-4', 'route', 'get', target])
    if rc == 0:
        route = parse_route_get(out)
        if route.get('src'):
            return route['src'], 'route to %s' % target
    rc, out, err = run(['ip', '-4', 'route', 'show', 'default'])
    if rc == 0:
        route = parse_route_show_default(out)
        if route.get('src'):
            return route['src'], 'default route'
        if route.get('dev'):
            rc, out, err = run(['ip', '-4', '-o', 'addr', 'show', 'dev', route['dev']])
            addr = pick_interface_addr(out) if rc == 0 else None
            if addr:
                return addr, 'default route device %s' % route['dev']
    return None, 'engine'


# ---------------------------------------------------------------- membership

def swarm_section(info):
    """``info()['Swarm']`` from a full info() answer, or the section itself."""
    info = info or {}
    if 'LocalNodeState' not in info and isinstance(info.get('Swarm'), dict):
        return info['Swarm']
    return info


def local_state(swarm_info):
    return (_text(swarm_section(swarm_info).get('LocalNodeState')) or 'inactive').lower()


def is_manager(swarm_info):
    swarm = swarm_section(swarm_info)
    return local_state(swarm) == 'active' and bool(swarm.get('ControlAvailable'))


def worker_gone(swarm_info, manager_addrs, listed):
    """Whether the node is a worker of a cluster that is gone: active, its managers all among this cluster's
    (``manager_addrs``, compared by host), yet its node not among ``listed`` (the IDs this cluster lists).
    The managers were made anew while it ran; a worker of a swarm that also has other managers is not."""
    swarm = swarm_section(swarm_info)
    if local_state(swarm) != 'active' or swarm.get('ControlAvailable') or swarm.get('NodeID') in set(listed):
        return False
    theirs = _manager_addr_hosts(swarm)
    return bool(theirs) and theirs <= set(addr_host(addr) for addr in manager_addrs or [])


def remote_manager_addrs(swarm_info):
    """Addresses in RemoteManagers (normalised when possible), sorted."""
    result = []
    for item in swarm_section(swarm_info).get('RemoteManagers') or []:
        addr = (item or {}).get('Addr')
        if not addr:
            continue
        try:
            addr = normalize_manager_addr(addr)
        except ValueError:
            pass
        if addr not in result:
            result.append(addr)
    return sorted(result)


def membership_facts(swarm_info):
    """What the node says about itself: a dict for results and messages."""
    swarm = swarm_section(swarm_info)
    state = local_state(swarm)
    manager = is_manager(swarm)
    cluster = swarm.get('Cluster') or {}
    role = None
    if state == 'active':
        role = 'manager' if manager else 'worker'
    return dict(
        local_node_state=state,
        node_id=swarm.get('NodeID') or None,
        node_addr=swarm.get('NodeAddr') or None,
        cluster_id=cluster.get('ID') or None,
        control_available=bool(swarm.get('ControlAvailable')),
        role=role,
        manager_addrs=remote_manager_addrs(swarm),
        error=swarm.get('Error') or None,
    )


def not_manager_message(swarm_info):
    """Why a host that is not an active manager cannot answer for the cluster."""
    facts = membership_facts(swarm_info)
    return ('host is not a Swarm manager (LocalNodeState=%s, ControlAvailable=%s): run this on a manager of the '
            'cluster' % (facts['local_node_state'], 'true' if facts['control_available'] else 'false'))


def classify_membership(swarm_info, expected_manager_addrs=None, expected_cluster_id=None,
                        wanted_role='manager'):
    """Where the node stands relative to the cluster we want it in.

    Returns one of MEMBERSHIPS:
    - 'absent': not in any swarm (LocalNodeState inactive)
    - 'pending': an earlier join did not finish
    - 'locked' / 'error': the engine reports that state
    - 'same_cluster_same_role', 'same_cluster_other_role', 'other_cluster'

    Same cluster: for a manager, Cluster.ID equals expected_cluster_id when one is
    given; else one of its RemoteManagers is an expected manager address; with
    neither (initialising) an active manager is adopted. A worker cannot see
    Cluster.ID, so only the RemoteManagers/expected-address overlap counts.
    Addresses are compared by host (IP or name), so a port mismatch does not
    make a node foreign (an engine is in at most one swarm).
    """
    if wanted_role not in ('manager', 'worker'):
        raise ValueError('wanted_role must be manager or worker, not %r' % (wanted_role,))
    swarm = swarm_section(swarm_info)
    state = local_state(swarm)
    if state in ('', 'inactive'):
        return ABSENT
    if state == 'pending':
        return PENDING
    if state == 'locked':
        return LOCKED
    if state != 'active':
        return ERROR
    manager = bool(swarm.get('ControlAvailable'))
    expected_hosts = {addr_host(a) for a in (expected_manager_addrs or [])}
    expected_hosts.discard('')
    seen_hosts = {addr_host(item.get('Addr')) for item in (swarm.get('RemoteManagers') or []) if item}
    seen_hosts.discard('')
    overlap = bool(expected_hosts & seen_hosts)
    if manager:
        cluster_id = (swarm.get('Cluster') or {}).get('ID')
        if expected_cluster_id:
            same = cluster_id == expected_cluster_id
        elif expected_hosts:
            same = overlap
        else:
            same = True
    else:
        same = overlap
    if not same:
        return OTHER_CLUSTER
    if manager == (wanted_role == 'manager'):
        return SAME_ROLE
    return OTHER_ROLE


def plan_membership(membership, wanted_role, force, initialise=False):
    """The steps to reach membership ``wanted_role`` from ``membership``.

    Returns (steps, problem). steps is a list of LEAVE (always with force) then
    INIT or JOIN; problem is None or a short code ('other_cluster',
    'other_role', 'locked', 'error') when the node must not be touched without
    force (steps is then []).
    """
    if membership not in MEMBERSHIPS:
        raise ValueError('unknown membership %r' % (membership,))
    enter = INIT if initialise else JOIN
    if membership == SAME_ROLE:
        return [], None
    if membership == ABSENT:
        return [enter], None
    if membership == PENDING:
        return [LEAVE, enter], None
    problem = {OTHER_CLUSTER: 'other_cluster', OTHER_ROLE: 'other_role',
               LOCKED: 'locked', ERROR: 'error'}[membership]
    if force:
        return [LEAVE, enter], None
    return [], problem


def describe_node(facts):
    """One line about the node's current swarm membership, for messages."""
    parts = ['LocalNodeState=%s' % facts.get('local_node_state')]
    if facts.get('role'):
        parts.append('role=%s' % facts['role'])
    if facts.get('cluster_id'):
        parts.append('cluster ID %s' % facts['cluster_id'])
    if facts.get('node_id'):
        parts.append('node ID %s' % facts['node_id'])
    if facts.get('manager_addrs'):
        parts.append('managers %s' % ', '.join(facts['manager_addrs']))
    if facts.get('error'):
        parts.append('error: %s' % facts['error'])
    return '; '.join(parts)


def problem_message(problem, facts, wanted_role, expected_manager_addrs=None, expected_cluster_id=None):
    """A message for plan_membership()'s problem: what was found, how to proceed."""
    found = describe_node(facts)
    wanted = []
    if expected_cluster_id:
        wanted.append('cluster ID %s' % expected_cluster_id)
    if expected_manager_addrs:
        wanted.append('managers %s' % ', '.join(expected_manager_addrs))
    wanted = ' and '.join(wanted) or 'a new cluster initialised here'
    if problem == 'other_cluster':
        return ('node is already in another swarm (%s), not in the expected one (%s). Nothing was '
                'changed. Make it leave ("docker swarm leave --force") or set force=true to leave '
                'that swarm and %s; its old entry stays in the other cluster\'s node list until '
                'removed there.' % (found, wanted, 'initialise a new one' if not expected_manager_addrs
                                    else 'join as %s' % wanted_role))
    if problem == 'other_role':
        if wanted_role == 'worker':
            return ('node is a manager, not a worker (%s). Nothing was changed. Demote it from '
                    'another manager ("docker node demote"), or set force=true to make it leave '
                    '(beware of manager quorum) and join again as a worker.' % (found,))
        return ('node is a worker of this cluster, not a manager (%s). Nothing was changed. Promote '
                'it from a manager ("docker node promote", or community.docker.docker_node '
                'role=manager), or set force=true to make it leave and join again as a manager.'
                % (found,))
    if problem == 'locked':
        return ('the swarm on this node is locked (%s). Nothing was changed. Unlock it with "docker swarm unlock" '
                '(the key "docker swarm unlock-key" shows on an unlocked manager). force=true would leave it instead, '
                'and where it is a manager, take its copy of the cluster\'s state with it; then %s.'
                % (found, 'initialise a new cluster' if not expected_manager_addrs else 'join again'))
    return ('the node\'s swarm state is in error (%s). Nothing was changed. Set force=true to '
            'leave and start over.' % (found,))


# ------------------------------------------------------------------- nodes

def _status_word(value, default='unknown'):
    return (_text(value) or default).lower()


def node_summary(node):
    """Flatten one entry of ``nodes()`` into the fields this collection returns."""
    node = node or {}
    spec = node.get('Spec') or {}
    desc = node.get('Description') or {}
    status = node.get('Status') or {}
    manager_status = node.get('ManagerStatus') or {}
    addr = status.get('Addr') or ''
    manager_addr = manager_status.get('Addr') or ''
    if (not addr or addr == '0.0.0.0') and manager_addr:
        addr = addr_host(manager_addr) or addr
    return dict(
        id=node.get('ID'),
        hostname=desc.get('Hostname') or '',
        role=_status_word(spec.get('Role'), 'worker'),
        status=_status_word(status.get('State')),
        availability=_status_word(spec.get('Availability'), 'active'),
        addr=addr or None,
        manager_addr=manager_addr or None,
        engine_version=(desc.get('Engine') or {}).get('EngineVersion'),
        leader=bool(manager_status.get('Leader')),
        manager_reachability=manager_status.get('Reachability') or None,
        # Drained by a restart of this collection's that did not give it back (an interrupted run).
        availability_before=(spec.get('Labels') or {}).get(BEFORE_LABEL) or None,
    )


def summarize_nodes(nodes):
    """node_summary() for each node, sorted managers first, then by hostname."""
    items = [node_summary(n) for n in nodes or []]
    items.sort(key=lambda n: (n['role'] != 'manager', n['hostname'], n['id'] or ''))
    return items


def manager_addrs_from(swarm_info=None, node_summaries=None, local_addr=None):
    """Manager addresses (host:2377 form): nodes' ManagerStatus.Addr, else RemoteManagers; sorted,
    but the answering manager's own first (``local_addr``, else ``swarm_info``'s NodeAddr).

    The engine joins through the first address alone: the manager that answered is the one known
    to be up (another may have just stopped and not be seen unreachable yet). A manager the others
    find unreachable (a rebuilt machine's old entry, a node down) is left out while any is reachable.
    """
    result = _manager_addrs(swarm_info, node_summaries)
    local = addr_host(local_addr or swarm_section(swarm_info or {}).get('NodeAddr') or '')
    mine = [addr for addr in result if local and addr_host(addr) == local]
    return mine[:1] + [addr for addr in result if addr not in mine[:1]]


def _manager_addrs(swarm_info, node_summaries):
    result = []
    managers = [item for item in node_summaries or [] if item.get('role') == 'manager' and item.get('manager_addr')]
    reachable = [item for item in managers if item.get('manager_reachability') != 'unreachable']
    for item in reachable or managers:
        if item:
            try:
                addr = normalize_manager_addr(item['manager_addr'])
            except ValueError:
                addr = item['manager_addr']
            if addr not in result:
                result.append(addr)
    if not result and swarm_info is not None:
        result = remote_manager_addrs(swarm_info)
    return sorted(result)


def cluster_summary(swarm_inspect, node_summaries):
    """id, created, managers/workers counts, leader hostname."""
    swarm_inspect = swarm_inspect or {}
    leader = [n['hostname'] for n in node_summaries if n.get('leader')]
    return dict(
        id=swarm_inspect.get('ID'),
        created=swarm_inspect.get('CreatedAt'),
        managers=len([n for n in node_summaries if n['role'] == 'manager']),
        workers=len([n for n in node_summaries if n['role'] != 'manager']),
        leader=leader[0] if leader else None,
    )


def render_summary(node_summaries):
    """Lines in the spirit of ``docker -H manager:2376 info``'s cluster section."""
    lines = ['Nodes: %d' % len(node_summaries)]
    for node in node_summaries:
        lines.append(' %s: %s' % (node['hostname'] or node['id'], node['addr'] or '-'))
        lines.append('  \u2514 ID: %s' % node['id'])
        role = node['role']
        if role == 'manager':
            role += ' (leader)' if node['leader'] else ' (%s)' % (node['manager_reachability'] or 'unknown')
        lines.append('  \u2514 Role: %s' % role)
        lines.append('  \u2514 Status: %s' % node['status'].capitalize())
        lines.append('  \u2514 Availability: %s' % node['availability'].capitalize())
        lines.append('  \u2514 Engine: %s' % (node['engine_version'] or 'unknown'))
    return lines


def _host_matches(expected, hostname):
    expected = _text(expected).strip().lower()
    hostname = _text(hostname).strip().lower()
    if not expected or not hostname:
        return False
    if expected == hostname:
        return True
    if parse_ip(expected) is not None or parse_ip(hostname) is not None:
        return False
    if '.' not in expected:
        return hostname.split('.')[0] == expected
    if '.' not in hostname:
        return expected.split('.')[0] == hostname
    return False


def _identity_addr(value):
    """An address that can name one node: an IP (of ``ip``, ``ip:port``, ``[v6]:port``), not a
    loopback, link-local or unspecified one; None otherwise (host names are not compared)."""
    ip = parse_ip(addr_host(value))
    if ip is None or ip.is_loopback or ip.is_unspecified or ip.is_link_local:
        return None
    return ip.compressed


def expected_nodes(expect_ready):
    """``expect_ready`` entries as dicts: ``name`` (what results name it by), ``node_id`` and
    ``addresses`` (a set of IPs).

    An entry is a host name (as before: matched with the nodes' host names, and, when it is an
    IP address, with their addresses) or a dict ``{name, node_id, addresses}``: what the run
    knows of the host (its node ID as its own engine reported it, its interfaces' addresses,
    ``ansible_host``, its advertise address). An address given for more than one entry names
    no node (every Docker host has docker0's 172.17.0.1) and is dropped from all of them.
    Raises ValueError naming a bad entry.
    """
    result = []
    for item in expect_ready or []:
        if isinstance(item, dict):
            unknown = sorted(set(item) - set(('name', 'node_id', 'addresses')))
            if unknown:
                raise ValueError('expect_ready: unknown key(s) %s in %r (name, node_id, addresses)'
                                 % (', '.join(unknown), item))
            name = _text(item.get('name')).strip()
            node_id = _text(item.get('node_id')).strip()
            addresses = item.get('addresses') or []
            if not isinstance(addresses, (list, tuple, set)):
                addresses = [addresses]
        else:
            name, node_id, addresses = _text(item).strip(), '', []
        if not name:
            raise ValueError('expect_ready: %r has no name' % (item,))
        found = set()
        for addr in list(addresses) + [name]:
            ip = _identity_addr(addr)
            if ip is not None:
                found.add(ip)
        result.append(dict(name=name, node_id=node_id or None, addresses=found))
    owners = {}
    for entry in result:
        for ip in entry['addresses']:
            owners.setdefault(ip, set()).add(entry['name'])
    for entry in result:
        entry['addresses'] = set(ip for ip in entry['addresses'] if len(owners[ip]) == 1)
    return result


def node_addrs(node):
    """The addresses a node (node_summary()) is known by."""
    found = set()
    for value in (node.get('addr'), node.get('manager_addr')):
        ip = _identity_addr(value) if value else None
        if ip is not None:
            found.add(ip)
    return found


def node_matches(expected, node):
    """Whether a node (node_summary()) is the expected host (an expected_nodes() entry): the same
    node ID, one of its addresses, or its host name."""
    if expected['node_id'] and node.get('id') == expected['node_id']:
        return True
    if expected['addresses'] & node_addrs(node):
        return True
    return _host_matches(expected['name'], node.get('hostname'))


def _manager_ok(node):
    return node['role'] == 'manager' and node['status'] == 'ready' and \
        (node['manager_reachability'] or 'reachable') == 'reachable'


def check_expectations(node_summaries, expect_ready=None, expect_managers=None):
    """Compare the nodes with what is expected.

    ``expect_ready``: entries as expected_nodes() reads them (a host name, or a dict with what the
    run knows of the host). A host counts as ready when any node matching it is Ready (a node that
    left and joined again leaves a Down entry behind). Short names match FQDNs by their first label.
    Results name each host by its entry's ``name``.

    Returns dict(ok, missing, not_ready {name: status}, managers_ready, problems [str]).
    Raises ValueError for a bad entry.
    """
    missing = []
    not_ready = {}
    for want in expected_nodes(expect_ready):
        name = want['name']
        matches = [n for n in node_summaries if node_matches(want, n)]
        if not matches:
            missing.append(name)
        elif not any(n['status'] == 'ready' for n in matches):
            not_ready[name] = '/'.join(sorted({n['status'] for n in matches}))
    managers_ready = len([n for n in node_summaries if _manager_ok(n)])
    problems = []
    if missing:
        problems.append('not in the cluster: %s' % ', '.join(missing))
    if not_ready:
        problems.append('not Ready: %s' % ', '.join('%s (%s)' % (k, not_ready[k]) for k in sorted(not_ready)))
    if expect_managers is not None and managers_ready != expect_managers:
        problems.append('expected %d Ready and reachable managers, found %d' % (expect_managers, managers_ready))
    return dict(ok=not problems, missing=missing, not_ready=not_ready,
                managers_ready=managers_ready, problems=problems)


# ------------------------------------------------------------ the cluster

def _manager_addr_hosts(swarm):
    hosts = set(addr_host(item.get('Addr')) for item in (swarm.get('RemoteManagers') or []) if item)
    hosts.discard('')
    return hosts


def _describe_cluster(cluster_id, found):
    parts = ['managers %s' % ', '.join(found['managers'])]
    if found['workers']:
        parts.append('workers %s' % ', '.join(found['workers']))
    return 'cluster %s (%s)' % (cluster_id, '; '.join(parts))


def membership_problem(mine, ours, role, is_first=False):
    """What stands in the way of a host with Swarm state ``mine`` taking its place as ``role``
    (manager or worker) in the cluster of the manager whose state is ``ours``: a sentence that
    follows the host's name, or ''.

    A host in no swarm, or already in this cluster in either role (swarm_manager's nodes step
    promotes or demotes it in place), is fine; so is the manager itself (``is_first``). A manager of
    this cluster is known by the cluster ID, a worker by a manager address in common.
    """
    mine = swarm_section(mine if isinstance(mine, dict) else {})
    ours = swarm_section(ours if isinstance(ours, dict) else {})
    state = local_state(mine)
    if is_first or state not in ('active', 'locked'):
        return ''
    our_id = (ours.get('Cluster') or {}).get('ID') or '' if is_manager(ours) else ''
    manager = bool(mine.get('ControlAvailable'))
    if our_id and manager and (mine.get('Cluster') or {}).get('ID') == our_id:
        return ''
    if our_id and not manager and _manager_addr_hosts(mine) & _manager_addr_hosts(ours):
        return ''
    cluster = ', cluster %s' % (mine.get('Cluster') or {}).get('ID') if manager else ''
    return 'is already in another swarm (node %s%s, state %s)' % (mine.get('NodeID'), cluster, state)


LOCKED_ADVICE = ('Unlock it: "docker swarm unlock" on it, with the key "docker swarm unlock-key" shows on a manager '
                 'that is unlocked (or the one you kept), then run again.')


def membership_refusal(mine, host, via, ours, listed_manager, force=False):
    """The whole sentence that refuses ``host`` its place, or '' (``force`` lets it leave another
    swarm, not a locked one: most likely this cluster's, whose data a leave would lose). ``via``: the
    manager it is judged against, whose state ``ours`` is None when it could not be read. A host that
    manages another swarm with other nodes is not advised to force."""
    if not isinstance(ours, dict):
        return ('%s: the manager the run uses, %s, could not be read (it failed or was unreachable), so this host\'s '
                'place in the cluster cannot be checked. Nothing was changed on it.' % (host, via))
    if local_state(mine if isinstance(mine, dict) else {}) == LOCKED:
        return ('%s has a locked swarm (autolock: its engine restarted and waits for the unlock key). Nothing was '
                'changed on it. %s' % (host, LOCKED_ADVICE))
    problem = membership_problem(mine, ours, 'manager' if listed_manager else 'worker', host == via)
    if not problem or force:
        return ''
    swarm = swarm_section(mine if isinstance(mine, dict) else {})
    try:
        others = max(int(swarm.get('Nodes') or 0) - 1, 0) if is_manager(swarm) else 0
    except (TypeError, ValueError):
        others = 0
    if others:
        return ('%s %s. Nothing was changed on it. It manages that swarm, which has %d other node%s: leaving it '
                'would abandon them. Remove it from the inventory, or move that swarm\'s work elsewhere and '
                'make it leave by hand (docker swarm leave).' % (host, problem, others, '' if others == 1 else 's'))
    return ('%s %s. Nothing was changed on it. Remove it from the inventory, make it leave that swarm (docker '
            'swarm leave), or set %s: true for it to leave and join this cluster.'
            % (host, problem, 'swarm_manager_force' if listed_manager else 'swarm_agent_force'))


def _with_refusals(result, hosts):
    """``result`` (find_cluster's) with ``refusals``: each host's refusal sentence, or ''."""
    if result['problem']:
        result['refusals'] = dict((h['name'], '%s: %s' % (h['name'], result['problem'])) for h in hosts)
        return result
    via = [h for h in hosts if h['name'] == result['manager']]
    ours = via[0].get('swarm') if via else None
    result['refusals'] = dict(
        (h['name'], membership_refusal(h.get('swarm'), h['name'], result['manager'], ours,
                                       bool(h.get('manager')), bool(h.get('force'))))
        for h in hosts)
    return result


def find_cluster(hosts):
    """The cluster the inventory's hosts are in, judged from every host's read, before any change.

    ``hosts``: the inventory's hosts, managers first, each in its group's order, as dicts
    ``name``, ``manager`` (listed as a manager), ``swarm`` (its Swarm state as its own engine
    reported it; None when it could not be read), ``force`` (swarm_*_force: it is to leave
    whatever swarm it is in, so its membership does not count) and, optionally, its
    ``advertise_addr`` and ``advertise_interface`` settings and ``addresses`` (its read's, interface
    name to address).

    The cluster is the one the inventory's managers are managers of, whichever host comes first:
    a rebuilt first manager (in no swarm) does not make a new one, it joins. (An agent in a swarm
    of its own is judged alone, by the membership verdict.) Returns a dict:

    - ``id``: that cluster's ID, '' when no inventory manager is in a swarm (``create``: the first
      manager initialises one);
    - ``manager``: the manager to use for it (init, tokens, fan-out, verify): the first inventory
      manager that answered as an active manager of it; with ``create``, the first manager;
    - ``first``, ``members`` (inventory hosts in it: its managers, and the workers that share a
      manager address with it), ``unread`` (hosts not read);
    - ``problem``: '' or why no host may change: inventory managers in two different clusters
      (both named; no advice to force, which would abandon one of them), or no cluster found while
      a manager could not be read (it may be in one: a cluster is created only when no inventory
      host is in one);
    - ``refusals``: every host's verdict, the sentence that fails it before any change, or '': the
      cluster's problem, a host in another swarm (unless forced), or the manager not read;
    - ``notes``: what the run says and leaves as it is: the manager that answers when it is not the first
      one, and each node of the cluster whose settings name another address than the one it joined with,
      which a node keeps (nothing else changes it).
    """
    result = _with_refusals(_find_cluster(hosts), hosts)
    notes = []
    if not result['problem'] and result['manager'] != result['first']:
        notes.append('The cluster %s: through %s, not the first manager, %s, which %s.'
                     % (result['id'], result['manager'], result['first'], 'could not be read'
                        if result['first'] in result['unread'] else 'is not a manager of it (it joins it)'))
    drifts = [address_drift(h) for h in hosts if h['name'] in result['members']]
    result['notes'] = notes + [sentence for sentence in drifts if sentence]
    return result


def address_drift(host):
    """'' or why ``host`` (find_cluster's entry) keeps an address other than the one its settings name: its
    advertise_addr, else its advertise_interface's address (swarm_member's order)."""
    swarm = swarm_section(host.get('swarm') if isinstance(host.get('swarm'), dict) else {})
    role = 'swarm_manager' if host.get('manager') else 'swarm_agent'
    interface = _text(host.get('advertise_interface'))
    if host.get('advertise_addr'):
        wanted, setting = addr_host(host['advertise_addr']), role + '_advertise_addr'
    else:
        wanted = _text((host.get('addresses') or {}).get(interface)) if interface else ''
        setting = '%s_advertise_interface %s' % (role, interface)
    joined = _text(swarm.get('NodeAddr'))
    # An address only (a setting templated from facts this run has not gathered is no address).
    if local_state(swarm) != 'active' or parse_ip(wanted) is None or not joined or wanted == addr_host(joined):
        return ''
    leave = 'one run with swarm_agent_state: absent for it, then one with present'
    return ('%s is a node of the cluster at %s, not at %s (%s): a node keeps the address it joined with. To move '
            'it, it leaves and joins again: %s.'
            % (host['name'], joined, wanted, setting,
               'listed as an agent (a run demotes it in place), ' + leave + ', then listed as a manager again'
               if host.get('manager') else leave))


def _find_cluster(hosts):
    found = _find_cluster_of(hosts)
    # Every manager has force (group_vars) and those in a swarm are all in one: that is the cluster (the one
    # a first run with force made), not a reason to make another, which force would leave theirs for. Force
    # on some managers only is asked for a host to leave another swarm: that swarm stays refused.
    forced_in = set((swarm_section(h['swarm']).get('Cluster') or {}).get('ID') for h in hosts
                    if h.get('manager') and h.get('force') and isinstance(h.get('swarm'), dict)
                    and is_manager(swarm_section(h['swarm'])))
    every = all(h.get('force') for h in hosts if h.get('manager'))
    if found['forced'] and every and len(forced_in) == 1 and None not in forced_in:
        found = _find_cluster_of([dict(h, force=False) for h in hosts])
    found.pop('forced')
    return found


def _find_cluster_of(hosts):
    managers = [h for h in hosts if h.get('manager')]
    first = managers[0]['name'] if managers else ''
    unread = [h['name'] for h in hosts if not isinstance(h.get('swarm'), dict)]
    clusters = {}
    order = []
    no_leader = []
    for host in managers:
        swarm = host.get('swarm')
        if not isinstance(swarm, dict) or host.get('force'):
            continue
        swarm = swarm_section(swarm)
        cluster_id = (swarm.get('Cluster') or {}).get('ID')
        if leaderless(swarm):
            # A manager whose engine cannot name its cluster, after the read's leader_wait: its managers lost
            # their quorum. Which cluster it is cannot be told.
            no_leader.append(host['name'])
        if not is_manager(swarm) or not cluster_id:
            continue
        if cluster_id not in clusters:
            clusters[cluster_id] = dict(managers=[], workers=[], addrs=set())
            order.append(cluster_id)
        clusters[cluster_id]['managers'].append(host['name'])
        clusters[cluster_id]['addrs'] |= _manager_addr_hosts(swarm)
    for host in hosts:
        swarm = host.get('swarm')
        if not isinstance(swarm, dict) or host.get('force'):
            continue
        swarm = swarm_section(swarm)
        if local_state(swarm) != 'active' or swarm.get('ControlAvailable'):
            continue
        # A worker knows its cluster's managers, not its ID: the cluster it shares the most manager
        # addresses with (a rebuilt manager may have kept its address).
        seen = _manager_addr_hosts(swarm)
        shared = sorted(((len(seen & clusters[cluster_id]['addrs']), -order.index(cluster_id), cluster_id)
                         for cluster_id in order), reverse=True)
        if shared and shared[0][0]:
            clusters[shared[0][2]]['workers'].append(host['name'])
    result = dict(id='', manager=first, create=False, first=first, members=[], unread=unread, problem='',
                  forced=False)
    if no_leader:
        result['problem'] = (
            '%s: a manager of a swarm whose cluster its engine cannot name (the swarm has no leader: its '
            'managers lost their quorum), so which cluster the inventory is in cannot be told. Nothing was '
            'changed. Bring its other managers back (its "docker info" lists their addresses under Manager '
            'Addresses); where they are lost for good, "docker swarm init --force-new-cluster --advertise-addr '
            '<its address>" on it keeps the cluster, its services and secrets, with it as the one manager (then '
            'run again). Or take it out of the inventory.' % ', '.join(no_leader))
        return result
    if len(order) > 1:
        named = [_describe_cluster(cluster_id, clusters[cluster_id]) for cluster_id in order]
        result['problem'] = (
            'The inventory\'s hosts are in %d different swarms: %s. A run makes them one cluster, so it '
            'changes nothing while they are in several. Keep one: make the hosts of the other%s leave it by '
            'hand ("docker swarm leave" on each; on its last manager that ends that cluster and its '
            'services), or take them out of the inventory. Nothing was changed.'
            % (len(order), ' and '.join(named), 's' if len(order) > 2 else ''))
        return result
    if order:
        found = clusters[order[0]]
        result.update(id=order[0], manager=found['managers'][0], members=found['managers'] + found['workers'])
        # Managers of it listed as agents are demoted in place by swarm_manager's nodes step (swarm_nodes), which
        # refuses a demotion the cluster's quorum does not allow, judged on the reachability the nodes list shows.
        return result
    # Locked (autolock, after a restart), a manager names no cluster: a new one would be made, and force would
    # leave the locked one, its services and secrets with it.
    locked = [h['name'] for h in managers if isinstance(h.get('swarm'), dict) and local_state(h['swarm']) == LOCKED]
    if locked:
        result['problem'] = (
            '%s: %s a locked swarm (autolock: the engine restarted and waits for the unlock key), so the cluster '
            'the inventory is in cannot be read, and a run would make a new one. Nothing was changed. %s'
            % (', '.join(locked), 'has' if len(locked) == 1 else 'have', LOCKED_ADVICE if len(locked) == 1
               else LOCKED_ADVICE.replace('Unlock it: "docker swarm unlock" on it', 'Unlock them: "docker swarm unlock" on each')))
        return result
    unread_managers = [h['name'] for h in managers if h['name'] in unread]
    if unread_managers:
        result['problem'] = (
            'No manager of the inventory that could be read is in a swarm, and %s could not be read (failed '
            'or unreachable): %s may be in one, and a cluster is created only when no inventory host is in '
            'one. Nothing was changed. Bring %s back, or take %s out of the inventory.'
            % (', '.join(unread_managers), 'it' if len(unread_managers) == 1 else 'they',
               'it' if len(unread_managers) == 1 else 'them', 'it' if len(unread_managers) == 1 else 'them'))
        return result
    # force lets a host leave another swarm to join the cluster; with no cluster to join, a new one would
    # be made and forced managers would leave theirs (a rebuilt first manager and force in group_vars).
    forced = [h['name'] for h in managers if h.get('force') and isinstance(h.get('swarm'), dict)
              and is_manager(swarm_section(h['swarm'])) and (swarm_section(h['swarm']).get('Cluster') or {}).get('ID')]
    if forced:
        result['forced'] = True
        result['problem'] = (
            'No manager of the inventory without force is in a swarm, but %s (force) %s: '
            'a run would create a new cluster and make %s leave %s, and its services with it. Nothing was '
            'changed. To keep that cluster, unset force for %s (the run adds the others to it); to end it, '
            'make %s leave it by hand first.'
            % (', '.join(forced), 'is an active manager of one' if len(forced) == 1 else 'are active managers of swarms',
               'it' if len(forced) == 1 else 'them',
               'its' if len(forced) == 1 else 'theirs', 'it' if len(forced) == 1 else 'them',
               'it' if len(forced) == 1 else 'them'))
        return result
    result['create'] = True
    return result
