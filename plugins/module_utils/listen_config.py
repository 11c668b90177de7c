# -*- coding: utf-8 -*-
# Copyright: dockercluster.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pure logic behind docker_listen_config: parsers, mergers, decisions. No I/O here.

dockerd gets its listen addresses in one of three ways, depending on how it was packaged:

``sysconfig``
    CentOS 7 ``docker``: ``OPTIONS='...'`` in /etc/sysconfig/docker, expanded into an
    ExecStart that has no ``-H`` of its own, so every address goes into OPTIONS.
``default_env``
    Debian ``docker.io``: ``DOCKER_OPTS="..."`` in /etc/default/docker; ExecStart is
    ``dockerd -H fd:// $DOCKER_OPTS`` and docker.socket provides the unix socket.
``systemd_dropin``
    docker-ce (no env file in the unit): a systemd drop-in that runs the unit's own command with our
    ``-H`` and TLS flags added. daemon.json stays the user's (or another tool's) alone; the drop-in
    names the ExecStart it was derived from, and is derived again when the unit's changes.
``daemon_json``
    Only when asked for: ``"hosts"`` in /etc/docker/daemon.json plus a systemd drop-in that drops the
    unit's own ``-H fd://`` (dockerd refuses a setting given both as flag and in the file).

"Ours" is recognised by content, not by markers: a ``-H`` whose address is in the managed
listen list, and the TLS flags/keys. Everything else is kept as it was, byte for byte.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import difflib
import ipaddress
import json
import re
from collections import OrderedDict, namedtuple

METHODS = ('sysconfig', 'default_env', 'systemd_dropin', 'daemon_json')
ENV_VARIABLES = {'sysconfig': 'OPTIONS', 'default_env': 'DOCKER_OPTS'}
DEFAULT_SOCKET = 'unix:///var/run/docker.sock'
# Paths docker.socket listens on (/var/run is a symlink to /run on systemd hosts).
SOCKET_ACTIVATED_PATHS = ('/var/run/docker.sock', '/run/docker.sock')
TLS_KEYS = ('tls', 'tlsverify', 'tlscacert', 'tlscert', 'tlskey')
# dockerd's TLS flags: the bool ones never consume the next word (pflag needs --x=false).
_TLS_BOOL_FLAGS = ('--tls', '--tlsverify')
_TLS_VALUE_FLAGS = ('--tlscacert', '--tlscert', '--tlskey')
_HOST_LONG = '--host'
_HOST_SHORT = '-H'

Address = namedtuple('Address', 'scheme host port path')

_HOSTNAME_LABEL = re.compile(r'^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$')
# An IPv6 zone ID (``fe80::1%eth0``) names an interface: Linux interface names are at most 15
# characters (IFNAMSIZ - 1), and an index is digits. Python's ipaddress (3.9+) accepts any text
# after the ``%``, and systemd splits $OPTIONS at whitespace into dockerd arguments.
_ZONE_ID = re.compile(r'^[A-Za-z0-9_.-]{1,15}$')
_LINK_LOCAL = ipaddress.IPv6Network('fe80::/10')
_TCP_RE = re.compile(r'^tcp://(\[[^\]]*\]|[^:/\[\]]*):([0-9]+)$')
_FD_RE = re.compile(r'^fd://([0-9]*)$')


# --------------------------------------------------------------------------- addresses

