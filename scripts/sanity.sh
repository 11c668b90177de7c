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
for name in get_pip_23_1_2.py get_pip_24_0.py get_pip_24_2.py; do  # 2.16 pins pip 23.1.2, 2.19 pip 24.2
  [[ -f "$CACHE/$name" ]] || cp "$ROOT/scripts/ensurepip_bootstrap.py" "$CACHE/$name"
done
cd "$WORK"
python_version="$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
# The tests that need no container; ansible-core 2.19 dropped future-import-boilerplate,
# metaclass-boilerplate and no-unicode-literals, so each runs where this ansible-test has it.
wanted=(validate-modules compile import future-import-boilerplate metaclass-boilerplate no-assert pep8
        yamllint action-plugin-docs ansible-doc line-endings symlinks shebang runtime-metadata
        no-get-exception empty-init use-compat-six replace-urlopen no-unicode-literals no-smart-quotes
        no-illegal-filenames)
available="$(ansible-test sanity --list-tests 2>/dev/null)"
core="$(ansible-test --version)"
tests=()
for name in "${wanted[@]}"; do
  if grep -qx "$name" <<<"$available"; then
    tests+=(--test "$name")
  else
    echo "sanity: $name is not a test of $core: left out"
  fi
done
ansible-test sanity --local --python "$python_version" --color no "${tests[@]}"
