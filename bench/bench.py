#!/usr/bin/env python3
"""How fast a cluster converges: site.yml against the bare docker CLI and community.docker.

Runs on the lab (lab/lab.py), debian12 nodes only, one manager, fresh nodes for every fresh run:

  floor        bench/floor.sh: port setup (-H tcp://0.0.0.0:2375 --tls=false, restart), swarm init,
               token, joins in parallel, by `docker exec` from this machine
  ours         site.yml on fresh nodes, the default: mutual TLS (CA, certificates, TLS listeners)
  rerun        site.yml again on the same nodes, once the cluster has settled (idempotent re-run:
               changed=0 is checked)
  ours_plain / rerun_plain   the same with the guide's plain-TCP opt-in (swarm_insecure_tcp: true)
  ansible      bench/ping.yml: one ansible.builtin.ping task on the same hosts (the ansible floor),
               just before and just after each re-run (their mean), SETTLE s after the cluster is Ready
  peer         bench/peer.yml: docker_swarm init + joins, on nodes prepared by floor.sh --listen-only
  formation    site.yml --tags formation (managers, agents, verify plays) on nodes prepared the same
               way (plain TCP, as floor.sh opens them)
  formation_bare   the same without the Ready check (-e swarm_verify=false): what the peer does

Every timing is the wall clock of the whole command (ansible-playbook start-up included): what a CI
job pays. Ratios are taken within one run (same minute, same machine load), then the median of the
runs is reported. Not part of the test command: `python3 bench/bench.py --sizes 3,10,20 --runs 3`.
"""

import argparse
import datetime
import json
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")
LAB = os.path.join(ROOT, "lab", "lab.py")
SITE = os.path.join(ROOT, "site.yml")
KIND = "debian12"  # has the Docker SDK: no install step skews the comparison
RECAP = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)

# The labs are made with the guide's plain TCP (lab.py up --insecure), which floor.sh, the peer and
# the formation runs use; "ours" and "rerun" select the collection's default, mutual TLS, with
# these extra variables, and "ours_plain" / "rerun_plain" keep the opt-in.
TLS_EXTRA_VARS = {"swarm_insecure_tcp": False}
# Seconds a freshly built cluster is left alone before the re-run and the ansible floor are timed.
SETTLE = 5

FRESH_MODES = ["floor", "ours", "ours_plain", "peer", "formation", "formation_bare"]


def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


def sh(args, check=True, env=None):
    res = subprocess.run(args, cwd=ROOT, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         env=env, check=False)
    if check and res.returncode != 0:
        raise RuntimeError("%s failed (%d):\n%s" % (" ".join(args), res.returncode, res.stdout[-4000:]))
    return res


def timed(args, env=None):
    started = time.monotonic()
    res = sh(args, check=False, env=env)
    return time.monotonic() - started, res


class BenchLab:
    """A fresh lab of N debian12 nodes, one manager."""

    def __init__(self, name, count, attempts=3):
        self.name = name
        for attempt in range(1, attempts + 1):
            # On a shared machine a node's docker.service sometimes never starts (seen at N=20
            # while other labs were up): a fresh lab is retried, the failure is logged.
            try:
                sh(["python3", LAB, "up", str(count), "--managers", "1", "--kinds", KIND, "--name", name,
                    "--insecure"])
                break
            except RuntimeError as exc:
                log("lab up %d (attempt %d of %d) failed: %s" % (count, attempt, attempts,
                                                                 str(exc).strip().splitlines()[-1]))
                self.down()
                if attempt == attempts:
                    raise
                time.sleep(20)
        self.inventory = sh(["python3", LAB, "inventory", "--name", name]).stdout.strip()
        self.hosts = []  # (name, ip), manager first
        with open(self.inventory) as handle:
            for line in handle:
                fields = line.split()
                if fields and fields[0].startswith("dcswarm-"):
                    attrs = dict(f.split("=", 1) for f in fields[1:])
                    self.hosts.append((fields[0], attrs["lab_ip"]))

    def down(self):
        sh(["python3", LAB, "down", "--name", self.name], check=False)

    def specs(self):
        return ["%s:%s" % h for h in self.hosts]

    def swarm_size(self):
        """Nodes the manager lists as Ready (the check that a run really built the cluster)."""
        res = sh(["docker", "exec", self.hosts[0][0], "docker", "node", "ls", "--format", "{{.Status}}"],
                 check=False)
        return sum(1 for line in res.stdout.split() if line == "Ready") if res.returncode == 0 else 0

    def wait_ready(self, timeout=60):
        deadline = time.monotonic() + timeout
        while self.swarm_size() < len(self.hosts) and time.monotonic() < deadline:
            time.sleep(0.5)
        return self.swarm_size()


