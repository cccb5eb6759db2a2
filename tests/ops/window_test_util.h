#pragma once
// Shared by the tests of the ops in ops/ that tests/ops/ checks one by one:
// compile an op's default schedule, run it on random inputs and compare
// with the reference interpreter (Op::check), and expect a UserError.
#include <gtest/gtest.h>

#include <string>

#include "codegen/llvm/host_target.h"
#include "kiln.h"
#include "ops/op.h"

namespace kiln {
namespace optest {

/// "N=1,C=3,...": the parameters of a case, for failure messages.
inline std::string describe(const OpSizes& sizes, const OpOptions& options = {}) {
  std::string s;
  for (const auto& [name, value] : sizes) s += (s.empty() ? "" : ",") + name + "=" + std::to_string(value);
  for (const auto& [name, value] : options) s += "," + name + "=" + value;
  return s;
}

/// Runs an already compiled kernel of def on random inputs (outputs start
/// as garbage, so an element the kernel skips is caught) and returns
/// op.check's error.
inline double run_and_check(const Op& op, const CompiledKernel& kernel, const ComputeDef& def,
                            const OpSizes& sizes, uint64_t seed = 3) {
  std::vector<Buffer> inputs = random_inputs(def, sizes, seed);
  std::vector<Buffer> outputs = zero_outputs(def, sizes);
  for (Buffer& o : outputs) o.fill_random(seed + 100, -50, 50);
  std::vector<Buffer> args = inputs;
  args.insert(args.end(), outputs.begin(), outputs.end());
  kernel.run(args);
  return op.check(def, inputs, outputs);
}

/// Compiles op's default schedule for concrete sizes and checks one run
/// against the reference.
inline void expect_default_schedule_correct(const Op& op, const OpSizes& sizes,
                                            const OpOptions& options = {}) {
  SCOPED_TRACE(op.name() + " " + describe(sizes, options));
  const ComputeDef def = op.define(sizes, options);
  const auto kernel = compile_jit(lower(op.default_schedule(def, host_target())));
  const OpSizes all = op.resolve_sizes(sizes);
  EXPECT_LE(run_and_check(op, *kernel, def, all), op.tolerance(def));
}

/// Runs f, expecting a UserError whose message contains every needle.
template <typename F>
void expect_user_error(F f, std::initializer_list<const char*> needles) {
  try {
    f();
    ADD_FAILURE() << "no error";
  } catch (const UserError& e) {
    for (const char* needle : needles) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos)
          << "'" << needle << "' not in: " << e.what();
    }
  }
}

}  // namespace optest
}  // namespace kiln