def parse_address(addr):
    """Validate one listen address and return an ``Address``; ``ValueError`` names it.

    Accepted: ``unix:///abs/path``, ``tcp://host:port`` (IPv4, ``[IPv6]`` or a host name;
    port 1-65535) and ``fd://`` (socket activation, optionally ``fd://N``). An IPv6 zone ID
    (``[fe80::1%eth0]``) only on a link-local address, and only interface-name characters.
    """
    if not isinstance(addr, str) or addr != addr.strip() or not addr:
        raise ValueError('invalid listen address %r: empty or surrounded by spaces' % (addr,))
    if addr.startswith('unix://'):
        path = addr[len('unix://'):]
        if not path.startswith('/') or re.search(r'\s', path) or path.endswith('/'):
            raise ValueError('invalid listen address %r: expected unix:///absolute/path/to.sock' % addr)
        return Address('unix', None, None, path)
    match = _FD_RE.match(addr)
    if match:
        return Address('fd', None, None, match.group(1))
    match = _TCP_RE.match(addr)
    if not match:
        raise ValueError('invalid listen address %r: expected unix:///path, tcp://host:port or fd://' % addr)
    host, port = match.group(1), int(match.group(2))
    if not 1 <= port <= 65535:
        raise ValueError('invalid listen address %r: port %d is outside 1-65535' % (addr, port))
    if host.startswith('['):
        _check_ipv6(addr, host[1:-1])
        return Address('tcp', host[1:-1], port, None)
    if re.match(r'^[0-9.]+$', host):
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            raise ValueError('invalid listen address %r: %s is not an IPv4 address' % (addr, host)) from None
        return Address('tcp', host, port, None)
    if not host or len(host) > 253 or not all(_HOSTNAME_LABEL.match(p) for p in host.split('.')):
        raise ValueError('invalid listen address %r: host %r is not an IP address or host name' % (addr, host))
    return Address('tcp', host, port, None)


def _check_ipv6(addr, host):
    """An IPv6 address, optionally with a zone ID: interface-name characters, link-local only."""
    address, sep, zone = host.partition('%')
    try:
        # Without its zone: Python 3.6 knows no zones, 3.9+ accepts any text as one.
        parsed = ipaddress.IPv6Address(address)
    except ValueError:
        raise ValueError('invalid listen address %r: [%s] is not an IPv6 address' % (addr, address)) from None
    if not sep:
        return
    if not _ZONE_ID.match(zone):
        raise ValueError('invalid listen address %r: the zone ID after %% must be an interface name or index '
                         '(1-15 letters, digits, _ . -)' % (addr,))
    if parsed not in _LINK_LOCAL:
        raise ValueError('invalid listen address %r: a zone ID only goes with a link-local address (fe80::/10); '
                         'write [%s] without it' % (addr, address))


def validate_listen(addresses):
    """Return the list without duplicates (order kept); ``ValueError`` names every bad value."""
    if not addresses:
        raise ValueError('listen must name at least one address')
    errors, result = [], []
    for addr in addresses:
        try:
            parse_address(addr)
        except ValueError as exc:
            errors.append(str(exc))
            continue
        if addr not in result:
            result.append(addr)
    if errors:
        raise ValueError('; '.join(errors))
    return result


def is_loopback_host(host):
    if host.lower() == 'localhost':
        return True
    if '%' in host:
        # A zone ID is accepted on link-local addresses only (see parse_address), never loopback.
        return False
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_plain_tcp_non_loopback(addr):
    """True for a tcp:// address other people can reach (0.0.0.0 and :: included)."""
    parsed = parse_address(addr)
    return parsed.scheme == 'tcp' and not is_loopback_host(parsed.host)


def normalize_host(value):
    """Comparable form of a -H value as dockerd reads it (no scheme: /path -> unix, else tcp)."""
    value = value.strip()
    if '://' in value:
        scheme, rest = value.split('://', 1)
        value = scheme.lower() + '://' + rest
    elif value.startswith('/'):
        value = 'unix://' + value
    elif value:
        value = 'tcp://' + value
    if value.startswith('tcp://'):
        value = value.rstrip('/')
    return value


def split_unit_provided(listen, unit_hosts):
    """Split ``listen`` into (to_write, provided_by_unit) for the env-file methods.

    A -H that the unit's ExecStart already passes must not be passed twice (dockerd would try
    to bind it twice), and with ``-H fd://`` the unix socket comes from docker.socket, so a
    ``-H unix:///var/run/docker.sock`` beside it conflicts with socket activation.
    """
    provided = {normalize_host(h) for h in unit_hosts}
    if any(h.startswith('fd://') for h in provided):
        provided.update('unix://' + p for p in SOCKET_ACTIVATED_PATHS)
    write, from_unit = [], []
    for addr in listen:
        (from_unit if normalize_host(addr) in provided else write).append(addr)
    return write, from_unit


