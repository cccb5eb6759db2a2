// One kernel compiled with symbolic sizes (size_var) runs correctly on any
// size: every split tail, attached region and guard is computed at run
// time. Each test compiles once and runs on several concrete sizes.
#include "reference_check.h"

namespace kiln {
namespace {

using check::expect_kernel_matches;

const int64_t kSizes[] = {1, 7, 64, 100};

TEST(SymbolicSizes, TiledMatmulOneKernelManySizes) {
  for (Type t : {f32(), i32()}) {
    ComputeDef def = check::matmul(size_var("M"), size_var("N"), size_var("K"), t);
    Schedule sch(def);
    std::string local = sch.cache_write("C");
    std::vector<std::string> tiles = sch.tile("C.i", "C.j", 4, 16);
    sch.parallel(tiles[0]);
    sch.vectorize(tiles[3]);
    sch.compute_at(local, tiles[1]);
    const StageSchedule& l = sch.stage(local);
    std::string li = l.leaf_loops[0], lj = l.leaf_loops[1], lk = l.leaf_loops[2];
    auto [ko, ki] = sch.split(lk, 8);
    sch.reorder({ko, ki, li, lj});
    // The local tile's extent is known only after bounds inference, and
    // vectorize needs a constant extent when it is applied: split first.
    auto [ljo, lji] = sch.split(lj, 16);
    sch.vectorize(lji);
    auto kernel = compile_jit(lower(sch));
    for (int s = 0; s < 4; ++s) {
      // N and K take the other sizes, so each run mixes them.
      int64_t m = kSizes[s], n = kSizes[(s + 1) % 4], k = kSizes[(s + 2) % 4];
      expect_kernel_matches(*kernel, def, {{"M", m}, {"N", n}, {"K", k}},
                            "matmul M=" + std::to_string(m) + " N=" + std::to_string(n) +
                                " K=" + std::to_string(k));
    }
  }
}

TEST(SymbolicSizes, SplitByNpartsOfSymbolicExtent) {
  ComputeDef def = check::matmul(size_var("M"), size_var("N"), size_var("K"));
  Schedule sch(def);
  sch.split_nparts("C.i", 3);
  sch.split_nparts("C.k", 2);
  sch.split("C.j", 5);
  auto kernel = compile_jit(lower(sch));
  for (int64_t s : kSizes) {
    expect_kernel_matches(*kernel, def, {{"M", s}, {"N", s}, {"K", s}},
                          "nparts size " + std::to_string(s));
  }
}

TEST(SymbolicSizes, ComputeAtWithSymbolicImage) {
  // blur_x computed per strip of 8 rows of blur_y, over an image of any size.
  Expr H = size_var("H"), W = size_var("W");
  Tensor in = placeholder({H, W}, f32(), "input");
  Tensor bx = compute(
      {H, W},
      [&](Expr y, Expr x) {
        return if_then_else(x >= 1, in(y, x - 1), 0.0f) + in(y, x) * 2.0f +
               if_then_else(x + 1 < W, in(y, x + 1), 0.0f);
      },
      "blur_x", {"y", "x"});
  Tensor by = compute(
      {H, W},
      [&](Expr y, Expr x) {
        return if_then_else(y >= 1, bx(y - 1, x), 0.0f) + bx(y, x) * 2.0f +
               if_then_else(y + 1 < H, bx(y + 1, x), 0.0f);
      },
      "blur_y", {"y", "x"});
  ComputeDef def("blur", {in}, {by});
  Schedule sch(def);
  auto [yo, yi] = sch.split("blur_y.y", 8);
  sch.compute_at("blur_x", yo);
  sch.vectorize(sch.split("blur_y.x", 8).second);
  auto kernel = compile_jit(lower(sch));
  for (int64_t h : kSizes) {
    for (int64_t w : {int64_t(1), int64_t(13)}) {
      expect_kernel_matches(*kernel, def, {{"H", h}, {"W", w}},
                            "blur " + std::to_string(h) + "x" + std::to_string(w));
    }
  }
}

TEST(SymbolicSizes, SizesFromBorderedInputs) {
  // Halide's "valid" blur: the input carries a border, so its shape is
  // H + 2 by W + 2 and the sizes come from extents that are a var plus a
  // constant, in the kernel and in the interpreter alike.
  Expr H = size_var("H"), W = size_var("W");
  Tensor in = placeholder({H + 2, W + 2}, f32(), "input");
  Tensor bx = compute(
      {H + 2, W}, [&](Expr y, Expr x) { return in(y, x) + in(y, x + 1) * 2.0f + in(y, x + 2); },
      "blur_x", {"y", "x"});
  Tensor by = compute(
      {H, W}, [&](Expr y, Expr x) { return bx(y, x) - bx(y + 1, x) + bx(y + 2, x); }, "blur_y",
      {"y", "x"});
  ComputeDef def("bordered", {in}, {by});
  Schedule sch(def);
  auto [yo, yi] = sch.split("blur_y.y", 4);
  sch.compute_at("blur_x", yo);
  sch.vectorize(sch.split("blur_y.x", 16).second);
  auto kernel = compile_jit(lower(sch));
  for (int64_t h : kSizes) {
    expect_kernel_matches(*kernel, def, {{"H", h}, {"W", h + 16}},
                          "bordered blur " + std::to_string(h) + "x" + std::to_string(h + 16));
  }
  // A 1 x 1 input is too small for a border: H would be -1.
  Buffer small(f32(), {1, 1}), out(f32(), {0, 0});
  try {
    kernel->run({small, out});
    FAIL() << "a negative size was accepted";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("which makes H = -1"), std::string::npos) << e.what();
  }
  try {
    interpret(def, {small});
    FAIL() << "the interpreter accepted a negative size";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("size var 'H' would be -1"), std::string::npos)
        << e.what();
  }
}

