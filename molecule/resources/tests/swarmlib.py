"""Shared by the scenarios' testinfra tests: the cluster as its own nodes see it.

The hosts and their roles come from the inventory molecule wrote (MOLECULE_INVENTORY_FILE), so
the same checks serve every topology. Every command runs inside a node (testinfra's docker
backend for the community.docker.docker connection), never on the controller.

Unless the scenario opted into swarm_insecure_tcp, the cluster runs the collection's default,
mutual TLS, and is checked the way its operator reaches it: the docker CLI with the operator's
client certificate (docker-pki/ca.pem, cert.pem, key.pem on the controller, copied into the
client node for the tests) against tcp://<node>:2375 and tcp://<manager>:2376.
"""

import os
import shlex
import time

import testinfra
from testinfra.utils.ansible_runner import AnsibleRunner

INVENTORY = os.environ["MOLECULE_INVENTORY_FILE"]
_RUNNER = AnsibleRunner(INVENTORY)
MANAGERS = _RUNNER.get_hosts("swarm_managers")
AGENTS = _RUNNER.get_hosts("swarm_agents")
NODES = MANAGERS + AGENTS


def _true(value):
    return str(value).strip().lower() in ("true", "yes", "on", "1")


# The scenario's inventory variables (molecule's provisioner.inventory.group_vars.all).
_VARS = _RUNNER.get_variables(NODES[0]) if NODES else {}
# Mutual TLS (the collection's default) unless the scenario opted into plain TCP.
TLS = not _true(_VARS.get("swarm_insecure_tcp", False))
BACKEND = _VARS.get("swarm_backend", "swarmkit")
# The controller's PKI: docker_pki_dir, whose default is {{ inventory_dir }}/docker-pki, i.e. next
# to molecule's inventory file in the scenario's ephemeral directory.
PKI_DIR = _VARS.get("docker_pki_dir") or os.path.join(os.path.dirname(INVENTORY), "docker-pki")
# Where the nodes hold their certificates (docker_pki_node_dir's default).
CERTS = _VARS.get("docker_pki_node_dir") or "/etc/docker/certs"
# Where the tests put the operator's client certificate (from PKI_DIR) on a node that runs the
# client, and a client certificate that the cluster's CA did not sign.
OPERATOR_CERTS = "/root/.molecule-operator-certs"
FOREIGN_CERTS = "/root/.molecule-foreign-certs"
ENGINE_PORT = 2375
CLUSTER_PORT = 2376

# What `docker node ls --format '{{.Hostname}} {{.Status}} {{.ManagerStatus}}'` shows, read with
# `docker node inspect` because the CLI of CentOS 7's docker 1.13 has no `node ls --format`.
# @DOCKER@: the docker command with its connection options.
NODE_LS = ("ids=$(@DOCKER@ node ls -q) && @DOCKER@ node inspect --format "
           "'{{.Description.Hostname}} {{.Status.State}} {{if .ManagerStatus}}"
           "{{if .ManagerStatus.Leader}}leader{{else}}{{.ManagerStatus.Reachability}}{{end}}"
           "{{end}}' $ids")
_HOSTS = {}
_HOSTNAMES = {}
_ADDRESSES = {}
_OPERATOR_READY = set()
_FOREIGN_READY = set()


def node(name):
    """The testinfra host of an inventory host."""
    if name not in _HOSTS:
        _HOSTS[name] = testinfra.get_host("ansible://" + name, ansible_inventory=INVENTORY)
    return _HOSTS[name]


def hostname(name):
    """The hostname the node registers in the cluster with."""
    if name not in _HOSTNAMES:
        _HOSTNAMES[name] = node(name).check_output("hostname")
    return _HOSTNAMES[name]


def operator_certs(name):
    """Put the operator's client certificate (ca.pem, cert.pem, key.pem of the controller's PKI,
    the files DOCKER_CERT_PATH names) into node `name`, once; return the directory there."""
    if name not in _OPERATOR_READY:
        contents = []
        for fname in ("ca.pem", "cert.pem", "key.pem"):
            with open(os.path.join(PKI_DIR, fname), encoding="ascii") as f:
                contents.append(f.read())
        node(name).check_output(
            "umask 077 && mkdir -p %s && printf %%s %s > %s/ca.pem && printf %%s %s > %s/cert.pem"
            " && printf %%s %s > %s/key.pem",
            OPERATOR_CERTS, contents[0], OPERATOR_CERTS, contents[1], OPERATOR_CERTS,
            contents[2], OPERATOR_CERTS)
        _OPERATOR_READY.add(name)
    return OPERATOR_CERTS


