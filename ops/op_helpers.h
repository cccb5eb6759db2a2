#pragma once
/// \file
/// What the row-wise and elementwise ops share: the dtype option of ops
/// that store f16/bf16 and compute in f32, casts to and from f32, gelu, the
/// schedule of a 2-D stage parallel over rows and vectorized along them,
/// vectorized row reductions, and the base classes of the unary
/// elementwise ops (relu, gelu, sigmoid) and of add/mul with numpy
/// broadcasting.

#include <string>

#include "base/target.h"
#include "dsl/compute.h"
#include "ops/op.h"
#include "schedule/schedule.h"

namespace kiln {

/// The "dtype" option of ops that accept f32, f16 and bf16 (f16 and bf16
/// are storage types: values are loaded, widened to f32, computed in f32 and
/// rounded once on store).
OpOption float_dtype_option(const std::string& what);

/// x widened to f32 (x itself when it already is f32).
Expr to_f32(const Expr& x);
/// x (an f32 value) converted to t for storage.
Expr from_f32(const Expr& x, Type t);

/// A split factor that does not exceed a constant extent (extent < 0:
/// symbolic, keep the factor).
int64_t fit_factor(int64_t factor, int64_t extent);

/// Schedules stage `name` (2-D, axes i and j, no reduction) as rows in
/// parallel and each row vectorized by the target's f32 lanes, unrolled
/// `unroll` vectors deep. Rows smaller than a vector stay scalar. Returns
/// the row loop (the loop to compute_at row-local producers). An output
/// of at least kStreamingOutputBytes (constant sizes, CPU) is written with
/// non-temporal stores (see stream_large_output).
std::string schedule_rows(Schedule& s, const std::string& name, const Target& target,
                          int unroll = 1);

/// Outputs at least this large are written with non-temporal stores by the
/// default schedules: larger than the last-level cache of the CPUs kiln
/// targets (32 MiB per Zen 5 CCD), so their reader finds them in memory
/// either way, and streaming them saves the read of every line before it
/// is written (4096 x 4096 f32 layernorm at 2 threads: about 1.4x).
constexpr int64_t kStreamingOutputBytes = 32ll << 20;

/// store_nontemporal(name) when `name` is an output of constant size of at
/// least kStreamingOutputBytes and the target is a CPU; returns whether.
bool stream_large_output(Schedule& s, const std::string& name, const Target& target);

/// Inputs at least this large are prefetched a row ahead by the row-wise
/// default schedules (layernorm, rmsnorm, softmax): beyond the L2 caches,
/// where the passes over a row served from L1 leave the memory idle
/// unless the next row is fetched meanwhile (4096 x 4096 f32 layernorm at
/// 2 threads: about 1.2x; inputs that fit in cache gain nothing and lose
/// nothing measurable).
constexpr int64_t kPrefetchInputBytes = 16ll << 20;

/// prefetch(tensor, at, row, 1) when `tensor` (an input of the schedule's
/// definition) has a constant size of at least kPrefetchInputBytes, the
/// target is a CPU and `at` is a loop; returns whether. `at` is the loop
/// over vector-wide pieces of a row (each iteration fetches the same piece
/// of the next row), `row` the row loop around it.
bool prefetch_next_row(Schedule& s, const std::string& tensor, const std::string& at,
                       const std::string& row, const Target& target);

/// Vectorizes the inner loop of a row reduction stage `name` (one spatial
/// axis i first, one reduction axis k) with rfactor: the row is cut in
/// chunks of `lanes` and each lane keeps its own partial result; the stage
/// then combines the lanes. Returns the rf stage. Rows narrower than a
/// vector are left scalar (returns "").
std::string vectorize_row_reduction(Schedule& s, const std::string& name, const Target& target);

/// gelu(x) for an f32 x: x * Phi(x) with the erf form
/// 0.5 x (1 + erf(x / sqrt 2)), or the tanh form
/// 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) when `tanh_form`.
Expr gelu_f32(const Expr& x, bool tanh_form);

/// The base of the unary elementwise ops (relu, gelu, sigmoid): Y[M, N] =
/// f(X[M, N]), f computed in f32. A 1-D tensor of n elements is M=1, N=n.
/// Scheduled with schedule_rows: rows in parallel, vectorized along them.
class UnaryElementwiseOp : public Op {
 public:
  UnaryElementwiseOp(std::string name, std::string description, std::vector<OpOption> extra);
  Schedule default_schedule(const ComputeDef& def, const Target& target) const override;

 protected:
  /// f(x) for an f32 x.
  virtual Expr apply(const Expr& x, const OpOptions& options) const = 0;
  /// Floating-point operations per element.
  virtual double flops_per_element(const OpOptions& options) const = 0;

  ComputeDef build(const std::map<std::string, Expr>& sizes,
                   const OpOptions& options) const override;
  double count_flops(const OpSizes& s, const OpOptions& options) const override;
  double count_bytes(const OpSizes& s, const OpOptions& options) const override;
};

/// The base of add and mul: C[M, N] = A[M, N] op B, with B broadcast as
/// numpy does, chosen by the option "broadcast": none (B is [M, N]), row
/// (B is [1, N]: one row for every row of A, like a bias), col (B is
/// [M, 1]: one value per row), scalar (B is [1]).
class BroadcastBinaryOp : public Op {
 public:
  BroadcastBinaryOp(std::string name, std::string symbol);
  Schedule default_schedule(const ComputeDef& def, const Target& target) const override;

 protected:
  virtual Expr apply(const Expr& a, const Expr& b) const = 0;

  ComputeDef build(const std::map<std::string, Expr>& sizes,
                   const OpOptions& options) const override;
  double count_flops(const OpSizes& s, const OpOptions& options) const override;
  double count_bytes(const OpSizes& s, const OpOptions& options) const override;
};

}  // namespace kiln
