// Whole schedules of the kind a kernel author writes: a tiled matmul, a
// separable blur with compute_at, a reduction with an elementwise epilogue,
// softmax, every reducer, a conditional reduction. Each runs on the JIT and
// is compared with the reference interpreter at awkward sizes.
#include "reference_check.h"

namespace kiln {
namespace {

using check::expect_matches_reference;

TEST(Pipelines, TiledMatmul) {
  for (Type t : {f32(), i32(), bf16()}) {
    Schedule sch(check::matmul(37, 45, 29, t));
    const std::string R = check::reduction_stage("C", t);  // bf16: C_acc
    std::string local = sch.cache_write(R);
    std::vector<std::string> tiles = sch.tile(R + ".i", R + ".j", 6, 16);
    sch.parallel(tiles[0]);
    sch.vectorize(tiles[3]);
    sch.compute_at(local, tiles[1]);
    const StageSchedule& l = sch.stage(local);
    std::string li = l.leaf_loops[0], lj = l.leaf_loops[1], lk = l.leaf_loops[2];
    auto [ko, ki] = sch.split(lk, 4);
    sch.reorder({ko, ki, li, lj});
    sch.unroll(ki);
    sch.unroll(li);
    sch.vectorize(lj);
    expect_matches_reference(sch);
  }
}

/// A 3-tap blur in x then in y. With padding, reads outside the image are
/// zero (if_then_else); without, the output is the valid region only.
ComputeDef blur(Expr H, Expr W, Type t, bool padded) {
  Tensor in = placeholder({padded ? H : H + 2, padded ? W : W + 2}, t, "input");
  Expr zero = make_zero(t);
  Tensor bx = compute(
      {padded ? H : H + 2, W},
      [&](Expr y, Expr x) {
        if (!padded) return in(y, x) + in(y, x + 1) + in(y, x + 2);
        return if_then_else(x >= 1, in(y, x - 1), zero) + in(y, x) +
               if_then_else(x + 1 < W, in(y, x + 1), zero);
      },
      "blur_x", {"y", "x"});
  Tensor by = compute(
      {H, W},
      [&](Expr y, Expr x) {
        if (!padded) return bx(y, x) + bx(y + 1, x) + bx(y + 2, x);
        return if_then_else(y >= 1, bx(y - 1, x), zero) + bx(y, x) +
               if_then_else(y + 1 < H, bx(y + 1, x), zero);
      },
      "blur_y", {"y", "x"});
  return ComputeDef(padded ? "blur_padded" : "blur_valid", {in}, {by});
}

TEST(Pipelines, SeparableBlurComputedPerStripOfRows) {
  for (Type t : {f32(), i32(), bf16()}) {
    for (bool padded : {true, false}) {
      Schedule sch(blur(13, 37, t, padded));
      auto [yo, yi] = sch.split("blur_y.y", 8);
      sch.parallel(yo);
      sch.compute_at("blur_x", yo);
      auto [xo, xi] = sch.split("blur_x.x", 8);
      sch.vectorize(xi);
      auto [byo, byi] = sch.split("blur_y.x", 8);
      sch.vectorize(byi);
      expect_matches_reference(sch);
    }
  }
}

TEST(Pipelines, SeparableBlurComputedPerTile) {
  for (Type t : {f32(), i32(), bf16()}) {
    for (bool padded : {true, false}) {
      Schedule sch(blur(19, 23, t, padded));
      std::vector<std::string> tiles = sch.tile("blur_y.y", "blur_y.x", 8, 8);
      sch.compute_at("blur_x", tiles[1]);
      expect_matches_reference(sch);

      // At the innermost loop: three values of blur_x per output point.
      Schedule inner(blur(7, 13, t, padded));
      inner.compute_at("blur_x", "blur_y.x");
      expect_matches_reference(inner);
    }
  }
}

/// row_max[i] = max_k X[i, k]; out[i, j] = exp(X[i, j] - row_max[i])
/// (X - row_max for integers).
ComputeDef max_epilogue(Expr M, Expr N, Type t) {
  Tensor X = placeholder({M, N}, t, "X");
  IterVar k = reduce_axis(N, "k");
  Tensor mx = compute({M}, [&](Expr i) { return max(X(i, k.var), k); }, "row_max", {"i"});
  Tensor out = compute(
      {M, N},
      [&](Expr i, Expr j) {
        Expr d = X(i, j) - mx(i);
        return t.is_float() ? exp(d) : d;
      },
      "out", {"i", "j"});
  return ComputeDef("max_epilogue", {X}, {out});
}

TEST(Pipelines, ReductionWithElementwiseEpilogue) {
  for (Type t : {f32(), i32(), bf16()}) {
    Schedule root(max_epilogue(9, 29, t));
    expect_matches_reference(root);

    Schedule sch(max_epilogue(9, 29, t));
    sch.compute_at("row_max", "out.i");
    auto [ko, ki] = sch.split("row_max.k", 8);
    sch.vectorize(sch.split("out.j", 8).second);
    sch.parallel("out.i");
    expect_matches_reference(sch);
  }
}

TEST(Pipelines, Softmax) {
  for (Type t : {f32(), bf16()}) {
    const int M = 7, N = 37;
    Tensor X = placeholder({M, N}, t, "X");
    IterVar k = reduce_axis(N, "k"), k2 = reduce_axis(N, "k2");
    Tensor mx = compute({M}, [&](Expr i) { return max(X(i, k.var), k); }, "mx", {"i"});
    Tensor e = compute({M, N}, [&](Expr i, Expr j) { return exp(X(i, j) - mx(i)); }, "e",
                       {"i", "j"});
    Tensor s = compute({M}, [&](Expr i) { return sum(e(i, k2.var), k2); }, "s", {"i"});
    Tensor out = compute({M, N}, [&](Expr i, Expr j) { return e(i, j) / s(i); }, "out",
                         {"i", "j"});
    ComputeDef def("softmax", {X}, {out});
    Schedule sch(def);
    sch.compute_inline("e");
    // A bf16 sum accumulates in the f32 stage s_acc (which reads mx too);
    // its rounding stage s is inlined into out.
    if (t == bf16()) {
      sch.compute_inline("s");
      sch.compute_at("s_acc", "out.i");
    } else {
      sch.compute_at("s", "out.i");
    }
    sch.compute_at("mx", "out.i");
    sch.parallel("out.i");
    sch.vectorize(sch.split("out.j", 16).second);
    expect_matches_reference(sch);
  }
}

/// r[i] = reducer_k X[i, k] over a split, reordered reduction axis.
void check_reducer(const std::string& name, Type t, double lo, double hi, int K) {
  Tensor X = placeholder({11, K}, t, "X");
  IterVar k = reduce_axis(K, "k");
  Tensor r = compute(
      {11},
      [&](Expr i) {
        Expr v = X(i, k.var);
        if (name == "max") return max(v, k);
        if (name == "min") return min(v, k);
        if (name == "prod") return prod(v, k);
        return sum(v, k);
      },
      "r", {"i"});
  ComputeDef def("reduce_" + name, {X}, {r});
  expect_matches_reference(Schedule(def), {}, 7, lo, hi);
  Schedule sch(def);
  const std::string r_stage = name == "sum" || name == "prod" ? check::reduction_stage("r", t) : "r";
  auto [ko, ki] = sch.split(r_stage + ".k", 4);
  sch.reorder({ko, r_stage + ".i"});
  sch.vectorize(sch.split(r_stage + ".i", 8).second);
  expect_matches_reference(sch, {}, 7, lo, hi);
}

TEST(Pipelines, Reducers) {
  for (Type t : {f32(), i32(), bf16()}) {
    check_reducer("max", t, -1, 1, 13);
    check_reducer("min", t, -1, 1, 13);
    check_reducer("sum", t, -1, 1, 13);
  }
  // Products of values near 1 stay in range; integers in [-8, 8] over 5
  // terms fit in i32.
  check_reducer("prod", f32(), 0.5, 1.5, 13);
  check_reducer("prod", i32(), 0.5, 1.5, 5);
  check_reducer("prod", bf16(), 0.5, 1.5, 5);
}

TEST(Pipelines, ConditionalReduction) {
  for (Type t : {f32(), i32()}) {
    // A lower-triangular row sum: only k <= i takes part.
    Tensor X = placeholder({13, 13}, t, "X");
    IterVar k = reduce_axis(13, "k");
    Tensor r = compute({13}, [&](Expr i) { return sum(X(i, k.var), k, k.var <= i); }, "r", {"i"});
    Schedule sch(ComputeDef("triangle", {X}, {r}));
    sch.split("r.k", 4);
    sch.split("r.i", 5);
    expect_matches_reference(sch);
  }
}

}  // namespace
}  // namespace kiln
