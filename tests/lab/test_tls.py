"""Mutual TLS, the default: site.yml without the plain opt-in, on real engines.

node1 manager (debian12: /etc/default/docker), node2 el7-layout (/etc/sysconfig/docker), node3
debian13 (Docker 26).
The tests run in order on one lab: build, use, refuse, re-run, renew, -vvv, then the opt-in.
"""

import json
import os
import ssl

import pytest

from labkit import ROOT, Lab, dockerd_pid, fatal_lines, playbook, sh, task_output, task_results, unchanged

SITE = os.path.join(ROOT, "site.yml")
RESET = os.path.join(ROOT, "reset.yml")
CERTS = "/etc/docker/certs"
ADDRESSES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "playbooks", "addresses.yml")
OP = "/root/operator-certs"  # not /tmp: a tmpfs on debian13, where docker cp cannot write

# Run inside a node: a plain-text HTTP request to host:port; prints what came back (or the error).
PLAIN_PROBE = r"""
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
s.settimeout(5)
try:
    s.sendall(b'GET /_ping HTTP/1.0\r\nHost: x\r\n\r\n')
    print(repr(s.recv(200)))
except OSError as exc:
    print('error: %s' % exc)
"""

# Run inside a node: the certificate an engine serves, as PEM (handshake with the operator's cert).
SERVED_CERT = r"""
import socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.load_verify_locations(sys.argv[3] + '/ca.pem')
ctx.load_cert_chain(sys.argv[3] + '/cert.pem', sys.argv[3] + '/key.pem')
with socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5) as raw:
    with ctx.wrap_socket(raw) as tls:
        print(ssl.DER_cert_to_PEM_cert(tls.getpeercert(binary_form=True)))
"""


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    lab = Lab("ptls", 3, kinds=["debian12", "el7-layout", "debian13"])
    lab.tmp = tmp_path_factory.mktemp("tls")
    lab.pki = str(lab.tmp / "docker-pki")  # the default: next to the inventory
    yield lab
    lab.down()


def hosts(lab):
    return lab.names()


def inventory(lab, name="hosts", host_vars=None, **extra):
    h = hosts(lab)
    return lab.write_inventory(str(lab.tmp / name), h[:1], h[1:], extra_vars=extra, host_vars=host_vars,
                               insecure=False)


def docker_cli(lab, via, args, client_cert=True):
    """The docker CLI on node ``via`` with the operator's CA (and client certificate)."""
    flags = "--tlsverify --tlscacert %s/ca.pem" % OP
    if client_cert:
        flags += " --tlscert %s/cert.pem --tlskey %s/key.pem" % (OP, OP)
    return lab.run(via, "docker %s %s" % (flags, args), check=False)


def served_cert(lab, via, host, port=2375):
    return lab.run(via, "python3 -c %s %s %s %s" % (shq(SERVED_CERT), lab.ip(host), port, OP)).stdout.strip()


def shq(text):
    return "'" + text.replace("'", "'\\''") + "'"


def controller_cert(lab, host):
    with open(os.path.join(lab.pki, "nodes", host, "server-cert.pem")) as f:
        return f.read()


def same_cert(pem_a, pem_b):
    return ssl.PEM_cert_to_DER_cert(pem_a) == ssl.PEM_cert_to_DER_cert(pem_b)


def pids(lab):
    return {h: dockerd_pid(lab, h) for h in hosts(lab)}


def node_files(lab, host):
    out = lab.run(host, "cd %s && stat -c '%%n %%a %%U %%Y' * && sha256sum *" % CERTS).stdout
    return out


def pki_tasks_run(out):
    """docker_pki tasks that did something other than skip, from ansible-playbook's output."""
    ran = []
    for block in out.split("TASK [")[1:]:
        title, _sep, body = block.partition("\n")
        if title.startswith("dockercluster.swarm.docker_pki") and any(
                line.startswith(("ok:", "changed:")) for line in body.splitlines()):
            ran.append(title)
    return ran


def test_check_mode_on_fresh_hosts_predicts_and_changes_nothing(lab):
    """--check before anything exists: no PKI directory, no host directories, no TLS files on the
    hosts. Every host's listener is predicted as changing (docker_listen_config assumes the skipped
    install), the cluster's creation and each agent's join are predicted, nothing is made, and the
    run succeeds without a single failure, rescued or not."""
    h = hosts(lab)
    before = pids(lab)
    options = lab.run(h[1], "cat /etc/sysconfig/docker").stdout
    rc, out, recap = playbook(SITE, inventory(lab), "--check", "--diff", check=False)
    assert rc == 0 and "fatal:" not in out, out[-3000:]
    assert all(recap[host]["failed"] == 0 for host in h), recap  # (a rescued failure prints "fatal:" too)
    init = out.split("Initialise the cluster on the first manager")[1].split("TASK [")[0]
    assert "changed: [%s]" % h[0] in init, init
    report = out.split("Report each agent about to join the cluster")[1].split("TASK [")[0]
    assert all("changed: [%s]" % agent in report for agent in h[1:]), report
    listen = out.split("Apply it and restart docker")[1].split("TASK [")[0]
    assert all("changed: [%s]" % host in listen for host in h), listen
    assert not os.path.exists(lab.pki)
    assert pids(lab) == before
    assert lab.run(h[1], "cat /etc/sysconfig/docker").stdout == options
    assert all(lab.run(host, "test -e %s" % CERTS, check=False).returncode != 0 for host in h)


