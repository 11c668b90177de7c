#!/usr/bin/env bash
# ansible-test must run from inside ansible_collections/<ns>/<name>: copy the collection's files
# there and run the sanity tests that need no container (validate-modules and friends).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Outside this git checkout: inside it, ansible-test would list files with git and find none
# under an ignored folder.
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
WORK="$TMP/ansible_collections/dockercluster/swarm"
mkdir -p "$WORK"
cp -a "$ROOT/galaxy.yml" "$ROOT/meta" "$ROOT/plugins" "$ROOT/roles" "$ROOT/playbooks" "$ROOT/README.md" "$WORK/"
mkdir -p "$WORK/tests" && cp -a "$ROOT/tests/sanity" "$WORK/tests/" 2>/dev/null || true
# ansible-test bootstraps pip in its venvs with a script it downloads from a host this machine
# cannot reach: give it one that uses ensurepip instead (only when none is cached).
CACHE="$HOME/.ansible/test/cache"
mkdir -p "$CACHE"
for name in get_pip_23_1_2.py get_pip_24_0.py; do
  [[ -f "$CACHE/$name" ]] || cp "$ROOT/scripts/ensurepip_bootstrap.py" "$CACHE/$name"
done
cd "$WORK"
python_version="$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
ansible-test sanity --local --python "$python_version" --color no \
  --test validate-modules --test compile --test import --test future-import-boilerplate \
  --test metaclass-boilerplate --test no-assert --test pep8 --test yamllint \
  --test action-plugin-docs --test ansible-doc --test line-endings --test symlinks \
  --test shebang --test runtime-metadata --test no-get-exception --test empty-init \
  --test use-compat-six --test replace-urlopen --test no-unicode-literals \
  --test no-smart-quotes --test no-illegal-filenames
