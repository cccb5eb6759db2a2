// Each loop primitive alone (and with split, where it needs one), compiled
// with the JIT and compared with the reference interpreter at sizes that
// are 1, primes, and not multiples of the split factors, for f32, i32 and
// bf16. A bf16 matmul's reduction is the f32 stage C_acc (sums of 16-bit
// values accumulate in f32), so its loops are scheduled there.
#include "reference_check.h"

namespace kiln {
namespace {

using check::expect_matches_reference;

const Type kTypes[] = {f32(), i32(), bf16()};

TEST(LoopPrimitives, DefaultSchedule) {
  for (Type t : kTypes) {
    expect_matches_reference(Schedule(check::matmul(13, 7, 37, t)));
    expect_matches_reference(Schedule(check::two_stage(1, 1, t)));
  }
}

TEST(LoopPrimitives, SplitByFactor) {
  for (Type t : kTypes) {
    const std::string R = check::reduction_stage("C", t);
    Schedule sch(check::matmul(13, 37, 7, t));
    sch.split(R + ".i", 4);   // 13 = 3 * 4 + 1
    sch.split(R + ".j", 8);   // 37 = 4 * 8 + 5
    sch.split(R + ".k", 3);   // a reduction tail: 7 = 2 * 3 + 1
    expect_matches_reference(sch);
  }
}

TEST(LoopPrimitives, SplitFactorLargerThanExtent) {
  for (Type t : kTypes) {
    const std::string R = check::reduction_stage("C", t);
    Schedule sch(check::matmul(1, 7, 1, t));
    sch.split(R + ".i", 8);
    sch.split(R + ".j", 16);
    sch.split(R + ".k", 4);
    expect_matches_reference(sch);
  }
}

TEST(LoopPrimitives, SplitByNparts) {
  for (Type t : kTypes) {
    const std::string R = check::reduction_stage("C", t);
    Schedule sch(check::matmul(13, 37, 11, t));
    sch.split_nparts(R + ".i", 3);  // parts of 5: 15 > 13
    sch.split_nparts(R + ".j", 37);
    sch.split_nparts(R + ".k", 2);
    expect_matches_reference(sch);
  }
}

TEST(LoopPrimitives, SplitOfASplitHalf) {
  // The inner half of the first split runs past its own extent (4 = 3 + 1)
  // and the whole axis past 13: both tails need their guard, or points are
  // computed twice (a reduction would count them twice).
  for (Type t : kTypes) {
    const std::string R = check::reduction_stage("C", t);
    Schedule sch(check::matmul(13, 7, 23, t));
    auto [io, ii] = sch.split(R + ".i", 4);
    sch.split(ii, 3);
    auto [ko, ki] = sch.split(R + ".k", 5);
    sch.split(ki, 2);
    sch.split(ko, 2);
    expect_matches_reference(sch);
  }
}

TEST(LoopPrimitives, Fuse) {
  for (Type t : kTypes) {
    Schedule sch(check::two_stage(7, 13, t));
    sch.fuse("C.i", "C.j");
    sch.fuse("P.i", "P.j");
    expect_matches_reference(sch);
  }
}

TEST(LoopPrimitives, FuseSplitHalvesAndSplitTheFusedLoop) {
  for (Type t : kTypes) {
    const std::string R = check::reduction_stage("C", t);
    Schedule sch(check::matmul(13, 11, 37, t));
    auto [jo, ji] = sch.split(R + ".j", 4);
    std::string j = sch.fuse(jo, ji);  // 12 iterations over an extent of 11
    sch.split(j, 5);
    std::string ij = sch.fuse(R + ".i", sch.stage(R).leaf_loops[1]);
    sch.split(ij, 7);
    auto [ko, ki] = sch.split(R + ".k", 8);
    std::string k = sch.fuse(ko, ki);
    sch.split(k, 3);
    expect_matches_reference(sch);
  }
}

TEST(LoopPrimitives, Reorder) {
  for (Type t : kTypes) {
    const std::string R = check::reduction_stage("C", t);
    // The reduction outermost: the init covers the whole output first.
    Schedule sch(check::matmul(13, 7, 11, t));
    sch.reorder({R + ".k", R + ".j", R + ".i"});
    expect_matches_reference(sch);

    // i-k-j, the order that vectorizes along j.
    Schedule ikj(check::matmul(7, 13, 5, t));
    ikj.reorder({R + ".k", R + ".j"});
    expect_matches_reference(ikj);
  }
}

TEST(LoopPrimitives, ReorderSplitHalvesAcrossTheReduction) {
  for (Type t : kTypes) {
    const std::string R = check::reduction_stage("C", t);
    // Spatial loops inside the reduction loop: the init runs over them,
    // inside the spatial loops outside it, with their tail guards.
    Schedule sch(check::matmul(13, 37, 11, t));
    auto [io, ii] = sch.split(R + ".i", 4);
    auto [jo, ji] = sch.split(R + ".j", 8);
    auto [ko, ki] = sch.split(R + ".k", 4);
    sch.reorder({io, ko, jo, ki, ii, ji});
    expect_matches_reference(sch);
  }
}

TEST(LoopPrimitives, Tile) {
  for (Type t : kTypes) {
    const std::string R = check::reduction_stage("C", t);
    Schedule sch(check::matmul(37, 13, 7, t));
    sch.tile(R + ".i", R + ".j", 8, 4);
    expect_matches_reference(sch);
  }
}

TEST(LoopPrimitives, Vectorize) {
  for (Type t : kTypes) {
    const std::string R = check::reduction_stage("C", t);
    Schedule sch(check::two_stage(7, 37, t));
    auto [jo, ji] = sch.split("C.j", 8);
    sch.vectorize(ji);
    expect_matches_reference(sch);

    // A whole axis of constant extent, with a tail-free width.
    Schedule row(check::two_stage(3, 16, t));
    row.vectorize("C.j");
    expect_matches_reference(row);

    // The spatial loop of a reduction, inside the reduction loop.
    Schedule mm(check::matmul(5, 37, 7, t));
    auto [mjo, mji] = mm.split(R + ".j", 16);
    mm.reorder({R + ".k", mji});
    mm.vectorize(mji);
    expect_matches_reference(mm);
  }
}

TEST(LoopPrimitives, Unroll) {
  for (Type t : kTypes) {
    const std::string R = check::reduction_stage("C", t);
    Schedule sch(check::matmul(13, 7, 11, t));
    auto [ko, ki] = sch.split(R + ".k", 4);
    sch.unroll(ki);
    auto [jo, ji] = sch.split(R + ".j", 3);
    sch.unroll(ji);
    expect_matches_reference(sch);
  }
}

TEST(LoopPrimitives, Parallel) {
  for (Type t : kTypes) {
    Schedule sch(check::matmul(37, 7, 13, t));
    sch.parallel("C.i");
    expect_matches_reference(sch);

    Schedule split(check::two_stage(13, 29, t));
    auto [io, ii] = split.split("C.i", 4);
    split.parallel(io);
    split.parallel("P.i");
    expect_matches_reference(split);
  }
}

}  // namespace
}  // namespace kiln
