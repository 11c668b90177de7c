"""/_ping over a real local unix socket, TCP and TLS server (no Docker needed)."""

import contextlib
import datetime
import http.server
import json
import os
import socket
import socketserver
import ssl
import threading

import pytest
from ansible_collections.dockercluster.swarm.plugins.module_utils import docker_ping


class PingHandler(http.server.BaseHTTPRequestHandler):
    status = 200

    def do_GET(self):
        body = b'OK' if self.path == '/_ping' else b'page not found'
        self.send_response(self.status if self.path == '/_ping' else 404)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

    def address_string(self):  # unix sockets have no (host, port)
        return 'local'


class JsonEngineHandler(http.server.BaseHTTPRequestHandler):
    """Base of the fake engines' handlers: JSON answers, JSON request bodies, quiet, on unix sockets."""

    def answer(self, status, body):
        data = body.encode('utf-8')
        self.send_response(status)
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def json_body(self):
        return json.loads(self.rfile.read(int(self.headers.get('Content-Length') or 0)).decode('utf-8'))

    def log_message(self, *args):
        pass

    def address_string(self):
        return 'local'


class UnixHTTPServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True

    def get_request(self):
        request, _ = super().get_request()
        return request, ('local', 0)


def serve(server):
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server


@contextlib.contextmanager
def unix_http(path, handler):
    """An HTTP server with ``handler`` on the unix socket ``path``, for the ``with`` block."""
    server = serve(UnixHTTPServer(path, handler))
    try:
        yield path
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def unix_server(tmp_path):
    with unix_http(str(tmp_path / 'docker.sock'), PingHandler) as path:
        yield path


@pytest.fixture
def tcp_server():
    server = serve(http.server.ThreadingHTTPServer(('127.0.0.1', 0), PingHandler))
    yield server
    server.shutdown()
    server.server_close()


def free_port():
    sock = socket.socket()
    sock.bind(('127.0.0.1', 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def test_endpoint_substitutes_loopback_for_wildcards():
    assert docker_ping.endpoint('tcp://0.0.0.0:2375') == ('tcp', '127.0.0.1', 2375)
    assert docker_ping.endpoint('tcp://[::]:2375') == ('tcp', '::1', 2375)
    assert docker_ping.endpoint('tcp://10.0.0.1:2375') == ('tcp', '10.0.0.1', 2375)
    assert docker_ping.endpoint('unix:///run/docker.sock') == ('unix', '/run/docker.sock')
    assert docker_ping.endpoint('fd://') is None


def test_unix_socket(unix_server):
    ok, detail = docker_ping.ping('unix://' + unix_server, timeout=2)
    assert ok, detail
    assert detail.endswith('OK')


def test_unix_socket_missing(tmp_path):
    ok, detail = docker_ping.ping('unix://%s/none.sock' % tmp_path, timeout=1)
    assert not ok and 'none.sock' in detail


def test_tcp_via_wildcard(tcp_server):
    port = tcp_server.server_address[1]
    ok, detail = docker_ping.ping('tcp://0.0.0.0:%d' % port, timeout=2)
    assert ok, detail


def test_tcp_error_status(tcp_server, monkeypatch):
    monkeypatch.setattr(PingHandler, 'status', 500)
    ok, detail = docker_ping.ping('tcp://127.0.0.1:%d' % tcp_server.server_address[1], timeout=2)
    assert not ok and 'HTTP 500' in detail


def test_tcp_refused():
    addr = 'tcp://127.0.0.1:%d' % free_port()
    ok, detail = docker_ping.ping(addr, timeout=1)
    assert not ok and detail.startswith(addr)


def test_tcp_listener_that_speaks_no_http():
    """A port held by something that closes without an HTTP answer: a failed check, not a crash."""
    import socket
    import threading

    server = socket.socket()
    server.bind(('127.0.0.1', 0))
    server.listen(1)

    def close_at_once():
        conn, _ = server.accept()
        conn.recv(1024)
        conn.close()

    thread = threading.Thread(target=close_at_once)
    thread.start()
    try:
        addr = 'tcp://127.0.0.1:%d' % server.getsockname()[1]
        ok, detail = docker_ping.ping(addr, timeout=2)
    finally:
        thread.join(5)
        server.close()
    assert not ok and detail.startswith(addr + ': ') and 'TLS' not in detail


def test_the_unix_check_loads_neither_http_client_nor_ssl(unix_server):
    """The probe reads the unix socket on every host of every run: the TCP stack stays unloaded."""
    import subprocess
    import sys

    code = ('import sys; from ansible_collections.dockercluster.swarm.plugins.module_utils import docker_ping; '
            'ok, _ = docker_ping.ping(%r, timeout=2); '
            'print(ok, "http.client" in sys.modules, "ssl" in sys.modules)' % ('unix://' + unix_server))
    out = subprocess.run([sys.executable, '-c', code], stdout=subprocess.PIPE, check=True,
                         env=dict(__import__('os').environ, PYTHONPATH=':'.join(sys.path))).stdout.decode()
    assert out.split() == ['True', 'False', 'False']


def test_wait_for_stops_on_abort_and_reports():
    calls = []

    def probe(addr, timeout, tls):
        calls.append(addr)
        return addr.startswith('unix'), 'down' if addr.startswith('tcp') else 'OK'

    answered, details = docker_ping.wait_for(['unix:///a', 'tcp://1.2.3.4:1'], 30, probe=probe,
                                             abort=lambda: 'systemd reports docker failed',
                                             sleep=lambda s: None)
    assert answered == ['unix:///a']
    assert details['abort'] == 'systemd reports docker failed'
    assert calls == ['unix:///a', 'tcp://1.2.3.4:1']


def test_wait_for_retries_until_up():
    state = {'n': 0}
    now = [0.0]

    def probe(addr, timeout, tls):
        state['n'] += 1
        return state['n'] >= 3, 'try %d' % state['n']

    def sleep(seconds):
        now[0] += seconds

    answered, _ = docker_ping.wait_for(['unix:///a'], 10, probe=probe, clock=lambda: now[0], sleep=sleep)
    assert answered == ['unix:///a'] and state['n'] == 3


def test_wait_for_times_out():
    now = [0.0]

    def sleep(seconds):
        now[0] += seconds

    answered, details = docker_ping.wait_for(['unix:///a'], 3, probe=lambda a, timeout, tls: (False, 'no'),
                                             clock=lambda: now[0], sleep=sleep)
    assert answered == [] and details['unix:///a'] == 'no' and now[0] >= 3


# --------------------------------------------------------------------------- TLS

crypto = pytest.importorskip('cryptography')


def make_certs(directory, server_eku_client=True):
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.UTC)

    def name(cn):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    def write(fname, data):
        path = os.path.join(directory, fname)
        with open(path, 'wb') as handle:
            handle.write(data)
        return path

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(name('test ca')).issuer_name(name('test ca'))
          .public_key(ca_key.public_key()).serial_number(1)
          .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    usages = [ExtendedKeyUsageOID.SERVER_AUTH] + ([ExtendedKeyUsageOID.CLIENT_AUTH] if server_eku_client else [])
    cert = (x509.CertificateBuilder().subject_name(name('node1')).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(2)
            .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address('127.0.0.1'))]),
                           critical=False)
            .add_extension(x509.ExtendedKeyUsage(usages), critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    return {
        'ca_cert': write('ca.pem', ca.public_bytes(pem)),
        'cert': write('cert.pem', cert.public_bytes(pem)),
        'key': write('key.pem', key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                                  serialization.NoEncryption())),
    }


