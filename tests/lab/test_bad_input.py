"""Bad input: site.yml fails before anything on any host changes, naming the bad value."""

import os

import pytest

from labkit import ROOT, Lab, playbook

SITE = os.path.join(ROOT, "site.yml")
FINGERPRINT = ("cat /etc/default/docker /etc/sysconfig/docker /etc/docker/daemon.json 2>/dev/null | sha256sum; "
               "ls /etc/systemd/system/docker.service.d /etc/docker/certs 2>/dev/null; systemctl show -p MainPID docker; "
               "docker info --format '{{.Swarm.LocalNodeState}}'; docker ps -aq | sort")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    lab = Lab("tbad", 3, kinds=["debian12", "el7-layout", "debian13"])
    lab.tmp = tmp_path_factory.mktemp("bad")
    yield lab
    lab.down()


def fingerprints(lab, hosts):
    return {h: lab.run(h, FINGERPRINT).stdout for h in hosts}


def run_bad(lab, managers, agents, *extra, watch=None, insecure=True):
    """Run site.yml; the hosts in `watch` (default: all) must be exactly as before."""
    inventory = lab.write_inventory(str(lab.tmp / "hosts"), managers, agents, insecure=insecure)
    watch = watch or lab.names()
    before = fingerprints(lab, watch)
    rc, out, recap = playbook(SITE, inventory, *extra, check=False)
    assert rc != 0, out[-2000:]
    assert fingerprints(lab, watch) == before, "a host changed although its input was bad"
    return out, recap


def extra(**kw):
    import json
    return ["-e", json.dumps(kw)]


CASES = [
    # (id, inventory layout, extra vars, expected words in the output)
    ("invalid-ip", "1+2", extra(docker_listen_addresses=["unix:///var/run/docker.sock", "tcp://300.1.2.3:2375"]),
     ["300.1.2.3"]),
    ("invalid-port", "1+2", extra(docker_listen_addresses=["unix:///var/run/docker.sock", "tcp://0.0.0.0:99999"]),
     ["99999"]),
    ("unknown-method", "1+2", extra(docker_listen_method="systemd-magic"), ["systemd-magic"]),
    ("tls-file-missing", "1+2", extra(docker_listen_tls=True, docker_listen_tls_ca_cert="/etc/docker/nope/ca.pem"),
     ["/etc/docker/nope/ca.pem", "does not exist"]),
    ("no-managers", "0+3", [], ["'swarm_managers' is empty"]),
    ("host-in-both-groups", "both", [], ["in both 'swarm_managers' and 'swarm_agents'"]),
    ("even-managers", "2+1", [], ["2 managers", "swarm_allow_even_managers"]),
    ("backend-misspelt", "1+2", extra(swarm_backend="swarmkitt"), ["swarmkitt"]),
    ("port-setup-misspelt", "1+2", extra(swarm_port_setup="proxyy"), ["proxyy"]),
    # The last role's options, checked with every other role's before the first change.
    # Checked as swarm_manager and swarm_agent check them, but before the engines restart.
    ("swarm-addresses", "1+2", extra(swarm_manager_default_addr_pool=["10.0.0.0/33"],
                                     swarm_agent_advertise_addr="300.1.2.3"),
     ["swarm_manager_default_addr_pool: '10.0.0.0/33'", "swarm_agent_advertise_addr: '300.1.2.3'"]),
    ("agent-option", "1+2", extra(swarm_agent_state="bogus", swarm_agent_listen_addr=["a", "list"]),
     ["swarm_agent_state must be one of: present, absent, got: bogus", "swarm_agent_listen_addr"]),
]


def layout(lab, shape):
    h = lab.names()
    return {"1+2": (h[:1], h[1:]), "0+3": ([], h), "2+1": (h[:2], h[2:]),
            "both": (h[:1], h)}[shape]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_input_fails_before_any_change(lab, case):
    _name, shape, extra_args, words = case
    managers, agents = layout(lab, shape)
    out, _recap = run_bad(lab, managers, agents, *extra_args)
    for word in words:
        assert word in out, "%r not in the output:\n%s" % (word, out[-2500:])


def test_bad_address_with_tls_fails_before_any_certificate_is_installed(lab):
    """With the default (mutual TLS), the address check still comes before the PKI role."""
    h = lab.names()
    out, _recap = run_bad(lab, h[:1], h[1:], *extra(docker_listen_addresses=["tcp://0.0.0.0:2375", "tcp://1.2.3:2375"]),
                  insecure=False)
    assert "1.2.3" in out and "not an IPv4 address" in out, out[-2500:]


