#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: install what is missing, build,
# tune the matmul op at 1024 within a minute (every measurement goes to the
# tuning database; a workload tuned before returns at once), then benchmark
# the tuned schedule (compile time, verification against the reference
# interpreter, median time, GFLOP/s).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
build/kiln tune matmul --shape M=1024,N=1024,K=1024 --threads 2 --time-budget 60
build/kiln bench matmul --shape M=1024,N=1024,K=1024 --threads 2 --schedule tuned
