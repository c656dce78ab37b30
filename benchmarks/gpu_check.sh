#!/usr/bin/env bash
# The GPU check of issue 19 in one command (how to run it: benchmarks/gpu_check.md):
#   bash benchmarks/gpu_check.sh OUT_DIR [--dry-run] [--steps STEP ...] [--budget S] [--force]
# On the GPU machine (Python 3.12, CUDA torch, no network) it installs the wheels
# carried in .whl/ (bash ../shared/gpu/fetch_wheels.sh .whl) into a private folder
# with --no-index --no-deps (torch is never touched), runs the CUDA tests, trains the
# BRL recipe through tools/dist_train.sh (NCCL) in fp32 and bf16, times it next to
# stock mmaction2, and writes OUT_DIR/gpu_check.{json,md,log}, in under 8 minutes.
# --dry-run: the same steps on a CPU at a tiny size (CI runs it). Exit status 1 when
# a step failed (the report still lists every step), 2 for bad usage.
# PYTHON picks the interpreter (default python3: the GPU machine's torch).
set -euo pipefail
if [ $# -lt 1 ] || [[ $1 == -* ]]; then
  echo "usage: $0 OUT_DIR [--dry-run] [--steps STEP ...] [--budget S] [--force]" >&2
  exit 2
fi
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1
PYTHON=${PYTHON:-python3}
export PYTHON
exec "$PYTHON" benchmarks/gpu_check.py "$@"