# --------------------------------------------------------------------------- flag strings

class Token(object):
    """One shell word: ``sep`` whitespace before it, ``raw`` text as written, ``text`` unquoted."""
    __slots__ = ('raw', 'sep', 'text')

    def __init__(self, sep, raw, text):
        self.sep, self.raw, self.text = sep, raw, text

    def __repr__(self):
        return 'Token(%r, %r, %r)' % (self.sep, self.raw, self.text)


def split_flags(raw):
    """Split a flags string shell-style into ``(tokens, trailing_whitespace)``.

    Unlike shlex.split, every token keeps its raw spelling so that the flags we do not own
    are written back exactly as the user wrote them.
    """
    tokens, i, n = [], 0, len(raw)
    while True:
        start = i
        while i < n and raw[i] in ' \t\n':
            i += 1
        sep = raw[start:i]
        if i >= n:
            return tokens, sep
        tok_start, text = i, []
        while i < n and raw[i] not in ' \t\n':
            char = raw[i]
            if char == "'":
                end = raw.find("'", i + 1)
                if end < 0:
                    # The value is not quoted back: it may hold what is not ours to print.
                    raise ValueError('unterminated single quote')
                text.append(raw[i + 1:end])
                i = end + 1
            elif char == '"':
                i += 1
                while True:
                    if i >= n:
                        raise ValueError('unterminated double quote')
                    if raw[i] == '\\' and i + 1 < n and raw[i + 1] in '"\\$`\n':
                        text.append(raw[i + 1])
                        i += 2
                    elif raw[i] == '"':
                        i += 1
                        break
                    else:
                        text.append(raw[i])
                        i += 1
            elif char == '\\':
                if i + 1 >= n:
                    raise ValueError('trailing backslash')
                text.append(raw[i + 1])
                i += 2
            else:
                text.append(char)
                i += 1
        tokens.append(Token(sep, raw[tok_start:i], ''.join(text)))


def _group_flags(tokens):
    """Group tokens into items ``(kind, key, [tokens])``; kind is 'host', 'tls' or 'other'.

    ``-H x``, ``-H=x``, ``-Hx``, ``--host x`` and ``--host=x`` become ('host', normalized x);
    TLS flags become ('tls', '--flag=value') so spellings compare equal.
    """
    items, i = [], 0
    while i < len(tokens):
        word = tokens[i].text
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if word in (_HOST_SHORT, _HOST_LONG) and nxt is not None:
            items.append(('host', normalize_host(nxt.text), [tokens[i], nxt]))
            i += 2
            continue
        if word.startswith(_HOST_LONG + '='):
            items.append(('host', normalize_host(word[len(_HOST_LONG) + 1:]), [tokens[i]]))
        elif word.startswith(_HOST_SHORT) and len(word) > 2:
            value = word[3:] if word[2] == '=' else word[2:]
            items.append(('host', normalize_host(value), [tokens[i]]))
        elif word in _TLS_VALUE_FLAGS and nxt is not None:
            items.append(('tls', word + '=' + nxt.text, [tokens[i], nxt]))
            i += 2
            continue
        elif word.split('=', 1)[0] in _TLS_BOOL_FLAGS + _TLS_VALUE_FLAGS:
            items.append(('tls', word if '=' in word else word + '=true', [tokens[i]]))
        else:
            items.append(('other', None, [tokens[i]]))
        i += 1
    return items


def _canonical_tls(flag):
    return flag if '=' in flag else flag + '=true'


def host_flags(hosts):
    """The words we append for ``hosts`` (guide style: ``-H tcp://0.0.0.0:2375``)."""
    words = []
    for host in hosts:
        words.extend([_HOST_SHORT, host])
    return words


