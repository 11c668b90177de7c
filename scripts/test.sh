#!/usr/bin/env bash
# The whole test suite, as CI runs it: static checks, unit tests, then the lab (real Docker
# engines in node containers): playbook tests and molecule scenarios. Every stage runs; the
# script fails if any stage failed. DCSWARM_STAGES="unit lint" runs only those stages.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/bootstrap.sh" || exit 1
. "$ROOT/scripts/env.sh"
cd "$ROOT"
export DCSWARM_LAB=test PY_COLORS=0 ANSIBLE_FORCE_COLOR=0
passed=0 failed=0 failed_names=()
stage() {
  local name="$1"; shift
  if [[ -n "${DCSWARM_STAGES:-}" && " $DCSWARM_STAGES " != *" $name "* ]]; then return; fi
  echo "=== stage $name: $*"
  local started=$SECONDS
  if "$@"; then
    passed=$((passed + 1)); echo "=== stage $name passed in $((SECONDS - started)) s"
  else
    failed=$((failed + 1)); failed_names+=("$name"); echo "=== stage $name FAILED in $((SECONDS - started)) s"
  fi
}
stage yamllint  yamllint -s .
stage ruff      ruff check plugins tests lab bench molecule
stage py36      scripts/check-py36.sh
stage sanity    scripts/sanity.sh
stage unit      pytest -q tests/unit
stage lint      ansible-lint --profile production
stage build     scripts/check-build.sh
stage engine    python3 lab/lab.py build
stage lab       pytest -q -p no:cacheprovider tests/lab
stage molecule  scripts/molecule.sh default ha
python3 lab/lab.py down --name test >/dev/null 2>&1 || true
python3 lab/lab.py engine-stop || true
echo "failed stages: ${failed_names[*]:-none}"
echo "stages: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
