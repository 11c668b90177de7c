#!/usr/bin/env python3
"""The project's test lab: real Docker hosts as containers on this machine.

Each node is a container with systemd as PID 1 and its own dockerd (see shared/LAB.md), reached
by Ansible through the community.docker.docker connection. Everything the lab creates carries
the `dcswarm-` prefix and the label `dcswarm.lab=<lab name>`, so `down` removes exactly that.

    lab.py engine              make sure a Docker engine answers here (installs/starts one if not)
    lab.py build               build the node images (cached: a second build is a no-op)
    lab.py up N [--managers M] [--kinds k1,k2] [--name LAB] [--insecure]
    lab.py down [--name LAB]   remove the lab's containers, volumes and network
    lab.py load IMAGE... [--name LAB]   copy local images into every node's engine
                               (the test images below are built first when needed)
    lab.py inventory [--name LAB]   print the inventory path
    lab.py rebuild NODE [--name LAB]   a node's machine rebuilt: its container and engine data
                               removed, a fresh one started with the same name and kind
    lab.py etcd [--name LAB]   Debian's etcd-server (v2 API on) on the lab's network; prints its IP
    lab.py swarm-image [--into CONTAINER...]   build the real swarm:1.2.9 (shared/classic-swarm) and
                               load it into those containers (molecule's nodes); exit 3 when missing
    lab.py engine-stop         stop the dockerd that `engine` started, if it started one
"""

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IMAGES_DIR = os.path.join(ROOT, "lab", "images")
CACHE = os.path.join(ROOT, ".cache", "lab")
STATE = os.path.join(ROOT, ".lab")
PREFIX = "dcswarm"
LABEL = PREFIX + ".lab"
BASE_SUITES = {"bookworm": "dcswarm-base:bookworm", "trixie": "dcswarm-base:trixie"}
# kind -> (image dir, the image it is built FROM). Order matters: parents first.
KINDS = {
    "debian12-bare": "dcswarm-base:bookworm",
    "debian12": "dcswarm-node:debian12-bare",
    "debian13": "dcswarm-base:trixie",
    "el7-layout": "dcswarm-node:debian12",
    "debian12-ssh": "dcswarm-node:debian12",
    "debian12-firewalld": "dcswarm-node:debian12",
    "docker-ce-layout": "dcswarm-node:debian12",
}
# Images the tests load into nodes (never used by the collection itself): image -> (dir, parent).
TEST_IMAGES = {
    # Stand-in for classic Swarm's `swarm` image: records its argv in /args and stays up.
    "dcswarm-stub:swarm": ("stub-swarm", "dcswarm-base:bookworm"),
    # Stand-in for shipyard/docker-proxy: socat from TCP $PORT to the docker socket.
    "dcswarm-proxy:socat": ("proxy-socat", "dcswarm-base:bookworm"),
    # Debian's etcd-server, the key-value store for classic Swarm's etcd:// discovery.
    "dcswarm-etcd:bookworm": ("etcd", "dcswarm-base:bookworm"),
}
# The real classic Swarm (the guide's `swarm` image), made FROM scratch from the binary in
# shared/classic-swarm (see its README), next to the checkout or next to a folder above it (a CI
# clone may sit deeper); DCSWARM_CLASSIC_SWARM_DIR points elsewhere.
CLASSIC_SWARM_IMAGE = "swarm:1.2.9"


def _find_classic_swarm_dir():
    folder = os.path.dirname(ROOT)
    while True:
        candidate = os.path.join(folder, "shared", "classic-swarm")
        if os.path.isdir(candidate) or os.path.dirname(folder) == folder:
            return candidate if os.path.isdir(candidate) else os.path.join(os.path.dirname(ROOT), "shared",
                                                                           "classic-swarm")
        folder = os.path.dirname(folder)


