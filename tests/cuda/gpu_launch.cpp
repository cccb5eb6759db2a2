// Running kernels on a GPU. Without a device these tests report themselves
// skipped ("no CUDA device"), except the one that checks the error a user
// gets then. With one, every op's default GPU schedule and a few random
// shapes are compared with the reference interpreter.
#include "codegen/llvm/host_target.h"
#include "dsl/interpreter.h"
#include "ops/op.h"
#include "tests/cuda/cuda_test_util.h"

namespace kiln {
namespace {

TEST(GpuLaunch, WithoutADeviceRunSaysSo) {
  KILN_REQUIRE_NVRTC();
  std::string why;
  if (cuda::device_available(&why)) GTEST_SKIP() << "a CUDA device is present";
  const Op& mm = find_op("matmul");
  const OpSizes sizes = {{"M", 5}, {"N", 6}, {"K", 7}};
  const ComputeDef def = mm.define(sizes);
  const Target target = parse_target("cuda");
  auto k = CudaKernel::compile(mm.default_gpu_schedule(def, target), target);
  std::vector<Buffer> args = random_inputs(def, mm.resolve_sizes(sizes));
  for (const Buffer& b : zero_outputs(def, mm.resolve_sizes(sizes))) args.push_back(b);
  try {
    k->run(args);
    ADD_FAILURE() << "run succeeded without a device";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("no CUDA device/driver found"), std::string::npos) << e.what();
  }
}

TEST(GpuLaunch, EveryOpDefaultGpuScheduleMatchesTheReference) {
  KILN_REQUIRE_NVRTC();
  KILN_REQUIRE_DEVICE();
  const cuda::DeviceInfo info = cuda::device_info();
  const Target target = parse_target("cuda -arch=sm_" + std::to_string(info.sm));
  for (const Op* op : all_ops()) {
    for (int64_t size : {int64_t(1), int64_t(7), op->name() == "matmul" ? int64_t(131) : int64_t(19)}) {
      OpSizes sizes;
      for (const OpParam& p : op->params()) {
        if (p.symbolic) sizes[p.name] = std::max(p.min_value, std::min(size, p.max_value));
      }
      SCOPED_TRACE(op->name() + " size " + std::to_string(size));
      const ComputeDef def = op->define(sizes);
      auto k = CudaKernel::compile(op->default_gpu_schedule(def, target), target);
      const OpSizes all = op->resolve_sizes(sizes);
      std::vector<Buffer> inputs = random_inputs(def, all, 11);
      std::vector<Buffer> outputs = zero_outputs(def, all);
      for (size_t o = 0; o < outputs.size(); ++o) outputs[o].fill_random(50 + o, -100, 100);
      std::vector<Buffer> args = inputs;
      args.insert(args.end(), outputs.begin(), outputs.end());
      k->run(args);
      EXPECT_LE(op->check(def, inputs, outputs), op->tolerance(def));
    }
  }
}

TEST(GpuLaunch, SymbolicMatmulRunsAtAwkwardSizes) {
  KILN_REQUIRE_NVRTC();
  KILN_REQUIRE_DEVICE();
  const Op& mm = find_op("matmul");
  const ComputeDef def = mm.define_symbolic();
  const Target target = parse_target("cuda -arch=sm_" + std::to_string(cuda::device_info().sm));
  auto k = CudaKernel::compile(mm.default_gpu_schedule(def, target), target);
  for (OpSizes sizes : {OpSizes{{"M", 1}, {"N", 1}, {"K", 1}}, OpSizes{{"M", 129}, {"N", 131}, {"K", 17}},
                        OpSizes{{"M", 257}, {"N", 64}, {"K", 300}}}) {
    std::vector<Buffer> inputs = random_inputs(def, sizes, 5);
    std::vector<Buffer> outputs = zero_outputs(def, sizes);
    std::vector<Buffer> args = inputs;
    args.insert(args.end(), outputs.begin(), outputs.end());
    k->run(args);
    EXPECT_LE(mm.check(def, inputs, outputs), mm.tolerance(def))
        << sizes.at("M") << "x" << sizes.at("N") << "x" << sizes.at("K");
  }
}

}  // namespace
}  // namespace kiln
