#!/usr/bin/env bash
# The main job on an embedded default: stand up a lab of 3 real Docker hosts (1 manager,
# 2 agents of different kinds) and run `ansible-playbook site.yml` against it.
# DCSWARM_NODES / DCSWARM_MANAGERS change the size; DCSWARM_INSECURE=1 opts into the guide's
# plain TCP instead of mutual TLS (the default). The lab stays up; `lab/lab.py down` removes it.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/bootstrap.sh"
. "$ROOT/scripts/env.sh"
cd "$ROOT"
python3 lab/lab.py up "${DCSWARM_NODES:-3}" --managers "${DCSWARM_MANAGERS:-1}" ${DCSWARM_INSECURE:+--insecure}
inventory="$(python3 lab/lab.py inventory)"
ansible-playbook site.yml -i "$inventory"
# The guide's last step: the cluster seen through the first manager's 2376 endpoint, asked from
# this machine as the operator, with the client certificate the run left next to the inventory
# (plain, as in the guide, with DCSWARM_INSECURE=1).
manager_ip="$(awk '/^\[swarm_managers\]/{getline; sub("lab_ip=","",$3); print $3; exit}' "$inventory")"
pki="$(dirname "$inventory")/docker-pki"
tls=()
[[ -n "${DCSWARM_INSECURE:-}" ]] || tls=(--tlsverify --tlscacert "$pki/ca.pem" --tlscert "$pki/cert.pem" --tlskey "$pki/key.pem")
echo "== docker ${tls[*]:+--tlsverify (client certificate in $pki)} -H tcp://$manager_ip:2376 node ls"
docker "${tls[@]}" -H "tcp://$manager_ip:2376" node ls
