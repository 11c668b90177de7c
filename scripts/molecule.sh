#!/usr/bin/env bash
# scripts/molecule.sh SCENARIO...   e.g. scripts/molecule.sh default ha
# Runs `molecule test -s SCENARIO` for each scenario under molecule/ against the lab's node images
# (built here if missing, never pulled), one after the other; every scenario runs, and the script
# exits non-zero if any failed. Before a scenario, the containers and network that an earlier run
# of that same scenario left behind (dcswarm-mol-SCENARIO-*) are removed; after it (also on a
# failure or Ctrl-C) nothing of it may remain. Logs: .cache/molecule-logs/SCENARIO.log.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/env.sh
. "$ROOT/scripts/env.sh"
cd "$ROOT" || exit 1
# The scenarios live in molecule/ (not the collection layout's extensions/molecule/).
export MOLECULE_GLOB='molecule/*/molecule.yml'

if [[ $# -eq 0 ]]; then
  echo "usage: $0 SCENARIO... (one of: $(cd molecule && ls -d -- */ | grep -v resources | tr -d / | tr '\n' ' '))" >&2
  exit 2
fi
for scenario in "$@"; do
  if [[ ! -f "molecule/$scenario/molecule.yml" ]]; then
    echo "molecule.sh: no scenario molecule/$scenario/molecule.yml" >&2
    exit 2
  fi
done

# A Docker engine (started if none answers) and the node images (cached: a no-op when built).
python3 lab/lab.py build || { echo "molecule.sh: lab images could not be built" >&2; exit 1; }

# Remove what belongs to one scenario: only names starting with dcswarm-mol-SCENARIO-, and the
# scenario's network dcswarm-mol-SCENARIO. Prints how many containers it removed.
remove_leftovers() {
  local scenario="$1" names=() name
  while read -r name; do
    [[ "$name" == "dcswarm-mol-$scenario-"* ]] && names+=("$name")
  done < <(docker ps -a --filter "name=^/?dcswarm-mol-$scenario-" --format '{{.Names}}')
  if [[ ${#names[@]} -gt 0 ]]; then
    docker rm -f -v "${names[@]}" >/dev/null  # -v: their anonymous /var/lib/docker volumes too
  fi
  if docker network inspect "dcswarm-mol-$scenario" >/dev/null 2>&1; then
    docker network rm "dcswarm-mol-$scenario" >/dev/null
  fi
  echo "${#names[@]}"
}

current="" child=""
on_signal() {
  trap - INT TERM
  echo "molecule.sh: interrupted; stopping molecule and removing the containers of ${current:-nothing}" >&2
  # molecule runs in its own process group (setsid): end it with its ansible-playbook children.
  [[ -n "$child" ]] && kill -TERM -- "-$child" 2>/dev/null && wait "$child"
  if [[ -n "$current" ]]; then
    remove_leftovers "$current" >/dev/null
    # An async create job of the driver may still finish a container: look once more.
    sleep 5
    remove_leftovers "$current" >/dev/null
  fi
  exit 130
}
trap on_signal INT TERM

mkdir -p .cache/molecule-logs
results=() failed=0
for scenario in "$@"; do
  # classic runs the real swarm image, built from shared/classic-swarm: skipped where that is missing.
  if [[ "$scenario" == classic ]] && ! python3 lab/lab.py swarm-image; then
    echo "=== molecule test -s classic SKIPPED: the real classic Swarm binary is missing (see above)"
    results+=("classic: skipped (no shared/classic-swarm)")
    continue
  fi
  current="$scenario"
  stale=$(remove_leftovers "$scenario")
  [[ "$stale" != 0 ]] && echo "molecule.sh: removed $stale stale container(s) of an earlier $scenario run"
  log=".cache/molecule-logs/$scenario.log"
  echo "=== molecule test -s $scenario (log: $log)"
  started=$SECONDS
  # In the background so that `wait` (unlike a foreground command) lets the trap act at once,
  # and in its own process group so that the trap can end it with all its children.
  setsid molecule test -s "$scenario" > >(tee "$log") 2>&1 &
  child=$!
  wait "$child"
  rc=$?
  child=""
  took=$((SECONDS - started))
  # molecule test destroys its instances even when a step fails; make sure of it.
  left=$(remove_leftovers "$scenario")
  if [[ "$left" != 0 ]]; then
    echo "molecule.sh: $left container(s) of $scenario were still there after the run; removed" >&2
  fi
  if [[ $rc -eq 0 ]]; then
    results+=("$scenario: passed in ${took} s")
  else
    results+=("$scenario: FAILED (rc $rc) after ${took} s")
    failed=$((failed + 1))
  fi
  current=""
done

echo "=== molecule scenarios"
printf '  %s\n' "${results[@]}"
[[ $failed -eq 0 ]]
