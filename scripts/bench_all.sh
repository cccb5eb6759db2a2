#!/usr/bin/env bash
# Every op of kiln's library against the vendor call a user would pick
# instead (oneDNN; OpenBLAS for the products), 2 threads each, in one run:
# Google Benchmark's output, then a markdown table (op, case, kiln, vendor,
# kiln/vendor, kiln's fraction of the calibrated peak) on stdout and in
# build/bench_report.md.
# Usage: scripts/bench_all.sh [repetitions] [extra kiln_bench_ops flags]
#   repetitions: default 5; the table reports medians.
#   e.g. scripts/bench_all.sh 5 --benchmark_filter='softmax|layernorm'
#        scripts/bench_all.sh 5 --db ~/.cache/kiln/tuning.db   (adds the tuned
#        schedules of every case tuned there, 2 threads, as "kiln_tuned" rows)
# Set KILN_BUILD_DIR to use another build folder (default build/).
set -euo pipefail
cd "$(dirname "$0")/.."
reps="${1:-5}"
shift || true
build="${KILN_BUILD_DIR:-build}"
[ -x "${build}/bench/kiln_bench_ops" ] || { [ "${build}" = build ] && scripts/build.sh kiln_bench_ops; }

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

mkdir -p "${build}"
echo "kiln_bench_ops: 2 threads, ${reps} repetitions, medians; OpenBLAS with OPENBLAS_CORETYPE=SkylakeX"
"${build}/bench/kiln_bench_ops" --report "${build}/bench_report.md" \
  --benchmark_repetitions="${reps}" --benchmark_report_aggregates_only=true \
  --benchmark_min_time=0.2 --benchmark_color=false "$@"
echo
echo "table written to ${build}/bench_report.md"
