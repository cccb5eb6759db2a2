// relu: Y = max(X, 0) elementwise.
#include "ops/op_helpers.h"

namespace kiln {
namespace {

class ReluOp : public UnaryElementwiseOp {
 public:
  ReluOp() : UnaryElementwiseOp("relu", "Y[M, N] = max(X[M, N], 0)", {}) {}

 protected:
  Expr apply(const Expr& x, const OpOptions&) const override { return max(x, 0.0f); }
  double flops_per_element(const OpOptions&) const override { return 1; }
};

}  // namespace

std::unique_ptr<Op> make_relu_op() { return std::make_unique<ReluOp>(); }

}  // namespace kiln
