"""classic: the real swarm:1.2.9 manager (mutual TLS) sees every node Healthy and schedules on them."""

import re

testinfra_hosts = ["dcswarm-mol-classic-m1"]
NODES = ["dcswarm-mol-classic-m1", "dcswarm-mol-classic-a1", "dcswarm-mol-classic-a2"]
CERTS = "/etc/docker/certs"
CLUSTER = ("docker -H tcp://127.0.0.1:2376 --tlsverify --tlscacert {0}/ca.pem --tlscert {0}/client-cert.pem "
           "--tlskey {0}/client-key.pem ".format(CERTS))


def test_manager_info_shows_every_node_healthy(host):
    info = host.check_output(CLUSTER + "info")
    assert re.search(r"Server Version: swarm/1\.2\.9", info), info
    assert sorted(re.findall(r"^\s+(dcswarm-mol-classic-\w+): \d+\.\d+\.\d+\.\d+:2375$", info, re.M)) == sorted(NODES)
    assert re.findall(r"\u2514 Status: (\w+)", info) == ["Healthy"] * 3, info


def test_a_container_is_scheduled_through_2376(host):
    host.check_output(CLUSTER + "run -d --name mol-sched swarm:1.2.9 --version")
    host.check_output("for i in $(seq 30); do " + CLUSTER + "inspect -f '{{.State.Status}}' mol-sched | grep -qx exited "
                      "&& exit 0; sleep 1; done; exit 1")
    node, code = host.check_output(CLUSTER + "inspect -f '{{.Node.Name}} {{.State.ExitCode}}' mol-sched").split()
    assert node in NODES and code == "0"
    host.check_output(CLUSTER + "rm mol-sched")


def test_manager_container_is_the_guides_with_tls(host):
    out = host.check_output("docker inspect --format '{{json .HostConfig.PortBindings}} "
                            "{{.HostConfig.RestartPolicy.Name}} {{json .Config.Cmd}} {{json .Config.Env}}' "
                            "shipyard-swarm-manager")
    assert '"HostPort":"2376"' in out and " always " in out and '"--tlsverify"' in out
    # The guide's command ends with the discovery URL: swarm reads it from $SWARM_DISCOVERY here.
    assert re.search(r'"SWARM_DISCOVERY=nodes://(\d+\.\d+\.\d+\.\d+:2375,?){3}"', out), out
