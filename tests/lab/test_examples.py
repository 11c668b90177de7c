"""Every module's EXAMPLES run as written on a lab (issue 23, item 8).

Each module's EXAMPLES (a task list, parsed from the module file) runs in a play on the hosts it is
written for (MODULE_HOSTS, as the examples' comments say), on a lab of three nodes. The only
adaptations, applied to the EXAMPLES text before it is parsed:

- host names: node1, node2, node3 become the lab's first, second and third node; the addresses
  10.0.11.150-152 become theirs; the interface eth1 becomes eth0 (a lab node has only that one);
- group names stay: the lab inventories have swarm_managers and swarm_agents;
- each task's name gets "[module] " in front, so that the output tells the modules apart.

Some examples need a state (a cluster, certificates, engines listening with TLS) or take it away
(leave, listen only on loopback): STAGES runs them in an order that gives each what it needs, with
site.yml (the prepare play only) in between. Every example task is in one stage or in NOT_RUN, with
the reason: the test fails if one is in neither. Each one run must succeed (no failure on any host)
and must have run on at least one host (not skipped everywhere)."""

import os
import re

import pytest
import yaml

from labkit import ROOT, Lab, playbook, task_results

SITE = os.path.join(ROOT, "site.yml")
MODULES_DIR = os.path.join(ROOT, "plugins", "modules")
MODULES = sorted(n[:-3] for n in os.listdir(MODULES_DIR) if n.endswith(".py") and not n.startswith("_"))

# The play each module's examples are written for.
MODULE_HOSTS = {
    "docker_host_info": "swarm_managers:swarm_agents",
    "docker_listen_config": "swarm_managers:swarm_agents",
    "docker_tls_certificates": "swarm_managers:swarm_agents",
    "docker_tls_files": "swarm_managers:swarm_agents",
    # The lab's default nodes run no firewalld: the module says so (test_day_two_remove.py opens ports).
    "firewalld_ports": "swarm_managers:swarm_agents",
    "swarm_agent": "swarm_agents",
    "swarm_info": "swarm_managers:swarm_agents",
    "swarm_manager": "swarm_managers",
    "swarm_node_drain": "swarm_agents",
    "swarm_nodes": "swarm_managers",
    "swarm_token": "swarm_managers",
    "swarm_workers": "swarm_managers:swarm_agents",
}

CLASSIC_IMAGE = ("needs the classic swarm image from registry.example.com and a discovery from a hosted token "
                 "server; tests/lab/test_classic.py runs these options with the real swarm:1.2.9")
NOT_RUN = {
    ("swarm_manager", "Classic Swarm, the guide's manager container (binpack scheduling, mutual TLS on 2376)"):
        CLASSIC_IMAGE,
    ("swarm_manager", "Classic Swarm as the guide runs it, plain TCP on 2376 (refused without cluster_insecure; warns)"):
        CLASSIC_IMAGE,
    ("swarm_token", "Classic Swarm, the guide's \"swarm create\" against a hosted discovery server of your own"):
        "needs https://discovery.example.com; tests/lab/test_discovery_api.py runs it against a local HTTPS server",
}

# I1: one manager, two agents; I2: the three nodes as managers (after the agents left).
ALL = None
STAGES = [
    ("fresh hosts", "I1", [
        ("docker_host_info", ["Read the host's Swarm state and whether the SDK is there",
                              "Stop when the host is already in a swarm",
                              "Also whether dockerd's listen configuration would change (the docker_listen role's plan)",
                              "Only whether the SDK is there (the engine may be down)"]),
        ("docker_tls_certificates", ALL),
        ("docker_tls_files", ["Install the CA, the server certificate and its key"]),
        ("firewalld_ports", ALL),
        ("docker_listen_config", ["Listen on the unix socket and plain TCP 2375, as in the guide (trusted network only)",
                                  "Listen with TLS and client certificates on 2376",
                                  "Preview the change without touching the host", "Back to the packaged defaults"]),
        # Once no listener uses them.
        ("docker_tls_files", ["Remove them again (files of yours in the directory stay, and the directory with them)"]),
    ]),
    ("site.yml's prepare play", "I1", "site"),
    ("a cluster from the first manager", "I1", [
        ("swarm_manager", ["Initialise the cluster on the first manager"]),
        ("swarm_token", ["Read the join tokens on the first manager", "Rotate the worker token (e.g. after it leaked)"]),
        ("swarm_workers", ALL),
        ("swarm_info", ALL),
        ("docker_host_info", ["On a manager, also the cluster's nodes as its TLS cluster endpoint lists them"]),
        # Before swarm_agent's, whose last ones make the agents leave.
        ("swarm_nodes", ALL),
        ("swarm_node_drain", ALL),
        ("swarm_agent", ALL),
    ]),
    ("three managers, then one leaves", "I2", [
        ("swarm_manager", [
            "Initialise the cluster on the first manager", "Read the join tokens on the first manager",
            "Join the other managers",
            "Initialise and get the join tokens in the same call (the result holds secrets)",
            "Make the last manager leave (after demoting it is better)"]),
        ("swarm_token", ["Classic Swarm with a static node list (ranges allowed)"]),
    ]),
    # Last: site.yml's read refuses hosts in daemon.json next to -H in the unit's options.
    ("loopback TCP in daemon.json", "I1", [
        ("docker_listen_config", ["Back to the packaged defaults",
                                  "Only loopback TCP, written into daemon.json whatever the packaging"]),
    ]),
]


