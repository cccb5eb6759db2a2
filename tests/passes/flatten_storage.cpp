// flatten_storage on small hand-built Realizes: flat indices relative to
// the Realize, absolute for arguments, and where storage goes.
#include <gtest/gtest.h>

#include "tests/passes/pass_test_util.h"

namespace kiln {
namespace {

using namespace passtest;

TEST(FlattenStorage, IntermediateIndexIsRelativeToItsRealize) {
  Tensor a = placeholder({size_var("M"), size_var("N")}, i64(), "A");
  Tensor t = compute({size_var("M"), size_var("N")}, [&](Expr i, Expr j) { return a(i, j); }, "T");
  // T is realized over [2, 5) x [1, 5): element (i, j) at (i - 2) * 4 + (j - 1).
  Stmt store = TensorStore::make(t.op(), {v("i"), v("j")}, TensorLoad::make(a.op(), {v("i"), v("j")}));
  Stmt before = Realize::make(t.op(), {{i64c(2), i64c(3)}, {i64c(1), i64c(4)}}, MemoryScope::Auto, store);
  std::vector<BufferArg> args = {{"A", i64(), a.op()->shape, false}};
  Stmt after = flatten_storage(before, args);
  const Allocate* alloc = after.as<Allocate>();
  ASSERT_NE(alloc, nullptr) << after;
  EXPECT_EQ(alloc->buffer, "T");
  EXPECT_EQ(alloc->scope, MemoryScope::Stack);
  ASSERT_EQ(alloc->extents.size(), 2u);
  EXPECT_TRUE(is_const(alloc->extents[0], 3) && is_const(alloc->extents[1], 4)) << after;
  const Store* st = alloc->body.as<Store>();
  ASSERT_NE(st, nullptr) << after;
  const Load* ld = st->value.as<Load>();
  ASSERT_NE(ld, nullptr) << after;
  EXPECT_EQ(ld->buffer, "A");
  for (int64_t i = 2; i < 5; i++) {
    for (int64_t j = 1; j < 5; j++) {
      Evaluator e({});
      e.vars = {{"i", i}, {"j", j}, {"N", 7}, {"M", 9}};
      EXPECT_EQ(e.eval(st->index), Value{(i - 2) * 4 + (j - 1)});
      // The argument is indexed absolutely, with the size var as stride.
      EXPECT_EQ(e.eval(ld->index), Value{i * 7 + j});
    }
  }
}

TEST(FlattenStorage, LargeOrSymbolicStorageGoesToTheHeap) {
  Tensor t = compute({i64c(200), i64c(200)}, [&](Expr i, Expr j) { return i + j; }, "T");
  Stmt store = TensorStore::make(t.op(), {v("i"), v("j")}, v("i"));
  auto scope_of = [&](std::vector<Range> bounds, MemoryScope scope) {
    Stmt s = flatten_storage(Realize::make(t.op(), std::move(bounds), scope, store), {});
    return s.as<Allocate>()->scope;
  };
  EXPECT_EQ(scope_of({{i64c(0), i64c(200)}, {i64c(0), i64c(200)}}, MemoryScope::Auto), MemoryScope::Heap);
  EXPECT_EQ(scope_of({{i64c(0), i64c(64)}, {i64c(0), i64c(128)}}, MemoryScope::Auto), MemoryScope::Stack);
  EXPECT_EQ(scope_of({{i64c(0), v("N")}, {i64c(0), i64c(2)}}, MemoryScope::Auto), MemoryScope::Heap);
  EXPECT_EQ(scope_of({{i64c(0), i64c(2)}, {i64c(0), i64c(2)}}, MemoryScope::Heap), MemoryScope::Heap);
}

}  // namespace
}  // namespace kiln
