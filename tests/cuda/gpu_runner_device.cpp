// The GPU runner on a real device (skips without one): a candidate that
// writes out of bounds is a crash that costs one trial, and the next
// candidate, in a new runner, is checked and timed.
#include <gtest/gtest.h>

#include "autotune/gpu_measure.h"
#include "autotune/gpu_runner.h"
#include "codegen/llvm/host_target.h"
#include "tests/cuda/cuda_test_util.h"

namespace kiln {
namespace {

TEST(GpuRunnerDevice, AnOutOfBoundsWriteIsACrashAndTheNextCandidateMeasures) {
  KILN_REQUIRE_NVRTC();
  GpuRunner runner;
  GpuFingerprint gpu;
  try {
    gpu = runner.device();
  } catch (const UserError& e) {
    GTEST_SKIP() << e.what();
  }
  const Op& op = find_op("relu");
  const OpSizes sizes = op.resolve_sizes({{"M", 257}, {"N", 131}});
  const OpOptions options = op.resolve_options({});
  const ComputeDef def = op.define(sizes, options);
  const Target target = parse_target("cuda -arch=sm_" + std::to_string(gpu.sm));
  const auto good = CudaKernel::compile(op.default_gpu_schedule(def, target), target);
  // A kernel that writes 4 TiB past the output.
  GpuLaunchPlan bad;
  bad.image = compile_cuda_to_ptx(
      "extern \"C\" __global__ void oob(float* p) { p[(1ll << 40) + threadIdx.x] = 1.0f; }\n",
      gpu.sm);
  bad.num_args = 2;
  GpuLaunch l;
  l.kernel = "oob";
  l.block = {32, 1, 1};
  l.buffers = {1};
  bad.launches.push_back(l);
  runner.set_workload(op, sizes, options, nullptr);  // checked by the interpreter
  MeasureOptions mo;
  mo.timeout_s = 30;
  const MeasureResult crash = runner.measure(bad, mo);
  EXPECT_EQ(crash.status, "crash") << crash.error;
  std::printf("out-of-bounds candidate: %s: %s\n", crash.status.c_str(), crash.error.c_str());
  const MeasureResult next = runner.measure(workload_plan(*good, def, sizes), mo);
  EXPECT_EQ(next.status, "ok") << next.error;
  EXPECT_GT(next.median_ms, 0.0);
  EXPECT_LE(next.max_rel_err, op.tolerance(def));
  EXPECT_EQ(runner.starts(), 2);
}

}  // namespace
}  // namespace kiln
