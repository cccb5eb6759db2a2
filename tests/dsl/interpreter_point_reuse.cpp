// interpret_point evaluates each producer point once per call: a softmax
// row's max and sum are read by every element of the row, and recomputing
// them per element made a point of a 4096-wide softmax cost 4096^2
// evaluations (minutes for the 2000 points Op::check samples).
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>

#include "kiln.h"

namespace kiln {
namespace {

TEST(InterpreterPoint, SoftmaxRowStagesAreEvaluatedOncePerPoint) {
  const int64_t m = 3, n = 4096;
  Tensor X = placeholder({Expr(m), Expr(n)}, f32(), "X");
  IterVar k1 = reduce_axis(Expr(n), "k1");
  Tensor mx = compute({Expr(m)}, [&](Expr i) { return max(X(i, k1.var), k1); }, "mx", {"i"});
  Tensor e = compute({Expr(m), Expr(n)}, [&](Expr i, Expr j) { return exp(X(i, j) - mx(i)); },
                     "e", {"i", "j"});
  IterVar k2 = reduce_axis(Expr(n), "k2");
  Tensor s = compute({Expr(m)}, [&](Expr i) { return sum(e(i, k2.var), k2); }, "s", {"i"});
  Tensor Y = compute({Expr(m), Expr(n)}, [&](Expr i, Expr j) { return e(i, j) / s(i); }, "Y",
                     {"i", "j"});
  const ComputeDef def("softmax", {X}, {Y});
  Buffer x(f32(), {m, n});
  x.fill_random(7, -5, 5);

  const auto start = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < m; ++i) {
    const float* row = x.data_as<float>() + i * n;
    double row_max = -INFINITY, row_sum = 0;
    for (int64_t j = 0; j < n; ++j) row_max = std::max<double>(row_max, row[j]);
    for (int64_t j = 0; j < n; ++j) row_sum += std::exp(row[j] - row_max);
    for (int64_t j : {int64_t{0}, int64_t{1}, n / 2 + 1, n - 1}) {
      const double want = std::exp(row[j] - row_max) / row_sum;
      EXPECT_NEAR(interpret_point(def, {x}, 0, {i, j}), want, 1e-5 * want) << i << ", " << j;
    }
  }
  // 12 points: a few times 2 * 4096 evaluations each; recomputing the row
  // stages per element would be 12 * 4096^2 and take minutes.
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 10.0);
}

}  // namespace
}  // namespace kiln
