// The default schedules of the row-wise, elementwise, reduce and transpose
// ops also serve symbolic sizes: one kernel compiled from
// define_symbolic() runs correctly at several awkward sizes. (matmul_bias_gelu
// is left out: with symbolic sizes its tail copies of the unrolled tile take
// LLVM about 13 s, as plain matmul's take about 5 s.)
#include "codegen/llvm/host_target.h"
#include "op_test_util.h"

namespace kiln {
namespace {

void expect_symbolic_correct(const std::string& name, const OpSizes& fixed,
                             const OpOptions& options, const std::vector<OpSizes>& runs) {
  const Op& op = find_op(name);
  const ComputeDef def = op.define_symbolic(fixed, options);
  const auto kernel = compile_jit(lower(op.default_schedule(def, host_target())));
  for (OpSizes sizes : runs) {
    for (const auto& [k, v] : fixed) sizes[k] = v;
    SCOPED_TRACE(name + " " + op_test::describe(sizes, options));
    const OpSizes all = op.resolve_sizes(sizes);
    std::vector<Buffer> args = random_inputs(def, all, 4);
    const size_t n_in = args.size();
    for (Buffer& b : zero_outputs(def, all)) {
      b.fill_random(9, -50, 50);
      args.push_back(b);
    }
    kernel->run(args);
    const std::vector<Buffer> inputs(args.begin(), args.begin() + n_in);
    const std::vector<Buffer> outputs(args.begin() + n_in, args.end());
    EXPECT_LE(op.check(def, inputs, outputs), op.tolerance(def));
  }
}

const std::vector<OpSizes> kRuns = {{{"M", 1}, {"N", 1}}, {{"M", 7}, {"N", 13}}, {{"M", 3}, {"N", 130}}};

TEST(OpsSymbolic, RowwiseAndElementwise) {
  for (const char* name : {"softmax", "layernorm", "rmsnorm", "relu", "gelu", "sigmoid", "transpose"})
    expect_symbolic_correct(name, {}, {}, kRuns);
  expect_symbolic_correct("add", {}, {{"broadcast", "row"}}, kRuns);
  expect_symbolic_correct("mul", {}, {{"broadcast", "col"}, {"dtype", "f16"}}, kRuns);
}

TEST(OpsSymbolic, Reduce) {
  for (int64_t axis : {0, 1})
    for (const char* kind : {"sum", "mean", "max"})
      expect_symbolic_correct("reduce", {{"axis", axis}}, {{"kind", kind}}, kRuns);
}

}  // namespace
}  // namespace kiln
