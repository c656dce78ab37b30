#!/usr/bin/env bash
# Set up everything brl-mm needs, idempotently.
#
# Default: a virtual environment in ./.venv with a CPU build of torch and the pinned
# OpenMMLab stack (mmaction2 1.2.0 --no-deps, mmcv-lite 2.1.0, mmengine 0.10.7,
# setuptools<82), then brl-mm itself in editable mode.
#
# Environment variables:
#   PYTHON=python3.11        interpreter used to create the venv (default: python3)
#   BRL_VENV=path            where the venv lives (default: .venv)
#   BRL_USE_CURRENT_ENV=1    install into the interpreter given by PYTHON instead of a
#                            venv (for users who already have a CUDA torch there; torch is
#                            then left untouched if it imports)
#   BRL_TORCH="torch==2.13.0" the torch requirement used when torch is missing
# Prints the path of the python to use on its last line.
set -euo pipefail
cd "$(dirname "$0")/.."
py=${PYTHON:-python3}
if [ -z "${BRL_USE_CURRENT_ENV:-}" ]; then
  venv=${BRL_VENV:-.venv}
  [ -x "$venv/bin/python" ] || "$py" -m venv "$venv"
  py="$venv/bin/python"
fi

stamp_dir=$("$py" -c 'import sys; print(sys.prefix)')
stamp="$stamp_dir/.brl_mm_setup_stamp"
want=$(cat requirements/runtime.txt requirements/tests.txt setup.py tools/setup_env.sh | sha1sum | cut -c1-16)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && "$py" -c 'import brl_mm' 2>/dev/null; then
  echo "brl-mm environment is up to date ($py)" >&2
  echo "$py"
  exit 0
fi

pip() {
  local log; log=$(mktemp)
  if ! "$py" -m pip install --disable-pip-version-check -q "$@" >"$log" 2>&1; then
    cat "$log" >&2; rm -f "$log"; echo "brl-mm set-up: 'pip install $*' failed (output above)" >&2; exit 1
  fi
  grep -v -E '^WARNING: Location|dependency resolver|dependency conflicts|requires (decord|opencv-contrib)' "$log" >&2 || true
  rm -f "$log"
}
"$py" -c 'import torch' 2>/dev/null || pip "${BRL_TORCH:-torch==2.13.0}"
pip -r requirements/runtime.txt -r requirements/tests.txt
# mmaction2's wheel declares decord and opencv-contrib, which skeleton models never use.
pip --no-deps mmaction2==1.2.0
pip --no-deps -e .
"$py" -c 'import torch, mmaction, brl_mm' >&2 || { echo "brl-mm set-up failed: see the pip messages above" >&2; exit 1; }
echo "$want" > "$stamp"
echo "$py"