CLASSIC_SWARM_DIR = os.environ.get("DCSWARM_CLASSIC_SWARM_DIR") or _find_classic_swarm_dir()
CLASSIC_SWARM_BINARY = "swarm-1.2.9-linux-amd64.gz"
CLASSIC_SWARM_DOCKERFILE = """FROM scratch
COPY swarm /swarm
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
ENV SWARM_HOST=:2375
EXPOSE 2375
VOLUME /.swarm
ENTRYPOINT ["/swarm"]
CMD ["--help"]
"""
# `up N` cycles through these, so 3 nodes cover the three daemon layouts.
DEFAULT_MIX = ["debian12", "el7-layout", "debian13", "debian12-bare"]
# Every capability but SYS_RESOURCE (not in this machine's bounding set), which is what
# --privileged would need; see shared/LAB.md.
RUN_FLAGS = [
    "--cap-add", "ALL", "--cap-drop", "SYS_RESOURCE",
    "--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined",
    "--security-opt", "systempaths=unconfined",
    "-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw",
    # An anonymous volume lets the inner engine use overlay2 instead of vfs.
    "-v", "/var/lib/docker",
    "--tmpfs", "/run", "--tmpfs", "/run/lock",
]


def log(msg):
    print("lab: " + msg, flush=True)


def run(args, check=True, capture=True, **kwargs):
    res = subprocess.run(args, check=False, text=True,
                         stdout=subprocess.PIPE if capture else None,
                         stderr=subprocess.PIPE if capture else None, **kwargs)
    if check and res.returncode != 0:
        raise SystemExit("lab: command failed (%d): %s\n%s" % (
            res.returncode, " ".join(args), (res.stderr or "").strip()))
    return res


def docker(*args, **kwargs):
    return run(["docker"] + list(args), **kwargs)


# ---------------------------------------------------------------- engine

def engine_answers():
    return shutil.which("docker") is not None and docker("info", check=False).returncode == 0


def install_packages(packages):
    """Debian packages the lab needs on this machine (as root)."""
    if os.geteuid() != 0:
        raise SystemExit("lab: %s missing and installing needs root" % ", ".join(packages))
    log("installing %s from Debian" % ", ".join(packages))
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    run(["apt-get", "update", "-qq"], env=env)
    run(["apt-get", "install", "-y", "-qq"] + packages, env=env)


def ensure_engine():
    """Start a Docker engine when none answers; never touch one that already runs."""
    if engine_answers():
        log("docker engine answers; leaving it as it is")
        return
    if shutil.which("dockerd") is None:
        install_packages(["docker.io"])
    os.makedirs(CACHE, exist_ok=True)
    logf = open(os.path.join(CACHE, "dockerd.log"), "ab")
    proc = subprocess.Popen(["dockerd"], stdout=logf, stderr=logf, start_new_session=True)
    with open(os.path.join(CACHE, "dockerd.pid"), "w") as f:
        f.write(str(proc.pid))
    for _ in range(60):
        if engine_answers():
            log("started dockerd (pid %d, log .cache/lab/dockerd.log)" % proc.pid)
            return
        if proc.poll() is not None:
            break
        time.sleep(1)
    raise SystemExit("lab: dockerd did not come up; see .cache/lab/dockerd.log")


def stop_engine():
    """Stop the dockerd this script started (by its own pid), and nothing else."""
    pidfile = os.path.join(CACHE, "dockerd.pid")
    if not os.path.exists(pidfile):
        log("no dockerd was started by the lab; nothing to stop")
        return
    with open(pidfile) as f:
        pid = int(f.read().strip() or 0)
    os.remove(pidfile)
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            if not f.read().startswith(b"dockerd"):
                return
        os.kill(pid, 15)
    except (OSError, ValueError):
        return
    for _ in range(30):
        if not os.path.exists("/proc/%d" % pid):
            break
        time.sleep(1)
    log("stopped the lab's dockerd (pid %d)" % pid)


# ---------------------------------------------------------------- images

def image_label(image, label):
    res = docker("image", "inspect", "--format",
                 "{{ index .Config.Labels %s }}" % json.dumps(label), image, check=False)
    return res.stdout.strip() if res.returncode == 0 else None


def image_id(image):
    res = docker("image", "inspect", "--format", "{{.Id}}", image, check=False)
    return res.stdout.strip() if res.returncode == 0 else None


