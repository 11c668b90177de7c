"""docker_host_info: /info over a real local unix socket, and the SDK lookup, without Docker."""

import hashlib
import http.server
import importlib.machinery
import importlib.util
import json
import subprocess

import pytest
from ansible_collections.dockercluster.swarm.plugins.module_utils import host_probe
from ansible_collections.dockercluster.swarm.plugins.modules import docker_host_info
from test_docker_ping import serve, unix_http

SWARM = {'LocalNodeState': 'active', 'NodeID': 'n1', 'ControlAvailable': False,
         'RemoteManagers': [{'NodeID': 'm1', 'Addr': '10.0.0.1:2377'}]}


class InfoHandler(http.server.BaseHTTPRequestHandler):
    """A worker engine: /info only. ``pages``: path -> (status, body)."""
    pages = {'/info': (200, json.dumps({'ServerVersion': '24.0.5', 'Swarm': SWARM}))}

    def do_GET(self):
        status, body = self.pages.get(self.path, (404, 'page not found'))
        data = body.encode('utf-8')
        self.send_response(status)
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass

    def address_string(self):
        return 'local'


@pytest.fixture
def engine(tmp_path):
    with unix_http(str(tmp_path / 'docker.sock'), InfoHandler) as path:
        yield path


@pytest.fixture
def run(module_run):
    return lambda args: module_run(docker_host_info.main, args)


def test_reads_the_swarm_section_over_the_socket(run, engine):
    result, failed = run({'docker_socket': engine})
    assert not failed
    assert result['changed'] is False
    assert result['swarm'] == SWARM
    assert isinstance(result['docker_sdk']['present'], bool)


def test_sdk_only_does_not_touch_the_engine(run, tmp_path):
    result, failed = run({'docker_socket': str(tmp_path / 'nothing.sock'), 'gather_subset': ['docker_sdk']})
    assert not failed
    assert 'swarm' not in result
    assert result['docker_sdk']['python']


def test_engine_down_fails_naming_the_socket(run, tmp_path):
    sock = str(tmp_path / 'nothing.sock')
    result, failed = run({'docker_socket': sock, 'gather_subset': ['swarm']})
    assert failed
    assert sock in result['msg'] and 'is docker installed and running' in result['msg']


def test_engine_error_answer_is_reported(run, engine, monkeypatch):
    monkeypatch.setattr(InfoHandler, 'pages', {'/info': (500, '{"message": "daemon is shutting down"}')})
    result, failed = run({'docker_socket': engine, 'gather_subset': ['swarm']})
    assert failed
    assert 'HTTP 500' in result['msg'] and 'shutting down' in result['msg']


@pytest.mark.parametrize('status, body, error', [
    (200, 'not json', 'not JSON'),
    (200, '{"ServerVersion": "1"}', 'no Swarm section'),
    (200, '[]', 'no Swarm section'),
    (404, 'page not found', 'HTTP 404'),
])
def test_swarm_from_info_refuses_what_is_not_info(status, body, error):
    with pytest.raises(ValueError, match=error):
        host_probe.swarm_from_info(status, body)


LED = {'LocalNodeState': 'active', 'NodeID': 'm2', 'ControlAvailable': True, 'Cluster': {'ID': 'c1'}}
LEADERLESS = {'LocalNodeState': 'active', 'NodeID': 'm2', 'ControlAvailable': True}