def test_site_builds_the_cluster_with_mutual_tls(lab):
    _rc, out, recap = playbook(SITE, inventory(lab), "-v")
    assert all(c["failed"] == 0 and c["unreachable"] == 0 for c in recap.values())
    assert "Nodes: 3" in out
    assert "swarm_insecure_tcp is true" not in out and "unauthenticated TCP on" not in out
    lab.first_output = out
    # One trip per host for the TLS files and the listener: docker_listen_config wrote the files
    # docker_pki handed over; docker_pki's own install skipped every host.
    results = dict(task_results(out))
    install = results["dockercluster.swarm.docker_pki : Install the CA and the host's certificates and keys (root only)"]
    assert install == {host: ["skipping"] for host in hosts(lab)}, install
    applied = task_output(out, "docker_listen : Apply it and restart docker, at once where no swarm is kept available")
    assert applied.count('"tls_files_changed": [') == len(hosts(lab)), applied
    assert applied.count('"server-key.pem"') == len(hosts(lab)) and "PRIVATE KEY" not in applied
    # The operator's files, DOCKER_CERT_PATH layout; keys 0600, the directory 0700.
    for name, mode in (("", 0o700), ("ca.pem", 0o644), ("cert.pem", 0o644), ("key.pem", 0o600),
                       ("ca-key.pem", 0o600), ("nodes/%s/server-key.pem" % hosts(lab)[0], 0o600)):
        assert os.stat(os.path.join(lab.pki, name)).st_mode & 0o777 == mode, name
    for host in hosts(lab):
        listing = lab.run(host, "stat -c '%%n %%a %%U' %s %s/*" % (CERTS, CERTS)).stdout.split("\n")
        modes = dict(line.rsplit(" ", 2)[0:2] for line in listing if line)
        assert modes[CERTS] == "700" and modes[CERTS + "/server-key.pem"] == "600"
        assert all(line.endswith(" root") for line in listing if line)
        assert ("%s/client-key.pem" % CERTS in modes) == (host == hosts(lab)[0])  # managers only
    options = lab.run(hosts(lab)[1], "grep ^OPTIONS= /etc/sysconfig/docker").stdout
    assert "-H tcp://0.0.0.0:2375 -H tcp://0.0.0.0:2376 --tlsverify --tlscacert=%s/ca.pem" % CERTS in options
    # Hand the operator's files to another node, as an operator's workstation.
    via = hosts(lab)[1]
    lab.run(via, "mkdir -p %s" % OP)
    for name in ("ca.pem", "cert.pem", "key.pem"):
        sh(["docker", "cp", os.path.join(lab.pki, name), "%s:%s/%s" % (via, OP, name)])


def test_docker_cli_with_the_client_certificate_from_another_node(lab):
    h = hosts(lab)
    for target in h:
        res = docker_cli(lab, h[1], "-H %s:2375 info --format '{{json .Name}}'" % lab.ip(target))
        assert res.returncode == 0, res.stdout
        assert json.loads(res.stdout.strip()) == target
    # The cluster endpoint, the DOCKER_* way of the README.
    res = lab.run(h[1], "DOCKER_CERT_PATH=%s DOCKER_TLS_VERIFY=1 DOCKER_HOST=tcp://%s:2376 "
                  "docker node ls --format '{{.Hostname}}'" % (OP, lab.ip(h[0])), check=False)
    assert res.returncode == 0, res.stdout
    assert sorted(res.stdout.split()) == sorted(h)


def test_without_a_client_certificate_it_is_refused(lab):
    h = hosts(lab)
    for port in (2375, 2376):
        res = docker_cli(lab, h[1], "-H %s:%s version" % (lab.ip(h[0]), port), client_cert=False)
        assert res.returncode != 0 and "Server:" not in res.stdout, res.stdout
        assert "certificate" in res.stdout.lower() or "tls" in res.stdout.lower(), res.stdout
        plain = lab.run(h[1], "docker -H tcp://%s:%s version" % (lab.ip(h[0]), port), check=False)
        assert plain.returncode != 0 and "Server:" not in plain.stdout, plain.stdout


