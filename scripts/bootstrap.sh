#!/usr/bin/env bash
# Prepares this checkout to run: the pinned controller packages in .venv (re-installed only when
# requirements.txt changes) and the checkout linked in as the collection dockercluster.swarm,
# so no manual `ansible-galaxy collection install` is needed. Then `. scripts/env.sh`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
STAMP="$VENV/.requirements.sha256"
want="$(sha256sum "$ROOT/requirements.txt" | cut -d' ' -f1)"
if [[ ! -x "$VENV/bin/python" || "$(cat "$STAMP" 2>/dev/null)" != "$want" ]]; then
  echo "bootstrap: installing the pinned controller packages into .venv"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check --upgrade pip 2>/dev/null | grep -v WARNING || true
  "$VENV/bin/pip" install -q --disable-pip-version-check -r "$ROOT/requirements.txt" 2>&1 \
    | grep -v "^WARNING: Location" || true
  "$VENV/bin/python" -c "import ansible, docker, molecule, testinfra" \
    || { echo "bootstrap: venv install failed" >&2; exit 1; }
  echo "$want" > "$STAMP"
fi
COLL="$ROOT/.cache/collections/ansible_collections/dockercluster"
mkdir -p "$COLL"
[[ -L "$COLL/swarm" ]] || ln -sfn "$ROOT" "$COLL/swarm"