def tls_flags(tls_paths=None, insecure_tcp=False):
    """TLS words for the env methods, or None to leave the user's TLS flags alone.

    ``tls_paths`` is (ca, cert, key). Plain TCP on a non-loopback address needs an explicit
    ``--tls=false``: Docker 20.10-26 otherwise sleep 15 s at every start, 27+ refuse to start.
    """
    if tls_paths:
        ca, cert, key = tls_paths
        return ['--tlsverify', '--tlscacert=' + ca, '--tlscert=' + cert, '--tlskey=' + key]
    if insecure_tcp:
        return ['--tls=false']
    return None


def has_tls_flags(raw):
    """Whether a flags string holds any TLS flag."""
    return any(kind == 'tls' for kind, _key, _toks in _group_flags(split_flags(raw or '')[0]))


def tls_flag_words(raw):
    """The TLS flags of a flags string, each as one word (``--tlscacert=/path``)."""
    return [key for kind, key, _toks in _group_flags(split_flags(raw or '')[0]) if kind == 'tls']


def merge_flags(raw, hosts, managed, tls=None, state='present', drop_tls=False):
    """Merge our -H (and TLS) flags into a flags string; return the new raw string.

    ``hosts``: addresses to pass with -H (state present). ``managed``: every address this
    module manages; a -H whose value is one of them (or of ``hosts``) is ours. ``tls``: list
    from :func:`tls_flags`; when given, every TLS flag is ours and replaced by it.
    Present: when the flags we own already equal the wanted set, ``raw`` comes back unchanged
    (order of -H does not matter to dockerd); else ours are removed and appended again.
    Absent: remove ours; TLS flags go too unless a tcp:// -H is left that still needs them (or
    ``drop_tls``: the record says the file had none before).
    """
    tokens, trailing = split_flags(raw)
    items = _group_flags(tokens)
    owned_hosts = {normalize_host(h) for h in list(managed) + list(hosts or [])}

    if state == 'absent':
        remaining_tcp = not drop_tls and any(kind == 'host' and key not in owned_hosts and key.startswith('tcp://')
                                             for kind, key, _ in items)

        def is_ours(kind, key):
            return (kind == 'host' and key in owned_hosts) or (kind == 'tls' and not remaining_tcp)
        add = []
    else:
        def is_ours(kind, key):
            return (kind == 'host' and key in owned_hosts) or (kind == 'tls' and tls is not None)
        add = host_flags(hosts) + list(tls or [])
        have = sorted((kind, key) for kind, key, _ in items if is_ours(kind, key))
        want = sorted([('host', normalize_host(h)) for h in hosts]
                      + [('tls', _canonical_tls(f)) for f in (tls or [])])
        if have == want:
            return raw

    if not any(is_ours(kind, key) for kind, key, _ in items) and not add:
        return raw
    lead = tokens[0].sep if tokens else ''
    out = []
    for kind, key, toks in items:
        if is_ours(kind, key):
            continue
        for tok in toks:
            out.append((lead if not out else tok.sep) + tok.raw)
    for word in add:
        out.append((lead if not out else ' ') + word)
    return ''.join(out) + trailing


def exec_start_hosts(cmdline):
    """The -H/--host values on a command line (the unit's ExecStart)."""
    tokens, _ = split_flags(cmdline)
    return [key for kind, key, _ in _group_flags(tokens) if kind == 'host']


# --------------------------------------------------------------------------- env files

_SUBSTITUTION = re.compile(r'\$\(|`')


class EnvAssignment(object):
    """``[lead][export ]NAME=<quote>value<quote>[after]`` parsed from one line."""

    def __init__(self, index, lineno, lead, export, name, quote, value, after, eol):
        self.index, self.lineno = index, lineno
        self.lead, self.export, self.name = lead, export, name
        self.quote, self.value, self.after, self.eol = quote, value, after, eol

    def render(self, value):
        """The line with a new raw value, same quoting; unquoted switches to single quotes
        when the value gets whitespace (CentOS's own file uses single quotes)."""
        quote = self.quote
        if not quote and re.search(r'\s', value):
            quote = "'"
        if quote == "'" and "'" in value:
            raise ValueError('line %s: cannot put a value holding a single quote inside single quotes' % self.lineno)
        return self.lead + self.export + self.name + '=' + quote + value + quote + self.after + self.eol


