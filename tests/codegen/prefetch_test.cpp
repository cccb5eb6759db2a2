// Software prefetch: the same numbers as without it at awkward sizes (a
// piece of the next row at a time, split tails, the last row, a 2-D region,
// a `from` loop of the consumer, the thread pool); the lowered IR fetches
// the right elements once per cache line; the machine code has prefetcht0.
#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <vector>

#include "codegen/llvm/host_target.h"
#include "kiln.h"

namespace kiln {
namespace {

/// Y[i, j] = (X[i, j] - mean_i) * 2 over M x N: a row-wise op reading each
/// row twice, as layernorm does. mean computed at Y.i.
ComputeDef centered(int64_t M, int64_t N) {
  Tensor X = placeholder({M, N}, f32(), "X");
  IterVar k = reduce_axis(N, "k");
  Tensor mean = compute({M}, [&](Expr i) { return sum(X(i, k.var), k); }, "mean", {"i"});
  Tensor Y = compute({M, N},
                     [&](Expr i, Expr j) { return (X(i, j) - mean(i) / float(N)) * 2.0f; }, "Y",
                     {"i", "j"});
  return ComputeDef("centered", {X}, {Y});
}

/// Rows in parallel, 16 lanes x 2, the mean at the row; prefetches as given.
Schedule row_schedule(const ComputeDef& def, bool parallel) {
  Schedule s(def);
  if (parallel) s.parallel("Y.i");
  auto [jo, ji] = s.split("Y.j", 32);
  auto [jio, jii] = s.split(ji, 16);
  s.unroll(jio);
  s.vectorize(jii);
  s.compute_at("mean", "Y.i");
  return s;
}

/// The kernel's output for input x (M x N).
Buffer run(const Schedule& s, const Buffer& x) {
  Buffer y(f32(), x.shape());
  compile_jit(lower(s))->run({x, y});
  return y;
}

void expect_same(const Buffer& a, const Buffer& b, const std::string& what) {
  ASSERT_EQ(a.numel(), b.numel());
  for (int64_t i = 0; i < a.numel(); ++i) {
    ASSERT_EQ(a.data_as<float>()[i], b.data_as<float>()[i]) << what << " at element " << i;
  }
}

TEST(Prefetch, SameNumbersAtAwkwardSizes) {
  set_num_threads(2);
  for (auto [M, N] : std::vector<std::pair<int64_t, int64_t>>{{1, 1}, {2, 31}, {7, 101}, {13, 257}, {64, 64}}) {
    const ComputeDef def = centered(M, N);
    Buffer x(f32(), {M, N});
    x.fill_random(int(M * 1000 + N));
    const Buffer want = interpret(def, {x}).at(0);
    for (bool parallel : {false, true}) {
      const std::string what = std::to_string(M) + " x " + std::to_string(N) + (parallel ? " parallel" : "");
      Schedule plain = row_schedule(def, parallel);
      const Buffer expected = run(plain, x);
      // The reference within rounding; the prefetching kernels bit for bit.
      for (int64_t i = 0; i < want.numel(); ++i)
        ASSERT_NEAR(expected.data_as<float>()[i], want.data_as<float>()[i], 1e-4) << what;
      for (int64_t offset : {1, 2, 5}) {
        Schedule s = row_schedule(def, parallel);
        s.prefetch("X", "Y.j.o", "Y.i", offset);           // the next row, piece by piece
        s.prefetch("X", "mean.k", "Y.i", offset);          // from a loop of the consumer
        expect_same(run(s, x), expected, what + " offset " + std::to_string(offset));
      }
      Schedule whole = row_schedule(def, parallel);
      whole.prefetch("X", "Y.i", "Y.i", 1);                // a whole row at once
      expect_same(run(whole, x), expected, what + " whole rows");
    }
  }
}

TEST(Prefetch, TwoDimensionalRegion) {
  // A 3x3 box filter over tiles: each tile's prefetch covers rows and columns.
  const int64_t H = 37, W = 45;
  Tensor in = placeholder({H + 2, W + 2}, f32(), "in");
  Tensor out = compute({H, W}, [&](Expr y, Expr x) {
    Expr s = in(y, x);
    for (int dy = 0; dy < 3; ++dy)
      for (int dx = 0; dx < 3; ++dx)
        if (dy || dx) s = s + in(y + dy, x + dx);
    return s;
  }, "out", {"y", "x"});
  const ComputeDef def("box", {in}, {out});
  Schedule s(def);
  auto tiles = s.tile("out.y", "out.x", 8, 16);
  s.prefetch("in", tiles[1], tiles[0], 1);
  const std::string ir = to_string(lower(s).body);
  // 10 rows of the tile below, each 18 floats wide (two lines of 16).
  EXPECT_NE(ir.find("for (prefetch.in.d0, 0, 10)"), std::string::npos) << ir;
  EXPECT_NE(ir.find("prefetch(in["), std::string::npos) << ir;
  Buffer x(f32(), {H + 2, W + 2});
  x.fill_random(5);
  Buffer y(f32(), {H, W});
  compile_jit(lower(s))->run({x, y});
  const Buffer want = interpret(def, {x}).at(0);
  for (int64_t i = 0; i < want.numel(); ++i)
    ASSERT_NEAR(y.data_as<float>()[i], want.data_as<float>()[i], 1e-4) << i;
}

TEST(Prefetch, LoweredIrFetchesTheNextRowOncePerLine) {
  Schedule s = row_schedule(centered(8, 64), true);
  s.prefetch("X", "Y.j.o", "Y.i", 1);
  const std::string ir = to_string(lower(s).body);
  // In each iteration of Y.j.o (32 floats): the same 32 floats of the next
  // row, two cache lines, after checking that row exists.
  EXPECT_NE(ir.find("if ((Y.i + 1) < 8) {\n"), std::string::npos) << ir;
  EXPECT_NE(ir.find("prefetch(X[(Y.i*64) + (Y.j.o*32) + 64])"), std::string::npos) << ir;
  EXPECT_NE(ir.find("prefetch(X[(Y.i*64) + (Y.j.o*32) + 80])"), std::string::npos) << ir;
  EXPECT_EQ(ir.find("prefetch(X[(Y.i*64) + (Y.j.o*32) + 96])"), std::string::npos) << ir;
}

TEST(Prefetch, MachineCodeHasPrefetchT0) {
  Schedule s = row_schedule(centered(64, 256), true);
  s.prefetch("X", "Y.j.o", "Y.i", 1);
  const std::string assembly = emit_assembly(lower(s), host_target());
  EXPECT_TRUE(std::regex_search(assembly, std::regex(R"(prefetcht0\s)"))) << assembly.substr(0, 3000);
  const std::string plain = emit_assembly(lower(row_schedule(centered(64, 256), true)), host_target());
  EXPECT_EQ(plain.find("prefetcht0"), std::string::npos);
}

}  // namespace
}  // namespace kiln
