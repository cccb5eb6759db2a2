// softmax: Y[i, j] = exp(X[i, j] - max_j X[i, :]) / sum_j exp(X[i, j] - max_j X[i, :]),
// over the last axis of an M x N matrix.
#include "base/error.h"
#include "codegen/llvm/host_target.h"
#include "ops/op.h"
#include "ops/op_helpers.h"

namespace kiln {
namespace {

class SoftmaxOp : public Op {
 public:
  SoftmaxOp()
      : Op("softmax",
           "Y[M, N] = softmax of each row of X[M, N]: exp(X - row max) / row sum of that "
           "(the max is subtracted first, so large values do not overflow)",
           {{"M", 4096, "rows (independent softmaxes)"},
            {"N", 4096, "row length (the softmax axis)"}},
           {float_dtype_option("element type of X and Y")}) {}

  // Memory-bound on large rows: X is read from memory once and Y written
  // once. Each row's max, exponentials and sum are computed right before
  // the row of Y that needs them (compute_at the row loop), so the second
  // and third passes over the row read it from L1/L2: a row of 4096 f32 is
  // 16 KiB, and its exponentials another 16 KiB. The exponentials are
  // stored (E) so each is computed once; the two row reductions are
  // vectorized through rfactor (partial results per lane, combined at the
  // end of the row). Rows run in parallel. A large X is prefetched a row
  // ahead while the exponentials are computed (their pass reads the row
  // from L1, leaving the memory idle otherwise).
  Schedule default_schedule(const ComputeDef& def, const Target& target) const override {
    Schedule s(def);
    const std::string row = schedule_rows(s, "Y", target, 2);
    vectorize_row_reduction(s, "row_max", target);
    vectorize_row_reduction(s, "row_sum", target);
    // Y reads E and row_sum; only E reads row_max, so row_max goes inside
    // E's (single-iteration) row loop.
    s.compute_at("row_sum", row);
    s.compute_at("E", row);
    s.compute_at("row_max", "E.i");
    const int64_t N = constant_extent(def.outputs()[0].shape()[1]);
    const int64_t lanes = natural_vector_lanes_f32(target);
    if (N < 0 || N >= lanes) {
      s.vectorize(s.split("E.j", lanes).second);
      prefetch_next_row(s, "X", "E.j.o", row, target);
    }
    return s;
  }

 protected:
  ComputeDef build(const std::map<std::string, Expr>& sizes,
                   const OpOptions& options) const override {
    const Type t = parse_type(options.at("dtype"));
    const Expr M = sizes.at("M"), N = sizes.at("N");
    Tensor X = placeholder({M, N}, t, "X");
    IterVar k = reduce_axis(N, "k");
    Tensor mx = compute(
        {M}, [&](Expr i) { return max(to_f32(X(i, k.var)), k); }, "row_max", {"i"});
    Tensor e = compute(
        {M, N}, [&](Expr i, Expr j) { return exp(to_f32(X(i, j)) - mx(i)); }, "E", {"i", "j"});
    IterVar l = reduce_axis(N, "k");
    Tensor total = compute(
        {M}, [&](Expr i) { return sum(e(i, l.var), l); }, "row_sum", {"i"});
    // One division per row, then a multiply per element.
    Tensor Y = compute(
        {M, N}, [&](Expr i, Expr j) { return from_f32(e(i, j) * (1.0f / total(i)), t); }, "Y",
        {"i", "j"});
    return ComputeDef("softmax", {X}, {Y});
  }

  // Per element: a subtraction, an exponential (counted as one), an
  // addition to the sum, and a multiply.
  double count_flops(const OpSizes& s, const OpOptions&) const override {
    return 4.0 * s.at("M") * s.at("N");
  }

  double count_bytes(const OpSizes& s, const OpOptions& options) const override {
    return 2.0 * s.at("M") * s.at("N") * parse_type(options.at("dtype")).bytes();
  }
};

}  // namespace

std::unique_ptr<Op> make_softmax_op() { return std::make_unique<SoftmaxOp>(); }

}  // namespace kiln
