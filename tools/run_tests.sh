#!/usr/bin/env bash
# Command 2 of the README: set everything up (idempotent) and run the full test suite.
# Extra arguments go to pytest, e.g. `bash tools/run_tests.sh -k dataset -x`.
#
# The suite runs in BRL_TEST_WORKERS pytest-xdist processes (default 2; 0 runs it in
# this process), a test file per process at a time (--dist loadfile: a file's fixtures
# are built once), each torch process with OMP_NUM_THREADS threads (default 1: two
# processes of two threads each thrash a 2-core machine).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=$(bash tools/setup_env.sh)
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
workers=${BRL_TEST_WORKERS:-2}
if [ "$workers" = 0 ]; then
  exec "$PY" -m pytest "$@"
fi
exec "$PY" -m pytest -n "$workers" --dist loadfile "$@"
