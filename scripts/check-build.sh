#!/usr/bin/env bash
# The collection builds into a tarball that installs into a fresh path, and every module's
# documentation renders with ansible-doc from that install.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
ansible-galaxy collection build --force --output-path "$OUT" "$ROOT"
ansible-galaxy collection install --force --offline --no-deps -p "$OUT/installed" "$OUT"/dockercluster-swarm-*.tar.gz
for module in "$ROOT"/plugins/modules/*.py; do
  name="$(basename "$module" .py)"
  ANSIBLE_COLLECTIONS_PATH="$OUT/installed" ansible-doc "dockercluster.swarm.$name" > "$OUT/doc.txt"
  grep -q "dockercluster.swarm.$name" "$OUT/doc.txt"
  echo "ansible-doc dockercluster.swarm.$name: $(wc -l < "$OUT/doc.txt") lines"
done
ANSIBLE_COLLECTIONS_PATH="$OUT/installed" ansible-playbook --syntax-check dockercluster.swarm.site -i localhost,
