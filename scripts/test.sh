#!/usr/bin/env bash
# The whole test suite, as CI runs it: static checks, unit tests, then the lab (real Docker
# engines in node containers): playbook tests and molecule scenarios. Every stage runs; the
# script fails if any stage failed. DCSWARM_STAGES="unit lint" runs only those stages.
# The *-2.19 stages run again, under the newest ansible-core this Python installs (2.19,
# requirements-newest.txt in .cache/venv-newest), the unit tests, sanity and a lab subset: site.yml
# with mutual TLS, its re-run changing nothing, the roles alone in a playbook of their own, and day
# two's removal, rotations, firewall and reset (2.19 refuses a condition that is not a boolean).
# The lab stage ends with its 20 slowest steps (a module's lab is built in its first test's setup).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/bootstrap.sh" --newest || exit 1
DCSWARM_VENV=.venv
. "$ROOT/scripts/env.sh"
cd "$ROOT"
export DCSWARM_LAB=test PY_COLORS=0 ANSIBLE_FORCE_COLOR=0
# newest CMD...: CMD with the newest ansible-core's venv first on PATH (scripts/env.sh).
newest() {
  (DCSWARM_VENV=.cache/venv-newest; . "$ROOT/scripts/env.sh"
   echo "ansible-core $(python3 -c 'import ansible.release; print(ansible.release.__version__)') from $DCSWARM_VENV"
   "$@")
}
LAB_NEWEST=(tests/lab/test_tls.py::test_site_builds_the_cluster_with_mutual_tls
            tests/lab/test_tls.py::test_docker_cli_with_the_client_certificate_from_another_node
            tests/lab/test_tls.py::test_without_a_client_certificate_it_is_refused
            tests/lab/test_tls.py::test_a_second_run_changes_nothing
            tests/lab/test_roles_alone.py
            tests/lab/test_day_two_remove.py)
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
stage unit-2.19   newest pytest -q tests/unit
stage sanity-2.19 newest scripts/sanity.sh
stage lint      ansible-lint --profile production
stage build     scripts/check-build.sh
stage engine    python3 lab/lab.py build
stage lab       pytest -q -p no:cacheprovider --durations=20 tests/lab
stage lab-2.19  newest pytest -q -p no:cacheprovider "${LAB_NEWEST[@]}"
stage molecule  scripts/molecule.sh default ha classic
python3 lab/lab.py down --name test >/dev/null 2>&1 || true
python3 lab/lab.py engine-stop || true
echo "failed stages: ${failed_names[*]:-none}"
echo "stages: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