def foreign_certs(name):
    """Make, once, in node `name` a client certificate (clientAuth, the operator's common name)
    that a CA of its own signed, not the cluster's; return its directory (cert.pem, key.pem)."""
    if name not in _FOREIGN_READY:
        node(name).check_output(
            "umask 077 && mkdir -p %s && openssl req -x509 -newkey ec -pkeyopt "
            "ec_paramgen_curve:prime256v1 -nodes -days 1 -subj %s -keyout %s/key.pem "
            "-out %s/cert.pem -addext extendedKeyUsage=clientAuth 2>&1",
            FOREIGN_CERTS, "/CN=dockercluster.swarm operator", FOREIGN_CERTS, FOREIGN_CERTS)
        _FOREIGN_READY.add(name)
    return FOREIGN_CERTS


def docker_cmd(from_name, target, port, tls=None, cert_dir=None, cert="cert.pem", key="key.pem",
               ca=None):
    """The docker command (a shell string) that node `from_name` runs to reach the engine API at
    tcp://target:port: with mutual TLS (tls: the scenario's mode by default) and the client
    certificate cert/key in cert_dir (the operator's by default), verified against ca (the
    cluster's CA by default), or plain TCP."""
    tls = TLS if tls is None else tls
    cmd = ["docker", "-H", "tcp://%s:%s" % (target, port)]
    if tls:
        operator_dir = operator_certs(from_name)
        cert_dir = cert_dir or operator_dir
        cmd += ["--tlsverify", "--tlscacert=" + (ca or operator_dir + "/ca.pem"),
                "--tlscert=%s/%s" % (cert_dir, cert), "--tlskey=%s/%s" % (cert_dir, key)]
    return " ".join(shlex.quote(c) for c in cmd)


def remote_docker(from_name, target, port, args, **kwargs):
    """Run `docker <args>` (a shell string) in node `from_name` against tcp://target:port (see
    docker_cmd); the testinfra CommandResult."""
    return node(from_name).run(docker_cmd(from_name, target, port, **kwargs) + " " + args)


def node_list(via):
    """The nodes as manager `via` sees them: {hostname: (status, manager_status)} spelled as
    `docker node ls` spells them (Ready/Down/Unknown; Leader/Reachable/Unreachable, '' for a
    worker), or None when that fails (no engine, no quorum, not a manager).

    With TLS, asked as the operator asks: from another node, with the operator's certificate,
    `docker -H tcp://<via>:2376 node ls` (the manager's cluster endpoint, by its name); with
    plain TCP, on `via` itself through its socket."""
    if TLS:
        res = node(peer(via)).run(NODE_LS.replace("@DOCKER@", docker_cmd(peer(via), via, CLUSTER_PORT)))
    else:
        res = node(via).run(NODE_LS.replace("@DOCKER@", "docker"))
    if res.rc != 0:
        return None
    nodes = {}
    for line in res.stdout.splitlines():
        fields = line.split()
        if fields:
            nodes[fields[0]] = (fields[1].capitalize(),
                                fields[2].capitalize() if len(fields) > 2 else "")
    return nodes


def leaders(nodes):
    return sorted(h for h, (_status, mstatus) in nodes.items() if mstatus == "Leader")


def address(name):
    """The node's address on the scenario's network (what the other nodes reach it on)."""
    if name not in _ADDRESSES:
        _ADDRESSES[name] = node(name).check_output("hostname -i").split()[0]
    return _ADDRESSES[name]


def peer(name):
    """Another node to probe `name` from (the next one in the inventory)."""
    others = [n for n in NODES if n != name]
    return others[NODES.index(name) % len(others)] if others else name


def ping(from_name, addr, port):
    """What GET /_ping on addr:port answers over plain HTTP, as seen from node `from_name` ('' if
    nothing)."""
    res = node(from_name).run("curl -s -m 5 http://%s:%s/_ping", addr, str(port))
    return res.stdout.strip() if res.rc == 0 else ""


def tls_ping(from_name, addr, port, cert_dir=None, cert="cert.pem", key="key.pem"):
    """GET https://addr:port/_ping from node `from_name` with curl, the server verified against
    the cluster's CA, with the client certificate cert/key in cert_dir, or none when cert_dir is
    ''; the testinfra CommandResult (rc 0 and stdout OK: the engine answered; 7: nothing
    listens; 35/56: the TLS handshake was refused)."""
    ca = operator_certs(from_name) + "/ca.pem"
    cmd = "curl -sS -m 5 --cacert %s" % shlex.quote(ca)
    if cert_dir != "":
        cert_dir = cert_dir or OPERATOR_CERTS
        cmd += " --cert %s --key %s" % (shlex.quote(cert_dir + "/" + cert),
                                        shlex.quote(cert_dir + "/" + key))
    return node(from_name).run(cmd + " https://%s:%s/_ping", addr, str(port))


def wait_for(probe, timeout, interval=2):
    """Call probe() until it returns something true or timeout seconds pass; return the last
    value and the seconds waited."""
    started = time.time()
    while True:
        value = probe()
        waited = time.time() - started
        if value or waited >= timeout:
            return value, waited
        time.sleep(interval)
