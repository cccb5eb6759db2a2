#pragma once
// Shared by the op tests: compile an op's default schedule, run it on
// inputs and return Op::check's error against the reference interpreter.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "codegen/llvm/host_target.h"
#include "kiln.h"
#include "ops/op.h"

namespace kiln::op_test {

/// "M=7 N=13 dtype=f16" for SCOPED_TRACE.
inline std::string describe(const OpSizes& sizes, const OpOptions& options = {}) {
  std::string s;
  for (const auto& [k, v] : sizes) s += k + "=" + std::to_string(v) + " ";
  for (const auto& [k, v] : options) s += k + "=" + v + " ";
  return s;
}

/// Runs op's default schedule (concrete sizes) on `inputs` (random ones
/// when empty) and returns check()'s error; outputs start as garbage so a
/// point the kernel never writes is caught.
inline double run_default(const Op& op, const OpSizes& sizes, const OpOptions& options = {},
                          std::vector<Buffer> inputs = {}, uint64_t seed = 3) {
  const ComputeDef def = op.define(sizes, options);
  const auto kernel = compile_jit(lower(op.default_schedule(def, host_target())));
  const OpSizes all = op.resolve_sizes(sizes);
  if (inputs.empty()) inputs = random_inputs(def, all, seed);
  std::vector<Buffer> outputs = zero_outputs(def, all);
  for (Buffer& b : outputs) b.fill_random(9, -50, 50);
  std::vector<Buffer> args = inputs;
  args.insert(args.end(), outputs.begin(), outputs.end());
  kernel->run(args);
  return op.check(def, inputs, outputs);
}

/// Expects run_default within the op's tolerance for def's dtypes.
inline void expect_correct(const Op& op, const OpSizes& sizes, const OpOptions& options = {}) {
  SCOPED_TRACE(describe(sizes, options));
  const ComputeDef def = op.define(sizes, options);
  EXPECT_LE(run_default(op, sizes, options), op.tolerance(def));
}

/// Expects a UserError whose message contains `text`.
template <typename F>
void expect_user_error(F&& f, const std::string& text) {
  try {
    f();
    ADD_FAILURE() << "expected an error containing '" << text << "'";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
  }
}

}  // namespace kiln::op_test
