#!/bin/bash
# On a machine with an NVIDIA GPU: builds kiln's CUDA path (no LLVM needed:
# scripts/device/target_nollvm.cpp stands in for codegen/target.cpp), runs
# the CUDA tests that launch kernels and compare with the reference
# interpreter, then benchmarks kiln's default GPU kernels next to cuBLAS and
# cuDNN in the same run.
# Usage: scripts/cuda_device_check.sh OUTDIR DEPS
#   DEPS holds include/{nlohmann,gtest} and lib/libgtest{,_main}.a.
OUT=${1:-/tmp/kiln_cuda_check}
DEPS=${2:-build-devdeps}
mkdir -p "$OUT"
B=build-device
CUDA=${CUDA_HOME:-/usr/local/cuda}
nvidia-smi -L
SRC="$(ls dsl/*.cpp dsl/simplify/*.cpp schedule/*.cpp schedule/passes/*.cpp ops/*.cpp \
       codegen/cuda/*.cpp codegen/llvm/kernel_args.cpp runtime/buffer.cpp runtime/dlpack.cpp \
       runtime/cuda_driver.cpp cli/common.cpp cli/bench_gpu.cpp autotune/gpu_space.cpp \
       scripts/device/target_nollvm.cpp)"
mkdir -p $B/o
FLAGS="-std=gnu++17 -O2 -I. -I$DEPS/include -DKILN_VERSION=\"device\" -DKILN_CUDA_INCLUDE_DIR=\"$CUDA/include\" -DKILN_CUDA_LIBRARY_DIR=\"$CUDA/lib64\""
for f in $SRC; do
  o=$B/o/$(echo "$f" | tr / _).o
  [ "$o" -nt "$f" ] || { g++ $FLAGS -c "$f" -o "$o" 2> "$o.log" || { echo "FAILED $f"; head -20 "$o.log"; rm -f "$o"; }; } &
done
wait
ar rcs $B/libkiln_cuda.a $B/o/*.o
for f in tests/cuda/gpu_launch.cpp tests/cuda/golden_source.cpp tests/cuda/gpu_schedule_errors.cpp; do
  g++ $FLAGS -DKILN_PTXAS_PATH="\"$CUDA/bin/ptxas\"" -c "$f" -o "$B/t_$(basename "$f").o" &
done
g++ $FLAGS -c scripts/device/gpu_bench_main.cpp -o $B/gpu_bench_main.o &
g++ $FLAGS -c scripts/device/gpu_tune_main.cpp -o $B/gpu_tune_main.o &
wait
g++ $B/gpu_tune_main.o -o $B/gpu_tune $B/libkiln_cuda.a -ldl -pthread || exit 1
g++ $B/t_*.o -o $B/cuda_tests $B/libkiln_cuda.a $DEPS/lib/libgtest.a $DEPS/lib/libgtest_main.a -ldl -pthread || exit 1
g++ $B/gpu_bench_main.o -o $B/gpu_bench $B/libkiln_cuda.a -ldl -pthread || exit 1
echo "built at $SECONDS s"
timeout ${TEST_TIMEOUT:-240} $B/cuda_tests ${TEST_FILTER:+--gtest_filter=$TEST_FILTER} > "$OUT/tests.log" 2>&1
echo "tests rc=$? at $SECONDS s"
grep -E "^\[ *(OK|FAILED|SKIPPED|PASSED|RUN) |Failure|rror|Which is|nvrtc" "$OUT/tests.log" | tail -60
g++ -O2 -I$CUDA/include bench/cuda/vendor_gpu.cpp -L$CUDA/lib64 -lcublas -lcudnn -lcudart \
  -Wl,-rpath,$CUDA/lib64 -o $B/vendor_gpu
T="timeout 60"
for n in 1024 4096; do
  $T $B/gpu_bench matmul M=$n,N=$n,K=$n
  $T $B/vendor_gpu sgemm $n $n $n
done
$T $B/gpu_bench conv2d N=1
$T $B/vendor_gpu conv 1 64 56 56 64 3 3 1
$T $B/gpu_bench softmax M=4096
# A random search of the GPU space for matmul 4096 (TUNE_TRIALS candidates).
[ -n "$TUNE_TRIALS" ] && timeout ${TUNE_TIMEOUT:-200} $B/gpu_tune matmul M=4096,N=4096,K=4096 "$TUNE_TRIALS"
[ -n "$TUNE_TRIALS" ] && $T $B/vendor_gpu sgemm 4096 4096 4096
