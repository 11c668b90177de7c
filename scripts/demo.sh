#!/usr/bin/env bash
# The main job on an embedded default: stand up a lab of 3 real Docker hosts (1 manager,
# 2 agents of different kinds) and run `ansible-playbook site.yml` against it.
# DCSWARM_NODES / DCSWARM_MANAGERS change the size. The lab stays up; `lab/lab.py down` removes it.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/bootstrap.sh"
. "$ROOT/scripts/env.sh"
cd "$ROOT"
python3 lab/lab.py up "${DCSWARM_NODES:-3}" --managers "${DCSWARM_MANAGERS:-1}"
inventory="$(python3 lab/lab.py inventory)"
ansible-playbook site.yml -i "$inventory"
# The guide's last step, unchanged: the cluster seen through the manager's 2376 endpoint,
# asked from another node of the lab.
manager="$(awk '/^\[swarm_managers\]/{getline; print $1; exit}' "$inventory")"
manager_ip="$(awk '/^\[swarm_managers\]/{getline; sub("lab_ip=","",$3); print $3; exit}' "$inventory")"
asker="$(awk '/^\[swarm_agents\]/{getline; print $1; exit}' "$inventory")"
echo "== docker -H $manager_ip:2376 node ls   (run on ${asker:-$manager})"
docker exec "${asker:-$manager}" docker -H "tcp://$manager_ip:2376" node ls
