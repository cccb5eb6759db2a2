#pragma once
/// \file
/// The reference interpreter: evaluates a ComputeDef directly from its
/// definition, with no schedule. It is the oracle every test and the tuner's
/// correctness check compare against. Slow on purpose: clear over fast.

#include <map>
#include <string>
#include <vector>

#include "dsl/compute.h"
#include "runtime/buffer.h"

namespace kiln {

/// Evaluates def on `inputs` (in def.inputs() order) and returns its
/// outputs. Size vars take their values from the input buffers' shapes;
/// throws UserError when shapes or dtypes do not fit.
std::vector<Buffer> interpret(const ComputeDef& def, const std::vector<Buffer>& inputs);

/// The values of def's size vars implied by input shapes (UserError when
/// two inputs disagree or a size cannot be derived).
std::map<std::string, int64_t> bind_sizes(const ComputeDef& def,
                                          const std::vector<Buffer>& inputs);

/// The concrete shape of a tensor under size bindings.
std::vector<int64_t> concrete_shape(const std::vector<Expr>& shape,
                                    const std::map<std::string, int64_t>& sizes);

}  // namespace kiln

namespace kiln {
/// The value of output `output_index` of def at one point, evaluating the
/// producers it needs recursively, each producer point once (remembered for
/// this call). For spot checks of large kernels, where interpreting
/// everything would be slow.
double interpret_point(const ComputeDef& def, const std::vector<Buffer>& inputs,
                       int output_index, const std::vector<int64_t>& point);
}  // namespace kiln
