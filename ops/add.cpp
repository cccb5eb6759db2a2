// add: C = A + B elementwise, B broadcast as in numpy (see BroadcastBinaryOp).
#include "ops/op_helpers.h"

namespace kiln {
namespace {

class AddOp : public BroadcastBinaryOp {
 public:
  AddOp() : BroadcastBinaryOp("add", "+") {}

 protected:
  Expr apply(const Expr& a, const Expr& b) const override { return a + b; }
};

}  // namespace

std::unique_ptr<Op> make_add_op() { return std::make_unique<AddOp>(); }

}  // namespace kiln
