// The matmul op: its definition, counts, and its default schedule compiled
// and compared with the reference interpreter at awkward sizes (1, primes,
// sizes that are not multiples of the 6 x 64 tile or the 256 k-chunk), with
// concrete and symbolic sizes; and Op::check itself catching wrong results.
#include <gtest/gtest.h>

#include <algorithm>

#include "codegen/llvm/host_target.h"
#include "kiln.h"
#include "ops/op.h"

namespace kiln {
namespace {

const Op& matmul() { return find_op("matmul"); }

// Compiles the default schedule for def, runs it on random inputs (outputs
// start as garbage) and returns Op::check's error.
double run_default(const ComputeDef& def, const OpSizes& sizes) {
  const auto kernel = compile_jit(lower(matmul().default_schedule(def, host_target())));
  std::vector<Buffer> inputs = random_inputs(def, sizes, 3);
  std::vector<Buffer> outputs = zero_outputs(def, sizes);
  outputs[0].fill_random(9, -50, 50);
  kernel->run({inputs[0], inputs[1], outputs[0]});
  return matmul().check(def, inputs, outputs);
}

TEST(OpsMatmul, DefinitionAndCounts) {
  const ComputeDef def = matmul().define({{"N", 7}});
  ASSERT_EQ(def.inputs().size(), 2u);
  ASSERT_EQ(def.outputs().size(), 1u);
  EXPECT_EQ(constant_extent(def.outputs()[0].shape()[0]), 1024);
  EXPECT_EQ(constant_extent(def.outputs()[0].shape()[1]), 7);
  EXPECT_EQ(def.outputs()[0].dtype(), f32());
  EXPECT_DOUBLE_EQ(matmul().flops({{"M", 2}, {"N", 3}, {"K", 5}}), 60.0);
  EXPECT_DOUBLE_EQ(matmul().bytes({{"M", 2}, {"N", 3}, {"K", 5}}), 4.0 * (10 + 15 + 6));
  std::vector<std::string> vars = matmul().define_symbolic().size_vars();
  std::sort(vars.begin(), vars.end());
  EXPECT_EQ(vars, (std::vector<std::string>{"K", "M", "N"}));
  // A pinned parameter stays a constant.
  vars = matmul().define_symbolic({{"K", 64}}).size_vars();
  std::sort(vars.begin(), vars.end());
  EXPECT_EQ(vars, (std::vector<std::string>{"M", "N"}));
}

TEST(OpsMatmul, DefaultScheduleAtAwkwardSizes) {
  const std::vector<OpSizes> shapes = {
      {{"M", 1}, {"N", 1}, {"K", 1}},    {{"M", 37}, {"N", 19}, {"K", 23}},
      {{"M", 13}, {"N", 67}, {"K", 7}},  {{"M", 6}, {"N", 64}, {"K", 256}},
      {{"M", 97}, {"N", 131}, {"K", 263}}, {{"M", 5}, {"N", 3}, {"K", 300}},
      {{"M", 1}, {"N", 129}, {"K", 2}},
  };
  for (const OpSizes& sizes : shapes) {
    SCOPED_TRACE("M=" + std::to_string(sizes.at("M")) + " N=" + std::to_string(sizes.at("N")) +
                 " K=" + std::to_string(sizes.at("K")));
    const ComputeDef def = matmul().define(sizes);
    EXPECT_LE(run_default(def, sizes), matmul().tolerance(def));
  }
}

TEST(OpsMatmul, SymbolicDefaultScheduleServesEverySize) {
  const ComputeDef def = matmul().define_symbolic();
  const auto kernel = compile_jit(lower(matmul().default_schedule(def, host_target())));
  for (const OpSizes& sizes : std::vector<OpSizes>{{{"M", 1}, {"N", 1}, {"K", 1}},
                                                   {{"M", 41}, {"N", 70}, {"K", 259}},
                                                   {{"M", 12}, {"N", 128}, {"K", 16}}}) {
    SCOPED_TRACE("M=" + std::to_string(sizes.at("M")));
    std::vector<Buffer> inputs = random_inputs(def, sizes, 5);
    std::vector<Buffer> outputs = zero_outputs(def, sizes);
    outputs[0].fill_random(9, -50, 50);
    kernel->run({inputs[0], inputs[1], outputs[0]});
    EXPECT_LE(matmul().check(def, inputs, outputs), matmul().tolerance(def));
  }
}

TEST(OpsMatmul, CheckCatchesAWrongElement) {
  // Small work: the interpreter runs in full.
  const OpSizes small = {{"M", 9}, {"N", 10}, {"K", 11}};
  const ComputeDef def = matmul().define(small);
  const std::vector<Buffer> inputs = random_inputs(def, small);
  std::vector<Buffer> out = interpret(def, inputs);
  EXPECT_EQ(matmul().check(def, inputs, out), 0.0);
  out[0].set_f64(17, out[0].get_f64(17) + 0.5);
  EXPECT_GT(matmul().check(def, inputs, out), 1e-2);
}

TEST(OpsMatmul, SampledCheckOnLargeWork) {
  // 320^3 multiply-adds is above the full-interpretation limit: check()
  // samples points, the last element always among them.
  const OpSizes sizes = {{"M", 320}, {"N", 320}, {"K", 320}};
  const ComputeDef def = matmul().define(sizes);
  const auto kernel = compile_jit(lower(matmul().default_schedule(def, host_target())));
  std::vector<Buffer> inputs = random_inputs(def, sizes);
  std::vector<Buffer> outputs = zero_outputs(def, sizes);
  kernel->run({inputs[0], inputs[1], outputs[0]});
  EXPECT_LE(matmul().check(def, inputs, outputs), matmul().tolerance(def));
  const int64_t last = outputs[0].numel() - 1;
  outputs[0].set_f64(last, outputs[0].get_f64(last) + 1.0);
  EXPECT_GT(matmul().check(def, inputs, outputs), 1e-2);
}

}  // namespace
}  // namespace kiln