def test_nothing_answers_in_plain_text_on_a_non_loopback_address(lab):
    h = hosts(lab)
    for host in h:
        listeners = lab.run(host, "ss -ltnH").stdout.splitlines()
        ports = set()
        for line in listeners:
            local = line.split()[3]
            addr, port = local.rsplit(":", 1)
            if not addr.startswith("127.") and addr not in ("[::1]", "::1"):
                ports.add(int(port))
        assert {2375, 2376, 7946} <= ports, (host, ports)  # 2376 on every engine in Swarm mode
        for port in sorted(ports):
            probe = lab.run(h[(h.index(host) + 1) % 3], "python3 -c %s %s %s"
                            % (shq(PLAIN_PROBE), lab.ip(host), port)).stdout
            assert "200 OK" not in probe and "OK" != probe.strip(), (host, port, probe)
            if port in (2375, 2376):
                # Go's TLS server answers a plain request with this, and nothing else.
                assert "HTTP request to an HTTPS server" in probe, (host, port, probe)


def test_a_second_run_changes_nothing(lab):
    before_pids = pids(lab)
    before_files = {host: node_files(lab, host) for host in hosts(lab)}
    with open(os.path.join(lab.pki, "ca.pem")) as f:
        ca = f.read()
    _rc, _out, recap = playbook(SITE, inventory(lab))
    assert {host: c["changed"] for host, c in recap.items()} == {host: 0 for host in ["localhost"] + hosts(lab)}
    assert pids(lab) == before_pids
    assert {host: node_files(lab, host) for host in hosts(lab)} == before_files
    with open(os.path.join(lab.pki, "ca.pem")) as f:
        assert f.read() == ca


def install_changed_on(out):
    """The hosts whose TLS files a run changed, from ansible-playbook's -v output: by docker_pki's
    install task, or by docker_listen_config (the files docker_pki handed over with a listener change)."""
    hosts_changed = set()
    for block in out.split("TASK [")[1:]:
        title, _sep, body = block.partition("\n")
        for line in body.splitlines():
            if line.startswith("changed:") and (title.startswith("dockercluster.swarm.docker_pki : Install the CA")
                                                or '"tls_files_changed": ["' in line):
                hosts_changed.add(line.split("[", 1)[1].split("]", 1)[0])
    return sorted(hosts_changed)


def test_the_install_runs_only_where_a_node_file_differs(lab):
    """The TLS files change only on a host where something differs, and are set right there: a key
    made readable, a CA file edited by hand (each changed after dockerd started: its listener's
    apply restarts it, and writes the files in that trip)."""
    h = hosts(lab)
    _rc, out, _recap = playbook(SITE, inventory(lab), "-v")
    assert install_changed_on(out) == [], "a re-run changed the TLS files"
    before = {host: node_files(lab, host) for host in h}
    lab.run(h[1], "chmod 0644 %s/server-key.pem" % CERTS)
    lab.run(h[2], "echo '# edited' >> %s/ca.pem" % CERTS)
    _rc, out, recap = playbook(SITE, inventory(lab), "-v")
    assert install_changed_on(out) == sorted([h[1], h[2]]), out[-3000:]
    assert recap[h[0]]["changed"] == 0
    assert lab.run(h[1], "stat -c %%a %s/server-key.pem" % CERTS).stdout.strip() == "600"
    with open(os.path.join(lab.pki, "ca.pem")) as f:
        assert lab.run(h[2], "cat %s/ca.pem" % CERTS).stdout == f.read()
    assert node_files(lab, h[0]) == before[h[0]]
    # Set right, the next run changes nothing and installs nothing.
    _rc, out, recap = playbook(SITE, inventory(lab), "-v")
    assert all(c["changed"] == 0 for c in recap.values()) and install_changed_on(out) == []


