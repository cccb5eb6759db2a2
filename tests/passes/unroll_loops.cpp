// unroll_loops on small hand-built loops: copies for constant extents, a
// serial loop otherwise, and the same effect as what went in.
#include <gtest/gtest.h>

#include "tests/passes/pass_test_util.h"

namespace kiln {
namespace {

using namespace passtest;

TEST(UnrollLoops, ConstantExtentBecomesCopies) {
  Stmt store = Store::make("out", v("u") * i64c(10) + v("w"), v("w") * i64c(3) + v("u"));
  Stmt inner = For::make("u", i64c(0), i64c(3), ForKind::Unrolled, store);
  Stmt before = For::make("w", v("m"), i64c(4), ForKind::Unrolled, inner);
  Stmt after = unroll_loops(before);
  Census c = census(after);
  EXPECT_EQ(c.fors, 0) << after;
  EXPECT_EQ(c.stores, 12) << after;
  expect_same_effect(before, after, {{"m", 1}}, {{"out", 20}});
}

TEST(UnrollLoops, NonConstantExtentStaysASerialLoop) {
  Stmt before = For::make("u", i64c(0), v("N"), ForKind::Unrolled, Store::make("out", v("u"), v("u")));
  Stmt after = unroll_loops(before);
  const For* f = after.as<For>();
  ASSERT_NE(f, nullptr) << after;
  EXPECT_EQ(f->for_kind, ForKind::Serial);
  expect_same_effect(before, after, {{"N", 5}}, {{"out", 5}});
}

}  // namespace
}  // namespace kiln
