"""Helpers for the lab tests: bring up nodes, run playbooks, look inside nodes."""

import json
import os
import re
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LAB = os.path.join(ROOT, "lab", "lab.py")
RECAP = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)", re.M)


def sh(args, check=True, **kwargs):
    res = subprocess.run(args, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         check=False, **kwargs)
    if check and res.returncode != 0:
        raise AssertionError("%s failed (%d):\n%s" % (" ".join(args), res.returncode, res.stdout))
    return res


def classic_swarm_missing():
    """Why the real classic Swarm image cannot be built here (lab/lab.py says), or None."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("dcswarm_lab", LAB)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.classic_swarm_missing()


class Lab:
    """A named lab of node containers (see lab/lab.py)."""

    def __init__(self, name, count, managers=1, kinds=None, insecure=True):
        # DCSWARM_LAB (scripts/test.sh sets "test") goes before the test's own lab name: runs from
        # several checkouts on one engine then never take each other's labs down.
        prefix = os.environ.get("DCSWARM_LAB")
        self.name = "%s-%s" % (prefix, name) if prefix else name
        args = ["python3", LAB, "up", str(count), "--managers", str(managers), "--name", self.name]
        if insecure:
            args.append("--insecure")
        if kinds:
            args += ["--kinds", ",".join(kinds)]
        sh(args)
        self.inventory = sh(["python3", LAB, "inventory", "--name", self.name]).stdout.strip()
        self.hosts = {}
        group = None
        with open(self.inventory) as f:
            for line in f:
                line = line.strip()
                if line.startswith("["):
                    group = line.strip("[]")
                elif line and not line.startswith("#") and group in ("swarm_managers", "swarm_agents"):
                    fields = line.split()
                    attrs = dict(kv.split("=", 1) for kv in fields[1:])
                    self.hosts[fields[0]] = dict(attrs, group=group)

    def down(self):
        sh(["python3", LAB, "down", "--name", self.name], check=False)

    def names(self, group=None):
        return [h for h, a in self.hosts.items() if group is None or a["group"] == group]

    def ip(self, host):
        return self.hosts[host]["lab_ip"]

    def run(self, host, command, check=True):
        """A shell command inside a node."""
        return sh(["docker", "exec", host, "sh", "-c", command], check=check)

    def write_inventory(self, path, managers, agents, extra_vars=None, host_vars=None, insecure=True):
        """An inventory for a subset of the lab's nodes, in another layout.

        ``insecure``: the guide's plain TCP (swarm_insecure_tcp=true); False keeps the
        collection's default, mutual TLS (the PKI then goes next to ``path``).
        """
        host_vars = host_vars or {}
        lines = ["[swarm_managers]"]
        lines += ["%s %s" % (h, host_vars.get(h, "")) for h in managers]
        lines += ["", "[swarm_agents]"] + ["%s %s" % (h, host_vars.get(h, "")) for h in agents]
        lines += ["", "[all:vars]", "ansible_connection=community.docker.docker",
                  "ansible_python_interpreter=/usr/bin/python3",
                  "ansible_become_method=sudo"]
        lines += ["swarm_insecure_tcp=true"] if insecure else []
        lines += ["%s=%s" % kv for kv in (extra_vars or {}).items()]
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        return path

    def write_group_inventory(self, path, groups, all_vars=None, host_vars=None):
        """An inventory with groups of any name, default mutual TLS (no swarm_insecure_tcp).

        ``groups``: [(group name, [hosts])], in order; ``all_vars``: more [all:vars] lines (a dict);
        ``host_vars``: host -> the text after its name on its line.
        """
        host_vars = host_vars or {}
        lines = []
        for group, members in groups:
            lines += ["[%s]" % group] + ["%s %s" % (h, host_vars.get(h, "")) for h in members] + [""]
        lines += ["[all:vars]", "ansible_connection=community.docker.docker",
                  "ansible_python_interpreter=/usr/bin/python3",
                  "ansible_become_method=sudo"]
        lines += ["%s=%s" % kv for kv in (all_vars or {}).items()]
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        return path


def tls_lab(name, kinds, tmp_path_factory):
    """A lab with the collection's defaults (mutual TLS), one node per kind, a scratch directory
    (``lab.tmp``) for its inventories, and the PKI where the default puts it, next to them."""
    lab = Lab(name, len(kinds), kinds=kinds, insecure=False)
    lab.tmp = tmp_path_factory.mktemp(name)
    lab.pki = str(lab.tmp / "docker-pki")
    return lab


def playbook(playbook_path, inventory, *extra, check=True):
    """Run ansible-playbook; return (returncode, output, recap {host: counts})."""
    args = ["ansible-playbook", playbook_path, "-i", inventory] + list(extra)
    res = sh(args, check=False, cwd=ROOT, env=dict(os.environ, ANSIBLE_NOCOLOR="1"))
    if check and res.returncode != 0:
        raise AssertionError("ansible-playbook failed (%d):\n%s" % (res.returncode, res.stdout[-6000:]))
    recap = {m.group(1): {"ok": int(m.group(2)), "changed": int(m.group(3)),
                          "unreachable": int(m.group(4)), "failed": int(m.group(5)), "skipped": int(m.group(6))}
             for m in RECAP.finditer(res.stdout)}
    return res.returncode, res.stdout, recap


def dockerd_pid(lab, host):
    return lab.run(host, "systemctl show -p MainPID --value docker").stdout.strip()


def node_list(lab, host, endpoint="unix:///var/run/docker.sock"):
    out = lab.run(host, "docker -H %s node ls --format '{{json .}}'" % endpoint).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


# Where the operator's files (ca.pem, cert.pem, key.pem) go inside a node that plays the operator's
# workstation; not /tmp: a tmpfs on debian13, where docker cp cannot write.
OPERATOR_CERTS = "/root/operator-certs"


def copy_operator_certs(lab, via, pki_dir, dest=OPERATOR_CERTS):
    """Copy the operator's CA, certificate and key from the controller's PKI directory into node ``via``."""
    lab.run(via, "mkdir -p %s" % dest)
    for name in ("ca.pem", "cert.pem", "key.pem"):
        sh(["docker", "cp", os.path.join(pki_dir, name), "%s:%s/%s" % (via, dest, name)])


def docker_tls(lab, via, args, certs=OPERATOR_CERTS, client_cert=True):
    """The docker CLI on node ``via`` with the operator's CA (and, unless told not to, client certificate)."""
    flags = "--tlsverify --tlscacert %s/ca.pem" % certs
    if client_cert:
        flags += " --tlscert %s/cert.pem --tlskey %s/key.pem" % (certs, certs)
    return lab.run(via, "docker %s %s" % (flags, args), check=False)


