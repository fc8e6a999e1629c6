#!/usr/bin/env bash
# Writes the test fixtures that only real PyTorch and numpy can vouch for (see make-torch-fixtures.py):
# torch.save state dicts, a hostile pickle, the official dataset builders' .npy files. torch lives in a
# throwaway virtual environment (.venv-torch, git-ignored); it is never a dependency of the packages or CI.
#
#   scripts/make-torch-fixtures.sh [--hrm-repo DIR]    # DIR: a checkout of github.com/sapientinc/HRM
#   scripts/make-torch-fixtures.sh --check-export DIR/step_N [--hrm-repo DIR --dataset-json FILE]
#                                   # torch.load a file `hrm export` wrote; with the official repo, load it into its model
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv-torch
if [ ! -x "$VENV/bin/python" ]; then
  # --system-site-packages: numpy, pydantic and PyYAML come from the system Python where it has them.
  python3 -m venv --system-site-packages "$VENV"
  "$VENV/bin/pip" install --no-deps 'torch==2.13.0+cpu' --index-url https://download.pytorch.org/whl/cpu
fi
"$VENV/bin/python" -c 'import numpy, pydantic, yaml' 2>/dev/null || "$VENV/bin/pip" install numpy pydantic pyyaml
exec "$VENV/bin/python" scripts/make-torch-fixtures.py "$@"