def build_base(suite, image):
    if image_id(image):
        return
    if shutil.which("debootstrap") is None:
        install_packages(["debootstrap"])
    rootfs = os.path.join(CACHE, "rootfs-" + suite)
    if not os.path.isdir(os.path.join(rootfs, "etc")):
        log("debootstrap %s (about 40 s)" % suite)
        shutil.rmtree(rootfs, ignore_errors=True)
        run(["debootstrap", "--variant=minbase", suite, rootfs, "http://deb.debian.org/debian"])
    log("importing %s" % image)
    tar = subprocess.Popen(["tar", "-C", rootfs, "-c", "."], stdout=subprocess.PIPE)
    run(["docker", "import", "--change", "LABEL %s.project=1" % PREFIX, "-", image],
        stdin=tar.stdout)
    tar.wait()
    shutil.rmtree(rootfs, ignore_errors=True)


def context_hash(kind, parent):
    """What the image is made of: its folder, the shared files and the exact parent image."""
    digest = hashlib.sha256((image_id(parent) or "").encode())
    for sub in (kind, "common"):
        folder = os.path.join(IMAGES_DIR, sub)
        for name in sorted(os.listdir(folder)):
            digest.update(os.path.join(sub, name).encode())
            with open(os.path.join(folder, name), "rb") as f:
                digest.update(f.read())
    return digest.hexdigest()[:16]


def build_image(image, folder, parent):
    """Build ``image`` from lab/images/<folder> unless its context and parent are unchanged.

    The build context is lab/images itself, so that images share lab/images/common.
    """
    digest = context_hash(folder, parent)
    if image_label(image, PREFIX + ".context") == digest:
        return
    log("building %s" % image)
    started = time.time()
    docker("build", "-q", "--label", "%s.project=1" % PREFIX,
           "--label", "%s.context=%s" % (PREFIX, digest),
           "-t", image, "-f", os.path.join(IMAGES_DIR, folder, "Dockerfile"), IMAGES_DIR)
    log("built %s in %.0f s" % (image, time.time() - started))


def classic_swarm_missing():
    """Why the real swarm image cannot be built here (a message), or None."""
    for name in (CLASSIC_SWARM_BINARY, "SHA256SUMS"):
        path = os.path.join(CLASSIC_SWARM_DIR, name)
        if not os.path.exists(path):
            return ("the real classic Swarm binary is missing: %s (shared/classic-swarm, or set "
                    "DCSWARM_CLASSIC_SWARM_DIR)" % path)
    return None


def build_classic_swarm():
    """swarm:1.2.9 (and swarm:latest) FROM scratch: the binary, checked against SHA256SUMS, and
    this machine's CA roots (token discovery speaks https)."""
    import gzip
    missing = classic_swarm_missing()
    if missing:
        raise SystemExit("lab: " + missing)
    with gzip.open(os.path.join(CLASSIC_SWARM_DIR, CLASSIC_SWARM_BINARY)) as f:
        binary = f.read()
    digest = hashlib.sha256(binary).hexdigest()
    with open(os.path.join(CLASSIC_SWARM_DIR, "SHA256SUMS")) as f:
        sums = [line.split()[0] for line in f if line.strip()]
    if digest not in sums:
        raise SystemExit("lab: %s does not match SHA256SUMS (sha256 %s)" % (CLASSIC_SWARM_BINARY, digest))
    roots = "/etc/ssl/certs/ca-certificates.crt"
    roots_data = open(roots, "rb").read() if os.path.exists(roots) else b""
    context = hashlib.sha256(binary + roots_data + CLASSIC_SWARM_DOCKERFILE.encode()).hexdigest()[:16]
    if image_label(CLASSIC_SWARM_IMAGE, PREFIX + ".context") == context:
        return
    folder = os.path.join(CACHE, "classic-swarm")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "swarm"), "wb") as f:
        f.write(binary)
    os.chmod(os.path.join(folder, "swarm"), 0o755)
    with open(os.path.join(folder, "ca-certificates.crt"), "wb") as f:
        f.write(roots_data)
    with open(os.path.join(folder, "Dockerfile"), "w") as f:
        f.write(CLASSIC_SWARM_DOCKERFILE)
    log("building %s from %s" % (CLASSIC_SWARM_IMAGE, CLASSIC_SWARM_DIR))
    docker("build", "-q", "--label", "%s.project=1" % PREFIX, "--label", "%s.context=%s" % (PREFIX, context),
           "-t", CLASSIC_SWARM_IMAGE, "-t", "swarm:latest", folder)


