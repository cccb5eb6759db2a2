#include "fuzz/defs.h"

namespace kiln::fuzz {

ComputeDef fuzz_matmul() {
  Tensor A = placeholder({13, 11}, f32(), "A");
  Tensor B = placeholder({11, 17}, f32(), "B");
  IterVar k = reduce_axis(11, "k");
  Tensor C = compute({13, 17}, [&](Expr i, Expr j) { return sum(A(i, k) * B(k, j), k); }, "C",
                     {"i", "j"});
  return ComputeDef("matmul", {A, B}, {C});
}

ComputeDef fuzz_blur() {
  const int H = 19, W = 23;
  Tensor in = placeholder({H + 2, W + 2}, f32(), "input");
  Tensor bx = compute({H + 2, W},
                      [&](Expr y, Expr x) { return (in(y, x) + in(y, x + 1) + in(y, x + 2)) / 3.0f; },
                      "blur_x", {"y", "x"});
  Tensor by = compute({H, W},
                      [&](Expr y, Expr x) { return (bx(y, x) + bx(y + 1, x) + bx(y + 2, x)) / 3.0f; },
                      "blur_y", {"y", "x"});
  return ComputeDef("blur", {in}, {by});
}

ComputeDef fuzz_reduce_epilogue() {
  Tensor X = placeholder({9, 29}, f32(), "X");
  IterVar k = reduce_axis(29, "k");
  Tensor mx = compute({9}, [&](Expr i) { return max(X(i, k), k); }, "row_max", {"i"});
  Tensor out = compute({9, 29}, [&](Expr i, Expr j) { return exp(X(i, j) - mx(i)); }, "out",
                       {"i", "j"});
  return ComputeDef("reduce_epilogue", {X}, {out});
}

ComputeDef fuzz_half_row_sum() {
  Tensor X = placeholder({7, 37}, f16(), "X");
  IterVar k = reduce_axis(37, "k");
  Tensor Y = compute({7}, [&](Expr i) { return sum(X(i, k), k); }, "Y", {"i"});
  return ComputeDef("half_row_sum", {X}, {Y});
}

const std::vector<ComputeDef>& fuzz_defs() {
  static const std::vector<ComputeDef> defs = {fuzz_matmul(), fuzz_blur(), fuzz_reduce_epilogue(),
                                               fuzz_half_row_sum()};
  return defs;
}

}  // namespace kiln::fuzz
