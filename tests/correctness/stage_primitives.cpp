// The stage primitives (compute_at, compute_inline, compute_root,
// cache_read, cache_write, rfactor), alone and with the loop primitives
// that make them useful, against the reference interpreter at awkward sizes
// for f32, i32 and bf16. A bf16 sum's reduction is the f32 stage C_acc.
#include "reference_check.h"

namespace kiln {
namespace {

using check::expect_matches_reference;

const Type kTypes[] = {f32(), i32(), bf16()};

/// A = in * 3, B = A + in, C = sum_k B[i, k] * W[k, j]: a chain of two
/// elementwise stages feeding a reduction.
ComputeDef chain_into_matmul(Expr M, Expr N, Expr K, Type t) {
  Tensor in = placeholder({M, K}, t, "in");
  Tensor W = placeholder({K, N}, t, "W");
  Tensor A = compute({M, K}, [&](Expr i, Expr j) { return in(i, j) * 3; }, "A", {"i", "j"});
  Tensor B = compute({M, K}, [&](Expr i, Expr j) { return A(i, j) + in(i, j); }, "B", {"i", "j"});
  IterVar k = reduce_axis(K, "k");
  Tensor C = compute({M, N}, [&](Expr i, Expr j) { return sum(B(i, k.var) * W(k.var, j), k); }, "C",
                     {"i", "j"});
  return ComputeDef("chain_into_matmul", {in, W}, {C});
}

TEST(StagePrimitives, ComputeInline) {
  for (Type t : kTypes) {
    Schedule sch(check::two_stage(7, 13, t));
    sch.compute_inline("P");
    expect_matches_reference(sch);

    // A chain of inlined stages ends up in the reduction's source.
    Schedule chain(chain_into_matmul(13, 7, 11, t));
    chain.compute_inline("A");
    chain.compute_inline("B");
    chain.split(check::reduction_stage("C", t) + ".k", 4);
    expect_matches_reference(chain);
  }
}

TEST(StagePrimitives, ComputeAtEachLoop) {
  for (Type t : kTypes) {
    for (const char* loop : {"C.i", "C.j.o", "C.j.i"}) {
      Schedule sch(check::two_stage(7, 13, t));
      sch.split("C.j", 4);
      sch.compute_at("P", loop);
      expect_matches_reference(sch);
    }
  }
}

TEST(StagePrimitives, ComputeAtWithProducerLoopsScheduled) {
  for (Type t : kTypes) {
    Schedule sch(check::two_stage(13, 37, t));
    auto [io, ii] = sch.split("C.i", 4);
    sch.compute_at("P", io);
    // The producer covers 4 rows per iteration, fewer at the tail of C.i.
    auto [pjo, pji] = sch.split("P.j", 8);
    sch.vectorize(pji);
    sch.split("P.i", 3);
    expect_matches_reference(sch);
  }
}

TEST(StagePrimitives, ComputeAtThroughInlinedStage) {
  for (Type t : kTypes) {
    const std::string R = check::reduction_stage("C", t);
    // A is computed per row of C, which reads it through inlined B.
    Schedule sch(chain_into_matmul(13, 7, 11, t));
    sch.compute_inline("B");
    sch.compute_at("A", R + ".i");
    expect_matches_reference(sch);
  }
}

TEST(StagePrimitives, ComputeAtInsideAReductionLoop) {
  for (Type t : kTypes) {
    const std::string R = check::reduction_stage("C", t);
    Schedule sch(chain_into_matmul(7, 13, 19, t));
    auto [ko, ki] = sch.split(R + ".k", 4);
    sch.reorder({R + ".i", ko, R + ".j", ki});
    sch.compute_at("B", ko);
    sch.compute_at("A", "B.i");
    expect_matches_reference(sch);
  }
}

TEST(StagePrimitives, ComputeRoot) {
  for (Type t : kTypes) {
    const std::string R = check::reduction_stage("C", t);
    Schedule sch(chain_into_matmul(7, 5, 11, t));
    sch.compute_at("B", R + ".i");
    sch.compute_inline("A");
    sch.compute_root("B");
    sch.compute_root("A");
    expect_matches_reference(sch);
  }
}

TEST(StagePrimitives, CacheRead) {
  for (Type t : kTypes) {
    const std::string R = check::reduction_stage("C", t);
    Schedule sch(check::matmul(13, 37, 11, t));
    std::string a = sch.cache_read("A", {R});
    std::string b = sch.cache_read("B", {R});
    auto [jo, ji] = sch.split(R + ".j", 8);
    sch.reorder({jo, R + ".i"});
    sch.compute_at(a, R + ".i");
    sch.compute_at(b, jo);
    expect_matches_reference(sch);

    Schedule root(check::two_stage(7, 5, t));
    root.cache_read("A", {"P", "C"});
    expect_matches_reference(root);
  }
}

TEST(StagePrimitives, CacheWrite) {
  for (Type t : kTypes) {
    const std::string R = check::reduction_stage("C", t);
    Schedule sch(check::matmul(37, 13, 11, t));
    std::string local = sch.cache_write(R);
    std::vector<std::string> tiles = sch.tile(R + ".i", R + ".j", 8, 4);
    sch.compute_at(local, tiles[1]);
    const StageSchedule& l = sch.stage(local);
    sch.reorder({l.leaf_loops[2], l.leaf_loops[0]});  // k outermost in the tile
    expect_matches_reference(sch);
  }
}

TEST(StagePrimitives, RfactorOfSplitHalves) {
  for (Type t : kTypes) {
    const std::string R = check::reduction_stage("C", t);
    for (int half = 0; half < 2; ++half) {
      Schedule sch(check::matmul(7, 5, 37, t));
      auto [ko, ki] = sch.split(R + ".k", 8);
      std::string rf = sch.rfactor(half ? ki : ko);
      // The factored axis is spatial in the new stage: it may run in parallel.
      const StageSchedule& st = sch.stage(rf);
      for (const std::string& loop : st.leaf_loops) {
        if (st.loop_axis_kind.at(loop) == AxisKind::Spatial) {
          sch.parallel(loop);
          break;
        }
      }
      expect_matches_reference(sch);
    }
  }
}

TEST(StagePrimitives, RfactorOfRootReduction) {
  for (Type t : kTypes) {
    const std::string R = check::reduction_stage("C", t);
    Schedule sch(check::matmul(5, 7, 13, t));
    sch.rfactor(R + ".k");
    expect_matches_reference(sch);
  }
}

}  // namespace
}  // namespace kiln
