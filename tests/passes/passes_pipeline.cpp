// The loop passes' shapes through the whole pipeline on small schedules:
// a guard-free vector steady state, unrolled copies.
#include <gtest/gtest.h>

#include "tests/passes/pass_test_util.h"

namespace kiln {
namespace {

using namespace passtest;

TEST(PassesPipeline, SplitVectorizedMatmulHasAGuardFreeVectorSteadyState) {
  Schedule sch(matmul_def(size_var("M"), size_var("N"), size_var("K")));
  auto jo_ji = sch.split("C.j", 8);
  sch.reorder({"C.i", jo_ji.first, "C.k", jo_ji.second});
  sch.vectorize(jo_ji.second);
  std::map<std::string, Stmt> ir = lower_passes(sch);
  // Some innermost loop of the partitioned nest runs without any guard.
  bool guard_free = false;
  for (const For* f : innermost_loops(ir.at("partition_tails"))) {
    if (f->name == jo_ji.second && census(f->body).ifs == 0) guard_free = true;
  }
  EXPECT_TRUE(guard_free) << ir.at("partition_tails");
  Census final_ir = census(ir.at("simplify_final"));
  EXPECT_EQ(final_ir.vectorized, 0) << ir.at("simplify_final");
  EXPECT_GT(final_ir.ramps, 0) << ir.at("simplify_final");
  EXPECT_GT(final_ir.vector_loads, 0) << ir.at("simplify_final");
}

TEST(PassesPipeline, UnrolledLoopLeavesCopies) {
  Schedule sch(matmul_def(5, 6, 7));
  auto ko_ki = sch.split("C.k", 4);
  sch.unroll(ko_ki.second);
  std::map<std::string, Stmt> ir = lower_passes(sch);
  EXPECT_GT(census(ir.at("vectorize_loops")).unrolled, 0) << ir.at("vectorize_loops");
  EXPECT_EQ(census(ir.at("unroll_loops")).unrolled, 0) << ir.at("unroll_loops");
}

}  // namespace
}  // namespace kiln
