#!/usr/bin/env bash
# ansible-test must run from inside ansible_collections/<ns>/<name>: copy the collection's files
# there and run the sanity tests that need no container (validate-modules and friends).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="$ROOT/.cache/sanity/ansible_collections/dockercluster/swarm"
rm -rf "$WORK" && mkdir -p "$WORK"
cp -a "$ROOT/galaxy.yml" "$ROOT/meta" "$ROOT/plugins" "$ROOT/roles" "$ROOT/playbooks" "$ROOT/README.md" "$WORK/"
mkdir -p "$WORK/tests" && cp -a "$ROOT/tests/sanity" "$WORK/tests/" 2>/dev/null || true
cd "$WORK"
python_version="$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
ansible-test sanity --python "$python_version" --color no \
  --test validate-modules --test compile --test import --test future-import-boilerplate \
  --test metaclass-boilerplate --test no-assert --test pep8 --test yamllint \
  --test action-plugin-docs --test ansible-doc --test line-endings --test symlinks \
  --test shebang --test runtime-metadata --test no-get-exception --test empty-init \
  --test use-compat-six --test replace-urlopen --test no-unicode-literals \
  --test no-smart-quotes --test no-illegal-filenames