def ansible_env():
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, ".cache", "collections"))
    env["PATH"] = os.path.join(ROOT, ".venv", "bin") + os.pathsep + env.get("PATH", "")
    return env


def playbook(path, inventory, *extra, profile_to=None):
    env = ansible_env()
    if profile_to:
        env["ANSIBLE_CALLBACKS_ENABLED"] = "ansible.posix.profile_tasks"
    seconds, res = timed(["ansible-playbook", path, "-i", inventory] + list(extra), env=env)
    if profile_to:
        with open(profile_to, "w") as handle:
            handle.write(res.stdout)
    recap = {m.group(1): int(m.group(3)) for m in RECAP.finditer(res.stdout)}
    if res.returncode != 0:
        raise RuntimeError("ansible-playbook %s failed (%d):\n%s" % (path, res.returncode, res.stdout[-4000:]))
    return seconds, recap


def tls_args():
    args = []
    for key, value in (TLS_EXTRA_VARS or {}).items():
        args += ["-e", json.dumps({key: value})]
    return args


def fresh_run(mode, count, results, profile_dir=None):
    """One fresh lab for one mode; records seconds in results[mode] (and rerun/ansible for ours)."""
    lab = BenchLab("bench%d" % count, count)

    def prof(tag):
        return os.path.join(profile_dir, "%s-n%d-%d.txt" % (tag, count, int(time.time()))) if profile_dir else None

    try:
        if mode == "floor":
            seconds, res = timed([os.path.join(BENCH, "floor.sh")] + lab.specs())
            if res.returncode != 0:
                raise RuntimeError("floor.sh failed:\n" + res.stdout[-4000:])
            results["floor"] = seconds
            built = lab.wait_ready()
        elif mode in ("ours", "ours_plain"):
            suffix = mode[len("ours"):]
            extra = tls_args() if mode == "ours" else []
            results[mode], _ = playbook(SITE, lab.inventory, *extra, profile_to=prof(mode))
            built = lab.swarm_size()
            # The re-run a CI job makes meets a settled cluster, not engines still busy with the
            # joins of a second ago; the ansible floor is taken in the same conditions, just
            # before and just after each re-run (the mean of all of them in the run).
            lab.wait_ready()
            time.sleep(SETTLE)
            ping = os.path.join(BENCH, "ping.yml")
            before = playbook(ping, lab.inventory)[0]
            results["rerun" + suffix], recap = playbook(SITE, lab.inventory, *extra, profile_to=prof("rerun" + suffix))
            if any(recap.values()):
                raise RuntimeError("the re-run changed something: %s" % recap)
            results.setdefault("_pings", []).extend([before, playbook(ping, lab.inventory)[0]])
            results["ansible"] = round(statistics.mean(results["_pings"]), 2)
        else:  # peer, formation: engines already listening, as floor.sh leaves them
            sh([os.path.join(BENCH, "floor.sh"), "--listen-only"] + lab.specs())
            if mode == "peer":
                results["peer"], _ = playbook(os.path.join(BENCH, "peer.yml"), lab.inventory)
                built = lab.wait_ready()
            else:
                # formation_bare: without the Ready check, which the peer has no counterpart for.
                extra = ["-e", '{"swarm_verify": false}'] if mode == "formation_bare" else []
                results[mode], _ = playbook(SITE, lab.inventory, "--tags", "formation", *extra,
                                            profile_to=prof(mode))
                built = lab.wait_ready()
        if built != count:
            raise RuntimeError("%s on %d nodes: %d Ready nodes afterwards" % (mode, count, built))
    finally:
        lab.down()