def build_test_images(images=None):
    for image, (folder, parent) in TEST_IMAGES.items():
        if images is None or image in images:
            for suite, base in BASE_SUITES.items():
                if base == parent:
                    build_base(suite, base)
            build_image(image, folder, parent)


def load_images(name, images):
    """docker save IMAGE | docker exec -i NODE docker load, into every node of the lab, in parallel."""
    build_test_images([i for i in images if i in TEST_IMAGES])
    if CLASSIC_SWARM_IMAGE in images:
        build_classic_swarm()
    nodes = lab_nodes(name)
    if not nodes:
        raise SystemExit("lab: lab %s has no nodes" % name)
    load_into(nodes, images)


def load_into(nodes, images):
    """Local images into those node containers' engines."""
    import concurrent.futures

    def load(node, image):
        save = subprocess.Popen(["docker", "save", image], stdout=subprocess.PIPE)
        res = run(["docker", "exec", "-i", node, "docker", "load", "-q"], stdin=save.stdout, check=False)
        save.stdout.close()
        if save.wait() != 0 or res.returncode != 0:
            raise SystemExit("lab: loading %s into %s failed: %s" % (image, node, (res.stderr or "").strip()))

    started = time.time()
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        for future in [pool.submit(load, n, i) for n in nodes for i in images]:
            future.result()
    log("loaded %s into %d nodes in %.0f s" % (", ".join(images), len(nodes), time.time() - started))


def build_images(kinds=None):
    wanted = set(kinds or KINDS)
    for suite, image in BASE_SUITES.items():
        build_base(suite, image)
    for kind, parent in KINDS.items():
        # Parents of wanted kinds are built too (dict order lists parents first).
        if kind not in wanted and not any(KINDS[k] == "dcswarm-node:" + kind for k in wanted):
            continue
        build_image("dcswarm-node:" + kind, kind, parent)


# ---------------------------------------------------------------- nodes

def lab_containers(name):
    res = docker("ps", "-a", "--filter", "label=%s=%s" % (LABEL, name), "--format", "{{.Names}}")
    return [n for n in res.stdout.split() if n.startswith(PREFIX + "-")]


def lab_nodes(name):
    """The lab's node containers (those with a kind), not its helpers (etcd)."""
    res = docker("ps", "-a", "--filter", "label=%s=%s" % (LABEL, name), "--filter", "label=%s.kind" % PREFIX,
                 "--format", "{{.Names}}")
    return [n for n in res.stdout.split() if n.startswith(PREFIX + "-")]


def start_etcd(name):
    """Debian's etcd-server on the lab's network, v2 API on (classic Swarm's libkv speaks v2);
    removed with the lab (its label). Returns its IP address."""
    build_test_images(["dcswarm-etcd:bookworm"])
    container = "%s-%s-etcd" % (PREFIX, name)
    docker("rm", "-f", container, check=False)
    docker("run", "-d", "--label", "%s=%s" % (LABEL, name), "--network", network_name(name), "--name", container,
           # The advertised URL must be the one the nodes reach: libkv's client syncs to it.
           "dcswarm-etcd:bookworm", "sh", "-c", "exec etcd --enable-v2 --data-dir /var/lib/etcd/lab "
           "--listen-client-urls http://0.0.0.0:2379 --advertise-client-urls http://$(hostname -i | cut -d' ' -f1):2379")
    ip = node_ip(container, network_name(name))
    for _ in range(30):
        res = docker("exec", container, "etcdctl", "endpoint", "health", check=False)
        if res.returncode == 0:
            return ip
        time.sleep(1)
    raise SystemExit("lab: etcd did not answer: %s" % docker("logs", container, check=False).stderr[-2000:])