def _split_lines(text):
    """Lines with their end-of-line kept apart, so CRLF files stay CRLF."""
    lines = []
    for chunk in re.findall(r'[^\n]*\n|[^\n]+', text):
        body = chunk.rstrip('\r\n')
        lines.append((body, chunk[len(body):]))
    return lines


def _parse_assignment(body, name, where):
    match = re.match(r'^([ \t]*)(export[ \t]+)?(%s)=(.*)$' % re.escape(name), body)
    if not match:
        return None
    lead, export, rest = match.group(1), match.group(2) or '', match.group(4)

    def fail(reason):
        # The line itself is not quoted: an env file can hold credentials (http_proxy=...).
        return ValueError('%s: cannot safely edit %s (%s)' % (where, name, reason))

    if rest.startswith("'"):
        end = rest.find("'", 1)
        if end < 0:
            raise fail('unterminated single quote')
        quote, value, after = "'", rest[1:end], rest[end + 1:]
    elif rest.startswith('"'):
        i = 1
        while i < len(rest) and rest[i] != '"':
            i += 2 if rest[i] == '\\' else 1
        if i >= len(rest):
            raise fail('unterminated double quote')
        quote, value, after = '"', rest[1:i], rest[i + 1:]
        if _SUBSTITUTION.search(value):
            raise fail('command substitution')
    else:
        value = rest.rstrip(' \t')
        quote, after = '', rest[len(value):]
        if _SUBSTITUTION.search(value):
            raise fail('command substitution')
        if re.search(r'[\'"\\]', value):
            raise fail('quotes or backslashes inside an unquoted value')
    if not re.match(r'^[ \t]*(#.*)?$', after):
        raise fail('text after the closing quote')
    return EnvAssignment(None, None, lead, export, name, quote, value, after, '')


def find_assignments(text, name, path='env file'):
    """Every assignment to ``name`` (``#NAME=`` comments are not assignments).

    Raises ValueError naming the line when one of them cannot be parsed safely.
    """
    found = []
    for index, (body, eol) in enumerate(_split_lines(text)):
        assignment = _parse_assignment(body, name, '%s line %d' % (path, index + 1))
        if assignment is not None:
            assignment.index, assignment.lineno, assignment.eol = index, index + 1, eol
            found.append(assignment)
    return found


def get_env_value(text, name, path='env file'):
    """Raw value of the last assignment (the one systemd and the shell end up with), or None."""
    found = find_assignments(text, name, path)
    return found[-1].value if found else None


def set_env_value(text, name, value, path='env file'):
    """Return ``(new_text, notes)`` with the last assignment to ``name`` set to ``value``.

    Every other line is kept byte for byte. Absent (or only commented out): a line
    ``NAME='value'`` is appended.
    """
    found = find_assignments(text, name, path)
    notes = []
    if len(found) > 1:
        notes.append('%s assigns %s %d times (lines %s); edited the last one, which systemd uses'
                     % (path, name, len(found), ', '.join(str(a.lineno) for a in found)))
    if not found:
        prefix = text if not text or text.endswith('\n') else text + '\n'
        quote = "'" if re.search(r'\s', value) or not value else ''
        return '%s%s=%s%s%s\n' % (prefix, name, quote, value, quote), notes
    target = found[-1]
    lines = _split_lines(text)
    out = [body + eol for body, eol in lines]
    out[target.index] = target.render(value)
    return ''.join(out), notes


def update_env_file(text, name, hosts, managed, tls=None, state='present', path='env file', drop_tls=False):
    """Merge our flags into ``name`` in an env file; return ``(new_text, notes)``.

    ``new_text == text`` when nothing needs to change (the caller then reports changed=false).
    """
    found = find_assignments(text, name, path)
    current = found[-1].value if found else None
    if current is None and state == 'absent':
        return text, []
    try:
        new = merge_flags(current or '', hosts, managed, tls, state, drop_tls)
    except ValueError as exc:
        raise ValueError('%s line %d: cannot split %s into flags: %s'
                         % (path, found[-1].lineno, name, exc)) from None
    if current is not None and new == current:
        return text, []
    if found and found[-1].quote == '"' and re.search(r'["\\$`]', ''.join(host_flags(hosts) + list(tls or []))):
        raise ValueError('%s: our flags contain characters that would need escaping' % path)
    return set_env_value(text, name, new, path)


