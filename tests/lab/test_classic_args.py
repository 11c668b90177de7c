"""site.yml with swarm_backend: classic, where only the arguments are checked: a stand-in swarm image.

The lab's `dcswarm-stub:swarm` (records its argv in /args and stays up) takes the real image's place
where what is checked is the arguments alone: the guide's `token://<token>` containers (Docker's hosted
discovery is gone: the real thing runs against a local one in test_classic.py), a strategy change
recreating only the manager, and the proxy method's containers (socat doing shipyard/docker-proxy's job).
The real swarm 1.2.9 runs in tests/lab/test_classic.py.
"""

import json
import os

import pytest

from labkit import LAB, ROOT, Lab, playbook, sh

SITE = os.path.join(ROOT, "site.yml")
STUB = "dcswarm-stub:swarm"
PROXY = "dcswarm-proxy:socat"
TOKEN = "0123456789abcdef0123456789abcdef"


def load(lab, *images):
    sh(["python3", LAB, "load", "--name", lab.name] + list(images))


def inspect(lab, host, name):
    out = lab.run(host, "docker inspect %s" % name, check=False)
    return json.loads(out.stdout)[0] if out.returncode == 0 else None


def guide_spec(info):
    """What `docker run` in the guide decides: name, ports, restart policy, argv, -ti; and the discovery URL the
    guide's command ends with, which swarm reads from $SWARM_DISCOVERY instead (ps shows a command to anyone)."""
    bindings = {k: [b["HostPort"] for b in v] for k, v in (info["HostConfig"]["PortBindings"] or {}).items()}
    env = dict(item.split("=", 1) for item in info["Config"]["Env"] or [])
    return dict(name=info["Name"].lstrip("/"), image=info["Config"]["Image"], args=info["Config"]["Cmd"],
                discovery=env.get("SWARM_DISCOVERY"),
                ports=bindings, restart=info["HostConfig"]["RestartPolicy"]["Name"],
                tty=info["Config"]["Tty"], running=info["State"]["Running"])


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    lab = Lab("cclassic", 2, kinds=["debian12", "debian13"])
    lab.tmp = tmp_path_factory.mktemp("classic")
    load(lab, STUB)
    yield lab
    lab.down()


def inventory(lab, **extra):
    h = lab.names()
    extra_vars = dict(swarm_backend="classic", swarm_classic_image=STUB, swarm_classic_token=TOKEN,
                      swarm_verify="false")
    extra_vars.update(extra)
    return lab.write_inventory(str(lab.tmp / "hosts"), h[:1], h[1:], extra_vars=extra_vars)


def test_site_runs_the_guides_containers(lab):
    h = lab.names()
    _rc, out, _recap = playbook(SITE, inventory(lab))
    manager = guide_spec(inspect(lab, h[0], "shipyard-swarm-manager"))
    # docker run -ti -d -p 2376:2375 --restart=always --name shipyard-swarm-manager swarm
    #   manage --host tcp://0.0.0.0:2375 token://<token>
    assert manager == dict(name="shipyard-swarm-manager", image=STUB,
                           args=["manage", "--host", "tcp://0.0.0.0:2375"], discovery="token://" + TOKEN,
                           ports={"2375/tcp": ["2376"]}, restart="always", tty=True, running=True)
    assert lab.run(h[0], "docker exec shipyard-swarm-manager cat /args").stdout.split() == manager["args"]
    # docker run -ti -d --restart=always --name shipyard-swarm-agent swarm join --addr <ip>:2375 token://<token>
    for host in h:
        agent = guide_spec(inspect(lab, host, "shipyard-swarm-agent"))
        assert agent == dict(name="shipyard-swarm-agent", image=STUB,
                             args=["join", "--addr", "%s:2375" % lab.ip(host)], discovery="token://" + TOKEN,
                             ports={}, restart="always", tty=True, running=True), host
        assert TOKEN not in lab.run(host, "ps -eo args").stdout, host
        assert inspect(lab, host, "shipyard-swarm-manager") is None or host == h[0]
    # The engines listen on 2375 (daemon method); the 2376 endpoint is the manager container's.
    assert "2376" not in lab.run(h[0], "ps -o args= -C dockerd").stdout
    assert TOKEN not in out


