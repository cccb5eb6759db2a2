#include "ops/op.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <sstream>

#include "base/error.h"
#include "dsl/interpreter.h"
#include "dsl/simplify.h"
#include "dsl/substitute.h"

namespace kiln {
namespace {

// Above this many multiply-adds the interpreter would take seconds, so
// check() samples points instead of interpreting everything.
constexpr double kFullCheckWork = 2e7;
constexpr int kSampledPoints = 2000;

std::string list_params(const std::vector<OpParam>& params) {
  std::ostringstream os;
  for (size_t i = 0; i < params.size(); ++i) {
    os << (i ? ", " : "") << params[i].name << " (default " << params[i].default_value << ")";
  }
  return os.str();
}

std::string list_options(const std::vector<OpOption>& options) {
  std::ostringstream os;
  for (size_t i = 0; i < options.size(); ++i) {
    os << (i ? ", " : "") << options[i].name << " (";
    for (size_t c = 0; c < options[i].choices.size(); ++c) {
      os << (c ? "|" : "") << options[i].choices[c];
    }
    os << ")";
  }
  return os.str();
}

// The value of a size expression under size bindings; -1 when it does not
// fold to a constant.
int64_t evaluate_extent(const Expr& e, const std::map<std::string, int64_t>& sizes) {
  std::map<std::string, Expr> values;
  for (const auto& [name, v] : sizes) values[name] = make_index(v);
  int64_t result = 0;
  if (as_const_int(simplify(substitute(e, values)), &result)) return result;
  return -1;
}

// Multiply-adds the interpreter performs: every stage's points times its
// reduction extents. Unknown extents count as too much work.
double interpreter_work(const ComputeDef& def, const std::map<std::string, int64_t>& sizes) {
  double work = 0;
  for (const OpRef& stage : def.stages()) {
    std::vector<Expr> extents = stage->shape;
    for (const IterVar& r : stage->reduce_axis) extents.push_back(r.dom.extent);
    double points = 1;
    for (const Expr& extent : extents) {
      const int64_t v = evaluate_extent(extent, sizes);
      if (v < 0) return kFullCheckWork;
      points *= static_cast<double>(v);
    }
    work += points;
  }
  return work;
}

// Folds one comparison into a running maximum; a NaN on one side only, or
// an infinity that differs, makes the error infinite.
double element_error(double got, double want, double scale) {
  if (std::isnan(got) || std::isnan(want)) {
    return std::isnan(got) && std::isnan(want) ? 0.0 : INFINITY;
  }
  if (std::isinf(got) || std::isinf(want)) return got == want ? 0.0 : INFINITY;
  return std::abs(got - want) / std::max(std::abs(want), scale);
}

double rms(const std::vector<double>& values) {
  double s = 0;
  int n = 0;
  for (double v : values) {
    if (!std::isfinite(v)) continue;
    s += v * v;
    ++n;
  }
  // A floor keeps an all-zero reference from dividing by zero.
  return std::max(n ? std::sqrt(s / n) : 0.0, 1e-30);
}

double max_error(const std::vector<double>& got, const std::vector<double>& want) {
  const double scale = rms(want);
  double worst = 0;
  for (size_t i = 0; i < got.size(); ++i)
    worst = std::max(worst, element_error(got[i], want[i], scale));
  return worst;
}

// The row-major position of a point and back.
std::vector<int64_t> unflatten(int64_t pos, const std::vector<int64_t>& shape) {
  std::vector<int64_t> point(shape.size());
  for (int d = static_cast<int>(shape.size()) - 1; d >= 0; --d) {
    point[d] = pos % shape[d];
    pos /= shape[d];
  }
  return point;
}

}  // namespace

Op::Op(std::string name, std::string description, std::vector<OpParam> params,
       std::vector<OpOption> options)
    : name_(std::move(name)),
      description_(std::move(description)),
      params_(std::move(params)),
      options_(std::move(options)) {}

OpSizes Op::resolve_sizes(const OpSizes& sizes) const {
  for (const auto& [name, value] : sizes) {
    auto it = std::find_if(params_.begin(), params_.end(),
                           [&](const OpParam& p) { return p.name == name; });
    if (it == params_.end()) {
      user_error << "unknown parameter '" << name << "' for op " << name_
                 << "; valid parameters: " << list_params(params_);
    }
    if (value > kMaxSizeParameter && it->max_value > kMaxSizeParameter) {
      user_error << "parameter " << name << " of op " << name_ << " is " << value
                 << "; sizes above 2^40 (" << kMaxSizeParameter << ") cannot fit in any "
                 << "machine's memory and would overflow size arithmetic";
    }
    if (value < it->min_value || value > it->max_value) {
      std::ostringstream range;
      range << ">= " << it->min_value;
      if (it->max_value != std::numeric_limits<int64_t>::max())
        range << " and <= " << it->max_value;
      user_error << "parameter " << name << " of op " << name_ << " must be " << range.str()
                 << ", got " << value << "; valid parameters: " << list_params(params_);
    }
  }
  OpSizes resolved;
  for (const OpParam& p : params_) {
    auto it = sizes.find(p.name);
    resolved[p.name] = it == sizes.end() ? p.default_value : it->second;
  }
  return resolved;
}

OpOptions Op::resolve_options(const OpOptions& options) const {
  for (const auto& [name, value] : options) {
    auto it = std::find_if(options_.begin(), options_.end(),
                           [&](const OpOption& o) { return o.name == name; });
    if (it == options_.end()) {
      user_error << "unknown option '" << name << "' for op " << name_
                 << "; valid options: " << list_options(options_);
    }
    if (std::find(it->choices.begin(), it->choices.end(), value) == it->choices.end()) {
      user_error << "option " << name << " of op " << name_ << " does not accept '" << value
                 << "'; valid options: " << list_options(options_);
    }
  }
  OpOptions resolved;
  for (const OpOption& o : options_) {
    auto it = options.find(o.name);
    resolved[o.name] = it == options.end() ? o.default_value : it->second;
  }
  return resolved;
}

ComputeDef Op::define(const OpSizes& sizes, const OpOptions& options) const {
  std::map<std::string, Expr> exprs;
  for (const auto& [name, value] : resolve_sizes(sizes)) exprs[name] = make_index(value);
  ComputeDef def = build(exprs, resolve_options(options));
  check_tensor_sizes(def);
  return def;
}

void Op::check_tensor_sizes(const ComputeDef& def) const {
  std::vector<Tensor> tensors = def.inputs();
  tensors.insert(tensors.end(), def.outputs().begin(), def.outputs().end());
  for (const Tensor& t : tensors) {
    const std::vector<int64_t> shape = concrete_shape(t.shape(), {});
    int64_t n = 1, bytes = 0;
    bool overflow = false;
    for (int64_t e : shape) overflow = overflow || __builtin_mul_overflow(n, e, &n);
    overflow = overflow || __builtin_mul_overflow(n, static_cast<int64_t>(t.dtype().bytes()), &bytes);
    if (overflow || bytes > kMaxBufferBytes) {
      std::ostringstream dims;
      for (size_t d = 0; d < shape.size(); ++d) dims << (d ? ", " : "") << shape[d];
      user_error << "tensor " << t.name() << " of op " << name_ << " would be [" << dims.str()
                 << "] " << t.dtype().str() << ": "
                 << (overflow ? std::string("its size overflows 64 bits")
                              : std::to_string(bytes) + " bytes")
                 << ", more than 2^48 bytes, beyond any machine's memory; use smaller sizes";
    }
  }
}

ComputeDef Op::define_symbolic(const OpSizes& fixed, const OpOptions& options) const {
  const OpSizes resolved = resolve_sizes(fixed);
  std::map<std::string, Expr> exprs;
  for (const OpParam& p : params_) {
    const bool pinned = fixed.count(p.name) > 0;
    exprs[p.name] = p.symbolic && !pinned ? size_var(p.name) : make_index(resolved.at(p.name));
  }
  return build(exprs, resolve_options(options));
}

double Op::flops(const OpSizes& sizes, const OpOptions& options) const {
  return count_flops(resolve_sizes(sizes), resolve_options(options));
}

double Op::bytes(const OpSizes& sizes, const OpOptions& options) const {
  return count_bytes(resolve_sizes(sizes), resolve_options(options));
}

double Op::check(const ComputeDef& def, const std::vector<Buffer>& inputs,
                 const std::vector<Buffer>& outputs) const {
  if (outputs.size() != def.outputs().size()) {
    user_error << "check of " << def.name() << ": expected " << def.outputs().size()
               << " output buffers, got " << outputs.size();
  }
  const std::map<std::string, int64_t> sizes = bind_sizes(def, inputs);
  for (size_t o = 0; o < outputs.size(); ++o) {
    const std::vector<int64_t> want = concrete_shape(def.outputs()[o].shape(), sizes);
    if (outputs[o].shape() != want) {
      std::ostringstream expected;
      for (size_t d = 0; d < want.size(); ++d) expected << (d ? ", " : "") << want[d];
      user_error << "check of " << def.name() << ": output " << def.outputs()[o].name() << " is "
                 << outputs[o].str() << ", expected shape [" << expected.str()
                 << "] from the inputs' sizes";
    }
  }

  double worst = 0;
  if (interpreter_work(def, sizes) < kFullCheckWork) {
    const std::vector<Buffer> reference = interpret(def, inputs);
    for (size_t o = 0; o < outputs.size(); ++o) {
      std::vector<double> got(outputs[o].numel()), want(outputs[o].numel());
      for (int64_t p = 0; p < outputs[o].numel(); ++p) {
        got[p] = outputs[o].get_f64(p);
        want[p] = reference[o].get_f64(p);
      }
      worst = std::max(worst, max_error(got, want));
    }
    return worst;
  }

  // Fixed seed: a failing check reproduces.
  std::mt19937_64 rng(12345);
  for (size_t o = 0; o < outputs.size(); ++o) {
    const int64_t n = outputs[o].numel();
    if (n == 0) continue;
    std::uniform_int_distribution<int64_t> pick(0, n - 1);
    std::vector<double> got, want;
    for (int s = 0; s < kSampledPoints; ++s) {
      // Always include the last element: tails are where schedules go wrong.
      const int64_t pos = s == 0 ? n - 1 : pick(rng);
      got.push_back(outputs[o].get_f64(pos));
      want.push_back(
          interpret_point(def, inputs, static_cast<int>(o), unflatten(pos, outputs[o].shape())));
    }
    worst = std::max(worst, max_error(got, want));
  }
  return worst;
}

double Op::tolerance(const ComputeDef& def) const {
  bool any_float = false, any_half = false;
  for (const auto* list : {&def.inputs(), &def.outputs()}) {
    for (const Tensor& t : *list) {
      any_float = any_float || t.dtype().is_float();
      any_half = any_half || t.dtype().is_half_storage();
    }
  }
  if (any_half) return 2e-2;
  // Integer kernels compute exactly.
  return any_float ? 1e-4 : 0.0;
}

std::vector<Buffer> random_inputs(const ComputeDef& def, const OpSizes& sizes, uint64_t seed) {
  std::vector<Buffer> buffers;
  for (const Tensor& t : def.inputs()) {
    Buffer b(t.dtype(), concrete_shape(t.shape(), sizes));
    b.fill_random(seed + buffers.size());
    buffers.push_back(b);
  }
  return buffers;
}

std::vector<Buffer> zero_outputs(const ComputeDef& def, const OpSizes& sizes) {
  std::vector<Buffer> buffers;
  for (const Tensor& t : def.outputs())
    buffers.emplace_back(t.dtype(), concrete_shape(t.shape(), sizes));
  return buffers;
}

int64_t constant_extent(const Expr& e) {
  int64_t v = 0;
  return as_const_int(e, &v) ? v : -1;
}

}  // namespace kiln
