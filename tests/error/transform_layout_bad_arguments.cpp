// transform_layout refuses what has no layout of its own to change (inputs,
// outputs, inlined stages) and layouts that do not describe the stage's
// axes, naming the entry and what a layout must be.
#include "tests/error/schedule_test_util.h"

namespace kiln {
namespace {
using namespace testing_schedule;

void expect_layout_refused(const std::vector<std::string>& layout, const std::string& needle) {
  Schedule sch(blur_def());
  expect_refused(sch, "transform_layout",
                 [&](Schedule& s) { s.transform_layout("blur_x", layout); }, needle);
}

TEST(ScheduleErrorTransformLayout, StagesWithoutALayoutOfTheirOwn) {
  Schedule sch(blur_def());
  expect_refused(sch, "transform_layout",
                 [](Schedule& s) { s.transform_layout("blur_y", {"x", "y"}); },
                 "'blur_y' is an output of blur; its layout is the caller's buffer. Use "
                 "cache_write(blur_y)");
  expect_refused(sch, "transform_layout",
                 [](Schedule& s) { s.transform_layout("input", {"x", "y"}); },
                 "'input' is a placeholder");
  expect_refused(sch, "transform_layout",
                 [](Schedule& s) { s.transform_layout("blur_z", {"x", "y"}); },
                 "no stage named 'blur_z' in blur");
  sch.compute_inline("blur_x");
  expect_refused(sch, "transform_layout",
                 [](Schedule& s) { s.transform_layout("blur_x", {"x", "y"}); },
                 "'blur_x' is inlined, so it has no storage to lay out");
}

TEST(ScheduleErrorTransformLayout, InliningAStageWithALayout) {
  Schedule sch(blur_def());
  sch.transform_layout("blur_x", {"x", "y"});
  expect_refused(sch, "compute_inline", [](Schedule& s) { s.compute_inline("blur_x"); },
                 "'blur_x' has a storage layout (transform_layout)");
}

TEST(ScheduleErrorTransformLayout, MalformedLayouts) {
  expect_layout_refused({"y"}, "x");
  expect_layout_refused({"y", "x", "y"}, "y");
  expect_layout_refused({"y", "z"}, "z");
  expect_layout_refused({"y", "x/8"}, "x%8");
  expect_layout_refused({"y", "x/8", "x%4"}, "x");
  expect_layout_refused({"y", "x/1", "x%1"}, "1");
  expect_layout_refused({"y", "x/0", "x%0"}, "0");
  expect_layout_refused({"y", "x/100000", "x%100000"}, "4096");
  expect_layout_refused({"y", "x/abc", "x%abc"}, "abc");
  expect_layout_refused({"y", "x/-8", "x%-8"}, "-8");
  expect_layout_refused({"y", "x/99999999999999999999", "x%99999999999999999999"}, "99999999999999999999");
  expect_layout_refused({}, "is missing");
}

}  // namespace
}  // namespace kiln