def test_changing_the_strategy_recreates_only_the_manager(lab):
    h = lab.names()
    manager_id = inspect(lab, h[0], "shipyard-swarm-manager")["Id"]
    agents = {host: inspect(lab, host, "shipyard-swarm-agent")["Id"] for host in h}
    _rc, _out, recap = playbook(SITE, inventory(lab, swarm_manager_classic_strategy="binpack"))
    manager = inspect(lab, h[0], "shipyard-swarm-manager")
    assert manager["Id"] != manager_id
    assert manager["Config"]["Cmd"] == ["manage", "--host", "tcp://0.0.0.0:2375", "--strategy", "binpack"]
    assert agents == {host: inspect(lab, host, "shipyard-swarm-agent")["Id"] for host in h}
    assert recap[h[0]]["changed"] == 1 and all(recap[host]["changed"] == 0 for host in h[1:]), recap


@pytest.fixture(scope="module")
def proxy_lab(tmp_path_factory):
    lab = Lab("cproxy", 2, kinds=["debian12", "debian13"])
    lab.tmp = tmp_path_factory.mktemp("proxy")
    load(lab, STUB, PROXY)
    yield lab
    lab.down()


def proxy_inventory(lab):
    h = lab.names()
    return lab.write_inventory(str(lab.tmp / "hosts"), h[:1], h[1:], extra_vars=dict(
        swarm_backend="classic", swarm_port_setup="proxy", docker_proxy_image=PROXY, swarm_classic_image=STUB,
        swarm_classic_token=TOKEN, swarm_verify="false"))


def test_proxy_answers_on_2375_on_every_node(proxy_lab):
    lab = proxy_lab
    h = lab.names()
    playbook(SITE, proxy_inventory(lab))
    for host in h:
        proxy = guide_spec(inspect(lab, host, "shipyard-proxy"))
        assert proxy["ports"] == {"2375/tcp": ["2375"]} and proxy["restart"] == "always" and proxy["running"]
        info = inspect(lab, host, "shipyard-proxy")
        assert info["Config"]["Hostname"] == host
        assert "PORT=2375" in info["Config"]["Env"]
        assert info["HostConfig"]["Binds"][0] in ("/var/run/docker.sock:/var/run/docker.sock",
                                                  "/var/run/docker.sock:/var/run/docker.sock:rw")
        # dockerd itself has no TCP listener: 2375 answers through the proxy container.
        assert "tcp://" not in lab.run(host, "ps -o args= -C dockerd").stdout
        other = [x for x in h if x != host][0]
        name = lab.run(other, "docker -H tcp://%s:2375 info --format '{{.Name}}'" % lab.ip(host)).stdout.strip()
        assert name == host


def test_proxy_second_run_changes_nothing(proxy_lab):
    lab = proxy_lab
    _rc, _out, recap = playbook(SITE, proxy_inventory(lab))
    assert {host: counts["changed"] for host, counts in recap.items()} == \
        {host: 0 for host in ["localhost"] + lab.names()}


def test_proxy_refuses_a_port_dockerd_already_listens_on(proxy_lab, tmp_path):
    lab = proxy_lab
    h = lab.names()
    inv = lab.write_inventory(str(tmp_path / "hosts"), h[:1], h[1:], extra_vars=dict(
        swarm_port_setup="proxy", docker_proxy_image=PROXY,
        docker_listen_addresses="['unix:///var/run/docker.sock','tcp://0.0.0.0:2375']"))
    rc, out, _recap = playbook(SITE, inv, check=False)
    assert rc != 0 and "Both cannot hold the same port" in out
