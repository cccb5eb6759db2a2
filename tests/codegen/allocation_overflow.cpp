// Intermediate buffers of symbolic size: the bytes are computed with
// overflow checks at run time, so sizes whose product wraps (N^4 * 4 at
// N = 2^16 is 2^66) fail as an allocation does, with a clear error, instead
// of allocating a few bytes and writing past them. At small sizes the same
// kernel computes the right answer.
#include <gmock/gmock.h>

#include "tests/correctness/reference_check.h"

namespace kiln {
namespace {

/// T(i, j, k, l) = A(i) + A(j) + A(k) + A(l), computed whole at root, then
/// B(i) = sum of T(i, j, k, l) over j, k, l: T holds N^4 elements.
ComputeDef four_dimensional_intermediate() {
  Expr N = size_var("N");
  Tensor A = placeholder({N}, f32(), "A");
  Tensor T = compute({N, N, N, N},
                     [&](const std::vector<Expr>& x) { return A(x[0]) + A(x[1]) + A(x[2]) + A(x[3]); },
                     "T", {"i", "j", "k", "l"});
  IterVar j = reduce_axis(N, "rj"), k = reduce_axis(N, "rk"), l = reduce_axis(N, "rl");
  Tensor B = compute({N}, [&](Expr i) { return sum(T(i, j.var, k.var, l.var), {j, k, l}); }, "B", {"i"});
  return ComputeDef("four_d", {A}, {B});
}

TEST(AllocationOverflow, AWrappingSizeFailsLikeAnAllocationAndSmallSizesWork) {
  const ComputeDef def = four_dimensional_intermediate();
  Schedule sch(def);
  sch.compute_root("T");
  auto kernel = compile_jit(lower(sch));
  for (int64_t n : {1, 3, 7}) {
    check::expect_kernel_matches(*kernel, def, {{"N", n}}, "N=" + std::to_string(n));
  }
  Buffer a(f32(), {int64_t(1) << 16}), b(f32(), {int64_t(1) << 16});
  try {
    kernel->run({a, b});
    FAIL() << "an intermediate of 2^66 bytes was 'allocated'";
  } catch (const UserError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("failed to allocate memory for an intermediate buffer"));
  }
  // Large without wrapping (2^20 ^ 4 * 4 = 2^82 wraps too; 2^12 gives 2^50
  // bytes, more than any machine has): refused by the allocator.
  Buffer a12(f32(), {int64_t(1) << 12}), b12(f32(), {int64_t(1) << 12});
  EXPECT_THROW(kernel->run({a12, b12}), UserError);
}

}  // namespace
}  // namespace kiln