def test_a_certificate_near_expiry_is_renewed_and_served(lab):
    h = hosts(lab)
    old = controller_cert(lab, h[2])
    assert same_cert(served_cert(lab, h[1], h[2]), old)
    before_pids = pids(lab)
    renew = inventory(lab, "renew", host_vars={h[2]: "docker_pki_renew_days=400"})
    # --check predicts it: node3's files and the restart that serves them (in its turn, a swarm member),
    # nothing on the other hosts; nothing is made or written.
    pki_before, files_before = pki_contents(lab), node_files(lab, h[2])
    rc, out, recap = playbook(SITE, renew, "--check", "--diff", check=False)
    assert rc == 0 and fatal_lines(out) == [], out[-4000:]
    assert recap[h[0]]["changed"] == 0 and recap[h[1]]["changed"] == 0 and recap[h[2]]["changed"] > 0, recap
    restarts = {host for title, results in task_results(out)
                if title == "dockercluster.swarm.docker_listen : Apply it and restart docker, on this host alone"
                for host, statuses in results.items() if "changed" in statuses}
    assert restarts == {h[2]}, out[-6000:]
    assert pki_contents(lab) == pki_before and node_files(lab, h[2]) == files_before and pids(lab) == before_pids
    # node3's certificate (365 days) expires within a 400-day window: renewed; the others are not.
    _rc, out, recap = playbook(SITE, renew)
    new = controller_cert(lab, h[2])
    assert not same_cert(new, old)
    assert same_cert(served_cert(lab, h[1], h[2]), new)  # the engine picked it up
    after = pids(lab)
    assert after[h[2]] != before_pids[h[2]]
    assert {k: v for k, v in after.items() if k != h[2]} == {k: v for k, v in before_pids.items() if k != h[2]}
    assert recap[h[0]]["changed"] == 0 and recap[h[1]]["changed"] == 0
    assert lab.run(h[2], "cat %s/server-cert.pem" % CERTS).stdout.strip() == new.strip()
    # And the renewed cluster is stable again.
    _rc, _out, recap = playbook(SITE, inventory(lab))
    assert unchanged(recap, hosts(lab)), recap
    assert pids(lab) == after


def dns_names(pem):
    from cryptography import x509
    cert = x509.load_pem_x509_certificate(pem.encode())
    return cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(
        x509.DNSName)


def test_a_new_name_reissues_that_host_certificate_only(lab):
    """The names are part of what docker_pki checks: a name added for one host gets it a new
    certificate, served by its engine; taken away again, another one."""
    h = hosts(lab)
    before = {host: controller_cert(lab, host) for host in h}
    _rc, _out, recap = playbook(SITE, inventory(lab, "names", host_vars={h[1]: "docker_pki_extra_sans='[\"extra.lab\"]'"}))
    assert "extra.lab" in dns_names(controller_cert(lab, h[1]))
    assert "extra.lab" in dns_names(served_cert(lab, h[1], h[1]))  # the operator's files are on h[1]
    assert all(same_cert(controller_cert(lab, host), before[host]) for host in (h[0], h[2]))
    assert recap[h[0]]["changed"] == 0 and recap[h[2]]["changed"] == 0
    _rc, _out, recap = playbook(SITE, inventory(lab))
    assert "extra.lab" not in dns_names(served_cert(lab, h[1], h[1]))
    _rc, _out, recap = playbook(SITE, inventory(lab))
    assert unchanged(recap, hosts(lab)), recap


def pki_contents(lab):
    contents = {}
    for folder, _dirs, files in os.walk(lab.pki):
        for name in files:
            with open(os.path.join(folder, name)) as f:
                contents[os.path.join(folder, name)] = f.read()
    return contents


def test_a_changed_mode_on_the_controller_is_set_back_and_nothing_is_reissued(lab):
    """A mode of the controller's PKI changed by hand is set back (0700, 0600), and every key and
    certificate is kept."""
    h = hosts(lab)
    ca_key = os.path.join(lab.pki, "ca-key.pem")
    host_dir = os.path.join(lab.pki, "nodes", h[1])
    host_key = os.path.join(host_dir, "server-key.pem")
    with open(ca_key) as f:
        before_key = f.read()
    before_cert, before_pids, before_files = controller_cert(lab, h[1]), pids(lab), pki_contents(lab)
    for path, mode in ((lab.pki, 0o755), (ca_key, 0o644), (host_dir, 0o750), (host_key, 0o640)):
        os.chmod(path, mode)
    _rc, out, _recap = playbook(SITE, inventory(lab))
    modes = {path: oct(os.stat(path).st_mode & 0o777) for path in (lab.pki, ca_key, host_dir, host_key)}
    assert modes == {lab.pki: "0o700", ca_key: "0o600", host_dir: "0o700", host_key: "0o600"}, modes
    with open(ca_key) as f:
        assert f.read() == before_key
    assert same_cert(controller_cert(lab, h[1]), before_cert)
    assert pids(lab) == before_pids
    assert pki_contents(lab) == before_files
    certificates = task_output(
        out, "docker_pki : Check and make the CA and every host's certificate on the controller (one run for the play)")
    assert "changed: [" in certificates, certificates


def test_the_read_gives_the_addresses_the_network_facts_give(lab):
    """docker_pki names the addresses docker_host_info read (site.yml) or setup gathered (the role
    alone): on every distribution of the lab, the same ones."""
    _rc, out, recap = playbook(ADDRESSES, inventory(lab))
    assert set(recap) == set(hosts(lab)) and all(c["failed"] == 0 for c in recap.values()), out[-3000:]


