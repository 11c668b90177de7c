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


class Lab:
    """A named lab of node containers (see lab/lab.py)."""

    def __init__(self, name, count, managers=1, kinds=None, insecure=True):
        self.name = name
        args = ["python3", LAB, "up", str(count), "--managers", str(managers), "--name", name]
        if insecure:
            args.append("--insecure")
        if kinds:
            args += ["--kinds", ",".join(kinds)]
        sh(args)
        self.inventory = sh(["python3", LAB, "inventory", "--name", name]).stdout.strip()
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
                  "ansible_python_interpreter=/usr/bin/python3"]
        lines += ["swarm_insecure_tcp=true"] if insecure else []
        lines += ["%s=%s" % kv for kv in (extra_vars or {}).items()]
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        return path


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
