// cache_write must come before any other primitive on its stage; it also
// refuses placeholders and a second cache_write of the same stage.
#include "tests/error/schedule_test_util.h"

namespace kiln {
namespace {
using namespace testing_schedule;

TEST(ScheduleErrorCacheWrite, AfterSplit) {
  Schedule sch(matmul_def());
  sch.split("C.i", 4);
  expect_refused(sch, "cache_write", [](Schedule& s) { s.cache_write("C"); },
                 "'C' is already scheduled (C.i was split); apply cache_write(C) first, before "
                 "other primitives on C");
}

TEST(ScheduleErrorCacheWrite, AfterReorderOrMark) {
  Schedule sch(matmul_def());
  sch.reorder({"C.j", "C.i"});
  expect_refused(sch, "cache_write", [](Schedule& s) { s.cache_write("C"); },
                 "(its loops were reordered); apply cache_write(C) first");
  Schedule marked(matmul_def());
  marked.parallel("C.i");
  expect_refused(marked, "cache_write", [](Schedule& s) { s.cache_write("C"); },
                 "(C.i is marked parallel); apply cache_write(C) first");
}

TEST(ScheduleErrorCacheWrite, AfterComputeAt) {
  Schedule sch(chain_def());
  sch.compute_at("P", "Q.i");
  expect_refused(sch, "cache_write", [](Schedule& s) { s.cache_write("P"); },
                 "(it is computed at Q.i); apply cache_write(P) first");
  expect_refused(sch, "cache_write", [](Schedule& s) { s.cache_write("Q"); },
                 "(P computed at its loops); apply cache_write(Q) first");
}

TEST(ScheduleErrorCacheWrite, Placeholder) {
  Schedule sch(matmul_def());
  expect_refused(sch, "cache_write", [](Schedule& s) { s.cache_write("B"); },
                 "'B' is a placeholder (an input of matmul)");
}

TEST(ScheduleErrorCacheWrite, Twice) {
  Schedule sch(matmul_def());
  EXPECT_EQ(sch.cache_write("C"), "C_local");
  expect_refused(sch, "cache_write", [](Schedule& s) { s.cache_write("C"); },
                 "it would add stage 'C_local', but matmul already has one");
}

}  // namespace
}  // namespace kiln