def ip_names(pem):
    from cryptography import x509
    cert = x509.load_pem_x509_certificate(pem.encode())
    return [str(ip) for ip in cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            .get_values_for_type(x509.IPAddress)]


def test_an_address_another_host_claims_goes_into_no_certificate(lab):
    """A node's certificate names the addresses it reports only where no other host reports them or
    names them in the inventory: a node that shows another's address (a copied image, or one after
    that node's certificate) does not get it, with a warning, and an address two nodes report goes
    to neither."""
    h = hosts(lab)
    shared, claimed = "10.250.0.1", "10.250.0.9"
    # One interface per address: the read reports each interface's primary address.
    add = "ip link add {0} type veth peer name {0}p && ip link set {0} up && ip addr add {1}/32 dev {0}"
    lab.run(h[1], add.format("dcswarm0", shared))
    lab.run(h[2], add.format("dcswarm0", shared) + " && " + add.format("dcswarm1", claimed))
    try:
        _rc, out, recap = playbook(SITE, inventory(
            lab, "claims", host_vars={h[0]: "docker_pki_extra_sans='[\"%s\"]'" % claimed}))
        assert all(c["failed"] == 0 for c in recap.values()), out[-3000:]
        assert claimed in ip_names(controller_cert(lab, h[0]))
        assert claimed not in ip_names(controller_cert(lab, h[2])), ip_names(controller_cert(lab, h[2]))
        assert shared not in ip_names(controller_cert(lab, h[1])) + ip_names(controller_cert(lab, h[2]))
        assert lab.ip(h[2]) in ip_names(controller_cert(lab, h[2]))
        assert "%s reported %s, which the inventory gives %s" % (h[2], claimed, h[0]) in " ".join(out.split())
    finally:
        for host in h[1:]:
            lab.run(host, "ip link del dcswarm0; ip link del dcswarm1", check=False)
    playbook(SITE, inventory(lab))  # h[0] without the extra name again
    _rc, _out, recap = playbook(SITE, inventory(lab))
    assert unchanged(recap, hosts(lab)), recap


