// Tuning candidates compile in forked children with a time budget: a
// kernel that LLVM would spend seconds on is stopped at the budget and
// reported, others come back linked and compute the right answer.
#include <gmock/gmock.h>

#include <chrono>

#include "autotune/compile_budget.h"
#include "codegen/llvm/host_target.h"
#include "tests/correctness/reference_check.h"

namespace kiln {
namespace {

ComputeDef small_matmul() { return check::matmul(make_index(13), make_index(17), make_index(11)); }

/// Small in IR (10k nodes after kiln's unrolling), slow in LLVM: O3 then
/// unrolls 221 copies of the k loop (9 s seen in the fuzzer).
Schedule slow_to_optimize() {
  Schedule sch(small_matmul());
  const std::string ij = sch.fuse("C.i", "C.j");
  sch.unroll(ij);
  sch.prefetch("B", "C.k", "C.k", 1);
  sch.prefetch("A", "C.k", ij, 3);
  sch.prefetch("A", ij, ij, 1);
  return sch;
}

TEST(CompileBudget, KernelsFromChildrenMatchTheReference) {
  Schedule tiled(small_matmul());
  auto [jo, ji] = tiled.split("C.j", 8);
  tiled.vectorize(ji);
  Schedule plain(small_matmul());
  plain.parallel("C.i");
  const std::vector<LoweredFunc> funcs = {lower(tiled, "budget_tiled"), lower(plain, "budget_plain")};
  const std::vector<BudgetedCompile> out = compile_with_budget(funcs, host_target(), 60, 2);
  ASSERT_EQ(out.size(), 2u);
  for (size_t i = 0; i < out.size(); ++i) {
    ASSERT_TRUE(out[i].error.empty()) << out[i].error;
    ASSERT_TRUE(out[i].kernel);
    EXPECT_GT(out[i].compile_ms, 0.0);
    check::expect_kernel_matches(*out[i].kernel, small_matmul(), {}, funcs[i].name);
  }
  // The second time they come from the cache, without a child.
  const std::vector<BudgetedCompile> again = compile_with_budget(funcs, host_target(), 60, 2);
  EXPECT_EQ(again[0].kernel, out[0].kernel);
}

TEST(CompileBudget, ACompilePastTheBudgetIsStoppedAndReported) {
  const LoweredFunc slow = lower(slow_to_optimize(), "budget_slow");
  Schedule fine(small_matmul());
  const auto start = std::chrono::steady_clock::now();
  const std::vector<BudgetedCompile> out =
      compile_with_budget({slow, lower(fine, "budget_fine")}, host_target(), 1.0, 2);
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_THAT(out[0].error, ::testing::HasSubstr("compiling took longer than the 1 s a candidate may spend in LLVM"));
  EXPECT_FALSE(out[0].kernel);
  EXPECT_TRUE(out[1].error.empty()) << out[1].error;
  EXPECT_LT(took, 5.0) << "the slow compile was not stopped at its budget";
}

}  // namespace
}  // namespace kiln