def network_name(name):
    return "%s-%s-net" % (PREFIX, name)


def remove_network(net, removed):
    """The lab's network. The engine sometimes keeps an endpoint of a container already removed ("has
    active endpoints"): those it names and the lab's ``removed`` containers are disconnected by force."""
    if docker("network", "inspect", net, check=False).returncode != 0:
        return
    res = docker("network", "rm", net, check=False)
    if res.returncode == 0:
        return
    if "active endpoints" not in res.stderr:
        raise SystemExit("lab: docker network rm %s failed: %s" % (net, res.stderr.strip()))
    kept = docker("network", "inspect", "--format", "{{range .Containers}}{{.Name}} {{end}}", net).stdout.split()
    for endpoint in sorted(set(kept) | set(removed)):
        docker("network", "disconnect", "--force", net, endpoint, check=False)
    docker("network", "rm", net)
    log("%s: removed after disconnecting stale endpoints (%s)" % (net, ", ".join(kept) or "none listed"))


def down(name):
    names = lab_containers(name)
    if names:
        # -v removes the anonymous /var/lib/docker volumes with them.
        docker("rm", "-f", "-v", *names)
    remove_network(network_name(name), names)
    shutil.rmtree(os.path.join(STATE, name), ignore_errors=True)
    log("lab %s is down (%d containers removed)" % (name, len(names)))


def wait_for_docker(node, timeout=180):
    deadline = time.time() + timeout
    while time.time() < deadline:
        res = docker("exec", node, "systemctl", "is-active", "docker", check=False)
        if res.stdout.strip() == "active":
            if docker("exec", node, "docker", "info", check=False).returncode == 0:
                return
        time.sleep(1)
    status = docker("exec", node, "systemctl", "status", "docker", "--no-pager", check=False)
    raise SystemExit("lab: docker.service in %s did not become active:\n%s" % (node, status.stdout))


def node_ip(node, net):
    res = docker("inspect", "--format",
                 "{{ (index .NetworkSettings.Networks %s).IPAddress }}" % json.dumps(net), node)
    return res.stdout.strip()


def start_node(name, index, kind):
    node = "%s-%s-node%d" % (PREFIX, name, index)
    docker("run", "-d", *RUN_FLAGS, "--label", "%s=%s" % (LABEL, name),
           "--label", "%s.kind=%s" % (PREFIX, kind), "--network", network_name(name),
           "--name", node, "--hostname", node, "dcswarm-node:" + kind, "/lib/systemd/systemd")
    return node


def rebuild(name, node):
    """Remove a node's container with its engine's data and start a fresh one of the same name
    and kind (its address may change): a machine rebuilt from scratch."""
    if node not in lab_containers(name):
        raise SystemExit("lab: %s is not a node of lab %s" % (node, name))
    kind = docker("inspect", "--format", '{{ index .Config.Labels "%s.kind" }}' % PREFIX, node).stdout.strip()
    index = int(node.rsplit("node", 1)[1])
    docker("rm", "-f", "-v", node)
    start_node(name, index, kind)
    wait_for_docker(node)
    log("%s rebuilt (%s), address %s" % (node, kind, node_ip(node, network_name(name))))


def up(count, managers, kinds, name, insecure=False):
    if count < 1 or managers < 1 or managers > count:
        raise SystemExit("lab: need 1 <= managers <= nodes (got %d managers, %d nodes)"
                         % (managers, count))
    kinds = kinds or DEFAULT_MIX
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise SystemExit("lab: unknown node kind(s) %s; known: %s" % (unknown, sorted(KINDS)))
    ensure_engine()
    build_images(kinds)
    down(name)  # clear what an earlier run (or session) left behind
    docker("network", "create", "--label", "%s=%s" % (LABEL, name), network_name(name))
    started = time.time()
    nodes = [(start_node(name, i + 1, kinds[i % len(kinds)]), kinds[i % len(kinds)])
             for i in range(count)]
    for node, _kind in nodes:
        wait_for_docker(node)
    log("%d nodes up with docker active in %.1f s" % (count, time.time() - started))
    hosts = [(node, kind, node_ip(node, network_name(name))) for node, kind in nodes]
    path = write_inventory(name, hosts, managers, insecure)
    print(path)