TEST(SymbolicSizes, RegisterTileOfAnAttachedStageIsVectorizedAndUnrolled) {
  // The local tile's loops have no constant extent when they are marked;
  // bounds inference finds the 4 x 16 tile C's loops need, and lowering
  // checks it. The kernel serves every size.
  ComputeDef def = check::matmul(size_var("M"), size_var("N"), size_var("K"));
  Schedule sch(def);
  std::string local = sch.cache_write("C");
  std::vector<std::string> tiles = sch.tile("C.i", "C.j", 4, 16);
  sch.vectorize(tiles[3]);
  sch.compute_at(local, tiles[1]);
  const std::vector<std::string> l = sch.stage(local).leaf_loops;  // i, j, k
  sch.reorder({l[2], l[0], l[1]});
  sch.unroll(l[0]);
  sch.vectorize(l[1]);
  LoweredFunc f = lower(sch);
  std::string text = to_string(f.body);
  EXPECT_NE(text.find("ramp("), std::string::npos) << text;
  EXPECT_EQ(text.find("vectorized"), std::string::npos) << text;
  auto kernel = compile_jit(f);
  for (int s = 0; s < 4; ++s) {
    int64_t m = kSizes[s], n = kSizes[(s + 1) % 4], k = kSizes[(s + 2) % 4];
    expect_kernel_matches(*kernel, def, {{"M", m}, {"N", n}, {"K", k}},
                          "local tile M=" + std::to_string(m) + " N=" + std::to_string(n));
  }
}

TEST(SymbolicSizes, MarkedLoopThatStaysSymbolicIsRefusedAtLowering) {
  // Computed per row of C, the local stage spans all N columns: no constant
  // extent to vectorize, which only bounds inference can tell.
  ComputeDef def = check::matmul(size_var("M"), size_var("N"), size_var("K"));
  Schedule sch(def);
  std::string local = sch.cache_write("C");
  sch.compute_at(local, "C.i");
  sch.vectorize(sch.stage(local).leaf_loops[1]);
  try {
    lower(sch);
    FAIL() << "lowering accepted a vectorized loop of symbolic extent";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("vectorize(C_local.j): after bounds inference the loop "
                                         "runs N iterations, not a constant number"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace kiln
