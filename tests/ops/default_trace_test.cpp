// Every default schedule of these ops is data: its trace goes through JSON
// and replays on a fresh definition to the same lowered loop nest (the
// tuner and the database store schedules this way).
#include "codegen/llvm/host_target.h"
#include "dsl/ir_equal.h"
#include "op_test_util.h"

namespace kiln {
namespace {

void expect_trace_replays(const std::string& name, const OpSizes& sizes, const OpOptions& options) {
  SCOPED_TRACE(name + " " + op_test::describe(sizes, options));
  const Op& op = find_op(name);
  const Schedule s = op.default_schedule(op.define(sizes, options), host_target());
  const Trace back = Trace::from_json(s.trace().to_json(name));
  const Schedule replayed = Schedule::replay(op.define(sizes, options), back);
  EXPECT_TRUE(equal(lower(s).body, lower(replayed).body));
}

TEST(OpsDefaultTrace, ReplaysToTheSameLoopNest) {
  const OpSizes rows = {{"M", 9}, {"N", 100}};
  for (const char* name : {"softmax", "layernorm", "rmsnorm", "relu", "gelu", "sigmoid", "add",
                           "mul", "transpose"}) {
    expect_trace_replays(name, rows, {});
  }
  for (int64_t axis : {0, 1}) {
    expect_trace_replays("reduce", {{"M", 9}, {"N", 100}, {"axis", axis}}, {{"kind", "mean"}});
    expect_trace_replays("reduce", {{"M", 9}, {"N", 100}, {"axis", axis}}, {{"kind", "max"}});
  }
  expect_trace_replays("matmul_bias_gelu", {{"M", 20}, {"N", 70}, {"K", 30}}, {});
}

}  // namespace
}  // namespace kiln
