// The reference interpreter's entry points: checks the inputs against the
// definition, binds size vars from input shapes, then evaluates every stage
// at every point, producers first (interpret), or one output point with
// producers recomputed on demand (interpret_point). The arithmetic lives in
// interpreter_scalar.cpp, the evaluator in interpreter_eval.cpp.
#include "dsl/interpreter.h"

#include <sstream>

#include "base/error.h"
#include "dsl/interpreter_eval.h"
#include "dsl/ir_printer.h"

namespace kiln {

namespace {

std::string shape_text(const std::vector<Expr>& shape) {
  std::ostringstream os;
  os << "[";
  for (size_t d = 0; d < shape.size(); ++d) os << (d ? ", " : "") << to_string(shape[d]);
  os << "]";
  return os.str();
}

std::string input_names(const ComputeDef& def) {
  std::ostringstream os;
  for (size_t a = 0; a < def.inputs().size(); ++a) os << (a ? ", " : "") << def.inputs()[a].name();
  return os.str();
}

/// Input count and ranks: what bind_sizes needs to read shapes safely.
void check_count_and_ranks(const ComputeDef& def, const std::vector<Buffer>& inputs) {
  if (inputs.size() != def.inputs().size()) {
    user_error << "'" << def.name() << "' takes " << def.inputs().size() << " inputs ("
               << input_names(def) << ") but was given " << inputs.size()
               << " buffers; pass them in that order";
  }
  for (size_t a = 0; a < inputs.size(); ++a) {
    const Tensor& t = def.inputs()[a];
    if (inputs[a].ndim() != t.ndim()) {
      user_error << "input '" << t.name() << "' of '" << def.name() << "' is " << inputs[a].str()
                 << " with " << inputs[a].ndim() << " dimensions, but the definition declares "
                 << t.ndim() << " " << shape_text(t.shape());
    }
  }
}

/// Everything interpret needs of its inputs: count, rank, dtype, storage.
void check_inputs(const ComputeDef& def, const std::vector<Buffer>& inputs) {
  check_count_and_ranks(def, inputs);
  for (size_t a = 0; a < inputs.size(); ++a) {
    const Tensor& t = def.inputs()[a];
    if (inputs[a].dtype() != t.dtype()) {
      user_error << "input '" << t.name() << "' of '" << def.name() << "' is " << inputs[a].str()
                 << " but the definition declares dtype " << t.dtype().str()
                 << "; convert the buffer or change the placeholder";
    }
    if (!inputs[a].defined()) {
      user_error << "input '" << t.name() << "' of '" << def.name() << "' has no data";
    }
  }
}

/// Visits every point of shape in row-major order.
template <typename F>
void for_each_point(const std::vector<int64_t>& shape, F&& f) {
  for (int64_t e : shape)
    if (e == 0) return;
  std::vector<int64_t> point(shape.size(), 0);
  while (true) {
    f(point);
    size_t d = shape.size();
    while (d > 0) {
      --d;
      if (++point[d] < shape[d]) break;
      point[d] = 0;
      if (d == 0) return;
    }
    if (shape.empty()) return;
  }
}

/// An evaluator holding the inputs and the sizes they imply.
interp::Evaluator make_evaluator(const ComputeDef& def, const std::vector<Buffer>& inputs,
                                 const std::map<std::string, int64_t>& sizes) {
  interp::Evaluator ev(sizes);
  for (size_t a = 0; a < inputs.size(); ++a) ev.set_buffer(def.inputs()[a].op().get(), inputs[a]);
  return ev;
}

}  // namespace

std::map<std::string, int64_t> bind_sizes(const ComputeDef& def, const std::vector<Buffer>& inputs) {
  check_count_and_ranks(def, inputs);
  std::map<std::string, int64_t> sizes;
  std::map<std::string, std::string> source;  // where each size came from, for messages
  for (size_t a = 0; a < inputs.size(); ++a) {
    const Tensor& t = def.inputs()[a];
    for (int d = 0; d < t.ndim(); ++d) {
      std::string name;
      int64_t value = 0;
      if (!size_from_extent(t.shape()[d], inputs[a].dim(d), &name, &value)) continue;
      std::string here = "input '" + t.name() + "' dimension " + std::to_string(d);
      if (value < 0) {
        user_error << "size var '" << name << "' would be " << value << " from " << here << " ("
                   << inputs[a].dim(d) << " = " << to_string(t.shape()[d])
                   << "); sizes cannot be negative";
      }
      auto [it, inserted] = sizes.emplace(name, value);
      if (inserted) {
        source[name] = here;
      } else if (it->second != value) {
        user_error << "size var '" << name << "' is " << it->second << " from "
                   << source[name] << " but " << value << " from " << here
                   << "; the inputs' shapes disagree";
      }
    }
  }
  for (const std::string& name : def.size_vars()) {
    if (sizes.count(name)) continue;
    user_error << "size var '" << name << "' of '" << def.name()
               << "' cannot be derived from the inputs: no input dimension is '" << name << "' or '"
               << name << " + c'; make it the extent of an input dimension or use a constant";
  }
  // Dimensions given by constants or arithmetic of size vars must match too.
  for (size_t a = 0; a < inputs.size(); ++a) {
    const Tensor& t = def.inputs()[a];
    std::vector<int64_t> want = concrete_shape(t.shape(), sizes);
    for (int d = 0; d < t.ndim(); ++d) {
      if (want[d] == inputs[a].dim(d)) continue;
      std::string rule = t.shape()[d].as<IntImm>() ? "" : " = " + to_string(t.shape()[d]);
      user_error << "input '" << t.name() << "' of '" << def.name() << "' is " << inputs[a].str()
                 << " but its dimension " << d << " must be " << want[d] << rule << " (shape "
                 << shape_text(t.shape()) << ")";
    }
  }
  return sizes;
}

std::vector<int64_t> concrete_shape(const std::vector<Expr>& shape,
                                    const std::map<std::string, int64_t>& sizes) {
  interp::Evaluator ev(sizes);
  std::vector<int64_t> out;
  for (size_t d = 0; d < shape.size(); ++d) {
    int64_t v = ev.eval(shape[d]).i;
    if (v < 0) {
      std::ostringstream bound;
      for (const auto& [name, value] : sizes) bound << " " << name << "=" << value;
      user_error << "dimension " << d << " of shape " << shape_text(shape) << " is " << v
                 << " with sizes" << (sizes.empty() ? " (none)" : bound.str())
                 << "; extents must be non-negative, use larger sizes";
    }
    out.push_back(v);
  }
  return out;
}

std::vector<Buffer> interpret(const ComputeDef& def, const std::vector<Buffer>& inputs) {
  check_inputs(def, inputs);
  const std::map<std::string, int64_t> sizes = bind_sizes(def, inputs);
  interp::Evaluator ev = make_evaluator(def, inputs, sizes);
  std::map<const OperationNode*, Buffer> computed;
  for (const OpRef& stage : def.stages()) {
    Buffer out(stage->dtype, concrete_shape(stage->shape, sizes));
    int64_t pos = 0;  // the buffer is dense: flat position is the offset
    for_each_point(out.shape(), [&](const std::vector<int64_t>& point) {
      interp::write_element(out, pos++, ev.eval_stage_at(*stage, point));
    });
    ev.set_buffer(stage.get(), out);
    computed[stage.get()] = out;
  }
  std::vector<Buffer> outputs;
  for (const Tensor& t : def.outputs()) outputs.push_back(computed.at(t.op().get()));
  return outputs;
}

double interpret_point(const ComputeDef& def, const std::vector<Buffer>& inputs, int output_index,
                       const std::vector<int64_t>& point) {
  check_inputs(def, inputs);
  const int n_outputs = static_cast<int>(def.outputs().size());
  if (output_index < 0 || output_index >= n_outputs) {
    user_error << "output " << output_index << " of '" << def.name() << "' does not exist; it has "
               << n_outputs << " outputs";
  }
  const std::map<std::string, int64_t> sizes = bind_sizes(def, inputs);
  interp::Evaluator ev = make_evaluator(def, inputs, sizes);
  for (const OpRef& stage : def.stages()) ev.set_shape(stage.get(), concrete_shape(stage->shape, sizes));
  ev.set_recompute(true);

  const Tensor& out = def.outputs()[output_index];
  const std::vector<int64_t> shape = concrete_shape(out.shape(), sizes);
  bool inside = point.size() == shape.size();
  for (size_t d = 0; inside && d < point.size(); ++d) inside = point[d] >= 0 && point[d] < shape[d];
  if (!inside) {
    std::ostringstream p, s;
    for (size_t d = 0; d < point.size(); ++d) p << (d ? ", " : "") << point[d];
    for (size_t d = 0; d < shape.size(); ++d) s << (d ? ", " : "") << shape[d];
    user_error << "point [" << p.str() << "] is outside output '" << out.name() << "' of shape ["
               << s.str() << "]";
  }
  return ev.eval_stage_at(*out.op(), point).as_double();
}

}  // namespace kiln
