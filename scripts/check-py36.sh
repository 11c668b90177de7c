#!/usr/bin/env bash
# Module code runs on the managed hosts (CentOS 7: Python 3.6): vermin proves it parses and
# runs there. The controller side (lab, tests) may use the machine's Python.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out="$(vermin -t=3.6- --no-tips --violations --eval-annotations --backport typing plugins/)"
echo "$out"
vermin -t=3.6- --no-tips -q plugins/ | tail -1
