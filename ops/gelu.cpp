// gelu: Y = X * Phi(X) elementwise, in the erf form or the tanh
// approximation (option approximate, as PyTorch's gelu).
#include "ops/op_helpers.h"

namespace kiln {
namespace {

class GeluOp : public UnaryElementwiseOp {
 public:
  GeluOp()
      : UnaryElementwiseOp(
            "gelu",
            "Y[M, N] = gelu(X[M, N]): 0.5 x (1 + erf(x / sqrt 2)), or with approximate=tanh "
            "0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))",
            {{"approximate", "none", {"none", "tanh"}, "erf form (none) or tanh form"}}) {}

 protected:
  Expr apply(const Expr& x, const OpOptions& options) const override {
    return gelu_f32(x, options.at("approximate") == "tanh");
  }
  // The erf or tanh counted as one operation, plus the multiplies and adds
  // around it.
  double flops_per_element(const OpOptions& options) const override {
    return options.at("approximate") == "tanh" ? 9 : 5;
  }
};

}  // namespace

std::unique_ptr<Op> make_gelu_op() { return std::make_unique<GeluOp>(); }

}  // namespace kiln
