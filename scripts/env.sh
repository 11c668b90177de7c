# Sourced by the project's scripts after scripts/bootstrap.sh: the venv and the collection path.
# DCSWARM_VENV picks the controller venv (default .venv: ansible-core 2.16, requirements.txt);
# DCSWARM_VENV=.cache/venv-newest gives the newest ansible-core (requirements-newest.txt).
DCSWARM_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
case "${DCSWARM_VENV:=.venv}" in /*) ;; *) DCSWARM_VENV="$DCSWARM_ROOT/$DCSWARM_VENV" ;; esac
export DCSWARM_VENV
export PATH="$DCSWARM_VENV/bin:$PATH"
export ANSIBLE_CONFIG="$DCSWARM_ROOT/ansible.cfg"
export ANSIBLE_COLLECTIONS_PATH="$DCSWARM_ROOT/.cache/collections"
# Without the venv (bootstrap.sh --link-only: Ansible installed already), also where that Ansible keeps its
# collections, as ansible.cfg lists them (community.docker may be there); with it, the venv's alone.
if [[ ! -x "$DCSWARM_VENV/bin/ansible-playbook" ]]; then
  ANSIBLE_COLLECTIONS_PATH="$ANSIBLE_COLLECTIONS_PATH:$HOME/.ansible/collections:/usr/share/ansible/collections"
fi
