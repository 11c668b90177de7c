# Sourced by the project's scripts after scripts/bootstrap.sh: the venv and the collection path.
DCSWARM_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$DCSWARM_ROOT/.venv/bin:$PATH"
export ANSIBLE_CONFIG="$DCSWARM_ROOT/ansible.cfg"
export ANSIBLE_COLLECTIONS_PATH="$DCSWARM_ROOT/.cache/collections"
