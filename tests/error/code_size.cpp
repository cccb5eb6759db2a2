// A schedule whose unrolled code would be too large to compile is refused
// before anything is copied, naming the unrolled loops; a large one below
// the limit compiles and computes the right answer. Before the limit, a
// 64^3 matmul with C.i, C.j and C.k unrolled ran > 300 s at 5.8 GB.
#include <gmock/gmock.h>

#include <chrono>

#include "tests/correctness/reference_check.h"
#include "tests/error/schedule_test_util.h"

namespace kiln {
namespace {
using namespace testing_schedule;
using ::testing::HasSubstr;

ComputeDef matmul64() { return check::matmul(make_index(64), make_index(64), make_index(64)); }

TEST(CodeSize, UnrollingEveryLoopOfA64CubeMatmulIsRefusedAtOnce) {
  Schedule sch(matmul64());
  sch.unroll("C.i");
  sch.unroll("C.j");
  sch.unroll("C.k");
  const auto start = std::chrono::steady_clock::now();
  try {
    lower(sch);
    FAIL() << "a kernel of 2^18 unrolled bodies was lowered";
  } catch (const UserError& e) {
    const std::string msg = e.what();
    EXPECT_THAT(msg, HasSubstr("IR nodes after unrolling"));
    EXPECT_THAT(msg, HasSubstr("more than the 200000 kiln compiles"));
    EXPECT_THAT(msg, HasSubstr("C.i (extent 64), C.j (extent 64), C.k (extent 64)"));
    EXPECT_THAT(msg, HasSubstr("unroll fewer or shorter loops"));
  }
  // Refused from a count, not after building the copies.
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 5.0);
}

TEST(CodeSize, ALargeUnrollBelowTheLimitCompilesAndMatches) {
  // 64 x 4 copies of a vector body: large, but far below the limit.
  Schedule sch(matmul64());
  auto [jo, ji] = sch.split("C.j", 16);
  sch.vectorize(ji);
  auto [ko, ki] = sch.split("C.k", 4);
  sch.unroll(jo);
  sch.unroll(ki);
  check::expect_matches_reference(sch);
}

}  // namespace
}  // namespace kiln