def write_inventory(name, hosts, managers, insecure=False):
    folder = os.path.join(STATE, name)
    os.makedirs(folder, exist_ok=True)
    lines = ["# Written by lab/lab.py: the lab's nodes, reached through their container names.",
             "[swarm_managers]"]
    line = "{0} lab_node_kind={1} lab_ip={2}"
    lines += [line.format(*h) for h in hosts[:managers]]
    lines += ["", "[swarm_agents]"] + [line.format(*h) for h in hosts[managers:]]
    lines += ["", "[all:vars]",
              "ansible_connection=community.docker.docker",
              "ansible_python_interpreter=/usr/bin/python3",
              # site.yml becomes root (swarm_become) by sudo, as on most fleets: with pipelining a
              # module is one exec (su cannot pipeline: each trip costs about twice as much).
              "ansible_become_method=sudo", ""]
    path = os.path.join(folder, "inventory.ini")
    with open(path, "w") as f:
        f.write("\n".join(lines))
    # --insecure: the guide's plain-TCP setup, an explicit, documented opt-in. Without it the
    # collection's default applies: mutual TLS, with the PKI next to this inventory.
    os.makedirs(os.path.join(folder, "group_vars"), exist_ok=True)
    with open(os.path.join(folder, "group_vars", "all.yml"), "w") as f:
        f.write("---\n# Written by lab/lab.py.\n")
        if insecure:
            f.write("# The guide's unauthenticated TCP listener, opted into explicitly (lab.py up --insecure).\n"
                    "swarm_insecure_tcp: true\n")
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("engine")
    sub.add_parser("engine-stop")
    build_p = sub.add_parser("build")
    build_p.add_argument("--kinds", help="comma-separated kinds (default: all)")
    up_p = sub.add_parser("up")
    up_p.add_argument("count", type=int)
    up_p.add_argument("--managers", type=int, default=1)
    up_p.add_argument("--insecure", action="store_true",
                      help="opt the lab into the guide's plain TCP (default: mutual TLS)")
    up_p.add_argument("--kinds", help="comma-separated kinds, cycled (default: %s)"
                      % ",".join(DEFAULT_MIX))
    load_p = sub.add_parser("load")
    load_p.add_argument("images", nargs="+")
    rebuild_p = sub.add_parser("rebuild")
    rebuild_p.add_argument("node")
    etcd_p = sub.add_parser("etcd")
    image_p = sub.add_parser("swarm-image")
    image_p.add_argument("--into", nargs="*", default=[])
    for p in (up_p, sub.add_parser("down"), sub.add_parser("inventory"), load_p, rebuild_p, etcd_p):
        p.add_argument("--name", default=os.environ.get("DCSWARM_LAB", "lab"),
                       help="lab name, so several labs can coexist (env DCSWARM_LAB)")
    args = parser.parse_args(argv)
    kinds = args.kinds.split(",") if getattr(args, "kinds", None) else None
    if args.cmd == "engine":
        ensure_engine()
    elif args.cmd == "engine-stop":
        stop_engine()
    elif args.cmd == "build":
        ensure_engine()
        build_images(kinds)
        if kinds is None:
            build_test_images()
    elif args.cmd == "load":
        load_images(args.name, args.images)
    elif args.cmd == "swarm-image":
        if classic_swarm_missing():
            log(classic_swarm_missing())
            return 3
        build_classic_swarm()
        if args.into:
            load_into(args.into, [CLASSIC_SWARM_IMAGE])
    elif args.cmd == "etcd":
        print(start_etcd(args.name))
    elif args.cmd == "rebuild":
        rebuild(args.name, args.node)
    elif args.cmd == "up":
        up(args.count, args.managers, kinds, args.name, args.insecure)
    elif args.cmd == "down":
        if engine_answers():
            down(args.name)
    elif args.cmd == "inventory":
        print(os.path.join(STATE, args.name, "inventory.ini"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
