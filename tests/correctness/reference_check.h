#pragma once
// Shared by the schedule correctness tests: run a schedule's kernel and the
// reference interpreter on the same random inputs and compare every output,
// and the small definitions those tests schedule.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "kiln.h"

namespace kiln {
namespace check {

using Sizes = std::map<std::string, int64_t>;

/// Random inputs for def's placeholders at the given size var values:
/// floats in [lo, hi], integers in [-8, 8].
inline std::vector<Buffer> random_inputs(const ComputeDef& def, const Sizes& sizes, uint64_t seed,
                                         double lo = -1.0, double hi = 1.0) {
  std::vector<Buffer> inputs;
  for (size_t a = 0; a < def.inputs().size(); ++a) {
    const Tensor& t = def.inputs()[a];
    Buffer b(t.dtype(), concrete_shape(t.shape(), sizes));
    if (t.dtype().is_float()) {
      b.fill_random(seed + a, lo, hi);
    } else {
      b.fill_random(seed + a, -8, 8);
    }
    inputs.push_back(b);
  }
  return inputs;
}

/// The largest relative error (against max(|expected|, 1)) an output of
/// that type may have: integers are exact, f32 differs by reassociation
/// only, 16-bit floats by rounding of intermediates.
inline double tolerance(Type t) {
  if (!t.is_float()) return 0.0;
  if (t.is_half_storage()) return 4e-2;
  return 1e-4;
}

/// Runs kernel on random inputs and expects every output to match the
/// interpreter. `what` names the case in failure messages.
inline void expect_kernel_matches(const CompiledKernel& kernel, const ComputeDef& def,
                                  const Sizes& sizes, const std::string& what,
                                  uint64_t seed = 7, double lo = -1.0, double hi = 1.0) {
  std::vector<Buffer> inputs = random_inputs(def, sizes, seed, lo, hi);
  std::vector<Buffer> expected = interpret(def, inputs);
  std::vector<Buffer> args = inputs;
  std::vector<Buffer> outputs;
  for (const Buffer& e : expected) outputs.emplace_back(e.dtype(), e.shape());
  args.insert(args.end(), outputs.begin(), outputs.end());
  kernel.run(args);
  for (size_t o = 0; o < outputs.size(); ++o) {
    double err = max_relative_error(outputs[o], expected[o], 1.0);
    EXPECT_LE(err, tolerance(expected[o].dtype()))
        << what << ": output " << def.outputs()[o].name() << " " << expected[o].str()
        << " differs from the reference\nlowered:\n"
        << to_string(kernel.func().body);
  }
}

/// Lowers, compiles and checks a schedule at the given sizes.
inline void expect_matches_reference(const Schedule& sch, const Sizes& sizes = {},
                                     uint64_t seed = 7, double lo = -1.0, double hi = 1.0) {
  std::string what = sch.def().name() + " with trace " + sch.trace().to_json(sch.def().name());
  LoweredFunc f;
  try {
    f = lower(sch);
  } catch (const Error& e) {
    ADD_FAILURE() << what << ": lowering failed: " << e.what();
    return;
  }
  auto kernel = compile_jit(f);
  expect_kernel_matches(*kernel, sch.def(), sizes, what, seed, lo, hi);
}

// ------------------------------------------------------------ definitions

/// C[i, j] = sum_k A[i, k] * B[k, j].
/// The stage that holds the reduction written in stage `name` of type t:
/// `name` itself, or `<name>_acc` for f16/bf16 sums and products (they
/// accumulate in f32; `name` rounds once).
inline std::string reduction_stage(const std::string& name, Type t) {
  return t.is_half_storage() ? name + "_acc" : name;
}

inline ComputeDef matmul(Expr M, Expr N, Expr K, Type t = f32()) {
  Tensor A = placeholder({M, K}, t, "A");
  Tensor B = placeholder({K, N}, t, "B");
  IterVar k = reduce_axis(K, "k");
  Tensor C = compute({M, N}, [&](Expr i, Expr j) { return sum(A(i, k.var) * B(k.var, j), k); }, "C",
                     {"i", "j"});
  return ComputeDef("matmul", {A, B}, {C});
}

/// Two elementwise stages: P = A * 2 + B, C = P * A - P (P is a producer
/// that compute_at, compute_inline and compute_root can move).
inline ComputeDef two_stage(Expr M, Expr N, Type t = f32()) {
  Tensor A = placeholder({M, N}, t, "A");
  Tensor B = placeholder({M, N}, t, "B");
  Tensor P = compute({M, N}, [&](Expr i, Expr j) { return A(i, j) * 2 + B(i, j); }, "P",
                     {"i", "j"});
  Tensor C = compute({M, N}, [&](Expr i, Expr j) { return P(i, j) * A(i, j) - P(i, j); }, "C",
                     {"i", "j"});
  return ComputeDef("two_stage", {A, B}, {C});
}

}  // namespace check
}  // namespace kiln