def changed_lines(before, after):
    """``(removed, added)``: only the lines that differ between two texts, each line ending in \\n.

    What a diff of an env file shows: the lines this module edits, not the others (an env file can
    hold credentials, like ``http_proxy=http://user:password@proxy``). Line ends are not compared, so
    a last line that gets its newline (a line appended after it) stays out.
    """
    old = [line.rstrip('\r\n') for line in (before or '').splitlines(True)]
    new = [line.rstrip('\r\n') for line in (after or '').splitlines(True)]
    removed, added = [], []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag != 'equal':
            removed.extend(old[i1:i2])
            added.extend(new[j1:j2])
    return ''.join(line + '\n' for line in removed), ''.join(line + '\n' for line in added)


# --------------------------------------------------------------------------- daemon.json

def load_daemon_json(text, path='daemon.json'):
    """Parse daemon.json keeping key order; an empty file is ``{}``."""
    if text is None or not text.strip():
        return OrderedDict()
    try:
        data = json.loads(text, object_pairs_hook=OrderedDict)
    except ValueError as exc:
        raise ValueError('%s is not valid JSON: %s' % (path, exc)) from None
    if not isinstance(data, dict):
        # ValueError, not TypeError: the caller reports every bad input the same way.
        raise ValueError('%s must hold a JSON object, found %s' % (path, type(data).__name__))  # noqa: TRY004
    return data


def dump_daemon_json(data):
    return json.dumps(data, indent=2, ensure_ascii=False) + '\n'


def tls_settings(tls_paths=None, insecure_tcp=False):
    """daemon.json TLS keys to set (the other TLS keys are removed), or None to leave them."""
    if tls_paths:
        ca, cert, key = tls_paths
        return OrderedDict([('tls', True), ('tlsverify', True),
                            ('tlscacert', ca), ('tlscert', cert), ('tlskey', key)])
    if insecure_tcp:
        # tlsverify=true would switch TLS back on, so the stale keys go.
        return OrderedDict([('tls', False)])
    return None


def merge_daemon_json(text, hosts, managed, tls=None, state='present', path='daemon.json', drop_tls=False):
    """Return the new daemon.json text; the input text itself when nothing changes.

    Present: ``hosts`` keeps entries we do not manage (in order) and gets ours; TLS keys are
    replaced by ``tls`` when given. Absent: our entries leave ``hosts`` (the key goes when
    empty); TLS keys go unless a tcp:// entry of someone else's is left (or ``drop_tls``: always).
    """
    data = load_daemon_json(text, path)
    before = json.dumps(data)
    existing = data.get('hosts', [])
    if isinstance(existing, str):
        existing = [existing]
    if not isinstance(existing, list):
        raise ValueError('%s: "hosts" must be a list, found %s' % (path, type(existing).__name__))  # noqa: TRY004
    owned = {normalize_host(h) for h in list(managed) + list(hosts or [])}
    keep = [h for h in existing if normalize_host(h) not in owned]
    ours = [h for h in existing if normalize_host(h) in owned]

    if state == 'absent':
        new_hosts = keep
    else:
        same = sorted(normalize_host(h) for h in ours) == sorted(normalize_host(h) for h in hosts)
        new_hosts = existing if same else keep + list(hosts)
    if new_hosts:
        data['hosts'] = new_hosts
    else:
        data.pop('hosts', None)

    if state == 'absent':
        if drop_tls or not any(normalize_host(h).startswith('tcp://') for h in keep):
            for key in TLS_KEYS:
                data.pop(key, None)
    elif tls is not None:
        for key in TLS_KEYS:
            if key not in tls:
                data.pop(key, None)
        for key, value in tls.items():
            data[key] = value
    if json.dumps(data) == before:
        return text if text is not None else ''
    return dump_daemon_json(data)


