#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: install what is missing, build,
# then benchmark the matmul op with its default schedule (compile time,
# verification against the reference interpreter, median time, GFLOP/s).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
build/kiln bench matmul --shape M=1024,N=1024,K=1024 --threads 2
