// Reads past an input's shape are refused at lowering when the sizes are
// known and at every call (JIT, generated code) when they are not; reads
// that stay inside run and match the interpreter. Before these checks,
// `B(i) = A(i + 1)` read one element past A and `A(i + 100000000)` crashed.
#include <gmock/gmock.h>

#include <iostream>

#include "codegen/llvm/host_target.h"
#include "ops/op.h"
#include "schedule/read_checks.h"
#include "reference_check.h"

namespace kiln {
namespace {

using ::testing::HasSubstr;

std::string lower_error(const ComputeDef& def) {
  try {
    lower(Schedule(def));
  } catch (const UserError& e) {
    return e.what();
  }
  return "(lowered without an error)";
}

ComputeDef shifted(Expr in_extent, Expr out_extent, int64_t shift) {
  Tensor A = placeholder({in_extent}, f32(), "A");
  Tensor B = compute({out_extent}, [&](Expr i) { return A(i + make_index(shift)); }, "B");
  return ComputeDef("shifted", {A}, {B});
}

TEST(ReadBounds, AConstantReadOnePastTheEndIsRefusedAtLowering) {
  const std::string msg = lower_error(shifted(make_index(16), make_index(16), 1));
  EXPECT_THAT(msg, HasSubstr("stage 'B' reads 'A' dimension 0 at indices 1 to 16"));
  EXPECT_THAT(msg, HasSubstr("'A' has extent 16 there (indices 0 to 15)"));
  EXPECT_THAT(msg, HasSubstr("if_then_else"));
}

TEST(ReadBounds, AFarReadAndANegativeReadAreRefused) {
  EXPECT_THAT(lower_error(shifted(make_index(97), make_index(97), 100000000)),
              HasSubstr("at indices 100000000 to 100000096"));
  EXPECT_THAT(lower_error(shifted(make_index(97), make_index(97), -1)),
              HasSubstr("at indices -1 to 95"));
}

TEST(ReadBounds, ReductionWindowsAreChecked) {
  // C(i) = sum_k A(i + k): a window of K over A needs M + K - 1 <= N.
  auto window = [](int64_t n, int64_t m, int64_t k) {
    Tensor A = placeholder({make_index(n)}, f32(), "A");
    IterVar r = reduce_axis(make_index(k), "k");
    Tensor C = compute({make_index(m)}, [&](Expr i) { return sum(A(i + r.var), r); }, "C");
    return ComputeDef("window", {A}, {C});
  };
  EXPECT_THAT(lower_error(window(31, 29, 3)), HasSubstr("(lowered without an error)"));
  check::expect_matches_reference(Schedule(window(31, 29, 3)));
  EXPECT_THAT(lower_error(window(31, 30, 3)), HasSubstr("indices 0 to 31"));
  // An empty reduction reads nothing, whatever its window.
  EXPECT_THAT(lower_error(window(1, 30, 0)), HasSubstr("(lowered without an error)"));
}

TEST(ReadBounds, PaddingWithIfThenElseAndClampingPass) {
  Tensor A = placeholder({make_index(13)}, f32(), "A");
  Tensor P = compute(
      {make_index(15)},
      [&](Expr i) { return if_then_else(i >= 1 && i < 14, A(i - 1), make_const(f32(), 0.0)); },
      "P");
  Tensor Q = compute({make_index(15)},
                     [&](Expr i) { return A(min(max(i - 1, make_index(0)), make_index(12))); }, "Q");
  ComputeDef def("padded", {A}, {P, Q});
  check::expect_matches_reference(Schedule(def));
}

TEST(ReadBounds, AnIndexReadFromDataIsRefused) {
  Tensor I = placeholder({make_index(8)}, i32(), "I");
  Tensor A = placeholder({make_index(8)}, f32(), "A");
  Tensor G = compute({make_index(8)}, [&](Expr i) { return A(I(i)); }, "G");
  // An i32 index can be anything an i32 holds.
  EXPECT_THAT(lower_error(ComputeDef("gather", {I, A}, {G})),
              HasSubstr("stage 'G' reads 'A' dimension 0 at indices -2147483648 to 2147483647"));
}

/// B(i) = A(i + 1) + Z(i): B and Z have M elements, A has N; in bounds
/// when M < N.
ComputeDef shifted_pair() {
  Tensor A = placeholder({size_var("N")}, f32(), "A");
  Tensor Z = placeholder({size_var("M")}, f32(), "Z");
  Tensor B = compute({size_var("M")}, [&](Expr i) { return A(i + 1) + Z(i); }, "B");
  return ComputeDef("shifted_pair", {A, Z}, {B});
}

TEST(ReadBounds, SymbolicSizesAreCheckedAtEveryCall) {
  const ComputeDef def = shifted_pair();
  const LoweredFunc f = lower(Schedule(def));
  ASSERT_EQ(f.read_checks.size(), 1u);
  auto kernel = compile_jit(f);
  for (int64_t m : {1, 6, 36}) {
    check::expect_kernel_matches(*kernel, def, {{"N", m + 1}, {"M", m}},
                                 "shifted M=" + std::to_string(m));
  }
  Buffer a(f32(), {37}), z(f32(), {37}), b(f32(), {37});
  try {
    kernel->run({a, z, b});
    FAIL() << "a read past A at M = N = 37 ran";
  } catch (const UserError& e) {
    EXPECT_THAT(e.what(), HasSubstr("stage 'B' reads 'A' dimension 0 at indices 1 to 37, but 'A' "
                                    "has extent 37 there (indices 0 to 36)"));
  }
  // Nothing to compute reads nothing.
  Buffer empty_z(f32(), {0}), empty_b(f32(), {0});
  kernel->run({a, empty_z, empty_b});
}

TEST(ReadBounds, GeneratedCodeTestsTheCheckBeforeTouchingMemory) {
  // Callers of the raw AOT function get KILN_KERNEL_READ_OUT_OF_BOUNDS.
  const LoweredFunc f = lower(Schedule(shifted_pair()));
  const std::string ir = emit_llvm_ir(f, host_target(), /*optimized=*/false);
  EXPECT_THAT(ir, HasSubstr("read_out_of_bounds:"));
  EXPECT_THAT(ir, HasSubstr("ret i32 " + std::to_string(KILN_KERNEL_READ_OUT_OF_BOUNDS)));
}

TEST(ReadBounds, EveryOpReadsInBoundsAndItsSymbolicChecksHoldAtItsSizes) {
  for (const Op* op : all_ops()) {
    SCOPED_TRACE(op->name());
    EXPECT_TRUE(read_checks(op->define({})).empty());
    const std::vector<ReadCheck> checks = read_checks(op->define_symbolic());
    for (const ReadCheck& c : checks) std::cout << op->name() << ": " << describe_read_check(c) << "\n";
    for (int64_t scale : {1, 3}) {
      std::map<std::string, int64_t> sizes;
      for (const OpParam& p : op->params()) sizes[p.name] = p.symbolic ? p.default_value * scale + 1 : p.default_value;
      EXPECT_NO_THROW(enforce_read_checks(checks, sizes));
    }
  }
}

}  // namespace
}  // namespace kiln