TASK_LINE = re.compile(r"^(?:TASK|RUNNING HANDLER) \[(.*)\] \**$")
RESULT_LINE = re.compile(r"^(ok|changed|skipping|fatal|failed): \[([^\]\s]+)(?: -> [^\]]*)?\]")


def task_results(out):
    """ansible-playbook's output as [(task title, {host: [status, ...]})], in order (one status a
    result line: several for loops)."""
    tasks = []
    current = None
    for line in out.splitlines():
        m = TASK_LINE.match(line)
        if m:
            current = (m.group(1), {})
            tasks.append(current)
            continue
        if line.startswith(("PLAY [", "PLAY RECAP")):
            current = None
            continue
        m = RESULT_LINE.match(line)
        if m and current is not None:
            current[1].setdefault(m.group(2), []).append(m.group(1))
    return tasks


def task_output(out, task):
    """What a task of the collection printed: its block of the output, up to the next task
    (``task`` as "role : name")."""
    return out.split("TASK [dockercluster.swarm.%s]" % task)[1].split("TASK [")[0]


def unchanged(recap, hosts):
    """Whether every host of ``hosts`` ran (it is in the recap) and no host of the run changed anything."""
    return set(hosts) <= set(recap) and all(counts["changed"] == 0 for counts in recap.values())


def changed_tasks(out, host):
    """Titles of the tasks that reported changed for ``host``."""
    return [title for title, results in task_results(out) if "changed" in results.get(host, [])]


def fatal_lines(out):
    """Every output line naming a failure, rescued or ignored ones too."""
    return [line for line in out.splitlines() if "fatal:" in line]
