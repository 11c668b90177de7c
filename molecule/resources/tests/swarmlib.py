"""Shared by the scenarios' testinfra tests: the cluster as its own nodes see it.

The hosts and their roles come from the inventory molecule wrote (MOLECULE_INVENTORY_FILE), so
the same checks serve every topology. Every command runs inside a node (testinfra's docker
backend for the community.docker.docker connection), never on the controller.
"""

import os
import time

import testinfra
from testinfra.utils.ansible_runner import AnsibleRunner

INVENTORY = os.environ["MOLECULE_INVENTORY_FILE"]
_RUNNER = AnsibleRunner(INVENTORY)
MANAGERS = _RUNNER.get_hosts("swarm_managers")
AGENTS = _RUNNER.get_hosts("swarm_agents")
NODES = MANAGERS + AGENTS

# What `docker node ls --format '{{.Hostname}} {{.Status}} {{.ManagerStatus}}'` shows, read with
# `docker node inspect` because the CLI of CentOS 7's docker 1.13 has no `node ls --format`.
NODE_LS = ("ids=$(docker node ls -q) && docker node inspect --format "
           "'{{.Description.Hostname}} {{.Status.State}} {{if .ManagerStatus}}"
           "{{if .ManagerStatus.Leader}}leader{{else}}{{.ManagerStatus.Reachability}}{{end}}"
           "{{end}}' $ids")
_HOSTS = {}
_HOSTNAMES = {}


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


def node_list(via):
    """The nodes as manager `via` sees them: {hostname: (status, manager_status)} spelled as
    `docker node ls` spells them (Ready/Down/Unknown; Leader/Reachable/Unreachable, '' for a
    worker), or None when that fails (no engine, no quorum, not a manager)."""
    res = node(via).run(NODE_LS)
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
    return node(name).check_output("hostname -i").split()[0]


def peer(name):
    """Another node to probe `name` from (the next one in the inventory)."""
    others = [n for n in NODES if n != name]
    return others[NODES.index(name) % len(others)] if others else name


def ping(from_name, addr, port):
    """What GET /_ping on addr:port answers, as seen from node `from_name` ('' if nothing)."""
    res = node(from_name).run("curl -s -m 5 http://%s:%s/_ping", addr, str(port))
    return res.stdout.strip() if res.rc == 0 else ""


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