def key_bodies(lab):
    """The base64 lines of every private key on the controller that hold secret material.

    An EC key's PEM ends with its public key, which tasks may show: lines found in the
    public key's own PEM are left out.
    """
    from cryptography.hazmat.primitives import serialization
    bodies = []
    for folder, _dirs, files in os.walk(lab.pki):
        for name in files:
            if name.endswith("key.pem"):
                with open(os.path.join(folder, name), "rb") as f:
                    data = f.read()
                public = serialization.load_pem_private_key(data, None).public_key().public_bytes(
                    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
                public = "".join(public.decode().splitlines()[1:-1])
                bodies += [line for line in data.decode().splitlines()
                           if line and "-----" not in line and line not in public]
    return bodies


def test_private_keys_never_in_output_even_at_vvv(lab):
    h = hosts(lab)
    # Make the run install keys: remove them from a node (the engine restarts with them again).
    lab.run(h[0], "rm %s/server-key.pem %s/client-key.pem" % (CERTS, CERTS))
    _rc, out, recap = playbook(SITE, inventory(lab), "-vvv", "--diff")
    assert recap[h[0]]["changed"] > 0 and "Install the CA and the host's certificates and keys" in out
    assert lab.run(h[0], "test -s %s/server-key.pem && test -s %s/client-key.pem" % (CERTS, CERTS)).returncode == 0
    bodies = key_bodies(lab)
    assert len(bodies) >= 6
    for text in (out, lab.first_output):
        assert "PRIVATE KEY" not in text
        for line in bodies:
            assert line not in text
    assert docker_cli(lab, h[1], "-H %s:2375 info" % lab.ip(h[0])).returncode == 0


def test_a_new_ca_for_good_reissues_everything_and_the_cluster_stays(lab):
    """docs/removal-tokens-firewall.md, "Rotating keys and certificates": ca-key.pem and ca.pem moved away on the
    controller, the next run makes a new CA, every host serves a certificate of it (each engine restarted, in
    turn), the cluster keeps every node, the old operator certificate is refused, and the run after changes
    nothing. The CA key alone moved away is refused first, nothing changed."""
    h = hosts(lab)
    old_ca, before = os.path.join(lab.pki, "ca.pem"), pids(lab)
    with open(old_ca) as f:
        old_ca_pem = f.read()
    os.rename(os.path.join(lab.pki, "ca-key.pem"), str(lab.tmp / "old-ca-key.pem"))
    rc, out, _recap = playbook(SITE, inventory(lab), check=False)
    assert rc != 0 and "CA key is never replaced" in out and pids(lab) == before, out[-3000:]
    os.rename(old_ca, str(lab.tmp / "old-ca.pem"))
    _rc, out, recap = playbook(SITE, inventory(lab))
    with open(old_ca) as f:
        new_ca_pem = f.read()
    assert new_ca_pem != old_ca_pem
    after = pids(lab)
    assert all(after[host] != before[host] for host in h), (before, after)
    assert docker_cli(lab, h[1], "-H %s:2375 info" % lab.ip(h[0])).returncode != 0  # the old CA's operator files
    for name in ("ca.pem", "cert.pem", "key.pem"):
        sh(["docker", "cp", os.path.join(lab.pki, name), "%s:%s/%s" % (h[1], OP, name)])
    res = docker_cli(lab, h[1], "-H %s:2376 node ls --format '{{.Hostname}} {{.Status}}'" % lab.ip(h[0]))
    assert res.returncode == 0 and sorted(res.stdout.split("\n")[:-1]) == sorted("%s Ready" % host for host in h), \
        res.stdout
    assert all(same_cert(lab.run(host, "cat %s/ca.pem" % CERTS).stdout, new_ca_pem) for host in h)
    _rc, _out, recap = playbook(SITE, inventory(lab))
    assert unchanged(recap, h), recap


def test_the_plain_opt_in_reproduces_the_guide_and_warns(lab):
    h = hosts(lab)
    _rc, out, recap = playbook(SITE, inventory(lab, "insecure", swarm_insecure_tcp="true"))
    assert "WARNING: swarm_insecure_tcp is true on %s" % ", ".join(h) in out
    assert "[WARNING]: tcp://0.0.0.0:2375" in out and "unauthenticated TCP" in out
    assert pki_tasks_run(out) == []  # no certificates with the opt-in
    options = lab.run(h[1], "grep ^OPTIONS= /etc/sysconfig/docker").stdout
    assert "-H tcp://0.0.0.0:2375 -H tcp://0.0.0.0:2376 --tls=false" in options and "--tlsverify" not in options
    for target in h:
        res = lab.run(h[1], "docker -H tcp://%s:2375 info --format '{{json .Name}}'" % lab.ip(target))
        assert json.loads(res.stdout.strip()) == target
    res = lab.run(h[2], "docker -H tcp://%s:2376 node ls --format '{{.Hostname}}'" % lab.ip(h[0]))
    assert sorted(res.stdout.split()) == sorted(h)


def test_check_back_to_mutual_tls_on_the_plain_cluster_predicts_and_changes_nothing(lab):
    """--check on the cluster the plain opt-in left, back to the default: the endpoint it would make (mutual TLS
    on 2376) does not answer so yet, so the verify reads the manager through its socket; nothing changes."""
    h = hosts(lab)
    pids = {host: dockerd_pid(lab, host) for host in h}
    options = lab.run(h[1], "grep ^OPTIONS= /etc/sysconfig/docker").stdout
    rc, out, recap = playbook(SITE, inventory(lab), "--check", "--diff", check=False)
    assert rc == 0 and fatal_lines(out) == [], fatal_lines(out) or out[-4000:]
    assert all(recap[host]["changed"] > 0 for host in h), recap  # each listener would change
    assert {host: dockerd_pid(lab, host) for host in h} == pids
    assert lab.run(h[1], "grep ^OPTIONS= /etc/sysconfig/docker").stdout == options


# ------------------------------------------------------------------ the proxy port setup, TLS too
PROXY = "dcswarm-proxy:socat"  # stand-in for shipyard/docker-proxy, same SSL_* environment
PROXY_TASK = "dockercluster.swarm.docker_proxy : Run the proxy container"


@pytest.fixture(scope="module")
def proxy_lab(tmp_path_factory):
    lab = Lab("ptlsproxy", 2, kinds=["debian12", "debian13"])
    lab.tmp = tmp_path_factory.mktemp("tlsproxy")
    lab.pki = str(lab.tmp / "docker-pki")
    sh(["python3", os.path.join(ROOT, "lab", "lab.py"), "load", "--name", lab.name, PROXY])
    yield lab
    lab.down()


def proxy_inventory(lab, name="hosts", host_vars=None):
    h = lab.names()
    return lab.write_inventory(str(lab.tmp / name), h[:1], h[1:], host_vars=host_vars, insecure=False,
                               extra_vars=dict(swarm_port_setup="proxy", docker_proxy_image=PROXY))


def test_check_mode_on_fresh_hosts_predicts_the_proxies_and_changes_nothing(proxy_lab):
    """--check --diff in proxy mode on fresh hosts: no certificate is installed in check mode, and the
    proxy container's run is predicted on each host all the same; nothing is created."""
    lab = proxy_lab
    rc, out, recap = playbook(SITE, proxy_inventory(lab, "check"), "--check", "--diff", check=False)
    assert rc == 0 and fatal_lines(out) == [], fatal_lines(out) or out[-4000:]
    assert dict(task_results(out))[PROXY_TASK] == {host: ["changed"] for host in lab.names()}
    for host in lab.names():
        assert lab.run(host, "docker ps -aq --filter name=shipyard-proxy").stdout.strip() == "", host
        assert lab.run(host, "test -e /etc/docker/certs/ca.pem", check=False).returncode == 1, host


def test_the_proxy_terminates_tls_and_verifies_clients(proxy_lab):
    lab = proxy_lab
    h = lab.names()
    _rc, out, _recap = playbook(SITE, proxy_inventory(lab), "-v")
    # The first manager joined the agent through the agent's proxy, with its client certificate.
    assert '"joined": ["%s"]' % h[1] in out, out[-4000:]
    for host in h:
        env = json.loads(lab.run(host, "docker inspect --format '{{json .Config.Env}}' shipyard-proxy").stdout)
        assert "SSL_CERT=/certs/server-cert.pem" in env and "SSL_CA=/certs/ca.pem" in env
        # Unlabelled: on an enforcing SELinux host a labelled one could not use the bind-mounted docker.sock.
        assert lab.run(host, "docker inspect --format '{{json .HostConfig.SecurityOpt}}' shipyard-proxy").stdout.strip() \
            == '["label=disable"]'
        assert "tcp://" not in lab.run(host, "ps -o args= -C dockerd").stdout  # dockerd: socket only
    via = h[1]
    lab.run(via, "mkdir -p %s" % OP)
    for name in ("ca.pem", "cert.pem", "key.pem"):
        sh(["docker", "cp", os.path.join(lab.pki, name), "%s:%s/%s" % (via, OP, name)])
    for port in (2375, 2376):  # the manager's cluster endpoint goes through the proxy too
        res = docker_cli(lab, via, "-H %s:%s info --format '{{json .Name}}'" % (lab.ip(h[0]), port))
        assert res.returncode == 0 and json.loads(res.stdout.strip()) == h[0], res.stdout
        res = docker_cli(lab, via, "-H %s:%s version" % (lab.ip(h[0]), port), client_cert=False)
        assert res.returncode != 0 and "Server:" not in res.stdout, res.stdout
        plain = lab.run(via, "docker -H tcp://%s:%s version" % (lab.ip(h[0]), port), check=False)
        assert plain.returncode != 0 and "Server:" not in plain.stdout, plain.stdout
    _rc, _out, recap = playbook(SITE, proxy_inventory(lab))
    assert all(c["changed"] == 0 for c in recap.values())


def test_the_proxy_serves_a_renewed_certificate(proxy_lab):
    lab = proxy_lab
    h = lab.names()
    old = controller_cert(lab, h[0])
    assert same_cert(served_cert(lab, h[1], h[0]), old)
    renew = proxy_inventory(lab, "renew", host_vars={h[0]: "docker_pki_renew_days=400"})
    proxies = {host: lab.run(host, "docker ps -q --no-trunc --filter name=shipyard-proxy").stdout for host in h}
    # --check predicts the proxy made again on that host alone, and makes nothing.
    rc, out, _recap = playbook(SITE, renew, "--check", check=False)
    assert rc == 0 and fatal_lines(out) == [], out[-4000:]
    assert dict(task_results(out))[PROXY_TASK] == {h[0]: ["changed"], h[1]: ["ok"]}, task_results(out)
    assert same_cert(controller_cert(lab, h[0]), old)
    assert {host: lab.run(host, "docker ps -q --no-trunc --filter name=shipyard-proxy").stdout for host in h} == proxies
    playbook(SITE, renew)
    new = controller_cert(lab, h[0])
    assert not same_cert(new, old)
    assert same_cert(served_cert(lab, h[1], h[0]), new)


def test_the_plain_opt_in_makes_the_tls_proxy_again_and_back(proxy_lab):
    """Switching to swarm_insecure_tcp drops the proxy's TLS variables and certificate mounts: the
    container is made again serving plain HTTP (community.docker keeps one with more by default), and
    switching back makes it verify clients again."""
    lab = proxy_lab
    h = lab.names()
    rc, out, recap = playbook(SITE, proxy_inventory(lab, "plain-proxy", host_vars={host: "swarm_insecure_tcp=true"
                                                                                    for host in h}), check=False)
    assert rc == 0, out[-4000:]
    assert dict(task_results(out))[PROXY_TASK] == {host: ["changed"] for host in h}
    for host in h:
        env = json.loads(lab.run(host, "docker inspect --format '{{json .Config.Env}}' shipyard-proxy").stdout)
        assert not [item for item in env if item.startswith("SSL_")], env
        res = lab.run(h[1], "docker -H tcp://%s:2375 info --format '{{json .Name}}'" % lab.ip(host))
        assert json.loads(res.stdout.strip()) == host
    _rc, out, recap = playbook(SITE, proxy_inventory(lab))
    assert dict(task_results(out))[PROXY_TASK] == {host: ["changed"] for host in h}
    plain = lab.run(h[1], "docker -H tcp://%s:2375 version" % lab.ip(h[0]), check=False)
    assert plain.returncode != 0 and "Server:" not in plain.stdout, plain.stdout
    _rc, out, recap = playbook(SITE, proxy_inventory(lab))
    assert all(c["changed"] == 0 for c in recap.values()), out[-4000:]


def test_reset_in_proxy_mode_removes_proxies_and_certificates_and_leaves_dockerd_running(proxy_lab):
    """reset.yml with swarm_port_setup proxy: the nodes leave, each proxy container and the host's
    certificates go, dockerd (whose configuration the proxy setup never touched) keeps running."""
    lab = proxy_lab
    h = lab.names()
    pids = {host: dockerd_pid(lab, host) for host in h}
    probe = "bash -c 'echo > /dev/tcp/127.0.0.1/%d'"
    assert all(lab.run(host, probe % 2375, check=False).returncode == 0 for host in h)  # the proxy answers
    proxies = "docker ps -aq --filter name=^shipyard-proxy$"
    rc, out, recap = playbook(RESET, proxy_inventory(lab), "--check", check=False)
    assert rc == 0 and all(recap[host]["changed"] >= 1 for host in h), out[-4000:]
    assert all(lab.run(host, proxies).stdout.strip() for host in h)  # check mode removed nothing
    _rc, out, _recap = playbook(RESET, proxy_inventory(lab))
    for host in h:
        assert lab.run(host, proxies).stdout.strip() == "", host
        assert lab.run(host, "test -e %s" % CERTS, check=False).returncode == 1, host
        assert lab.run(host, "docker info --format '{{.Swarm.LocalNodeState}}'").stdout.strip() == "inactive"
        for port in (2375, 2376):
            assert lab.run(host, probe % port, check=False).returncode != 0, (host, port)
        assert dockerd_pid(lab, host) == pids[host], host
    _rc, out, recap = playbook(RESET, proxy_inventory(lab))
    assert all(c["changed"] == 0 for c in recap.values()), out[-4000:]


# ------------------------------------------------------------------ the classic backend, TLS too
STUB = "dcswarm-stub:swarm"  # stand-in for swarm:1.2.9 that records its argv
TOKEN = "0123456789abcdef0123456789abcdef"


@pytest.fixture(scope="module")
def classic_lab(tmp_path_factory):
    lab = Lab("ptlsclassic", 2, kinds=["debian12", "debian13"])
    lab.tmp = tmp_path_factory.mktemp("tlsclassic")
    lab.pki = str(lab.tmp / "docker-pki")
    sh(["python3", os.path.join(ROOT, "lab", "lab.py"), "load", "--name", lab.name, STUB])
    yield lab
    lab.down()


def test_classic_manage_uses_tlsverify_to_the_nodes_and_on_its_endpoint(classic_lab):
    lab = classic_lab
    h = lab.names()
    inv = lab.write_inventory(str(lab.tmp / "hosts"), h[:1], h[1:], insecure=False, extra_vars=dict(
        swarm_backend="classic", swarm_classic_image=STUB, swarm_classic_token=TOKEN, swarm_verify="false"))
    playbook(SITE, inv)
    info = json.loads(lab.run(h[0], "docker inspect shipyard-swarm-manager").stdout)[0]
    cmd = info["Config"]["Cmd"]
    assert cmd[:1] == ["manage"] and "--tlsverify" in cmd
    assert cmd[cmd.index("--tlscacert") + 1] == "/etc/swarm-tls/ca.pem"
    binds = info["HostConfig"]["Binds"]
    assert "%s/server-cert.pem:/etc/swarm-tls/cert.pem:ro" % CERTS in binds
    # swarm manage presents that one certificate to the engines too: issued for client use on
    # the classic manager, and only there.
    from cryptography import x509
    from cryptography.x509.oid import ExtendedKeyUsageOID
    for host, client in ((h[0], True), (h[1], False)):
        cert = x509.load_pem_x509_certificate(controller_cert(lab, host).encode())
        usage = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        assert (ExtendedKeyUsageOID.CLIENT_AUTH in usage) == client, host
    # The engines the manager talks to require that certificate.
    res = lab.run(h[0], "docker --tlsverify --tlscacert %s/ca.pem --tlscert %s/server-cert.pem --tlskey "
                        "%s/server-key.pem -H %s:2375 info --format '{{json .Name}}'"
                  % (CERTS, CERTS, CERTS, lab.ip(h[1])), check=False)
    assert res.returncode == 0 and json.loads(res.stdout.strip()) == h[1], res.stdout