def test_port_in_use_by_another_program(lab):
    h = lab.names()
    lab.run(h[1], "nohup python3 -m http.server 2375 --bind 0.0.0.0 >/dev/null 2>&1 & "
                  "echo $! > /run/dcswarm-http.pid; sleep 1")
    try:
        # Only that host fails; the others go on and converge.
        out, recap = run_bad(lab, h[:1], h[1:], watch=[h[1]])
        assert "port 2375 is already in use by python3" in out, out[-2500:]
        assert recap[h[0]]["failed"] == 0 and recap[h[2]]["failed"] == 0 and recap[h[1]]["failed"] == 1, recap
    finally:
        lab.run(h[1], "kill $(cat /run/dcswarm-http.pid)", check=False)


def test_options_file_that_cannot_be_parsed(lab):
    h = lab.names()
    el7 = h[1]
    original = lab.run(el7, "cat /etc/sysconfig/docker").stdout
    lab.run(el7, "sed -i \"s/^OPTIONS=.*/OPTIONS='--selinux-enabled --log-driver=journald/\" /etc/sysconfig/docker")
    try:
        out, _recap = run_bad(lab, h[:1], h[1:], watch=[el7])
        assert "/etc/sysconfig/docker" in out and "OPTIONS" in out, out[-2500:]
    finally:
        lab.run(el7, "cat > /etc/sysconfig/docker <<'EOF'\n%sEOF" % original)


def test_the_hosts_own_tls_files_where_the_collection_puts_its_own(lab):
    """dockerd already serves TLS with files of the names the collection installs (/etc/docker/certs, as Docker's
    own guide names them): replaced by the collection's certificates, then deleted by a reset that gives back the
    host's flags, they would leave a dockerd that does not start. Refused in the read, that host untouched."""
    h = lab.names()
    el7 = h[1]
    original = lab.run(el7, "cat /etc/sysconfig/docker").stdout
    lab.run(el7, "mkdir -p /etc/docker/certs && for f in ca server-cert server-key; do echo theirs > /etc/docker/certs/$f.pem; "
                 "done && sed -i \"s|^OPTIONS='|OPTIONS='-H tcp://0.0.0.0:2400 --tlsverify --tlscacert=/etc/docker/certs/ca.pem "
                 "--tlscert=/etc/docker/certs/server-cert.pem --tlskey=/etc/docker/certs/server-key.pem |\" /etc/sysconfig/docker")
    try:
        out, _recap = run_bad(lab, h[:1], h[1:], "--limit", el7, watch=[el7], insecure=False)
        assert "with no record of this module setting it up" in out, out[-2500:]
        assert "/etc/docker/certs/server-cert.pem" in out and "docker_pki_node_dir" in out, out[-2500:]
        assert lab.run(el7, "cat /etc/docker/certs/server-key.pem").stdout == "theirs\n"
    finally:
        lab.run(el7, "rm -rf /etc/docker/certs; cat > /etc/sysconfig/docker <<'EOF'\n%sEOF" % original)


CLASSIC_CASES = [
    ("discovery-url-not-https", extra(swarm_backend="classic", swarm_classic_discovery_url="http://disc.example/v1"),
     ["http://disc.example/v1", "https"]),
    ("discovery-kind-unknown", extra(swarm_backend="classic", swarm_classic_discovery="consol"), ["consol"]),
    ("kv-address-malformed", extra(swarm_backend="classic", swarm_classic_discovery="consul",
                                   swarm_manager_classic_kv_hosts=["consul.example:notaport"]), ["notaport"]),
    ("range-malformed", extra(swarm_backend="classic", swarm_classic_discovery="nodes",
                              swarm_classic_node_addr="10.0.0.[9:2]:2375"), ["[9:2]"]),
    # The classic defaults: token discovery, its token to be created at Docker's hub, shut down in 2019.
    ("token-at-the-shut-down-hub", extra(swarm_backend="classic"), ["shut down on 2019-06-19",
                                                                   "swarm_classic_discovery_url"]),
    ("token-wrong-shape", extra(swarm_backend="classic", swarm_classic_token="not-a-token"),
     ["not a classic Swarm cluster token"]),
    ("replication-with-nodes", extra(swarm_backend="classic", swarm_classic_discovery="nodes",
                                     swarm_manager_classic_replication=True), ["replication", "consul, etcd or zk"]),
]


@pytest.mark.parametrize("case", CLASSIC_CASES, ids=[c[0] for c in CLASSIC_CASES])
def test_bad_classic_input_fails_before_any_change(lab, case):
    _name, extra_args, words = case
    h = lab.names()
    out, _recap = run_bad(lab, h[:1], h[1:], *extra_args)
    for word in words:
        assert word in out, "%r not in the output:\n%s" % (word, out[-2500:])
