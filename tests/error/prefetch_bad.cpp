// prefetch refuses what it cannot place: a tensor the stage does not read,
// a `from` loop inside `at` or not around it, a prefetch inside a vector
// loop, an offset below 1; and, once applied, the primitives that would
// move or remove its loops.
#include "tests/correctness/reference_check.h"
#include "tests/error/schedule_test_util.h"

namespace kiln {
namespace {
using namespace testing_schedule;

TEST(ScheduleErrorPrefetch, TensorNotRead) {
  Schedule sch(blur_def());
  expect_refused(sch, "prefetch", [](Schedule& s) { s.prefetch("input", "blur_y.y", "blur_y.y", 1); },
                 "stage 'blur_y' does not read 'input' (directly or through inlined stages)");
  expect_refused(sch, "prefetch", [](Schedule& s) { s.prefetch("blur_y", "blur_y.y", "blur_y.y", 1); },
                 "stage 'blur_y' does not read 'blur_y'");
  expect_refused(sch, "prefetch", [](Schedule& s) { s.prefetch("nothing", "blur_y.y", "blur_y.y", 1); },
                 "'nothing' is not a tensor of blur; its tensors are input, blur_x, blur_y");
  // Through an inlined stage, blur_y reads input.
  sch.compute_inline("blur_x");
  sch.prefetch("input", "blur_y.y", "blur_y.y", 1);
}

TEST(ScheduleErrorPrefetch, AStageComputedAtALoopOrInlinedHasNothingToFetch) {
  // Before: accepted, then an internal error in flatten_storage at lower().
  {
    Schedule sch(blur_def());
    sch.compute_at("blur_x", "blur_y.y");
    expect_refused(sch, "prefetch", [](Schedule& s) { s.prefetch("blur_x", "blur_y.y", "blur_y.y", 1); },
                   "'blur_x' is computed at blur_y.y, so its buffer holds one iteration's region");
  }
  {
    Schedule sch(blur_def());
    sch.prefetch("blur_x", "blur_y.y", "blur_y.y", 1);
    expect_refused(sch, "compute_at", [](Schedule& s) { s.compute_at("blur_x", "blur_y.y"); },
                   "'blur_x' is computed at blur_y.y, so its buffer holds one iteration's region");
    expect_refused(sch, "compute_inline", [](Schedule& s) { s.compute_inline("blur_x"); },
                   "'blur_x' is inlined, so it has no buffer to fetch from");
    // At root (the default) it lowers, runs and matches the interpreter.
    check::expect_matches_reference(sch);
  }
  {
    Schedule sch(matmul_def());
    const std::string rf = sch.rfactor("C.k");
    sch.prefetch(rf, "C.k", "C.k", 1);
    expect_refused(sch, "compute_at", [&](Schedule& s) { s.compute_at(rf, "C.k"); },
                   "is computed at C.k, so its buffer holds one iteration's region");
  }
  {
    Schedule sch(matmul_def());
    const std::string rf = sch.rfactor("C.k");
    sch.compute_at(rf, "C.k");
    expect_refused(sch, "prefetch", [&](Schedule& s) { s.prefetch(rf, "C.k", "C.k", 1); },
                   "is computed at C.k");
  }
}

TEST(ScheduleErrorPrefetch, AReadThroughAnInlinedStageMustStayARead) {
  // Found by the schedules fuzz target: blur_y reads input through inlined
  // blur_x and prefetches it; computing blur_x at root then left a prefetch
  // of a tensor blur_y no longer reads, and lower() refused it.
  Schedule sch(blur_def());
  sch.compute_inline("blur_x");
  sch.prefetch("input", "blur_y.x", "blur_y.y", 1);
  expect_refused(sch, "compute_root", [](Schedule& s) { s.compute_root("blur_x"); },
                 "stage 'blur_y' prefetches input at blur_y.x (prefetch), and after this step it "
                 "no longer reads input");
  expect_refused(sch, "compute_at", [](Schedule& s) { s.compute_at("blur_x", "blur_y.y"); },
                 "no longer reads input");
  check::expect_matches_reference(sch);
}

TEST(ScheduleErrorPrefetch, FromMustEncloseAt) {
  Schedule sch(matmul_def());
  expect_refused(sch, "prefetch", [](Schedule& s) { s.prefetch("A", "C.i", "C.j", 1); },
                 "'C.j' is not 'C.i' or a loop around it (outer to inner: C.i)");
  expect_refused(sch, "prefetch", [](Schedule& s) { s.prefetch("A", "C.q", "C.i", 1); },
                 "stage 'C' has no loop 'C.q'");
  expect_refused(sch, "prefetch", [](Schedule& s) { s.prefetch("A", "C.j", "C.i", 0); },
                 "offset must be at least 1 (how many iterations of C.i ahead to fetch), got 0");
  sch.prefetch("A", "C.j", "C.i", 2);
}

TEST(ScheduleErrorPrefetch, NotInsideAVectorLoop) {
  Schedule sch(blur_def());
  auto [xo, xi] = sch.split("blur_y.x", 8);
  sch.vectorize(xi);
  expect_refused(sch, "prefetch", [](Schedule& s) { s.prefetch("blur_x", "blur_y.x.i", "blur_y.y", 1); },
                 "'blur_y.x.i' is vectorized, and a prefetch at 'blur_y.x.i' would run inside it");
  sch.prefetch("blur_x", xo, "blur_y.y", 1);
}

TEST(ScheduleErrorPrefetch, ItsLoopsStayPut) {
  Schedule sch(matmul_def());
  sch.prefetch("B", "C.j", "C.i", 1);
  expect_refused(sch, "split", [](Schedule& s) { s.split("C.j", 4); },
                 "stage 'C' prefetches B at C.j from C.i (prefetch), so C.j cannot be split");
  expect_refused(sch, "fuse", [](Schedule& s) { s.fuse("C.i", "C.j"); },
                 "so C.i cannot be fused");
  expect_refused(sch, "reorder", [](Schedule& s) { s.reorder({"C.j", "C.i"}); },
                 "after this step 'C.i' is not 'C.j' or a loop around it");
  expect_refused(sch, "vectorize", [](Schedule& s) { s.vectorize("C.j"); },
                 "after this step 'C.j' is vectorized");
  expect_refused(sch, "rfactor", [](Schedule& s) { s.rfactor("C.k"); },
                 "rfactor rebuilds its loops; apply rfactor first, then prefetch");
  expect_refused(sch, "cache_write", [](Schedule& s) { s.cache_write("C"); },
                 "it prefetches B");
  // A GPU kernel has no loop outside its bound loops to prefetch in.
  expect_refused(sch, "bind", [](Schedule& s) { s.bind("C.i", "blockIdx.x"); },
                 "after this step 'C.i' is blockIdx.x");
  // Loops inside `at` are free.
  sch.split("C.k", 4);
  sch.unroll("C.k.i");
}

TEST(ScheduleErrorPrefetch, FromALoopOfTheConsumer) {
  // row_max computed at out.i may prefetch the next row from out.i.
  Schedule sch(reduce_epilogue_def());
  sch.compute_at("row_max", "out.i");
  sch.prefetch("X", "row_max.k", "out.i", 1);
  // Computing it at root would leave out.i outside its loops.
  expect_refused(sch, "compute_root", [](Schedule& s) { s.compute_root("row_max"); },
                 "after this step 'out.i' is not 'row_max.k' or a loop around it");
  expect_refused(sch, "compute_inline", [](Schedule& s) { s.compute_inline("row_max"); },
                 "'row_max' reduces over k");
}

TEST(ScheduleErrorPrefetch, ReplayedTraceKeepsTheRules) {
  Schedule sch(matmul_def());
  sch.prefetch("A", "C.j", "C.i", 1);
  Trace t = Trace::from_json(sch.trace().to_json("matmul"));
  EXPECT_EQ(Schedule::replay(matmul_def(), t).trace().to_json("matmul"),
            sch.trace().to_json("matmul"));
  t.steps[0].names[2] = "C.k";
  EXPECT_THROW(Schedule::replay(matmul_def(), t), ScheduleError);
}

}  // namespace
}  // namespace kiln
