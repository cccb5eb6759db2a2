// Schedule::apply refuses steps with an unknown primitive or arguments that
// do not fit it, and otherwise refuses exactly as the primitive does.
#include "tests/error/schedule_test_util.h"

namespace kiln {
namespace {
using namespace testing_schedule;

TEST(ScheduleErrorApply, UnknownPrimitive) {
  Schedule sch(matmul_def());
  expect_refused(sch, "spilt", [](Schedule& s) { s.apply({"spilt", {"C.i"}, {4}}); },
                 "unknown primitive 'spilt'; the primitives are split, split_nparts");
}

TEST(ScheduleErrorApply, WrongArgumentCounts) {
  Schedule sch(matmul_def());
  expect_refused(sch, "split", [](Schedule& s) { s.apply({"split", {"C.i"}, {}}); },
                 "the step has 1 name(s) and 0 integer(s); split takes (loop, factor)");
  expect_refused(sch, "fuse", [](Schedule& s) { s.apply({"fuse", {"C.i"}, {}}); },
                 "fuse takes (outer, inner)");
  expect_refused(sch, "reorder", [](Schedule& s) { s.apply({"reorder", {}, {}}); },
                 "reorder takes (loops...)");
}

TEST(ScheduleErrorApply, RefusesLikeThePrimitive) {
  Schedule sch(matmul_def());
  expect_refused(sch, "vectorize", [](Schedule& s) { s.apply({"vectorize", {"C.k"}, {}}); },
                 "'C.k' is a reduction loop of stage 'C'");
}

}  // namespace
}  // namespace kiln