def ratio(a, b):
    return round(a / b, 2) if a is not None and b else None


def median(values):
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 2) if values else None


RATIOS = {
    "ours/ours_plain": ("ours", "ours_plain"),
    "ours/floor": ("ours", "floor"),
    "rerun/ansible": ("rerun", "ansible"),
    "formation/peer": ("formation", "peer"),
    "rerun_plain/ansible": ("rerun_plain", "ansible"),
    "formation_bare/peer": ("formation_bare", "peer"),
    "ours_plain/floor": ("ours_plain", "floor"),
}
TIMES = ["floor", "ansible", "peer", "ours", "rerun", "ours_plain", "rerun_plain", "formation", "formation_bare"]


def summarize(runs):
    """Medians per size and mode, per-run ratios (median), slopes between consecutive sizes."""
    sizes = sorted({r["nodes"] for r in runs})
    table = {}
    for n in sizes:
        rs = [r for r in runs if r["nodes"] == n]
        # Runs that produced at least one figure (a run whose labs never came up does not count).
        row = {"runs": sum(1 for r in rs if r["seconds"])}
        for key in TIMES:
            row[key] = median([r["seconds"].get(key) for r in rs])
        for name, (a, b) in RATIOS.items():
            row[name] = median([ratio(r["seconds"].get(a), r["seconds"].get(b)) for r in rs])
        table[n] = row
    slopes = {}
    for lo, hi in zip(sizes, sizes[1:]):
        slopes["%d->%d" % (lo, hi)] = dict(
            (key, round((table[hi][key] - table[lo][key]) / (hi - lo), 3))
            for key in TIMES if isinstance(table[hi][key], (int, float)) and isinstance(table[lo][key], (int, float)))
    return table, slopes


# The targets: "TLS speed" (the default mode) and "One shape" (the plain opt-in's formation and re-run).
TARGETS = [
    ("N=10: site.yml fresh, TLS <= 1.3x plain", 10, "ours/ours_plain", 1.3),
    ("N=10: site.yml fresh, TLS <= 2.5x bare-CLI floor", 10, "ours/floor", 2.5),
    ("N=10: site.yml re-run, TLS <= 1.5x ansible floor", 10, "rerun/ansible", 1.5),
    ("N=10: formation <= 0.7x peer", 10, "formation/peer", 0.7),
    ("N=10: formation <= 0.8x peer (One shape)", 10, "formation/peer", 0.8),
    ("N=10: site.yml re-run, plain <= 1.5x ansible floor", 10, "rerun_plain/ansible", 1.5),
    ("N=10: site.yml re-run, plain <= 1.8x ansible floor (One shape)", 10, "rerun_plain/ansible", 1.8),
]


def run_slope(lo_run, hi_run, lo, hi, key):
    a, b = lo_run["seconds"].get(key), hi_run["seconds"].get(key)
    return round((b - a) / (hi - lo), 3) if a is not None and b is not None else None


def targets(table, slopes, runs=()):
    """Each target on the medians, and its value and verdict in each run (a slope: run i of one size
    against run i of the next)."""
    def verdict(value, limit):
        return None if value is None or limit is None else value <= limit
    out = []
    for label, n, key, limit in TARGETS:
        value = table.get(n, {}).get(key)
        per_run = [ratio(r["seconds"].get(RATIOS[key][0]), r["seconds"].get(RATIOS[key][1]))
                   for r in runs if r["nodes"] == n]
        out.append({"target": label, "value": value, "limit": limit, "met": verdict(value, limit),
                    "runs": [{"value": v, "limit": limit, "met": verdict(v, limit)} for v in per_run]})
    for span, s in slopes.items():
        if "ours" in s and "peer" in s:
            lo, hi = (int(x) for x in span.split("->"))
            pairs = [(a, b) for a in runs for b in runs
                     if a["nodes"] == lo and b["nodes"] == hi and a["run"] == b["run"]]
            per_run = [(run_slope(a, b, lo, hi, "ours"), run_slope(a, b, lo, hi, "peer")) for a, b in pairs]
            out.append({"target": "slope N=%s: site.yml fresh, TLS below the peer (s/node)" % span,
                        "value": s["ours"], "limit": s["peer"], "met": s["ours"] < s["peer"],
                        "runs": [{"value": v, "limit": p, "met": None if v is None or p is None else v < p}
                                 for v, p in per_run]})
    return out