def daemon_json_managed(text, path='daemon.json'):
    """Only the keys this module edits (``hosts`` and the TLS keys), as daemon.json text; '' when none.

    What a diff shows: other keys (``proxies`` among them) may hold credentials.
    """
    data = load_daemon_json(text, path)
    ours = OrderedDict((key, data[key]) for key in ('hosts',) + TLS_KEYS if key in data)
    return dump_daemon_json(ours) if ours else ''


# --------------------------------------------------------------------------- systemd

DROPIN_HEADER = (
    '# Managed by dockercluster.swarm (docker_listen_config). dockerd takes its listen\n'
    '# addresses from "hosts" in {daemon_json}; a -H on the command line as well would\n'
    '# make it refuse to start, so this drop-in runs the unit\'s command without -H.\n'
    '# Remove this file together with "hosts" (state: absent does both).\n'
)


def strip_host_flags(cmdline, tls=False):
    """The command line without any -H/--host flag (and with ``tls``, without the TLS flags), other words
    kept as written."""
    tokens, _ = split_flags(cmdline)
    words = []
    for kind, _key, toks in _group_flags(tokens):
        if kind != 'host' and not (tls and kind == 'tls'):
            words.extend(tok.raw for tok in toks)
    return ' '.join(words)


def build_dropin(exec_start, daemon_json_path='/etc/docker/daemon.json', tls=False):
    """Drop-in text that clears ExecStart and sets it again without -H (and with ``tls``, daemon.json holding
    TLS keys, without the TLS flags: dockerd refuses a setting given both ways).

    ``exec_start`` is the unit's command line as ``systemctl show`` prints it (argv joined
    by spaces, specifiers already resolved, hence ``%`` doubled here).
    """
    command = strip_host_flags(exec_start, tls).replace('%', '%%')
    if not command:
        raise ValueError('the unit has no ExecStart command to rewrite')
    return (DROPIN_HEADER.format(daemon_json=daemon_json_path)
            + '[Service]\nExecStart=\nExecStart=%s\n' % command)


FLAGS_DROPIN_HEADER = (
    '# Managed by dockercluster.swarm (docker_listen_config): the unit\'s own command with the\n'
    '# listen addresses and TLS flags added. Derived from the unit\'s ExecStart below; derived again\n'
    '# when that changes (a package upgrade). daemon.json is not touched. state: absent removes this file.\n'
    '# Derived from: {source}\n'
)
_DERIVED_RE = re.compile(r'^# Derived from: (.*)$', re.M)


def build_flags_dropin(source, words):
    """Drop-in text: ExecStart cleared and set to ``source`` (as written in the unit file) plus ``words``."""
    if not source.strip():
        raise ValueError('the unit has no ExecStart command to add the listen flags to')
    if '\n' in source:
        raise ValueError('the unit\'s ExecStart spans several lines in an unexpected way')
    command = ' '.join([source] + [_quote_word(w) for w in words])
    return FLAGS_DROPIN_HEADER.format(source=source) + '[Service]\nExecStart=\nExecStart=%s\n' % command


def _quote_word(word):
    if re.search(r'[\s\'"\\$%;]', word):
        raise ValueError('%r cannot be written into a systemd command line as it is' % word)
    return word


def dropin_derived_from(text):
    """The ExecStart a drop-in of ours says it was derived from, or None."""
    match = _DERIVED_RE.search(text or '')
    return match.group(1) if match else None


def unit_file_exec_start(texts):
    """The ExecStart lines that systemd ends up with from unit files read in order (the unit, then
    its drop-ins): an empty ``ExecStart=`` clears the earlier ones; a trailing backslash continues a line.
    Words are kept as written (specifiers and $VARIABLES unresolved)."""
    commands = []
    for text in texts:
        section = None
        lines = (text or '').splitlines()
        i = 0
        while i < len(lines):
            line = lines[i].strip()
            while line.endswith('\\') and i + 1 < len(lines):
                i += 1
                line = line[:-1].rstrip() + ' ' + lines[i].strip()
            i += 1
            if line.startswith('['):
                section = line
                continue
            if section != '[Service]' or not line.startswith('ExecStart='):
                continue
            value = line[len('ExecStart='):].strip()
            if value:
                commands.append(value)
            else:
                commands = []
    return commands


