#!/bin/sh
# The floor: what site.yml does, by the bare docker CLI, from this machine with `docker exec`.
#   floor.sh [--listen-only] MANAGER_NODE:IP [AGENT_NODE:IP ...]
# 1. every engine listens on TCP 2375 (the first manager also on the 2376 cluster endpoint),
#    plain TCP with an explicit --tls=false, then docker restarts (all nodes in parallel) and
#    the script waits until each answers on tcp://127.0.0.1:2375;
# 2. `docker swarm init` on the manager; 3. the worker token; 4. every other node joins, in parallel.
# --listen-only stops after step 1 (how bench.py prepares nodes for the formation-only runs).
set -eu
listen_only=0
if [ "${1:-}" = "--listen-only" ]; then listen_only=1; shift; fi
[ $# -ge 1 ] || { echo "usage: $0 [--listen-only] MANAGER:IP [AGENT:IP ...]" >&2; exit 2; }
manager=${1%%:*}
manager_ip=${1#*:}

listen() {  # node, extra -H flags
    docker exec "$1" sh -c "set -e
        echo 'DOCKER_OPTS=\"-H tcp://0.0.0.0:2375 $2 --tls=false\"' >> /etc/default/docker
        systemctl restart docker
        i=0
        until docker -H tcp://127.0.0.1:2375 version >/dev/null 2>&1; do
            i=\$((i+1)); [ \$i -lt 300 ] || exit 1; sleep 0.1
        done"
}

pids=""
first=1
for spec in "$@"; do
    node=${spec%%:*}
    if [ $first = 1 ]; then extra="-H tcp://0.0.0.0:2376"; first=0; else extra=""; fi
    listen "$node" "$extra" & pids="$pids $!"
done
for pid in $pids; do wait "$pid"; done
[ $listen_only = 1 ] && exit 0

docker exec "$manager" docker swarm init --advertise-addr "$manager_ip" >/dev/null
token=$(docker exec "$manager" docker swarm join-token -q worker)

shift
pids=""
for spec in "$@"; do
    docker exec "${spec%%:*}" docker swarm join --token "$token" --advertise-addr "${spec#*:}" \
        "$manager_ip:2377" >/dev/null & pids="$pids $!"
done
for pid in $pids; do wait "$pid"; done
