"""Real fleets (issue 23, item 2): an inventory that names its hosts by an alias, then by their IP
addresses (as k3s-ansible's sample inventory does), never by the nodes' host names, with the default
mutual TLS. The lab reaches a node by its container name: each host's ansible_host is that name, so
the inventory name is not the node's host name. Before, the run's own check (the fan-out's and the
verify's expect_ready, matching by host name) waited 90 s and failed with every host "missing".

node1 manager (debian12), node2 el7-layout and node3 debian13 agents. The tests run in order.
"""

import os

import pytest

from labkit import ROOT, fatal_lines, node_list, playbook, task_output, tls_lab, unchanged

SITE = os.path.join(ROOT, "site.yml")
VERIFY = "swarm_manager : Wait through the cluster endpoint until every host of the play is Ready"
FANOUT = "swarm_agent : Join the new agents from the first manager, all at once, through their engines"


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    lab = tls_lab("rnames", ["debian12", "el7-layout", "debian13"], tmp_path_factory)
    yield lab
    lab.down()


def named(lab, names, file_name):
    """An inventory naming node i by names[i], reached by its container name (ansible_host)."""
    h = lab.names()
    alias = dict(zip(h, names))
    host_vars = {alias[host]: "ansible_host=%s" % host for host in h}
    return lab.write_inventory(str(lab.tmp / file_name), [alias[h[0]]], [alias[host] for host in h[1:]],
                               host_vars=host_vars, insecure=False)


def aliases(lab):
    return named(lab, ["alpha", "bravo", "charlie"], "aliases")


def by_ip(lab):
    return named(lab, [lab.ip(host) for host in lab.names()], "by-ip")


def nodes(lab):
    h = lab.names()
    return {n["Hostname"]: (n["Status"], n["ManagerStatus"] or "worker") for n in node_list(lab, h[0])}


def node_ids(lab):
    return {n["Hostname"]: n["ID"] for n in node_list(lab, lab.names()[0])}


def ip_names(path):
    """The IP addresses a certificate file names (its subjectAltName)."""
    from cryptography import x509
    with open(path, "rb") as f:
        cert = x509.load_pem_x509_certificate(f.read())
    return [str(ip) for ip in cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            .get_values_for_type(x509.IPAddress)]


def formed(lab):
    h = lab.names()
    return {h[0]: ("Ready", "Leader"), h[1]: ("Ready", "worker"), h[2]: ("Ready", "worker")}


def test_hosts_named_by_alias_form_the_cluster_and_the_check_finds_every_node(lab):
    rc, out, recap = playbook(SITE, aliases(lab), "-v", check=False)
    assert rc == 0, out[-6000:]
    assert fatal_lines(out) == [], fatal_lines(out)
    assert set(recap) == {"localhost", "alpha", "bravo", "charlie"}, recap
    assert nodes(lab) == formed(lab)
    # The fan-out's check through the cluster endpoint found the three hosts Ready, by their
    # addresses: the verify did not have to ask (nor wait) again.
    assert '"expectations_met": true' in task_output(out, FANOUT), task_output(out, FANOUT)[-3000:]
    assert "skipping: [alpha]" in task_output(out, VERIFY)


def test_a_rerun_by_alias_changes_nothing_and_the_verify_finds_every_node(lab):
    rc, out, recap = playbook(SITE, aliases(lab), "-v", check=False)
    assert rc == 0, out[-6000:]
    assert unchanged(recap, ["localhost", "alpha", "bravo", "charlie"]), recap
    # The verify asked swarm_info (nothing joined in this run), with each host's node ID from its read.
    verify = task_output(out, VERIFY)
    assert "ok: [alpha]" in verify and '"missing": []' in verify and '"not_ready": {}' in verify, verify[-3000:]
    assert nodes(lab) == formed(lab)


def test_hosts_named_by_ip_address_converge_and_the_verify_passes(lab):
    """The same nodes under inventory names that are their IPs: the certificates now name those
    (docker_pki replaces them), nothing else changes, and the verify finds every node."""
    ids = node_ids(lab)
    rc, out, recap = playbook(SITE, by_ip(lab), "-v", check=False)
    assert rc == 0, out[-6000:]
    assert fatal_lines(out) == [], fatal_lines(out)
    ips = [lab.ip(host) for host in lab.names()]
    assert set(recap) == {"localhost"} | set(ips), recap
    verify = task_output(out, VERIFY)
    assert "ok: [%s]" % ips[0] in verify and '"missing": []' in verify, verify[-3000:]
    assert nodes(lab) == formed(lab) and node_ids(lab) == ids  # the same nodes, none joined again
    for ip in ips:
        assert ip in ip_names(os.path.join(lab.pki, "nodes", ip, "server-cert.pem")), ip


def test_a_rerun_by_ip_address_changes_nothing(lab):
    rc, out, recap = playbook(SITE, by_ip(lab), check=False)
    assert rc == 0, out[-6000:]
    assert unchanged(recap, ["localhost"] + [lab.ip(host) for host in lab.names()]), recap
    assert nodes(lab) == formed(lab)
