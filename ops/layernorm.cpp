// layernorm: Y[i, j] = (X[i, j] - mean_i) / sqrt(var_i + eps) * gamma[j] + beta[j],
// mean and (biased) variance over each row of an M x N matrix.
#include "base/error.h"
#include "ops/op.h"
#include "ops/op_helpers.h"

namespace kiln {
namespace {

class LayernormOp : public Op {
 public:
  LayernormOp()
      : Op("layernorm",
           "Y[M, N] = (X - row mean) / sqrt(row variance + eps) * gamma[N] + beta[N] "
           "(biased variance over the last axis, computed from X - mean, each pass shifted "
           "by the row's first element)",
           {{"M", 4096, "rows (independent normalizations)"},
            {"N", 4096, "row length (the normalized axis)"}},
           {float_dtype_option("element type of X, gamma, beta and Y"),
            // OpParam is an integer, so eps is a choice among the values
            // frameworks use: PyTorch's default, T5/LLaMA, BERT.
            {"eps", "1e-5", {"1e-5", "1e-6", "1e-12"}, "added to the variance"}}) {}

  // As softmax: X is read from memory once and Y written once. The row's
  // mean and variance are computed right before the row of Y (compute_at
  // the row loop), so the variance pass and the output pass read the row
  // from L1/L2; both reductions are vectorized through rfactor. The
  // variance is computed from X - mean (two passes, not E[x^2] - mean^2),
  // which stays exact for constant rows. A large X is prefetched a row
  // ahead during the output pass, which reads the row from L1 and would
  // leave the memory idle otherwise.
  Schedule default_schedule(const ComputeDef& def, const Target& target) const override {
    Schedule s(def);
    const std::string row = schedule_rows(s, "Y", target, 2);
    if (s.stage("Y").has_leaf("Y.j.o")) prefetch_next_row(s, "X", "Y.j.o", row, target);
    vectorize_row_reduction(s, "row_mean", target);
    vectorize_row_reduction(s, "row_var", target);
    // Y reads row_mean and row_var; row_var reads row_mean too, so it is
    // attached first; every pass reads row_shift, attached last.
    s.compute_at("row_var", row);
    s.compute_at("row_mean", row);
    s.compute_at("row_shift", row);
    return s;
  }

 protected:
  ComputeDef build(const std::map<std::string, Expr>& sizes,
                   const OpOptions& options) const override {
    const Type t = parse_type(options.at("dtype"));
    const float eps = std::stof(options.at("eps"));
    const Expr M = sizes.at("M"), N = sizes.at("N");
    Tensor X = placeholder({M, N}, t, "X");
    Tensor gamma = placeholder({N}, t, "gamma");
    Tensor beta = placeholder({N}, t, "beta");
    // A reduction is a stage's whole body: the stages sum, readers divide.
    // Every pass works on X shifted by the row's first element (a shifted
    // two-pass, as in Welford's analysis): the sums then hold only the
    // row's spread, not N copies of its level, so a constant row gives
    // exactly beta at any N and any magnitude (unshifted, a row of 3.7 at
    // N = 4096 was off by 1.4e-3 relative, a row of 1e20 gave beta +- gamma),
    // and close values lose nothing to cancellation. row_mean holds the
    // shifted sum; the mean is X[i, 0] + row_mean / N. The shift is a stage
    // of its own so the output pass reads X only along the row (a prefetch
    // of the next row's part then stays one contiguous box).
    const Expr n = cast(f32(), N);
    Tensor shift = compute({M}, [&](Expr i) { return to_f32(X(i, 0)); }, "row_shift", {"i"});
    auto shifted = [&](Expr i, Expr j) { return to_f32(X(i, j)) - shift(i); };
    IterVar k = reduce_axis(N, "k");
    Tensor mean = compute(
        {M}, [&](Expr i) { return sum(shifted(i, k.var), k); }, "row_mean", {"i"});
    IterVar l = reduce_axis(N, "k");
    Tensor var = compute(
        {M},
        [&](Expr i) {
          Expr d = shifted(i, l.var) - mean(i) / n;
          return sum(d * d, l);
        },
        "row_var", {"i"});
    Tensor Y = compute(
        {M, N},
        [&](Expr i, Expr j) {
          Expr norm = (shifted(i, j) - mean(i) / n) * rsqrt(var(i) / n + eps);
          return from_f32(norm * to_f32(gamma(j)) + to_f32(beta(j)), t);
        },
        "Y", {"i", "j"});
    return ComputeDef("layernorm", {X, gamma, beta}, {Y});
  }

  // Per element: an add for the mean, a subtract, multiply and add for the
  // variance, and subtract, two multiplies and an add for the output.
  double count_flops(const OpSizes& s, const OpOptions&) const override {
    return 8.0 * s.at("M") * s.at("N");
  }

  double count_bytes(const OpSizes& s, const OpOptions& options) const override {
    const double elements = 2.0 * s.at("M") * s.at("N") + 2.0 * s.at("N");
    return elements * parse_type(options.at("dtype")).bytes();
  }
};

}  // namespace

std::unique_ptr<Op> make_layernorm_op() { return std::make_unique<LayernormOp>(); }

}  // namespace kiln
