"""The checks every scenario runs on the finished cluster (imported by each scenario's tests).

Whatever the topology: every inventory host is in the cluster and Ready, the managers are
managers (exactly one Leader, the others Reachable), the agents are workers, every engine
answers on the guide's TCP 2375 and on the cluster endpoint 2376 (a manager there as a manager), and
docker.service is active and enabled everywhere.

With mutual TLS (the collection's default: every scenario that does not set swarm_insecure_tcp)
all of that is asked over TLS with the operator's client certificate, as the operator asks it
(`docker --tlsverify ... -H tcp://<manager>:2376 node ls`), and each of those ports is shown to
refuse whoever lacks a certificate that the cluster's CA signed: plain HTTP, the docker CLI
without TLS, a TLS client without a certificate, a certificate of another CA (with the operator's
very name); and every engine's 2375 refuses a node's own server certificate used as a client's. Each refusal comes with its
control, the same request with the operator's certificate answered, so that a port that does not
answer at all cannot pass for one that refuses. The PKI is checked too: on the controller where
docker_pki_dir defaults to (outside the checkout; directory 0700, private keys 0600) and on the
nodes (/etc/docker/certs: the cluster's CA, a server certificate it signed, the manager's client
certificate on managers only).
"""

import os
import stat

import pytest
from swarmlib import (
    AGENTS,
    BACKEND,
    CERTS,
    CLUSTER_PORT,
    ENGINE_PORT,
    MANAGERS,
    NODES,
    PKI_DIR,
    TLS,
    address,
    foreign_certs,
    hostname,
    leaders,
    node,
    node_list,
    peer,
    ping,
    remote_docker,
    tls_ping,
    wait_for,
)

tls_only = pytest.mark.skipif(not TLS, reason="the scenario opted into swarm_insecure_tcp")

# curl's exit codes for a handshake the server refused: 35, or with TLS 1.3 (the alert comes after the handshake)
# 56 or 55 (the server closed the connection first). Not 0 (answered), 7 (nothing listens), 28 (timed out),
# nor 58 (curl could not load its own certificate).
CURL_REFUSED = (35, 55, 56)
# Every TLS port: the engine's 2375 and the cluster endpoint 2376, on every node (Swarm mode).
TLS_PORTS = [(n, port) for n in NODES for port in (ENGINE_PORT, CLUSTER_PORT)]
# The manager's client certificate as docker_pki installs it on managers.
MANAGER_CLIENT = {"cert_dir": CERTS, "cert": "client-cert.pem", "key": "client-key.pem",
                  "ca": CERTS + "/ca.pem"}
# The checkout these tests come from: the PKI must never be written into it.
CHECKOUT = os.path.realpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))


def _assert_answers(res, what):
    assert (res.rc, res.stdout.strip()) == (0, "OK"), "%s: rc %s %r %r" % (
        what, res.rc, res.stdout, res.stderr)


def _assert_refused(res, what):
    assert res.rc in CURL_REFUSED and res.stdout.strip() != "OK", (
        "%s should be refused in the TLS handshake: curl rc %s %r %r" % (what, res.rc, res.stdout, res.stderr))


@pytest.fixture(scope="module")
def cluster():
    """`docker node ls` on the first manager (over TLS on its 2376 from another node, unless the
    scenario is plain TCP), once every inventory host is listed and Ready (a node just joined may
    still show Unknown for a few seconds)."""
    want = set(hostname(n) for n in NODES)

    def probe():
        nodes = node_list(MANAGERS[0])
        if nodes and set(nodes) == want and all(s == "Ready" for s, _m in nodes.values()):
            return nodes
        return None

    nodes, _waited = wait_for(probe, 60)
    return nodes or node_list(MANAGERS[0])


def test_every_node_ready(cluster):
    assert cluster is not None, "docker node ls failed on %s" % MANAGERS[0]
    want = sorted(hostname(n) for n in NODES)
    assert sorted(cluster) == want, cluster
    assert {h: s for h, (s, _m) in cluster.items() if s != "Ready"} == {}, cluster


def test_managers_and_workers(cluster):
    assert len(leaders(cluster)) == 1, cluster
    if len(MANAGERS) == 1:
        assert cluster[hostname(MANAGERS[0])][1] == "Leader"
    for name in MANAGERS:
        assert cluster[hostname(name)][1] in ("Leader", "Reachable"), (name, cluster)
    for name in AGENTS:
        assert cluster[hostname(name)][1] == "", "%s should be a worker: %s" % (name, cluster)
        fmt = "info --format '{{.Swarm.ControlAvailable}}'"
        if TLS:
            res = remote_docker(peer(name), address(name), ENGINE_PORT, fmt)
            assert res.rc == 0, res.stderr
            ctl = res.stdout.strip()
        else:
            ctl = node(name).check_output("docker " + fmt)
        assert ctl == "false"


@pytest.mark.parametrize("name", NODES)
def test_docker_service_active_and_enabled(name):
    service = node(name).service("docker")
    assert service.is_running
    assert service.is_enabled


@pytest.mark.parametrize("name", NODES)
def test_engine_answers_on_tcp_2375(name):
    if not TLS:
        assert ping(peer(name), address(name), ENGINE_PORT) == "OK"
        return
    # The operator's `docker -H tcp://<node>:2375 info` from another node, with the operator's
    # certificate: it is that node's engine that answers.
    res = remote_docker(peer(name), address(name), ENGINE_PORT, "info --format '{{.Name}}'")
    assert res.rc == 0, res.stderr
    assert res.stdout.strip() == hostname(name)
    _assert_answers(tls_ping(peer(name), address(name), ENGINE_PORT), "GET /_ping with the certificate")


