"""The hosted token discovery client against real local servers, through Ansible's open_url (issue 20,
item 10): no redirect is followed, and no credentials come from a .netrc."""

import http.server
import json
import ssl

import pytest
from ansible_collections.dockercluster.swarm.plugins.module_utils.classic_hosted import (
    HostedDiscovery,
    HostedDiscoveryError,
)

pytest.importorskip('cryptography')
from test_docker_ping import make_certs, serve  # noqa: E402

TOKEN = '5a0a4f2bd2e24d9a9ed2e24d9a9ed2e2'


class Recorder(http.server.BaseHTTPRequestHandler):
    """Answers every request with ``answer(handler)`` -> (status, headers, body); keeps what it got."""
    seen = None
    answer = None

    def _any(self):
        length = int(self.headers.get('Content-Length') or 0)
        self.seen.append((self.command, self.path, self.headers.get('Authorization'),
                          self.rfile.read(length) if length else b''))
        status, headers, body = type(self).answer(self)
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_DELETE = _any

    def log_message(self, *args):
        pass


def server(answer, certs=None):
    handler = type('Handler', (Recorder,), {'seen': [], 'answer': staticmethod(answer)})
    srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    if certs:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(certs['cert'], certs['key'])
        srv.socket = context.wrap_socket(srv.socket, server_side=True)
    serve(srv)
    return srv, handler.seen


@pytest.fixture
def servers(tmp_path):
    started = []

    certs = make_certs(str(tmp_path))  # one CA (tmp_path/ca.pem) for every server of the test

    def start(answer, tls=True):
        srv, seen = server(answer, certs if tls else None)
        started.append(srv)
        return srv.server_address[1], seen
    yield start
    for srv in started:
        srv.shutdown()
        srv.server_close()


def test_a_redirect_to_plain_http_is_not_followed(servers, tmp_path):
    plain_port, plain_seen = servers(lambda h: (200, {}, json.dumps(['10.0.0.9:2375']).encode()), tls=False)
    target = 'http://127.0.0.1:%d%s' % (plain_port, '/v1/clusters/' + TOKEN)
    port, seen = servers(lambda h: (302, {'Location': target}, b''))
    client = HostedDiscovery('https://127.0.0.1:%d/v1' % port, ca_path=str(tmp_path / 'ca.pem'), timeout=5)
    with pytest.raises(HostedDiscoveryError) as err:
        client.list(TOKEN)
    assert [s[:2] for s in seen] == [('GET', '/v1/clusters/' + TOKEN)]
    assert plain_seen == []  # the token never went over plain http
    msg = str(err.value)
    assert 'redirect' in msg and 'HTTP 302' in msg and 'http://127.0.0.1:%d' % plain_port in msg
    assert TOKEN not in msg


@pytest.mark.parametrize('status, call', [(301, 'create'), (302, 'create'), (307, 'list'), (308, 'list')])
def test_no_redirect_is_followed_even_to_https(servers, tmp_path, status, call):
    other_port, other_seen = servers(lambda h: (200, {}, (TOKEN + '\n' if h.command == 'POST' else '[]').encode()))
    port, seen = servers(lambda h: (status, {'Location': 'https://127.0.0.1:%d%s' % (other_port, h.path)}, b''))
    client = HostedDiscovery('https://127.0.0.1:%d/v1' % port, ca_path=str(tmp_path / 'ca.pem'), timeout=5)
    with pytest.raises(HostedDiscoveryError, match='redirect'):
        client.create() if call == 'create' else client.list(TOKEN)
    assert len(seen) == 1 and other_seen == []


def test_netrc_credentials_are_never_sent(servers, tmp_path, monkeypatch):
    port, seen = servers(lambda h: (200, {}, (TOKEN + '\n').encode()))
    netrc = tmp_path / 'netrc'
    netrc.write_text('machine 127.0.0.1 login root password s3cret\n')
    netrc.chmod(0o600)
    monkeypatch.setenv('NETRC', str(netrc))
    client = HostedDiscovery('https://127.0.0.1:%d/v1' % port, ca_path=str(tmp_path / 'ca.pem'), timeout=5)
    assert client.create() == TOKEN
    assert seen == [('POST', '/v1/clusters', None, b'')]
