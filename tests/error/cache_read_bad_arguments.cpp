// cache_read refuses unknown tensors, readers that do not read the tensor,
// an empty or repeated reader list, a tensor already computed at a loop,
// and a second copy of the same tensor.
#include "tests/error/schedule_test_util.h"

namespace kiln {
namespace {
using namespace testing_schedule;

TEST(ScheduleErrorCacheRead, UnknownTensor) {
  Schedule sch(matmul_def());
  expect_refused(sch, "cache_read", [](Schedule& s) { s.cache_read("Z", {"C"}); },
                 "no tensor named 'Z' in matmul (tensors: A, B, C)");
}

TEST(ScheduleErrorCacheRead, ReaderDoesNotReadTheTensor) {
  Schedule sch(blur_def());
  expect_refused(sch, "cache_read",
                 [](Schedule& s) { s.cache_read("input", {"blur_y"}); },
                 "'blur_y' does not read 'input' (readers of input: blur_x)");
}

TEST(ScheduleErrorCacheRead, UnknownReader) {
  Schedule sch(matmul_def());
  expect_refused(sch, "cache_read", [](Schedule& s) { s.cache_read("A", {"Q"}); },
                 "no stage named 'Q' in matmul");
}

TEST(ScheduleErrorCacheRead, NoReaders) {
  Schedule sch(matmul_def());
  expect_refused(sch, "cache_read", [](Schedule& s) { s.cache_read("A", {}); },
                 "name the stages that should read the copy of 'A' (readers of A: C)");
}

TEST(ScheduleErrorCacheRead, ReaderNamedTwice) {
  Schedule sch(matmul_def());
  expect_refused(sch, "cache_read", [](Schedule& s) { s.cache_read("A", {"C", "C"}); },
                 "names reader 'C' twice");
}

TEST(ScheduleErrorCacheRead, TensorComputedAtALoop) {
  Schedule sch(blur_def());
  sch.compute_at("blur_x", "blur_y.y");
  expect_refused(sch, "cache_read",
                 [](Schedule& s) { s.cache_read("blur_x", {"blur_y"}); },
                 "'blur_x' is computed at blur_y.y; apply cache_read(blur_x, ...) before "
                 "compute_at(blur_x, ...)");
}

TEST(ScheduleErrorCacheRead, SameTensorTwice) {
  Schedule sch(matmul_def());
  EXPECT_EQ(sch.cache_read("A", {"C"}), "A_cache");
  expect_refused(sch, "cache_read", [](Schedule& s) { s.cache_read("A", {"A_cache"}); },
                 "it would add stage 'A_cache', but matmul already has one");
}

}  // namespace
}  // namespace kiln
