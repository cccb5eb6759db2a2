#include "ops/op_helpers.h"

#include <algorithm>

#include "base/error.h"
#include "codegen/llvm/host_target.h"

namespace kiln {

OpOption float_dtype_option(const std::string& what) {
  return {"dtype", "f32", {"f32", "f16", "bf16"},
          what + " (f16/bf16 are stored as such and computed in f32)"};
}

Expr to_f32(const Expr& x) { return x.type() == f32() ? x : cast(f32(), x); }

Expr from_f32(const Expr& x, Type t) { return t == f32() ? x : cast(t, x); }

int64_t fit_factor(int64_t factor, int64_t extent) {
  return extent > 0 ? std::min(factor, extent) : factor;
}

std::string schedule_rows(Schedule& s, const std::string& name, const Target& target,
                          int unroll) {
  const StageSchedule& st = s.stage(name);
  internal_assert(st.op->shape.size() == 2 && st.op->reduce_axis.empty())
      << "schedule_rows takes a 2-D stage without reduction, got " << name;
  const int64_t N = constant_extent(st.op->shape[1]);
  const int64_t lanes = natural_vector_lanes_f32(target);
  const std::string row = name + ".i";
  s.parallel(row);
  stream_large_output(s, name, target);
  // A row narrower than one vector stays scalar: odd lanes gain nothing.
  if (N >= 0 && N < lanes) return row;
  const int64_t chunk = N >= 0 && N < lanes * unroll ? lanes : lanes * unroll;
  auto [jo, ji] = s.split(name + ".j", chunk);
  if (chunk == lanes) {
    s.vectorize(ji);
    return row;
  }
  auto [jio, jii] = s.split(ji, lanes);
  s.unroll(jio);
  s.vectorize(jii);
  return row;
}

namespace {

/// The bytes of the tensor named `name` among `tensors`, or -1 when it is
/// absent or has a symbolic size (unknown until the call).
int64_t constant_bytes(const std::vector<Tensor>& tensors, const std::string& name) {
  for (const Tensor& t : tensors) {
    if (t.name() != name) continue;
    int64_t bytes = t.dtype().bytes();
    for (const Expr& e : t.shape()) {
      const int64_t extent = constant_extent(e);
      if (extent < 0) return -1;
      bytes *= extent;
    }
    return bytes;
  }
  return -1;
}

}  // namespace

bool stream_large_output(Schedule& s, const std::string& name, const Target& target) {
  if (target.kind != Target::Kind::LLVM) return false;
  if (constant_bytes(s.def().outputs(), name) < kStreamingOutputBytes) return false;
  s.store_nontemporal(name);
  return true;
}

bool prefetch_next_row(Schedule& s, const std::string& tensor, const std::string& at,
                       const std::string& row, const Target& target) {
  if (target.kind != Target::Kind::LLVM) return false;
  if (constant_bytes(s.def().inputs(), tensor) < kPrefetchInputBytes) return false;
  if (!s.stage_of_loop(at).has_leaf(at)) return false;
  s.prefetch(tensor, at, row, 1);
  return true;
}

std::string vectorize_row_reduction(Schedule& s, const std::string& name, const Target& target) {
  const StageSchedule& st = s.stage(name);
  internal_assert(st.op->shape.size() == 1 && st.op->reduce_axis.size() == 1)
      << "vectorize_row_reduction takes a 1-D stage with one reduction axis, got " << name;
  const int64_t N = constant_extent(st.op->reduce_axis[0].dom.extent);
  const int64_t lanes = natural_vector_lanes_f32(target);
  if (N >= 0 && N < lanes) return "";
  // Four vectors of partial results when the row is long enough: four
  // independent chains hide the latency of the add (or max) that a single
  // chain of accumulations would wait on.
  // A width that divides a constant row keeps the rf stage free of the
  // guard on the row's end, which would keep its lanes scalar.
  int64_t width = N < 0 || N >= 4 * lanes ? 4 * lanes : lanes;
  if (N > 0 && N % width != 0 && N % lanes == 0) width = lanes;
  const std::string axis = st.op->reduce_axis[0].name();
  auto [ko, ki] = s.split(name + "." + axis, width);
  const std::string rf = s.rfactor(ki);
  // rf[k_i, i] reduces over k_o: put the lanes innermost.
  const std::string rf_lanes = rf + "." + axis + "_i", rf_row = rf + ".i",
                    rf_chunk = rf + "." + axis + "_o";
  s.reorder({rf_row, rf_chunk, rf_lanes});
  if (width == lanes) {
    s.vectorize(rf_lanes);
  } else {
    // Vectors of the target's width, unrolled: one 64-lane vector would
    // also work for f32, but LLVM scalarizes 64-lane f16/bf16 conversions.
    auto [vo, vi] = s.split(rf_lanes, lanes);
    s.unroll(vo);
    s.vectorize(vi);
  }
  s.compute_at(rf, name + ".i");
  return rf;
}

Expr gelu_f32(const Expr& x, bool tanh_form) {
  if (tanh_form) {
    const float sqrt_2_over_pi = 0.7978845608028654f;
    return 0.5f * x * (1.0f + tanh(sqrt_2_over_pi * (x + 0.044715f * x * x * x)));
  }
  return 0.5f * x * (1.0f + erf(x * 0.7071067811865476f));
}

namespace {

std::vector<OpOption> with_dtype(std::vector<OpOption> extra) {
  extra.insert(extra.begin(), float_dtype_option("element type of the tensors"));
  return extra;
}

}  // namespace

UnaryElementwiseOp::UnaryElementwiseOp(std::string name, std::string description,
                                       std::vector<OpOption> extra)
    : Op(std::move(name), std::move(description),
         {{"M", 4096, "rows (M=1 for a flat tensor of N elements)"}, {"N", 4096, "columns"}},
         with_dtype(std::move(extra))) {}

Schedule UnaryElementwiseOp::default_schedule(const ComputeDef& def, const Target& target) const {
  Schedule s(def);
  schedule_rows(s, "Y", target, 4);
  return s;
}

ComputeDef UnaryElementwiseOp::build(const std::map<std::string, Expr>& sizes,
                                     const OpOptions& options) const {
  const Type t = parse_type(options.at("dtype"));
  Tensor X = placeholder({sizes.at("M"), sizes.at("N")}, t, "X");
  Tensor Y = compute(
      {sizes.at("M"), sizes.at("N")},
      [&](Expr i, Expr j) { return from_f32(apply(to_f32(X(i, j)), options), t); }, "Y",
      {"i", "j"});
  return ComputeDef(name(), {X}, {Y});
}

double UnaryElementwiseOp::count_flops(const OpSizes& s, const OpOptions& options) const {
  return flops_per_element(options) * s.at("M") * s.at("N");
}

double UnaryElementwiseOp::count_bytes(const OpSizes& s, const OpOptions& options) const {
  return 2.0 * s.at("M") * s.at("N") * parse_type(options.at("dtype")).bytes();
}

BroadcastBinaryOp::BroadcastBinaryOp(std::string name, std::string symbol)
    : Op(name,
         "C[M, N] = A[M, N] " + symbol +
             " B, B broadcast as in numpy: broadcast=none B[M, N], row B[1, N] (one row "
             "for every row), col B[M, 1] (one value per row), scalar B[1]",
         {{"M", 4096, "rows"}, {"N", 4096, "columns"}},
         with_dtype({{"broadcast",
                      "none",
                      {"none", "row", "col", "scalar"},
                      "shape of B: [M, N], [1, N], [M, 1] or [1]"}})) {}

Schedule BroadcastBinaryOp::default_schedule(const ComputeDef& def, const Target& target) const {
  Schedule s(def);
  schedule_rows(s, "C", target, 4);
  return s;
}

ComputeDef BroadcastBinaryOp::build(const std::map<std::string, Expr>& sizes,
                                    const OpOptions& options) const {
  const Type t = parse_type(options.at("dtype"));
  const std::string& mode = options.at("broadcast");
  const Expr M = sizes.at("M"), N = sizes.at("N"), one = make_index(1);
  Tensor A = placeholder({M, N}, t, "A");
  std::vector<Expr> b_shape = {M, N};
  if (mode == "row") b_shape = {one, N};
  if (mode == "col") b_shape = {M, one};
  if (mode == "scalar") b_shape = {one};
  Tensor B = placeholder(b_shape, t, "B");
  Tensor C = compute(
      {M, N},
      [&](Expr i, Expr j) {
        Expr b = mode == "none"  ? B(i, j)
                 : mode == "row" ? B(0, j)
                 : mode == "col" ? B(i, 0)
                                 : B(0);
        return from_f32(apply(to_f32(A(i, j)), to_f32(b)), t);
      },
      "C", {"i", "j"});
  return ComputeDef(name(), {A, B}, {C});
}

double BroadcastBinaryOp::count_flops(const OpSizes& s, const OpOptions&) const {
  return 1.0 * s.at("M") * s.at("N");
}

double BroadcastBinaryOp::count_bytes(const OpSizes& s, const OpOptions& options) const {
  const std::string& mode = options.at("broadcast");
  const double M = s.at("M"), N = s.at("N");
  const double b = mode == "none" ? M * N : mode == "row" ? N : mode == "col" ? M : 1;
  return (2 * M * N + b) * parse_type(options.at("dtype")).bytes();
}

}  // namespace kiln