def examples_text(module):
    with open(os.path.join(MODULES_DIR, module + ".py")) as f:
        return re.search(r"EXAMPLES = r'''(.*?)'''", f.read(), re.S).group(1)


def examples(module, names=None, addresses=None):
    text = examples_text(module)
    if names:
        text = re.sub(r"\bnode([1-3])\b", lambda m: names[int(m.group(1)) - 1], text)
        text = re.sub(r"\b10\.0\.11\.15([0-2])\b", lambda m: addresses[int(m.group(1))], text)
        text = re.sub(r"\beth1\b", "eth0", text)
    return yaml.safe_load(text) or []


def test_every_example_is_run_or_marked():
    """Static: each example task is in a stage or in NOT_RUN (with its reason), and no stage names
    an example that does not exist."""
    staged = set()
    for _title, _inventory, parts in STAGES:
        if parts == "site":
            continue
        for module, wanted in parts:
            found = [t["name"] for t in examples(module)]
            for name in (found if wanted is ALL else wanted):
                assert name in found, "%s has no example %r" % (module, name)
                staged.add((module, name))
    for module in MODULES:
        assert module in MODULE_HOSTS, module
        for task in examples(module):
            key = (module, task["name"])
            assert key in staged or key in NOT_RUN, "example not run and not marked: %s %r" % key
            assert not (key in staged and key in NOT_RUN), key
    for key, reason in NOT_RUN.items():
        assert reason and key[1] in [t["name"] for t in examples(key[0])], key


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    lab = Lab("texamples", 3, kinds=["debian12", "debian12", "debian13"], insecure=False)
    lab.tmp = tmp_path_factory.mktemp("examples")
    yield lab
    lab.down()


def _play(module, tasks, names, addresses):
    chosen = []
    for task in examples(module, names, addresses):
        if tasks is ALL or task["name"] in tasks:
            if (module, task["name"]) in NOT_RUN:
                continue
            task = dict(task, name="[%s] %s" % (module, task["name"]))
            chosen.append(task)
    return {"name": "EXAMPLES of %s" % module, "hosts": MODULE_HOSTS[module], "gather_facts": False,
            "tasks": chosen}


def test_examples_run_as_written(lab):
    names = sorted(lab.names())
    addresses = [lab.ip(h) for h in names]
    inventories = {
        "I1": lab.write_group_inventory(str(lab.tmp / "hosts"), [("swarm_managers", names[:1]),
                                                                   ("swarm_agents", names[1:])]),
        "I2": lab.write_group_inventory(str(lab.tmp / "hosts-managers"), [("swarm_managers", names),
                                                                           ("swarm_agents", [])]),
    }
    for title, inventory, parts in STAGES:
        if parts == "site":
            playbook(SITE, inventories[inventory], "--skip-tags", "formation")
            continue
        plays = [_play(module, tasks, names, addresses) for module, tasks in parts]
        path = str(lab.tmp / ("stage-%s.yml" % re.sub(r"\W+", "-", title)))
        with open(path, "w") as f:
            yaml.safe_dump(plays, f, sort_keys=False, width=200)
        rc, out, _recap = playbook(path, inventories[inventory], check=False)
        results = task_results(out)
        failed = [(t, r) for t, r in results if any("fatal" in s or "failed" in s for s in sum(r.values(), []))]
        assert rc == 0 and not failed, "stage %r: %s\n%s" % (title, failed, out[-5000:])
        for play in plays:
            for task in play["tasks"]:
                statuses = [s for t, r in results if t == task["name"] for s in sum(r.values(), [])]
                assert any(s in ("ok", "changed") for s in statuses), \
                    "stage %r: %r did not run on any host (%s)" % (title, task["name"], statuses)
