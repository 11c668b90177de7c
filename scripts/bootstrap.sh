#!/usr/bin/env bash
# Prepares this checkout to run: the checkout linked in as the collection dockercluster.swarm (so no
# manual `ansible-galaxy collection install` is needed) and the pinned controller packages in .venv
# (re-installed only when requirements.txt changes). Then `. scripts/env.sh`.
# --newest: also the newest ansible-core this Python installs, in .cache/venv-newest
# (requirements-newest.txt, for scripts/test.sh's *-2.19 stages; it needs Python 3.11+).
# --link-only: only the link (a controller with ansible-core 2.16+ and community.docker already
# installed); then `ansible-playbook site.yml -i hosts` from the checkout finds the roles.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The checkout as the collection dockercluster.swarm, in .cache/collections (ansible.cfg's
# collections_path); relative, so the checkout can move.
link_collection() {
  local coll="$ROOT/.cache/collections/ansible_collections/dockercluster"
  mkdir -p "$coll"
  [[ -L "$coll/swarm" ]] || ln -sfn ../../../.. "$coll/swarm"
}
link_collection
case "${1:-}" in
  --link-only) exit 0 ;;
  ""|--newest) ;;
  *) echo "usage: $0 [--link-only|--newest]" >&2; exit 2 ;;
esac
# make_venv DIR REQUIREMENTS MODULE...: the venv, unless its stamp says it holds that file's pins;
# the modules named must import from it afterwards.
make_venv() {
  local venv="$1" requirements="$2"; shift 2
  local stamp="$venv/.requirements.sha256" want
  want="$(sha256sum "$requirements" | cut -d' ' -f1)"
  if [[ ! -x "$venv/bin/python" || "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
    echo "bootstrap: installing $(basename "$requirements") into ${venv#"$ROOT"/}"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check --upgrade pip 2>/dev/null | grep -v WARNING || true
    "$venv/bin/pip" install -q --disable-pip-version-check -r "$requirements" 2>&1 \
      | grep -v "^WARNING: Location" || true
    local imports
    imports="$(IFS=,; echo "$*")"
    "$venv/bin/python" -c "import $imports" \
      || { echo "bootstrap: venv install failed (${venv#"$ROOT"/})" >&2; exit 1; }
    echo "$want" > "$stamp"
  fi
}
make_venv "$ROOT/.venv" "$ROOT/requirements.txt" ansible docker molecule testinfra
if [[ "${1:-}" == --newest ]]; then
  make_venv "$ROOT/.cache/venv-newest" "$ROOT/requirements-newest.txt" ansible docker pytest \
    ansible_collections.community.docker
fi