def fmt(value):
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    return "%.2f" % value


def render(table, slopes, checks):
    cols = TIMES + list(RATIOS)
    lines = ["| N | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    for n, row in sorted(table.items()):
        lines.append("| %d | %s |" % (n, " | ".join(fmt(row[c]) for c in cols)))
    lines.append("")
    lines.append("Seconds (medians of %s runs); ratios are per-run ratios, median." %
                 "/".join(str(row["runs"]) for _n, row in sorted(table.items())))
    for span, s in slopes.items():
        lines.append("Slope %s (s per added node): %s" % (span, ", ".join("%s %.3f" % kv for kv in s.items())))
    lines.append("")
    said = {True: "met", False: "NOT met", None: "not measured"}
    for c in checks:
        each = "; ".join("run %d: %s%s %s" % (i + 1, fmt(r["value"]),
                                              "" if r["limit"] == c["limit"] else " (limit %s)" % fmt(r["limit"]),
                                              said[r["met"]])
                         for i, r in enumerate(c.get("runs", [])))
        lines.append("- %s: %s (limit %s) -> %s%s" % (c["target"], fmt(c["value"]), fmt(c["limit"]), said[c["met"]],
                                                      " (%s)" % each if each else ""))
    return "\n".join(lines)


# The scaling picture: seconds against N, one line per mode (an SVG, no plotting package needed).
CHART_MODES = [("floor", "#555555"), ("ansible", "#999999"), ("peer", "#1f77b4"), ("ours", "#d62728"),
               ("ours_plain", "#ff9896"), ("rerun", "#2ca02c"), ("rerun_plain", "#98df8a"),
               ("formation", "#9467bd")]


def chart(table, width=640, height=400, pad=50):
    sizes = sorted(table)
    points = dict((mode, [(n, table[n].get(mode)) for n in sizes if isinstance(table[n].get(mode), (int, float))])
                  for mode, _colour in CHART_MODES)
    top = max([v for line in points.values() for _n, v in line] + [1.0]) * 1.1
    lo, hi = min(sizes), max(sizes)

    def xy(n, v):
        x = pad + (width - 2 * pad) * ((n - lo) / float(hi - lo) if hi > lo else 0.5)
        return "%.1f,%.1f" % (x, height - pad - (height - 2 * pad) * v / top)
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" '
           'font-size="12">' % (width, height), '<rect width="100%" height="100%" fill="white"/>',
           '<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>' % (pad, height - pad, width - pad, height - pad),
           '<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>' % (pad, pad, pad, height - pad),
           '<text x="%d" y="%d" text-anchor="middle">nodes (N)</text>' % (width // 2, height - 10),
           '<text x="12" y="%d" transform="rotate(-90 12 %d)" text-anchor="middle">seconds</text>'
           % (height // 2, height // 2)]
    for n in sizes:
        x = xy(n, 0).split(",")[0]
        out.append('<text x="%s" y="%d" text-anchor="middle">%d</text>' % (x, height - pad + 16, n))
    for step in range(0, 6):
        value = top * step / 5
        y = xy(lo, value).split(",")[1]
        out.append('<text x="%d" y="%s" text-anchor="end">%.0f</text>' % (pad - 6, y, value))
    for index, (mode, colour) in enumerate(CHART_MODES):
        line = points[mode]
        if not line:
            continue
        out.append('<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>'
                   % (colour, " ".join(xy(n, v) for n, v in line)))
        out.append('<text x="%d" y="%d" fill="%s">%s</text>' % (pad + 10, pad + 14 * index, colour, mode))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def machine():
    mem = ""
    try:
        with open("/proc/meminfo") as handle:
            kb = int(handle.readline().split()[1])
            mem = "%.1f GiB" % (kb / 1024.0 / 1024.0)
    except (OSError, ValueError, IndexError):
        pass
    docker = sh(["docker", "version", "--format", "{{.Server.Version}}"], check=False).stdout.strip()
    ansible = sh([os.path.join(ROOT, ".venv", "bin", "ansible"), "--version"], check=False).stdout.split("\n")[0]
    return {"nproc": os.cpu_count(), "memory": mem, "docker": docker, "ansible": ansible,
            "python": platform.python_version(), "kernel": platform.release(), "node_kind": KIND,
            "forks": "from ansible.cfg"}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="3,10,20", help="comma-separated node counts (default 3,10,20)")
    parser.add_argument("--runs", type=int, default=3, help="runs per size (default 3)")
    parser.add_argument("--out", default=os.path.join("bench", "results", "latest.json"))
    parser.add_argument("--modes", default=",".join(FRESH_MODES),
                        help="fresh runs to do (default all: %s)" % ",".join(FRESH_MODES))
    parser.add_argument("--profile", action="store_true",
                        help="keep profile_tasks output of site.yml runs in bench/results/profiles/")
    parser.add_argument("--seed", type=int, default=None, help="seed for the order of modes within a run")
    parser.add_argument("--render", metavar="JSON",
                        help="run nothing: summarise that result's runs again (table, targets, chart) in place")
    args = parser.parse_args(argv)
    if args.render:
        with open(args.render) as handle:
            write(os.path.abspath(args.render), json.load(handle))
        return 0
    sizes = [int(s) for s in args.sizes.split(",")]
    modes = args.modes.split(",")
    rng = random.Random(args.seed)
    profile_dir = os.path.join(ROOT, "bench", "results", "profiles") if args.profile else None
    if profile_dir:
        os.makedirs(profile_dir, exist_ok=True)
    started = datetime.datetime.now(datetime.timezone.utc)
    runs = []
    for count in sizes:
        for index in range(args.runs):
            order = list(modes)
            rng.shuffle(order)  # no mode always runs first (or right after another engineer's test)
            record = {"nodes": count, "run": index + 1, "order": order, "seconds": {}, "errors": []}
            for mode in order:
                log("N=%d run %d: %s" % (count, index + 1, mode))
                try:
                    fresh_run(mode, count, record["seconds"], profile_dir)
                except RuntimeError as exc:
                    log("N=%d run %d: %s FAILED: %s" % (count, index + 1, mode, exc))
                    record["errors"].append("%s: %s" % (mode, str(exc)[:2000]))
            log("N=%d run %d: %s" % (count, index + 1, json.dumps(
                dict((k, round(v, 2)) for k, v in record["seconds"].items() if k != "_pings"))))
            record["seconds"].pop("_pings", None)
            runs.append(record)
    out = os.path.join(ROOT, args.out) if not os.path.isabs(args.out) else args.out
    write(out, {"started": started.isoformat(), "finished": datetime.datetime.now(datetime.timezone.utc).isoformat(),
                "machine": machine(), "sizes": sizes, "runs_per_size": args.runs, "runs": runs})
    return 1 if any(r["errors"] for r in runs) else 0


def write(out, result):
    """Summarise the result's runs (table, slopes, targets, markdown) into it, print the markdown,
    and write it as JSON with the chart next to it."""
    table, slopes = summarize(result["runs"])
    checks = targets(table, slopes, result["runs"])
    text = render(table, slopes, checks)
    print(text)
    result.update({"table": dict((str(k), v) for k, v in table.items()), "slopes": slopes, "targets": checks,
                   "markdown": text})
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(os.path.splitext(out)[0] + ".svg", "w") as handle:
        handle.write(chart(table))
    with open(out, "w") as handle:
        json.dump(result, handle, indent=2)
        handle.write("\n")
    log("wrote %s" % out)


if __name__ == "__main__":
    sys.exit(main())