def tls_server(certs, tls12=False):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    if tls12:
        # TLS 1.2 refuses a client certificate inside the handshake, with an alert, as
        # dockerd (Go) does; Python's TLS 1.3 server just drops the connection.
        context.maximum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(certs['cert'], certs['key'])
    context.load_verify_locations(certs['ca_cert'])
    context.verify_mode = ssl.CERT_REQUIRED  # like dockerd --tlsverify
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), PingHandler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    return serve(server)


@pytest.mark.parametrize('client_auth_eku', [True, False])
def test_tls_with_client_certificate(tmp_path, client_auth_eku):
    # Without the clientAuth usage the server refuses our certificate after the handshake
    # proved it holds one from our CA; both count as "listening".
    certs = make_certs(str(tmp_path), client_auth_eku)
    server = tls_server(certs, tls12=not client_auth_eku)
    try:
        ok, detail = docker_ping.ping('tcp://0.0.0.0:%d' % server.server_address[1], timeout=3, tls=certs)
    finally:
        server.shutdown()
        server.server_close()
    assert ok, detail


def test_client_cert_refused_classification():
    assert docker_ping._client_cert_refused(ssl.SSLError(1, '[SSL: SSLV3_ALERT_BAD_CERTIFICATE] sslv3 alert bad certificate'))
    assert docker_ping._client_cert_refused(ssl.SSLError(1, '[SSL: TLSV13_ALERT_CERTIFICATE_REQUIRED] alert'))
    assert not docker_ping._client_cert_refused(ssl.SSLError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] verify failed'))


def test_tls_wrong_ca_fails(tmp_path):
    server_dir, client_dir = tmp_path / 's', tmp_path / 'c'
    server_dir.mkdir()
    client_dir.mkdir()
    server = tls_server(make_certs(str(server_dir)))
    try:
        ok, detail = docker_ping.ping('tcp://127.0.0.1:%d' % server.server_address[1], timeout=3,
                                      tls=make_certs(str(client_dir)))
    finally:
        server.shutdown()
        server.server_close()
    assert not ok and 'TLS error' in detail
