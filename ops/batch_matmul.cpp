// batch_matmul: out[b, i, j] = sum_k lhs[b, i, k] * rhs[b, k, j], f32, with
// lhs given as [B, K, M] under trans_a and rhs as [B, N, K] under trans_b.
// The tensors are lhs and rhs (not A and B) so that no tensor shares a name
// with the batch size B.
//
// The schedule is matmul's register tile (6 rows x 4 vectors, k in chunks
// of 256) inside a loop over the batch. With trans_b, a stage rhs_t holds
// rhs transposed and is packed per 256 x 64 panel inside the tile loops.
#include <algorithm>

#include "base/error.h"
#include "codegen/llvm/host_target.h"
#include "ops/op.h"

namespace kiln {
namespace {

class BatchMatmulOp : public Op {
 public:
  BatchMatmulOp()
      : Op("batch_matmul",
           "out[B,M,N] = sum_k lhs[B,M,K] * rhs[B,K,N] (lhs [B,K,M] with trans_a, rhs [B,N,K] "
           "with trans_b)",
           {{"B", 8, "batch: independent products"},
            {"M", 256, "rows of lhs and out"},
            {"N", 256, "columns of rhs and out"},
            {"K", 256, "the reduction"},
            {"trans_a", 0, "1: lhs is stored transposed, [B, K, M]", 0, 1, false},
            {"trans_b", 0, "1: rhs is stored transposed, [B, N, K]", 0, 1, false}},
           {{"dtype", "f32", {"f32"}, "element type"}}) {}

  Schedule default_schedule(const ComputeDef& def, const Target& target) const override {
    Schedule s(def);
    const OpRef& c = def.outputs().at(0).op();
    const int64_t B = constant_extent(c->shape[0]);
    const int64_t M = constant_extent(c->shape[1]);
    const int64_t N = constant_extent(c->shape[2]);
    const int64_t K = constant_extent(c->reduce_axis[0].dom.extent);
    auto fit = [](int64_t factor, int64_t extent) {
      return extent > 0 ? std::min(factor, extent) : factor;
    };
    const int lanes = natural_vector_lanes_f32(target);
    const int vectors = lanes >= 16 ? 4 : 2;
    const std::string C = c->name;
    auto [jo, ji] = s.split(C + ".j", fit(vectors * lanes, N));
    auto [jio, jii] = s.split(ji, fit(lanes, N));
    auto [io, ii] = s.split(C + ".i", fit(6, M));
    auto [ko, ki] = s.split(C + ".k", fit(256, K));
    s.reorder({C + ".b", jo, ko, io, ki, ii, jio, jii});
    if (N < 0 || N >= lanes) s.vectorize(jii);
    s.unroll(ii);
    s.unroll(jio);
    if (!def.find("rhs_t")) {
      s.parallel(s.fuse(C + ".b", jo));
      return s;
    }
    // The packed panel is computed at ko; a loop fused from b and jo would
    // hide from bounds inference which panel a task needs, so the batch runs
    // in parallel, or the column panels when there is one batch.
    s.parallel(B == 1 ? jo : C + ".b");
    s.compute_at("rhs_t", ko);
    const std::vector<std::string> t = s.stage("rhs_t").leaf_loops;  // b, k, j
    s.reorder({t[0], t[2], t[1]});
    return s;
  }

 protected:
  ComputeDef build(const std::map<std::string, Expr>& sizes,
                   const OpOptions& options) const override {
    const Type t = parse_type(options.at("dtype"));
    const Expr B = sizes.at("B"), M = sizes.at("M"), N = sizes.at("N"), K = sizes.at("K");
    const bool trans_a = is_const(sizes.at("trans_a"), 1);
    const bool trans_b = is_const(sizes.at("trans_b"), 1);
    Tensor lhs = placeholder(trans_a ? std::vector<Expr>{B, K, M} : std::vector<Expr>{B, M, K},
                             t, "lhs");
    Tensor rhs = placeholder(trans_b ? std::vector<Expr>{B, N, K} : std::vector<Expr>{B, K, N},
                             t, "rhs");
    // rk reads as [B, K, N] either way.
    Tensor rk = rhs;
    if (trans_b) {
      rk = compute(
          {B, K, N}, [&](Expr b, Expr kk, Expr j) { return rhs(b, j, kk); }, "rhs_t",
          {"b", "k", "j"});
    }
    IterVar k = reduce_axis(K, "k");
    Tensor out = compute(
        {B, M, N},
        [&](Expr b, Expr i, Expr j) {
          Expr a = trans_a ? lhs(b, k.var, i) : lhs(b, i, k.var);
          return sum(a * rk(b, k.var, j), k);
        },
        "out", {"b", "i", "j"});
    return ComputeDef("batch_matmul", {lhs, rhs}, {out});
  }

  double count_flops(const OpSizes& s, const OpOptions&) const override {
    return 2.0 * s.at("B") * s.at("M") * s.at("N") * s.at("K");
  }

  double count_bytes(const OpSizes& s, const OpOptions& options) const override {
    const double elements =
        1.0 * s.at("B") * (s.at("M") * s.at("K") + s.at("K") * s.at("N") + s.at("M") * s.at("N"));
    return elements * parse_type(options.at("dtype")).bytes();
  }
};

}  // namespace

std::unique_ptr<Op> make_batch_matmul_op() { return std::make_unique<BatchMatmulOp>(); }

}  // namespace kiln