_ARGV_RE = re.compile(r'argv\[\]=(.*?) ; ignore_errors=(yes|no)')


def parse_unit_show(text):
    """Parse ``systemctl show -p ExecStart -p EnvironmentFiles -p DropInPaths -p LoadState``.

    Returns a dict: exec_start (list of command lines), environment_files (paths),
    dropin_paths, load_state.
    """
    info = {'exec_start': [], 'environment_files': [], 'dropin_paths': [], 'load_state': None,
            'fragment_path': None}
    for line in text.splitlines():
        key, sep, value = line.partition('=')
        if not sep:
            continue
        if key == 'ExecStart':
            for match in _ARGV_RE.finditer(value):
                info['exec_start'].append(('-' if match.group(2) == 'yes' else '') + match.group(1))
        elif key in ('EnvironmentFiles', 'EnvironmentFile') and value.strip():
            # "/etc/default/docker (ignore_errors=yes)", one line per file. systemd before v236 (CentOS 7's
            # 219) names each line EnvironmentFile, in the singular, for the EnvironmentFiles property.
            info['environment_files'].append(re.sub(r'\s+\(ignore_errors=\w+\)$', '', value.strip()))
        elif key == 'DropInPaths':
            info['dropin_paths'].extend(value.split())
        elif key == 'LoadState':
            info['load_state'] = value.strip()
        elif key == 'FragmentPath':
            info['fragment_path'] = value.strip() or None
    return info


def _references(cmdlines, variable):
    pattern = re.compile(r'\$(\{%s\}|%s\b)' % (variable, variable))
    return any(pattern.search(c) for c in cmdlines)


def detect_method(exec_start, environment_files, method='auto',
                  sysconfig_path='/etc/sysconfig/docker', default_env_path='/etc/default/docker'):
    """Pick the method from the unit: an EnvironmentFile that ExecStart really expands wins."""
    if method != 'auto':
        if method not in METHODS:
            raise ValueError('unknown method %r, expected auto or one of %s' % (method, ', '.join(METHODS)))
        return method
    if isinstance(exec_start, str):
        exec_start = [exec_start]
    files = [f.lstrip('-') for f in environment_files]
    if sysconfig_path in files and _references(exec_start, 'OPTIONS'):
        return 'sysconfig'
    if default_env_path in files and _references(exec_start, 'DOCKER_OPTS'):
        return 'default_env'
    return 'systemd_dropin'


def main_command(exec_start):
    """The dockerd command among the unit's ExecStart lines (units have one; be tolerant)."""
    for cmd in exec_start:
        if 'dockerd' in cmd:
            return cmd.lstrip('-')
    return exec_start[0].lstrip('-') if exec_start else ''


def pick_error_lines(text, limit=8):
    """The journal lines that explain a failed start, most telling first."""
    lines = [line for line in (text or '').splitlines() if line.strip()]
    # dockerd's last words before exiting are a plain line (no level=), e.g.
    # "failed to load listeners: listen tcp 192.0.2.10:2375: bind: cannot assign requested address".
    final = [line for line in lines if re.search(r'dockerd\[\d+\]: (?!time=)', line)
             and re.search(r'failed|error|unable|invalid|conflict', line, re.IGNORECASE)]
    strong = final + [line for line in lines if line not in final
                      and re.search(r'level=fatal|failed to start|\bfailed\b', line, re.IGNORECASE)]
    weak = [line for line in lines if line not in strong and re.search(r'level=error|\berror\b', line, re.IGNORECASE)]
    rest = [line for line in lines if line not in strong and line not in weak]
    return (strong + weak + rest[-3:])[:limit]
