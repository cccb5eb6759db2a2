// The IR printer's text, exactly: what kiln show, pass logs and test
// failures display.
#include "dsl/ir_printer.h"

#include <gtest/gtest.h>

#include "dsl/compute.h"

namespace kiln {
namespace {

TEST(IRPrinter, Arithmetic) {
  Expr i = make_var("i"), j = make_var("j");
  EXPECT_EQ(to_string(i + 1), "i + 1");
  EXPECT_EQ(to_string((i + 1) * 2), "(i + 1)*2");
  EXPECT_EQ(to_string(i + j + 1), "i + j + 1");
  EXPECT_EQ(to_string(i - (j - 1)), "i - (j - 1)");
  EXPECT_EQ(to_string(i / 4 + i % 3), "(i/4) + (i % 3)");
  EXPECT_EQ(to_string(min(i, j) - max(i, 0)), "min(i, j) - max(i, 0)");
  EXPECT_EQ(to_string(select(i < j && i != 0, i, j)), "select((i < j) && (i != 0), i, j)");
  EXPECT_EQ(to_string(!(i >= j)), "!(i >= j)");
}

TEST(IRPrinter, ConstantsAndCasts) {
  Expr x = Var::make(f32(), "x");
  EXPECT_EQ(to_string(x * 0.5f), "x*0.5f");
  EXPECT_EQ(to_string(Expr(2.5)), "2.5");
  EXPECT_EQ(to_string(Expr(3.0f)), "3.0f");
  EXPECT_EQ(to_string(make_const(i8(), int64_t(5))), "(int8)5");
  EXPECT_EQ(to_string(const_true()), "true");
  EXPECT_EQ(to_string(cast(i32(), x + 1.0f)), "(int32)(x + 1.0f)");
  EXPECT_EQ(to_string(exp(x)), "exp(x)");
  EXPECT_EQ(to_string(Let::make("t", x * x, Var::make(f32(), "t") + 1.0f)),
            "(let t = x*x in t + 1.0f)");
}

TEST(IRPrinter, TensorReadsAndReductions) {
  Expr K = size_var("K");
  Tensor A = placeholder({4, K}, f32(), "A");
  IterVar k = reduce_axis(K, "k");
  Expr i = make_var("i");
  EXPECT_EQ(to_string(A(i, k)), "A[i, k]");
  EXPECT_EQ(to_string(sum(A(i, k), k)), "sum(A[i, k], k in [0, K))");
  IterVar r = reduce_axis(2, 3, "r");
  EXPECT_EQ(to_string(max(A(i, r), r, r.var > 2)), "max(A[i, r], r in [2, 5), where r > 2)");
}

TEST(IRPrinter, Statements) {
  Expr i = make_var("i");
  Stmt store = Store::make("B", Var::make(f32(), "v"), i);
  Stmt loop = For::make("i", make_index(0), make_index(10), ForKind::Serial, store);
  EXPECT_EQ(to_string(loop), "for (i, 0, 10) {\n  B[i] = v\n}\n");
  Stmt guarded = IfThenElse::make(i < 3, store, Store::make("B", Var::make(f32(), "w"), i));
  EXPECT_EQ(to_string(guarded), "if (i < 3) {\n  B[i] = v\n} else {\n  B[i] = w\n}\n");
  Stmt par = For::make("i", make_index(0), make_index(4), ForKind::Parallel, store);
  EXPECT_EQ(to_string(par), "parallel (i, 0, 4) {\n  B[i] = v\n}\n");
}

}  // namespace
}  // namespace kiln
