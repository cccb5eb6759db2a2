// store_nontemporal refuses stages whose stores the kernel reads back: an
// intermediate, and an output that reduces (it updates itself).
#include "tests/error/schedule_test_util.h"

namespace kiln {
namespace {
using namespace testing_schedule;

TEST(ScheduleErrorStoreNontemporal, Intermediate) {
  Schedule sch(blur_def());
  expect_refused(sch, "store_nontemporal", [](Schedule& s) { s.store_nontemporal("blur_x"); },
                 "'blur_x' is an intermediate of blur; the kernel reads it back, and "
                 "non-temporal stores would send it to memory first. Use store_nontemporal on "
                 "an output stage");
}

TEST(ScheduleErrorStoreNontemporal, ReductionOutput) {
  Schedule sch(matmul_def());
  expect_refused(sch, "store_nontemporal", [](Schedule& s) { s.store_nontemporal("C"); },
                 "'C' reduces over k, reading its own values back at every step");
  // What the message suggests: the copy-out stage cache_write leaves.
  sch.cache_write("C");
  sch.store_nontemporal("C");
  EXPECT_TRUE(sch.stores_nontemporal("C"));
}

TEST(ScheduleErrorStoreNontemporal, UnknownStageAndPlaceholder) {
  Schedule sch(blur_def());
  expect_refused(sch, "store_nontemporal", [](Schedule& s) { s.store_nontemporal("blur_z"); },
                 "no stage named 'blur_z' in blur");
  expect_refused(sch, "store_nontemporal", [](Schedule& s) { s.store_nontemporal("input"); },
                 "'input' is a placeholder");
}

}  // namespace
}  // namespace kiln