class Election(object):
    """An engine whose /info answers ``answers`` in turn (the last one from then on), on a fake clock."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.now = 0.0
        self.reads = 0

    def get(self, path, url, timeout):
        self.reads += 1
        swarm = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        return 200, json.dumps({'Swarm': swarm})

    def sleep(self, seconds):
        self.now += seconds

    def read(self, wait):
        return host_probe.read_swarm_led('/s', 5, wait, self.get, sleep=self.sleep, clock=lambda: self.now)


def test_a_manager_during_an_election_is_read_again_until_its_swarm_has_a_leader():
    engine = Election(LEADERLESS, LEADERLESS, LED)
    assert engine.read(30) == LED
    assert engine.reads == 3 and engine.now == 2


def test_a_swarm_that_lost_its_quorum_is_returned_as_read_once_the_wait_is_over():
    engine = Election(LEADERLESS)
    assert engine.read(30) == LEADERLESS
    assert engine.reads == 31 and engine.now == 30


@pytest.mark.parametrize('swarm', [LED, SWARM, {'LocalNodeState': 'inactive', 'ControlAvailable': False},
                                   dict(LEADERLESS, LocalNodeState='pending')])
def test_a_swarm_with_a_leader_or_no_manager_is_read_once(swarm):
    engine = Election(swarm, LED)
    assert engine.read(30) == swarm
    assert engine.reads == 1


def test_leader_wait_0_reads_once():
    engine = Election(LEADERLESS, LED)
    assert engine.read(0) == LEADERLESS
    assert engine.reads == 1


def test_a_negative_leader_wait_is_refused_before_the_engine_is_read(run, tmp_path):
    result, failed = run({'docker_socket': str(tmp_path / 'nothing.sock'), 'leader_wait': -1})
    assert failed
    assert 'leader_wait must be 0 or more' in result['msg']


def spec(origin, package=True):
    found = importlib.machinery.ModuleSpec('docker', None, origin=origin, is_package=package)
    if package and origin:
        found.submodule_search_locations = [origin.rsplit('/', 1)[0]]
    return found


@pytest.mark.parametrize('found, present', [
    (spec('/usr/lib/python3/dist-packages/docker/__init__.py'), True),
    (None, False),
    (spec(None), False),                                  # namespace package: a bare docker/ directory
    (spec('namespace'), False),
    (spec('/root/docker.py', package=False), False),      # a stray docker.py is not the SDK
])
def test_sdk_present_wants_the_real_package(found, present):
    assert host_probe.sdk_present(lambda name: found) is present


def test_sdk_present_survives_a_broken_lookup():
    def broken(name):
        raise ValueError('docker.__spec__ is None')
    assert host_probe.sdk_present(broken) is False


def sdk_tree(root, files):
    package = root / 'docker'
    package.mkdir()
    (package / '__init__.py').write_text('')
    for name, text in files.items():
        (package / name).write_text(text)
    return spec(str(package / '__init__.py'))


@pytest.mark.parametrize('files, version, usable', [
    ({'version.py': 'version = "2.6.1"\nversion_info = tuple(int(d) for d in version.split("."))\n'}, '2.6.1', False),
    ({'version.py': "version = '3.7.3'\n"}, '3.7.3', False),
    ({'version.py': 'version = "5.0.3"\n'}, '5.0.3', True),                               # Debian 12's
    ({'_version.py': "version: str\n__version__ = version = '7.2.0'\n",
      'version.py': 'from ._version import __version__\n'}, '7.2.0', True),
    ({'version.py': "from importlib.metadata import version\n__version__ = version('docker')\n"}, None, True),
    ({}, None, True),
])
def test_sdk_state_reads_the_version_from_the_files_without_importing(tmp_path, files, version, usable):
    """Older than 4.0 (EPEL 7's python36-docker is 2.6.1), the modules refuse it: not usable. A version the
    files do not spell is given the benefit of the doubt (the modules check it again when they import it)."""
    found = sdk_tree(tmp_path, files)
    assert host_probe.sdk_state(lambda name: found) == dict(present=True, version=version, usable=usable)


def test_sdk_state_of_the_controller_s_own_sdk():
    import docker
    found = importlib.util.find_spec('docker')
    assert host_probe.sdk_state(lambda name: found) == dict(present=True, version=docker.__version__, usable=True)
    assert host_probe.sdk_state(lambda name: None) == dict(present=False, version=None, usable=False)


def first_ipv4_by_ip_command():
    """Interface -> the first IPv4 address `ip -o -4 addr` lists for it (what setup's facts take)."""
    import shutil
    import subprocess
    if not shutil.which('ip'):
        pytest.skip('no ip command here')
    firsts = {}
    for line in subprocess.run(['ip', '-o', '-4', 'addr', 'show'], stdout=subprocess.PIPE, text=True,
                               check=True).stdout.splitlines():
        fields = line.split()
        name, address = fields[1].split('@')[0], fields[3].split('/')[0]
        if 'secondary' not in fields:
            firsts.setdefault(name, address)
    return firsts


def test_addresses_are_each_interface_primary_ipv4():
    assert host_probe.ipv4_addresses() == first_ipv4_by_ip_command()


def test_addresses_leave_out_interfaces_without_ipv4():
    found = host_probe.ipv4_addresses(['eth0', 'tun9'], lookup={'eth0': '10.0.0.5'}.get)
    assert found == {'eth0': '10.0.0.5'}
    assert host_probe.interface_ipv4('no-such-if0') is None


def test_addresses_subset_needs_no_engine(run, tmp_path):
    result, failed = run({'docker_socket': str(tmp_path / 'nothing.sock'), 'gather_subset': ['addresses']})
    assert not failed
    assert result['addresses'].get('lo') == '127.0.0.1'
    assert 'swarm' not in result and 'docker_sdk' not in result


def test_tls_dir_reads_the_directory_and_each_file_docker_pki_installs(run, tmp_path):
    certs = tmp_path / 'certs'
    certs.mkdir(mode=0o700)
    (certs / 'ca.pem').write_text('ca\n')
    (certs / 'mine.pem').write_text('not ours\n')
    result, failed = run({'docker_socket': str(tmp_path / 'nothing.sock'), 'gather_subset': [],
                          'tls_dir': str(certs)})
    assert not failed
    assert sorted(result['stat']) == sorted([str(certs)] + [str(certs / name) for name in (
        'ca.pem', 'server-cert.pem', 'server-key.pem', 'client-cert.pem', 'client-key.pem')])
    assert result['stat'][str(certs)]['type'] == 'directory'
    assert result['stat'][str(certs / 'ca.pem')]['sha1'] == hashlib.sha1(b'ca\n').hexdigest()
    assert result['stat'][str(certs / 'server-key.pem')] is None


def test_no_tls_dir_nor_stat_paths_reads_no_file(run, tmp_path):
    result, failed = run({'docker_socket': str(tmp_path / 'nothing.sock'), 'gather_subset': []})
    assert not failed and 'stat' not in result


# --------------------------------------------------------------------------- nodes

MANAGER = {'LocalNodeState': 'active', 'NodeID': 'm1', 'ControlAvailable': True, 'Cluster': {'ID': 'c1'},
           'RemoteManagers': [{'NodeID': 'm1', 'Addr': '10.0.0.1:2377'}]}
NODES = [
    {'ID': 'w1', 'Spec': {'Role': 'worker', 'Availability': 'active'},
     'Description': {'Hostname': 'node2', 'Engine': {'EngineVersion': '20.10.24'}},
     'Status': {'State': 'down', 'Addr': '10.0.0.2'}},
    {'ID': 'm1', 'Spec': {'Role': 'manager', 'Availability': 'active'},
     'Description': {'Hostname': 'node1', 'Engine': {'EngineVersion': '20.10.24'}},
     'Status': {'State': 'ready', 'Addr': '10.0.0.1'},
     'ManagerStatus': {'Leader': True, 'Reachability': 'reachable', 'Addr': '10.0.0.1:2377'}},
]


class ManagerHandler(InfoHandler):
    """A manager engine: /info with ControlAvailable, and /nodes."""
    pages = {'/info': (200, json.dumps({'Swarm': MANAGER})), '/nodes': (200, json.dumps(NODES))}


@pytest.fixture
def manager(tmp_path):
    with unix_http(str(tmp_path / 'manager.sock'), ManagerHandler) as path:
        yield path


def test_nodes_on_a_manager_are_listed_and_summarised(run, manager):
    result, failed = run({'docker_socket': manager, 'gather_subset': ['nodes']})
    assert not failed
    assert result['swarm'] == MANAGER  # nodes implies swarm
    assert [(n['hostname'], n['role'], n['status']) for n in result['nodes']] == [
        ('node1', 'manager', 'ready'), ('node2', 'worker', 'down')]
    assert result['nodes_summary'][0] == 'Nodes: 2'
    assert '  \u2514 Status: Down' in result['nodes_summary']
    assert 'nodes_error' not in result


def test_nodes_on_a_worker_are_null_with_the_reason_and_do_not_fail(run, engine):
    result, failed = run({'docker_socket': engine, 'gather_subset': ['nodes']})
    assert not failed
    assert result['nodes'] is None and 'nodes_summary' not in result
    assert 'not a Swarm manager' in result['nodes_error']


def test_nodes_through_an_endpoint_that_does_not_answer_are_null(run, manager):
    import socket
    with socket.socket() as sock:  # a port nothing listens on once closed
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
    endpoint = 'tcp://127.0.0.1:%d' % port
    result, failed = run({'docker_socket': manager, 'gather_subset': ['nodes'],
                          'cluster_endpoint': {'docker_host': endpoint}})
    assert not failed
    assert result['nodes'] is None
    assert result['nodes_error'].startswith('listing the nodes through %s: ' % endpoint)


def test_nodes_through_a_tls_endpoint_with_the_client_certificate(run, manager, tmp_path):
    import ssl

    from test_docker_ping import make_certs
    certs = make_certs(str(tmp_path))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certs['cert'], certs['key'])
    context.load_verify_locations(certs['ca_cert'])
    context.verify_mode = ssl.CERT_REQUIRED  # like dockerd --tlsverify: no client certificate, no answer
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), ManagerHandler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    serve(server)
    endpoint = dict(docker_host='tcp://127.0.0.1:%d' % server.server_address[1], ca_path=certs['ca_cert'])
    try:
        with_cert, _ = run({'docker_socket': manager, 'gather_subset': ['nodes'],
                            'cluster_endpoint': dict(endpoint, client_cert=certs['cert'], client_key=certs['key'])})
        without, _ = run({'docker_socket': manager, 'gather_subset': ['nodes'], 'cluster_endpoint': endpoint})
    finally:
        server.shutdown()
        server.server_close()
    assert [n['hostname'] for n in with_cert['nodes']] == ['node1', 'node2']
    assert without['nodes'] is None and endpoint['docker_host'] in without['nodes_error']


@pytest.mark.parametrize('status, body, error', [
    (503, '{"message": "This node is not a swarm manager."}', 'HTTP 503.*not a swarm manager'),
    (200, 'not json', 'not JSON'),
    (200, '{"ID": "x"}', 'not a list'),
])
def test_nodes_from_answer_refuses_what_is_not_a_node_list(status, body, error):
    with pytest.raises(ValueError, match=error):
        host_probe.nodes_from_answer(status, body)


def test_default_ipv4_is_the_source_address_ip_route_shows():
    out = subprocess.run(["ip", "-4", "route", "get", "1.1.1.1"], stdout=subprocess.PIPE, text=True, check=False)
    words = out.stdout.split()
    expected = words[words.index("src") + 1] if "src" in words else None
    assert host_probe.default_ipv4() == expected


def test_default_ipv4_is_none_without_a_route():
    class NoRoute(object):
        def __init__(self, *args):
            pass

        def connect(self, target):
            raise OSError(101, "Network is unreachable")

        def close(self):
            pass

    assert host_probe.default_ipv4(factory=NoRoute) is None
