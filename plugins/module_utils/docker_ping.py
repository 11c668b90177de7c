# -*- coding: utf-8 -*-
# Copyright: dockercluster.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""``GET /_ping`` (and other read-only GETs) against dockerd without the Docker SDK.

docker_listen_config and docker_host_info run before the SDK is on the host (and on CentOS 7
hosts that may never get it), so this speaks just enough HTTP by hand: HTTP/1.0 over AF_UNIX,
and http.client for TCP and TLS. http.client and ssl are imported by the TCP check only: the
probe, which reads the unix socket alone on every host of every run, would pay about 25 ms each.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import socket
import sys
import time

from ansible_collections.dockercluster.swarm.plugins.module_utils.listen_config import (
    parse_address,
)

# A daemon bound to a wildcard is reached through loopback from the host itself.
_WILDCARDS = {'0.0.0.0': '127.0.0.1', '::': '::1'}


def endpoint(addr):
    """Where to connect to check ``addr``: ('unix', path) or ('tcp', host, port); None for fd://."""
    parsed = parse_address(addr)
    if parsed.scheme == 'unix':
        return ('unix', parsed.path)
    if parsed.scheme == 'tcp':
        return ('tcp', _WILDCARDS.get(parsed.host, parsed.host), parsed.port)
    return None


def unix_get(path, url, timeout):
    """``GET url`` on the unix socket ``path``: ``(status, body text)``; OSError when unreachable."""
    return unix_request(path, 'GET', url, timeout)


def unix_request(path, method, url, timeout, body=None):
    """``method url`` (with a JSON ``body`` text, if any) on the unix socket ``path``: ``(status, body
    text)``; OSError when unreachable."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    data = (body or '').encode('utf-8')
    head = '%s %s HTTP/1.0\r\nHost: docker\r\n' % (method, url)
    if body is not None:
        head += 'Content-Type: application/json\r\nContent-Length: %d\r\n' % len(data)
    try:
        sock.connect(path)
        # HTTP/1.0: the server closes the connection after answering (no chunked body), so
        # read to EOF.
        sock.sendall((head + '\r\n').encode('ascii') + data)
        chunks = []
        while True:
            received = sock.recv(4096)
            if not received:
                break
            chunks.append(received)
    finally:
        sock.close()
    answer_head, _sep, answer = b''.join(chunks).partition(b'\r\n\r\n')
    status_line = answer_head.split(b'\r\n', 1)[0].decode('latin-1')
    parts = status_line.split(' ', 2)
    status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
    return status, answer.decode('utf-8', 'replace')


def _tls_context(tls):
    import ssl

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    # Nodes are addressed by IP and their certificates rarely carry IP SANs; the CA check
    # below still proves the answer comes from a daemon holding a certificate we issued.
    context.check_hostname = bool(tls.get('check_hostname'))
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_verify_locations(cafile=tls['ca_cert'])
    if tls.get('cert'):
        context.load_cert_chain(tls['cert'], tls.get('key'))
    return context


def tcp_get(host, port, url, timeout, tls=None):
    """``GET url`` over TCP, with TLS when ``tls`` is given: ``(status, body text)``; OSError
    (ssl.SSLError among them) when no HTTP answer came."""
    import http.client as http_client

    if tls:
        conn = http_client.HTTPSConnection(host, port, timeout=timeout, context=_tls_context(tls))
    else:
        conn = http_client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request('GET', url)
        response = conn.getresponse()
        return response.status, response.read().decode('utf-8', 'replace')
    except http_client.HTTPException as exc:
        raise OSError(str(exc) or type(exc).__name__)
    finally:
        conn.close()


def get(addr, url, timeout, tls=None):
    """``GET url`` on the daemon listening at ``addr`` (unix:// or tcp://): ``(status, body text)``.

    Raises OSError when nothing answered, ValueError for an fd:// (or unparsable) address.
    """
    target = endpoint(addr)
    if target is None:
        raise ValueError('%s: socket activation has no address to connect to' % addr)
    return _get_target(target, url, timeout, tls)


def _get_target(target, url, timeout, tls):
    if target[0] == 'unix':
        return unix_get(target[1], url, timeout)
    return tcp_get(target[1], target[2], url, timeout, tls)


def _is_ssl_error(exc):
    # ssl is loaded only if a TCP check ran, and only a TLS handshake raises its errors.
    ssl = sys.modules.get('ssl')
    return ssl is not None and isinstance(exc, ssl.SSLError)


def _client_cert_refused(exc):
    """The server's certificate checked out but it refused ours (e.g. a server-only cert)."""
    reason = (getattr(exc, 'reason', None) or str(exc)).upper()
    return 'ALERT' in reason and ('CERTIFICATE' in reason or 'UNKNOWN_CA' in reason)


def ping(addr, timeout=5.0, tls=None):
    """Return ``(ok, detail)`` for one listen address.

    ``tls``: dict with ca_cert, cert, key (check_hostname optional), used for tcp:// only.
    When the daemon verified our certificate and refused it we still report ok: the TLS
    handshake proved it is up and serving a certificate signed by our CA on that port.
    """
    target = endpoint(addr)
    if target is None:
        return True, '%s: socket activation, checked through the unix socket' % addr
    try:
        status, body = _get_target(target, '/_ping', timeout, tls)
    except OSError as exc:
        if not _is_ssl_error(exc):
            return False, '%s: %s' % (addr, exc)
        if tls and _client_cert_refused(exc):
            return True, '%s: TLS listener up, server certificate verified, client certificate refused (%s)' % (addr, exc)
        return False, '%s: TLS error: %s' % (addr, exc)
    if status == 200:
        return True, '%s: %s' % (addr, body.strip() or 'OK')
    return False, '%s: HTTP %s %s' % (addr, status, body.strip()[:200])


def wait_for(addrs, timeout, tls=None, interval=0.25, abort=None, probe=None, clock=None, sleep=None):
    """Ping every address until all answer or ``timeout`` seconds pass.

    ``abort()`` returning a message stops early (e.g. systemd says the unit failed); the
    message is then in ``details['abort']``.
    Returns ``(answered, details)``: the addresses that answered, in ``addrs`` order, and
    the last answer for each address. The interval is short: dockerd usually answers right after
    ``systemctl restart`` returns, and every wasted interval is paid by every restarted host.
    """
    # Looked up at call time so tests can replace them.
    probe, clock, sleep = probe or ping, clock or time.monotonic, sleep or time.sleep
    deadline = clock() + timeout
    details, answered = {}, set()
    while True:
        for addr in addrs:
            if addr not in answered:
                ok, details[addr] = probe(addr, timeout=min(5.0, timeout), tls=tls)
                if ok:
                    answered.add(addr)
        if len(answered) == len(set(addrs)):
            break
        stop = abort() if abort else None
        if stop:
            details['abort'] = stop
            break
        if clock() >= deadline:
            break
        sleep(interval)
    return [a for a in addrs if a in answered], details
