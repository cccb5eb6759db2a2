// rmsnorm: Y[i, j] = X[i, j] / sqrt(mean_j X[i, j]^2 + eps) * gamma[j], over
// each row of an M x N matrix (as in T5 and LLaMA).
#include "base/error.h"
#include "ops/op.h"
#include "ops/op_helpers.h"

namespace kiln {
namespace {

class RmsnormOp : public Op {
 public:
  RmsnormOp()
      : Op("rmsnorm", "Y[M, N] = X / sqrt(row mean of X^2 + eps) * gamma[N]",
           {{"M", 4096, "rows (independent normalizations)"},
            {"N", 4096, "row length (the normalized axis)"}},
           {float_dtype_option("element type of X, gamma and Y"),
            {"eps", "1e-6", {"1e-5", "1e-6", "1e-12"}, "added to the mean square"}}) {}

  // One vectorized reduction per row (through rfactor), computed right
  // before the row of Y so the output pass reads the row from L1/L2; a
  // large X is prefetched a row ahead during that pass.
  Schedule default_schedule(const ComputeDef& def, const Target& target) const override {
    Schedule s(def);
    const std::string row = schedule_rows(s, "Y", target, 2);
    if (s.stage("Y").has_leaf("Y.j.o")) prefetch_next_row(s, "X", "Y.j.o", row, target);
    vectorize_row_reduction(s, "row_ms", target);
    s.compute_at("row_ms", row);
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
    // A reduction is a stage's whole body: row_ms sums, readers divide.
    const Expr inv_n = 1.0f / cast(f32(), N);
    IterVar k = reduce_axis(N, "k");
    Tensor ms = compute(
        {M},
        [&](Expr i) {
          Expr x = to_f32(X(i, k.var));
          return sum(x * x, k);
        },
        "row_ms", {"i"});
    Tensor Y = compute(
        {M, N},
        [&](Expr i, Expr j) {
          return from_f32(to_f32(X(i, j)) * rsqrt(ms(i) * inv_n + eps) * to_f32(gamma(j)), t);
        },
        "Y", {"i", "j"});
    return ComputeDef("rmsnorm", {X, gamma}, {Y});
  }

  // Per element: a multiply-add for the sum of squares, two multiplies.
  double count_flops(const OpSizes& s, const OpOptions&) const override {
    return 4.0 * s.at("M") * s.at("N");
  }

  double count_bytes(const OpSizes& s, const OpOptions& options) const override {
    const double elements = 2.0 * s.at("M") * s.at("N") + s.at("N");
    return elements * parse_type(options.at("dtype")).bytes();
  }
};

}  // namespace

std::unique_ptr<Op> make_rmsnorm_op() { return std::make_unique<RmsnormOp>(); }

}  // namespace kiln
