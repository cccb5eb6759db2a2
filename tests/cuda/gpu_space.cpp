// The GPU search space: sampled candidates are plausible, build schedules
// the API accepts, compile with NVRTC and ptxas, and compute the reference
// (run on the CPU) at awkward sizes; the generic rules cover other ops.
#include <chrono>

#include "autotune/gpu_space.h"
#include "codegen/llvm/host_target.h"
#include "codegen/llvm/jit.h"
#include "ops/op.h"
#include "tests/correctness/reference_check.h"
#include "tests/cuda/cuda_test_util.h"
#include "tests/error/schedule_test_util.h"

namespace kiln {
namespace {

const Target kCuda = parse_target("cuda -arch=sm_80");

TEST(GpuSpace, MatmulCandidatesCompileAndComputeTheReference) {
  const ComputeDef def = testing_schedule::symbolic_matmul_def();
  const GpuSearchSpace space = GpuSearchSpace::generate(def, kCuda);
  ASSERT_TRUE(space.tiled());
  EXPECT_TRUE(space.plausible(space.default_values()));
  EXPECT_FALSE(space.plausible({{"bm", 256}, {"bn", 256}, {"tm", 2}, {"tn", 2}}));  // 4096 threads
  // Small tiles run on the CPU fast enough (big unrolled tiles take LLVM
  // seconds); the default is compiled for the GPU only. Sampling is
  // covered by plausible() here and measured by scripts/device/gpu_tune.
  std::vector<KnobValues> small = {
      {{"bm", 32}, {"bn", 64}, {"tm", 2}, {"tn", 4}, {"kt", 8}, {"stage", 1}, {"vec", 4}},
      {{"bm", 64}, {"bn", 32}, {"tm", 4}, {"tn", 2}, {"kt", 8}, {"stage", 0}, {"vec", 2}},
      {{"bm", 32}, {"bn", 32}, {"tm", 2}, {"tn", 2}, {"kt", 8}, {"stage", 1}, {"vec", 1}}};
  for (const KnobValues& v : small) {
    const std::string what = SearchSpace::describe(v);
    SCOPED_TRACE(what);
    EXPECT_TRUE(space.plausible(v));
    auto kernel = compile_jit(lower(space.build(v)), host_target());
    check::expect_kernel_matches(*kernel, def, {{"M", 37}, {"N", 29}, {"K", 41}}, what);
  }
  KILN_REQUIRE_NVRTC();
  // Constant sizes (1024): symbolic ones guard every unrolled FMA, which
  // takes NVRTC seconds.
  const GpuSearchSpace fixed = GpuSearchSpace::generate(find_op("matmul").define({}), kCuda);
  std::vector<KnobValues> compiled = {fixed.default_values(), small[0]};
  const auto t0 = std::chrono::steady_clock::now();
  for (const KnobValues& v : compiled) {
    SCOPED_TRACE(SearchSpace::describe(v));
    EXPECT_TRUE(fixed.plausible(v));
    cuda_test::expect_compiles(fixed.build(v), 80, "space");
  }
  std::printf("[ gpu      ] 2 candidates compiled for sm_80 in %.0f ms\n",
              std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
}

TEST(GpuSpace, OtherOpsGetTheGenericRules) {
  const Op& softmax = find_op("softmax");
  const ComputeDef def = softmax.define({{"M", 5}, {"N", 7}});
  const GpuSearchSpace space = GpuSearchSpace::generate(def, kCuda);
  EXPECT_FALSE(space.tiled());
  std::mt19937_64 rng(3);
  const Schedule s = space.build(space.sample(rng));
  EXPECT_NO_THROW(lower_gpu(s, kCuda));
}

}  // namespace
}  // namespace kiln
