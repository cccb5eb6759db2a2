// transform_layout: a stage stored permuted or blocked (NCHW16c and
// friends) computes the same values as row-major, at channel counts that
// are not multiples of the block, at root and at a loop, vectorized over
// the block, with symbolic sizes; and the vectorized access over a block
// is one dense vector, not a gather.
#include "reference_check.h"

#include "dsl/ir_printer.h"

namespace kiln {
namespace {

using check::expect_matches_reference;

/// P = in * 2 + 1 over NCHW; out[n, k, y, x] = sum_c P[n, c, y, x] * w[k, c]
/// (a 1x1 convolution): P is the stage a blocked layout stores.
ComputeDef pointwise_conv(Expr N, Expr C, Expr H, Expr W, Expr K) {
  Tensor in = placeholder({N, C, H, W}, f32(), "in");
  Tensor w = placeholder({K, C}, f32(), "w");
  Tensor P = compute({N, C, H, W}, [&](Expr n, Expr c, Expr y, Expr x) { return in(n, c, y, x) * 2 + 1; },
                     "P", {"n", "c", "y", "x"});
  IterVar c = reduce_axis(C, "c");
  Tensor out = compute(
      {N, K, H, W},
      [&](Expr n, Expr k, Expr y, Expr x) { return sum(P(n, c.var, y, x) * w(k, c.var), c); },
      "out", {"n", "k", "y", "x"});
  return ComputeDef("pointwise_conv", {in, w}, {out});
}

const std::vector<std::string> kNCHW16c = {"n", "c/16", "y", "x", "c%16"};

TEST(StorageLayouts, BlockedChannelsAtRoot) {
  for (int64_t C : {1, 16, 17, 37}) {
    Schedule sch(pointwise_conv(2, C, 5, 3, 7));
    sch.transform_layout("P", kNCHW16c);
    expect_matches_reference(sch);
  }
}

TEST(StorageLayouts, BlockedChannelsComputedAtALoopAndVectorizedOverTheBlock) {
  for (int64_t C : {1, 17, 37, 48}) {
    Schedule sch(pointwise_conv(1, C, 4, 5, 3));
    sch.transform_layout("P", kNCHW16c);
    sch.compute_at("P", "out.y");
    // P's loops: n c y x; put the block of 16 channels innermost.
    auto [co, ci] = sch.split("P.c", 16);
    sch.reorder({co, "P.y", "P.x", ci});
    if (C >= 16) sch.vectorize(ci);
    expect_matches_reference(sch);
  }
}

TEST(StorageLayouts, PermutedAndTwoWayBlocked) {
  for (auto layout : std::vector<std::vector<std::string>>{
           {"j", "i"}, {"i/4", "j/8", "i%4", "j%8"}, {"j%3", "i", "j/3"}}) {
    Schedule sch(check::two_stage(13, 37));
    sch.transform_layout("P", layout);
    expect_matches_reference(sch);

    Schedule at(check::two_stage(13, 37));
    at.transform_layout("P", layout);
    auto [io, ii] = at.split("C.i", 4);
    at.compute_at("P", io);
    at.parallel(io);
    expect_matches_reference(at);
  }
}

TEST(StorageLayouts, CacheReadOfAnInputAndCacheWriteOfAnOutput) {
  Schedule sch(check::matmul(19, 23, 17));
  std::string b = sch.cache_read("B", {"C"});
  sch.transform_layout(b, {"j/8", "i", "j%8"});  // B packed in panels of 8 columns
  std::string local = sch.cache_write("C");
  sch.transform_layout(local, {"j", "i"});
  expect_matches_reference(sch);
}

TEST(StorageLayouts, SymbolicSizes) {
  Expr M = size_var("M"), N = size_var("N");
  Schedule sch(check::two_stage(M, N));
  sch.transform_layout("P", {"j/16", "i", "j%16"});
  auto [jo, ji] = sch.split("P.j", 16);
  sch.vectorize(ji);
  for (auto [m, n] : {std::pair<int64_t, int64_t>{1, 1}, {7, 13}, {3, 33}, {2, 64}}) {
    expect_matches_reference(sch, {{"M", m}, {"N", n}});
  }
}

TEST(StorageLayouts, ReplayedTraceKeepsTheLayout) {
  Schedule sch(pointwise_conv(1, 21, 3, 4, 5));
  sch.transform_layout("P", kNCHW16c);
  Schedule replayed = Schedule::replay(sch.def(), Trace::from_json(sch.trace().to_json()));
  ASSERT_EQ(replayed.stage("P").storage_layout.size(), 5u);
  EXPECT_EQ(replayed.stage("P").storage_layout[4].part, StorageDim::Part::Inner);
  EXPECT_EQ(replayed.stage("P").storage_layout[4].factor, 16);
  expect_matches_reference(replayed);
}

// The loop over a block's 16 channels, vectorized, stores one dense
// vector: the flat index simplifies to a stride-1 ramp, with no division
// or modulo left in it.
TEST(StorageLayouts, VectorOverTheBlockIsDense) {
  Schedule sch(pointwise_conv(1, 32, 4, 4, 3));
  sch.transform_layout("P", kNCHW16c);
  auto [co, ci] = sch.split("P.c", 16);
  sch.reorder({co, "P.y", "P.x", ci});
  sch.vectorize(ci);
  LoweredFunc f = lower(sch);
  std::string ir = to_string(f.body);
  size_t store = ir.find("\n", ir.find(" stack {"));
  store = ir.find("P[", store);
  ASSERT_NE(store, std::string::npos) << ir;
  std::string line = ir.substr(store, ir.find('\n', store) - store);
  EXPECT_NE(line.find("ramp("), std::string::npos) << line << "\n" << ir;
  EXPECT_EQ(line.find('/'), std::string::npos) << line;
  EXPECT_EQ(line.find('%'), std::string::npos) << line;
}

}  // namespace
}  // namespace kiln
