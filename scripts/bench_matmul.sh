#!/usr/bin/env bash
# kiln's matmul (default schedule) against oneDNN's sgemm and OpenBLAS, 2
# threads each, 1024 and 2048, in one run; prints a markdown table of median
# GFLOP/s with the ratios kiln/oneDNN and kiln/OpenBLAS.
# Usage: scripts/bench_matmul.sh [repetitions]   (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
reps="${1:-5}"
[ -x build/bench/kiln_bench ] || scripts/build.sh kiln_bench

export KILN_NUM_THREADS=2
export OMP_NUM_THREADS=2           # oneDNN (OpenMP build)
# No OMP_PROC_BIND/OMP_PLACES: with them libgomp pins the main thread to one
# core at startup, and every thread created later (kiln's pool, OpenBLAS's)
# inherits that one-core mask and runs at half speed.
unset OMP_PROC_BIND OMP_PLACES
export DNNL_VERBOSE=0
export OPENBLAS_NUM_THREADS=2
# Debian's OpenBLAS 0.3.21 takes Zen 5 for Haswell (AVX2, half the peak)
# unless told the core type.
export OPENBLAS_CORETYPE=SkylakeX

echo "kiln_bench: 2 threads, ${reps} repetitions, medians; OpenBLAS with OPENBLAS_CORETYPE=SkylakeX"
build/bench/kiln_bench --benchmark_repetitions="${reps}" --benchmark_report_aggregates_only=true \
  --benchmark_min_time=0.2
