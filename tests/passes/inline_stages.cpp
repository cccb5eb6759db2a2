// inline_stages: after build_loop_nests, a consumer still reads its inlined
// producers; after inline_stages, no read of an inlined stage is left, and
// a chain of them is gone in one pass. Bounds inference looked through the
// same stages: a stage computed at a loop covers what is read through them.
#include <gtest/gtest.h>

#include "tests/passes/pass_test_util.h"

namespace kiln {
namespace {

using namespace passtest;

/// A -> B = A * 2 -> C = B + 1 -> D[i] = C[i] + C[i + 1] (D reads C at two points).
ComputeDef chain() {
  Tensor A = placeholder({9}, f32(), "A");
  Tensor B = compute({9}, [&](Expr i) { return A(i) * 2.0f; }, "B", {"i"});
  Tensor C = compute({9}, [&](Expr i) { return B(i) + 1.0f; }, "C", {"i"});
  Tensor D = compute({8}, [&](Expr i) { return C(i) + C(i + 1); }, "D", {"i"});
  return ComputeDef("chain", {A}, {D});
}

bool reads(const Stmt& s, const std::string& tensor) {
  return to_string(s).find(tensor + "[") != std::string::npos;
}

TEST(InlineStages, ReadsOfAChainOfInlinedStagesBecomeTheirValues) {
  Schedule sch(chain());
  sch.compute_inline("B");
  sch.compute_inline("C");
  std::map<std::string, Stmt> ir = lower_passes(sch);
  const Stmt& built = ir.at("build_loop_nests");
  EXPECT_TRUE(reads(built, "C")) << built;
  const Stmt& inlined = ir.at("inline_stages");
  EXPECT_FALSE(reads(inlined, "B")) << inlined;
  EXPECT_FALSE(reads(inlined, "C")) << inlined;
  EXPECT_TRUE(reads(inlined, "A")) << inlined;
  EXPECT_EQ(census(inlined).fors, census(built).fors) << inlined;
}

TEST(InlineStages, AnExpressionWithoutInlinedReadsIsUnchanged) {
  Schedule sch(chain());
  sch.compute_inline("B");
  const Expr e = make_var("x") + make_index(1);
  EXPECT_TRUE(inline_stages(e, sch).same_as(e));
  EXPECT_FALSE(inline_stages(Expr(), sch).defined());
}

TEST(InlineStages, BoundsInferenceSeesThroughInlinedStages) {
  // B is computed per iteration of D's loop and read only through the
  // inlined C, at i and i + 1: its region is those two points.
  Schedule sch(chain());
  sch.compute_inline("C");
  sch.compute_at("B", "D.i");
  const StagePlans plans = infer_bounds(sch);
  ASSERT_EQ(plans.count("B"), 1u);
  ASSERT_EQ(plans.at("B").region.size(), 1u);
  EXPECT_TRUE(is_const(plans.at("B").region[0].extent, 2)) << to_string(plans.at("B").region[0].extent);
  EXPECT_EQ(plans.count("C"), 0u);  // inlined: no plan
}

}  // namespace
}  // namespace kiln
