// Every registered op's default GPU schedule becomes CUDA source that NVRTC
// compiles and ptxas assembles, for sm_80 and sm_90, at the op's default
// (constant) sizes; and once with symbolic sizes, where the grid is an
// expression of the sizes. The same schedules run on the CPU (GPU-bound
// loops serially) and match the reference interpreter, which checks the
// bounds they imply without a GPU.
#include <chrono>

#include "codegen/llvm/host_target.h"
#include "codegen/llvm/jit.h"
#include "dsl/interpreter.h"
#include "ops/op.h"
#include "tests/cuda/cuda_test_util.h"

namespace kiln {
namespace {

TEST(CudaOps, EveryOpDefaultGpuScheduleCompilesForSm80AndSm90) {
  KILN_REQUIRE_NVRTC();
  for (const Op* op : all_ops()) {
    SCOPED_TRACE(op->name());
    const ComputeDef def = op->define({});
    const Schedule sch = op->default_gpu_schedule(def, parse_target("cuda"));
    for (int arch : {80, 90}) cuda_test::expect_compiles(sch, arch, op->name());
  }
}

TEST(CudaOps, EveryOpDefaultGpuScheduleCompilesWithSymbolicSizes) {
  KILN_REQUIRE_NVRTC();
  for (const Op* op : all_ops()) {
    SCOPED_TRACE(op->name());
    const ComputeDef def = op->define_symbolic();
    const Schedule sch = op->default_gpu_schedule(def, parse_target("cuda"));
    cuda_test::expect_compiles(sch, 80, op->name() + "_symbolic");
  }
}

// Awkward sizes (primes, below the tiles): each op's default GPU schedule,
// run serially on the CPU, against the interpreter.
TEST(CudaOps, DefaultGpuSchedulesComputeTheReferenceOnTheCpu) {
  for (const Op* op : all_ops()) {
    SCOPED_TRACE(op->name());
    OpSizes sizes;
    for (const OpParam& p : op->params()) {
      if (!p.symbolic) continue;
      // Small primes keep the interpreter fast; clamp into the valid range.
      int64_t v = p.name == "K" ? 11 : 7;
      sizes[p.name] = std::max(p.min_value, std::min(v, p.max_value));
    }
    const ComputeDef def = op->define(sizes);
    const Schedule sch = op->default_gpu_schedule(def, parse_target("cuda"));
    auto kernel = compile_jit(lower(sch), host_target());
    OpSizes all = op->resolve_sizes(sizes);
    std::vector<Buffer> inputs = random_inputs(def, all, 3);
    std::vector<Buffer> outputs = zero_outputs(def, all);
    std::vector<Buffer> args = inputs;
    args.insert(args.end(), outputs.begin(), outputs.end());
    kernel->run(args);
    EXPECT_LE(op->check(def, inputs, outputs), op->tolerance(def));
  }
}

// The figure the issue asks for without a GPU: NVRTC time per kernel.
TEST(CudaOps, NvrtcCompileTimeOfTheDefaultMatmulKernel) {
  KILN_REQUIRE_NVRTC();
  const Op& mm = find_op("matmul");
  const ComputeDef def = mm.define({});
  const Target target = parse_target("cuda -arch=sm_80");
  clear_ptx_cache();
  auto k = CudaKernel::compile(mm.default_gpu_schedule(def, target), target);
  EXPECT_GT(k->nvrtc_ms(), 0.0);
  std::printf("[ nvrtc    ] default matmul kernel: %.1f ms, %zu source bytes\n", k->nvrtc_ms(),
              k->source().size());
  // A second compile of the same source comes from the module cache.
  auto again = CudaKernel::compile(mm.default_gpu_schedule(def, target), target);
  EXPECT_EQ(again->nvrtc_ms(), 0.0);
  EXPECT_EQ(again->image(), k->image());
}

}  // namespace
}  // namespace kiln
