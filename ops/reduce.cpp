// reduce: the sum, mean or max of an M x N matrix over axis 1 (each row,
// giving [M]) or axis 0 (each column, giving [N]).
#include "base/error.h"
#include "codegen/llvm/host_target.h"
#include "ops/op.h"
#include "ops/op_helpers.h"

namespace kiln {
namespace {

// Row chunks of an axis-0 reduction, each a parallel task with its own row
// of partial results.
constexpr int64_t kRowChunks = 8;

class ReduceOverAxisOp : public Op {
 public:
  ReduceOverAxisOp()
      : Op("reduce",
           "Y = kind(X[M, N]) over an axis: axis=1 reduces each row (Y[M]), axis=0 each "
           "column (Y[N]); kind sum, mean or max",
           {{"M", 4096, "rows"},
            {"N", 4096, "columns"},
            {"axis", 1, "the reduced axis: 1 (rows, Y[M]) or 0 (columns, Y[N])", 0, 1, false}},
           {float_dtype_option("element type of X and Y"),
            {"kind", "sum", {"sum", "mean", "max"}, "the reduction"}}) {}

  // axis 1: each row is a vectorized reduction (rfactor into lanes), rows
  // in parallel; for mean (and f16/bf16) the sums (stage R) are computed at
  // the loop of Y that divides (or rounds) them. axis 0: see below.
  Schedule default_schedule(const ComputeDef& def, const Target& target) const override {
    Schedule s(def);
    // Y is the reduction itself, or (mean, f16/bf16) reads it from R to
    // divide or round it.
    const bool two_stages = def.find("R") != nullptr;
    const std::string red = two_stages ? "R" : "Y";
    const OpRef r = def.find(red);
    const int64_t lanes = natural_vector_lanes_f32(target);
    const int64_t extent = constant_extent(r->shape[0]);
    const bool rows = r->axis[0].name() == "i";
    if (rows) {
      vectorize_row_reduction(s, red, target);
      s.parallel("Y.i");
      if (two_stages) s.compute_at("R", "Y.i");
      return s;
    }
    // Columns: X is read in row order by a few row chunks in parallel
    // (rfactor of the chunk loop); each chunk accumulates a whole row of
    // partial results, which stays in L1, with vector adds along the row.
    // The reduction stage then adds the chunks' partial rows.
    const int64_t reduced = constant_extent(r->reduce_axis[0].dom.extent);
    const bool vector = extent < 0 || extent >= lanes;
    auto [ko, ki] = s.split_nparts(red + ".k", fit_factor(kRowChunks, reduced));
    const std::string rf = s.rfactor(ko);
    const std::vector<std::string> l = s.stage(rf).leaf_loops;  // k_o, j, k_i
    s.reorder({l[0], l[2], l[1]});
    s.parallel(l[0]);
    if (vector) s.vectorize(s.split(l[1], lanes).second);
    // The reduction stage: chunks inner, the row of partials vectorized.
    const std::vector<std::string> rl = s.stage(red).leaf_loops;  // j, k_o
    if (vector) {
      auto [rjo, rji] = s.split(rl[0], lanes);
      s.reorder({rjo, rl[1], rji});
      s.vectorize(rji);
    }
    if (two_stages && vector) s.vectorize(s.split("Y.j", lanes).second);
    return s;
  }

 protected:
  ComputeDef build(const std::map<std::string, Expr>& sizes,
                   const OpOptions& options) const override {
    const Type t = parse_type(options.at("dtype"));
    const std::string& kind = options.at("kind");
    const Expr M = sizes.at("M"), N = sizes.at("N");
    int64_t axis = 0;
    internal_assert(as_const_int(sizes.at("axis"), &axis)) << "reduce's axis is structural";
    Tensor X = placeholder({M, N}, t, "X");
    const Expr reduced = axis == 1 ? N : M, kept = axis == 1 ? M : N;
    const std::string kept_axis = axis == 1 ? "i" : "j";
    IterVar k = reduce_axis(reduced, "k");
    auto body = [&](Expr p) {
      Expr x = to_f32(axis == 1 ? X(p, k.var) : X(k.var, p));
      return kind == "max" ? max(x, k) : sum(x, k);
    };
    if (kind != "mean") {
      if (t == f32()) return ComputeDef("reduce", {X}, {compute({kept}, body, "Y", {kept_axis})});
      Tensor R = compute({kept}, body, "R", {kept_axis});
      Tensor Y = compute({kept}, [&](Expr p) { return from_f32(R(p), t); }, "Y", {kept_axis});
      return ComputeDef("reduce", {X}, {Y});
    }
    // A reduction is a stage's whole body: R sums, Y divides.
    Tensor R = compute({kept}, body, "R", {kept_axis});
    Tensor Y = compute(
        {kept}, [&](Expr p) { return from_f32(R(p) / cast(f32(), reduced), t); }, "Y",
        {kept_axis});
    return ComputeDef("reduce", {X}, {Y});
  }

  double count_flops(const OpSizes& s, const OpOptions&) const override {
    return 1.0 * s.at("M") * s.at("N");
  }

  double count_bytes(const OpSizes& s, const OpOptions& options) const override {
    const double kept = s.at("axis") == 1 ? s.at("M") : s.at("N");
    return (1.0 * s.at("M") * s.at("N") + kept) * parse_type(options.at("dtype")).bytes();
  }
};

}  // namespace

std::unique_ptr<Op> make_reduce_op() { return std::make_unique<ReduceOverAxisOp>(); }

}  // namespace kiln
