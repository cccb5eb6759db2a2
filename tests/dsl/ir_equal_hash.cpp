// Structural equality and hashing: trees built separately compare and hash
// equal when their structure matches, and differ when any kind, type, name,
// constant or operation differs.
#include "dsl/ir_equal.h"

#include <gtest/gtest.h>

#include <vector>

#include "dsl/compute.h"

namespace kiln {
namespace {

/// Expects a and b to be structurally equal with equal hashes.
void expect_same(const Expr& a, const Expr& b) {
  EXPECT_TRUE(equal(a, b));
  EXPECT_EQ(structural_hash(a), structural_hash(b));
}

/// Expects a and b to differ both in equality and (with overwhelming
/// likelihood for FNV-1a over distinct inputs) in hash.
void expect_different(const Expr& a, const Expr& b) {
  EXPECT_FALSE(equal(a, b));
  EXPECT_NE(structural_hash(a), structural_hash(b));
}

Expr sample(const std::string& var_name, int64_t c) {
  Expr x = make_var(var_name);
  return select(x < c, x * 3 + 1, min(x / 2, make_index(7)));
}

TEST(IREqualHash, SeparatelyBuiltTreesAreEqual) {
  Expr a = sample("x", 5), b = sample("x", 5);
  EXPECT_FALSE(a.same_as(b));
  expect_same(a, b);
  Expr f = Var::make(f32(), "v");
  expect_same(exp(f) * 0.5f + 1.0f, exp(Var::make(f32(), "v")) * 0.5f + 1.0f);
  expect_same(Let::make("t", f * f, Var::make(f32(), "t") + f),
              Let::make("t", f * f, Var::make(f32(), "t") + f));
}

TEST(IREqualHash, DifferencesAreSeen) {
  Expr base = sample("x", 5);
  expect_different(base, sample("x", 6));   // a constant
  expect_different(base, sample("y", 5));   // a variable's name
  Expr x = make_var("x");
  expect_different(x + 1, x - 1);           // the operation
  expect_different(x + 1, 1 + x);           // operand order
  expect_different(Var::make(i32(), "x"), x);  // the type, same name
  expect_different(Expr(1.0f), Expr(1.0));     // f32 vs f64 constant
  expect_different(cast(i32(), x), cast(i16(), x));
  expect_different(exp(Var::make(f32(), "v")), log(Var::make(f32(), "v")));
}

TEST(IREqualHash, VariablesAreIdentifiedByName) {
  expect_same(make_var("n"), make_var("n"));
  expect_same(make_var("n") * 2, size_var("n") * 2);
}

TEST(IREqualHash, TensorsCompareByNameDtypeAndShape) {
  Tensor A1 = placeholder({4, 5}, f32(), "A");
  Tensor A2 = placeholder({4, 5}, f32(), "A");
  Tensor A3 = placeholder({4, 6}, f32(), "A");
  Tensor B = placeholder({4, 5}, f32(), "B");
  Expr i = make_var("i"), j = make_var("j");
  expect_same(A1(i, j), A2(i, j));
  expect_different(A1(i, j), A3(i, j));
  expect_different(A1(i, j), B(i, j));
  expect_different(A1(i, j), A1(j, i));
}

ComputeDef matmul(Type t, const std::string& k_name) {
  Expr M = size_var("M"), N = size_var("N"), K = size_var("K");
  Tensor A = placeholder({M, K}, t, "A");
  Tensor B = placeholder({K, N}, t, "B");
  IterVar k = reduce_axis(K, k_name);
  Tensor C = compute({M, N}, [&](Expr i, Expr j) { return sum(A(i, k) * B(k, j), k); }, "C",
                     {"i", "j"});
  return ComputeDef("matmul", {A, B}, {C});
}

TEST(IREqualHash, DefinitionsHashByStructure) {
  EXPECT_EQ(structural_hash(matmul(f32(), "k")), structural_hash(matmul(f32(), "k")));
  EXPECT_NE(structural_hash(matmul(f32(), "k")), structural_hash(matmul(f64(), "k")));
  EXPECT_NE(structural_hash(matmul(f32(), "k")), structural_hash(matmul(f32(), "r")));
}

TEST(IREqualHash, StatementsCompareStructurally) {
  Expr i = make_var("i");
  auto loop = [&](int64_t extent) {
    return For::make("i", make_index(0), make_index(extent), ForKind::Serial,
                     Store::make("B", Var::make(f32(), "v"), i));
  };
  EXPECT_TRUE(equal(loop(8), loop(8)));
  EXPECT_EQ(structural_hash(loop(8)), structural_hash(loop(8)));
  EXPECT_FALSE(equal(loop(8), loop(9)));
  EXPECT_NE(structural_hash(loop(8)), structural_hash(loop(9)));
}

}  // namespace
}  // namespace kiln
