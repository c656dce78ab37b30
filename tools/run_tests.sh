#!/usr/bin/env bash
# Command 2 of the README: set everything up (idempotent) and run the full test suite.
# Extra arguments go to pytest, e.g. `bash tools/run_tests.sh -k dataset -x`.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=$(bash tools/setup_env.sh)
exec "$PY" -m pytest "$@"
