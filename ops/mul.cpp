// mul: C = A * B elementwise, B broadcast as in numpy (see BroadcastBinaryOp).
#include "ops/op_helpers.h"

namespace kiln {
namespace {

class MulOp : public BroadcastBinaryOp {
 public:
  MulOp() : BroadcastBinaryOp("mul", "*") {}

 protected:
  Expr apply(const Expr& a, const Expr& b) const override { return a * b; }
};

}  // namespace

std::unique_ptr<Op> make_mul_op() { return std::make_unique<MulOp>(); }

}  // namespace kiln
