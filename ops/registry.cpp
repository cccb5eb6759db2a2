// The list of ops. Each op file defines one factory; adding an op means
// adding its factory here. An explicit list (rather than self-registering
// static objects) keeps the set of ops visible in one place and immune to
// static initialization order.
#include <algorithm>
#include <sstream>

#include "base/error.h"
#include "ops/op.h"

namespace kiln {

std::unique_ptr<Op> make_matmul_op();
std::unique_ptr<Op> make_conv2d_op();
std::unique_ptr<Op> make_batch_matmul_op();
std::unique_ptr<Op> make_depthwise_conv2d_op();
std::unique_ptr<Op> make_pool2d_op();
std::unique_ptr<Op> make_softmax_op();
std::unique_ptr<Op> make_layernorm_op();
std::unique_ptr<Op> make_rmsnorm_op();
std::unique_ptr<Op> make_relu_op();
std::unique_ptr<Op> make_gelu_op();
std::unique_ptr<Op> make_sigmoid_op();
std::unique_ptr<Op> make_add_op();
std::unique_ptr<Op> make_mul_op();
std::unique_ptr<Op> make_matmul_bias_gelu_op();
std::unique_ptr<Op> make_reduce_op();
std::unique_ptr<Op> make_transpose_op();

namespace {

const std::vector<std::unique_ptr<Op>>& registry() {
  static const std::vector<std::unique_ptr<Op>> ops = [] {
    std::vector<std::unique_ptr<Op>> list;
    list.push_back(make_matmul_op());
    list.push_back(make_conv2d_op());
    list.push_back(make_batch_matmul_op());
    list.push_back(make_depthwise_conv2d_op());
    list.push_back(make_pool2d_op());
    list.push_back(make_softmax_op());
    list.push_back(make_layernorm_op());
    list.push_back(make_rmsnorm_op());
    list.push_back(make_relu_op());
    list.push_back(make_gelu_op());
    list.push_back(make_sigmoid_op());
    list.push_back(make_add_op());
    list.push_back(make_mul_op());
    list.push_back(make_matmul_bias_gelu_op());
    list.push_back(make_reduce_op());
    list.push_back(make_transpose_op());
    std::sort(list.begin(), list.end(),
              [](const std::unique_ptr<Op>& a, const std::unique_ptr<Op>& b) {
                return a->name() < b->name();
              });
    return list;
  }();
  return ops;
}

}  // namespace

const Op& find_op(const std::string& name) {
  for (const auto& op : registry()) {
    if (op->name() == name) return *op;
  }
  std::ostringstream known;
  for (const auto& op : registry()) known << (known.tellp() > 0 ? ", " : "") << op->name();
  user_error << "unknown op '" << name << "'; known ops: " << known.str()
             << " (`kiln ops` lists them with their parameters)";
  return *registry().front();  // not reached: user_error throws
}

std::vector<const Op*> all_ops() {
  std::vector<const Op*> ops;
  for (const auto& op : registry()) ops.push_back(op.get());
  return ops;
}

}  // namespace kiln
