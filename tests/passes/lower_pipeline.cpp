// The pipeline in lower.cpp: its pass list, the on_pass hook, stop_after,
// and the signature of the lowered function.
#include <gtest/gtest.h>

#include "kiln.h"

namespace kiln {
namespace {

ComputeDef scale(Expr M, Expr N) {
  Tensor A = placeholder({M, N}, f32(), "A");
  Tensor B = compute({M, N}, [&](Expr i, Expr j) { return A(i, j) * 2.0f; }, "B", {"i", "j"});
  return ComputeDef("scale", {A}, {B});
}

TEST(LowerPipeline, CallsOnPassForEveryPassInOrder) {
  std::vector<std::string> seen;
  LowerOptions options;
  options.on_pass = [&](const std::string& pass, const Stmt& s) {
    EXPECT_TRUE(s.defined()) << pass;
    seen.push_back(pass);
  };
  lower(Schedule(scale(3, 5)), "", options);
  EXPECT_EQ(seen, lowering_pass_names());
  EXPECT_EQ(seen.front(), "build_loop_nests");
}

TEST(LowerPipeline, StopAfterEndsAtThatPass) {
  LowerOptions options;
  options.stop_after = "build_loop_nests";
  LoweredFunc f = lower(Schedule(scale(3, 5)), "", options);
  // Before flattening, the body still stores to the tensor.
  EXPECT_NE(to_string(f.body).find("B["), std::string::npos) << to_string(f.body);

  options.stop_after = "flatten_storage";
  std::vector<std::string> seen;
  options.on_pass = [&](const std::string& pass, const Stmt&) { seen.push_back(pass); };
  lower(Schedule(scale(3, 5)), "", options);
  EXPECT_EQ(seen.back(), "flatten_storage");
}

TEST(LowerPipeline, UnknownStopAfterListsThePasses) {
  LowerOptions options;
  options.stop_after = "vectorise";
  try {
    lower(Schedule(scale(3, 5)), "", options);
    FAIL() << "an unknown pass name was accepted";
  } catch (const UserError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("'vectorise'"), std::string::npos) << msg;
    for (const std::string& pass : lowering_pass_names())
      EXPECT_NE(msg.find(pass), std::string::npos) << msg;
  }
}

TEST(LowerPipeline, SignatureIsInputsThenOutputsAndSizeVars) {
  Expr M = size_var("M"), N = size_var("N");
  LoweredFunc f = lower(Schedule(scale(M, N)));
  EXPECT_EQ(f.name, "scale");
  ASSERT_EQ(f.args.size(), 2u);
  EXPECT_EQ(f.args[0].name, "A");
  EXPECT_FALSE(f.args[0].is_output);
  EXPECT_EQ(f.args[1].name, "B");
  EXPECT_TRUE(f.args[1].is_output);
  EXPECT_EQ(f.args[1].type, f32());
  ASSERT_EQ(f.args[1].shape.size(), 2u);
  EXPECT_EQ(to_string(f.args[1].shape[0]), "M");
  EXPECT_EQ(f.size_vars, (std::vector<std::string>{"M", "N"}));
  EXPECT_EQ(lower(Schedule(scale(M, N)), "my_kernel").name, "my_kernel");
}

}  // namespace
}  // namespace kiln
