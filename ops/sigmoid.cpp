// sigmoid: Y = 1 / (1 + exp(-X)) elementwise.
#include "ops/op_helpers.h"

namespace kiln {
namespace {

class SigmoidOp : public UnaryElementwiseOp {
 public:
  SigmoidOp() : UnaryElementwiseOp("sigmoid", "Y[M, N] = 1 / (1 + exp(-X[M, N]))", {}) {}

 protected:
  // exp(-x) overflows to inf for x < -88 and the result is then exactly 0,
  // as it should be.
  Expr apply(const Expr& x, const OpOptions&) const override { return 1.0f / (1.0f + exp(-x)); }
  double flops_per_element(const OpOptions&) const override { return 4; }
};

}  // namespace

std::unique_ptr<Op> make_sigmoid_op() { return std::make_unique<SigmoidOp>(); }

}  // namespace kiln