@pytest.mark.parametrize("name", NODES)
def test_cluster_endpoint_2376_answers_as_the_nodes_role(name):
    # The guide's `docker -H manager:2376 info`: on a manager the endpoint is a manager of the cluster.
    # Every engine listens there in Swarm mode (a promotion restarts no dockerd): an agent as a worker.
    via, addr = peer(name), address(name)
    fmt = "info --format '{{.Swarm.ControlAvailable}}'"
    if TLS:  # by the node's name, which its certificate names
        res = remote_docker(via, name, CLUSTER_PORT, fmt)
        assert res.rc == 0, res.stderr
        out = res.stdout.strip()
    else:
        assert ping(via, addr, CLUSTER_PORT) == "OK"
        out = node(via).check_output("docker -H tcp://%s:2376 " + fmt, addr)
    assert out == ("true" if name in MANAGERS else "false"), (name, out)


# ---- mutual TLS: who is refused, and the certificates

@tls_only
@pytest.mark.parametrize("name,port", TLS_PORTS)
def test_tls_port_refuses_a_client_without_a_certificate(name, port):
    via, addr = peer(name), address(name)
    _assert_answers(tls_ping(via, addr, port), "the control, GET /_ping with the operator's certificate")
    # TLS with the cluster's CA but no client certificate.
    _assert_refused(tls_ping(via, addr, port, cert_dir=""), "a TLS client without a certificate")
    # Plain HTTP: dockerd answers 400 (an HTTP request to an HTTPS server), never the API.
    assert ping(via, addr, port) != "OK"
    # The docker CLI without TLS (`docker ps`: unlike `docker info`, it exits non-zero when the
    # daemon does not answer, in every CLI version here).
    res = remote_docker(via, addr, port, "ps -q", tls=False)
    assert res.rc != 0, (res.rc, res.stdout, res.stderr)


@tls_only
@pytest.mark.parametrize("name,port", TLS_PORTS)
def test_tls_port_refuses_a_certificate_of_another_ca(name, port):
    via, addr = peer(name), address(name)
    foreign = foreign_certs(via)
    _assert_answers(tls_ping(via, addr, port), "the control, GET /_ping with the operator's certificate")
    _assert_refused(tls_ping(via, addr, port, cert_dir=foreign), "a client certificate of another CA")
    res = remote_docker(via, addr, port, "ps -q", cert_dir=foreign)
    assert res.rc != 0, (res.rc, res.stdout, res.stderr)


@tls_only
@pytest.mark.parametrize("name", NODES)
def test_a_nodes_server_certificate_is_no_client_certificate(name):
    # Every node holds its own server key: were its certificate good as a client's, root on one
    # node would be root on every engine. (Classic managers' server certificates are clients too.)
    if BACKEND == "classic" and name in MANAGERS:
        pytest.skip("a classic manager's server certificate is also its client certificate")
    target = peer(name)
    _assert_answers(tls_ping(name, address(target), ENGINE_PORT), "the control, the operator's certificate")
    _assert_refused(tls_ping(name, address(target), ENGINE_PORT, cert_dir=CERTS, cert="server-cert.pem",
                             key="server-key.pem"), "%s's server certificate as a client's" % name)


@tls_only
@pytest.mark.parametrize("name", MANAGERS)
def test_manager_client_certificate_reaches_every_engine(name):
    # The client certificate docker_pki installs on managers, and the CA as the node has it: every
    # engine's 2375 by address, and the manager's own 2376 by name.
    for target in NODES:
        res = remote_docker(name, address(target), ENGINE_PORT, "info --format '{{.Name}}'", **MANAGER_CLIENT)
        assert res.rc == 0, (target, res.stderr)
        assert res.stdout.strip() == hostname(target)
    res = remote_docker(name, name, CLUSTER_PORT, "node ls -q", **MANAGER_CLIENT)
    assert res.rc == 0, res.stderr
    assert len(res.stdout.split()) == len(NODES), res.stdout


@tls_only
@pytest.mark.parametrize("name", NODES)
def test_tls_files_on_the_node(name):
    host = node(name)
    with open(os.path.join(PKI_DIR, "ca.pem"), encoding="ascii") as f:
        assert host.file(CERTS + "/ca.pem").content_string == f.read(), "not the controller's CA"
    key = host.file(CERTS + "/server-key.pem")
    assert (key.user, key.group, key.mode) == ("root", "root", 0o600)
    host.check_output("openssl verify -CAfile %s %s", CERTS + "/ca.pem", CERTS + "/server-cert.pem")
    client = [host.file(CERTS + "/client-cert.pem").exists, host.file(CERTS + "/client-key.pem").exists]
    if name in MANAGERS:
        assert client == [True, True]
        assert host.file(CERTS + "/client-key.pem").mode == 0o600
    else:
        # The manager's client key on an agent would make root there root on every engine.
        assert client == [False, False], "agent %s holds a client certificate" % name


@tls_only
def test_operator_pki_on_the_controller():
    # Where docker_pki_dir defaults to, {{ inventory_dir }}/docker-pki: molecule's ephemeral
    # inventory directory, never the checkout.
    assert os.path.isdir(PKI_DIR), PKI_DIR
    real = os.path.realpath(PKI_DIR)
    assert not (real + os.sep).startswith(CHECKOUT + os.sep), "PKI inside the checkout: %s" % real
    assert stat.S_IMODE(os.stat(PKI_DIR).st_mode) == 0o700
    for fname in ("ca-key.pem", "key.pem"):
        assert stat.S_IMODE(os.stat(os.path.join(PKI_DIR, fname)).st_mode) == 0o600, fname
    for fname in ("ca.pem", "cert.pem"):
        assert os.path.isfile(os.path.join(PKI_DIR, fname)), fname
