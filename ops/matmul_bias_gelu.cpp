// matmul_bias_gelu: Y[M, N] = gelu(sum_k A[M, K] * B[K, N] + bias[N]), the
// epilogue fused into the matmul's register tile (one kernel, one pass).
#include <algorithm>

#include "base/error.h"
#include "codegen/llvm/host_target.h"
#include "ops/op.h"
#include "ops/op_helpers.h"

namespace kiln {
namespace {

class MatmulBiasGeluOp : public Op {
 public:
  MatmulBiasGeluOp()
      : Op("matmul_bias_gelu",
           "Y[M, N] = gelu(sum_k A[M, K] * B[K, N] + bias[N]) in one kernel: bias and gelu "
           "are applied to each register tile of the product before it is stored",
           {{"M", 1024, "rows of A and Y"},
            {"N", 1024, "columns of B, bias and Y"},
            {"K", 1024, "columns of A, rows of B (the reduction)"}},
           {{"dtype", "f32", {"f32"}, "element type of A, B, bias and Y"},
            {"approximate", "none", {"none", "tanh"}, "gelu's erf form (none) or tanh form"}}) {}

  // matmul's schedule (ops/matmul.cpp) on a block of the product: Y is cut
  // in blocks of 192 rows x 64 columns, and each block of the product C is
  // computed at Y's block loop (compute_at) into a local 192 x 64 array
  // (48 KiB, it stays in L1/L2) with matmul's register tile of 6 x 64 (24
  // zmm accumulators) and K in chunks of 256 (the 256 x 64 panel of B
  // stays in L2). Y's loops then add the bias, apply gelu and store each
  // element once: the product never goes to memory and no second pass over
  // memory reads it back. Column panels run in parallel.
  //
  // Measured against computing C over all of K inside Y's 6 x 64 tile
  // (the product then lives only in registers): that variant streams the
  // whole K x 64 panel of B per tile and was about 10% slower at 1024.
  Schedule default_schedule(const ComputeDef& def, const Target& target) const override {
    Schedule s(def);
    const OpRef& y = def.outputs().at(0).op();
    const OpRef c = def.find("C");
    internal_assert(c && c->reduce_axis.size() == 1) << "matmul_bias_gelu has a product stage C";
    const int64_t M = constant_extent(y->shape[0]);
    const int64_t N = constant_extent(y->shape[1]);
    const int lanes = natural_vector_lanes_f32(target);
    const int vectors = lanes >= 16 ? 4 : 2;
    const int64_t tile_rows = fit_factor(6, M), tile_cols = fit_factor(vectors * lanes, N);
    // A narrow Y (N < lanes) stays scalar.
    const bool vector = N < 0 || N >= lanes;

    const int64_t K = constant_extent(c->reduce_axis[0].dom.extent);
    const int64_t block_rows = fit_factor(192, M), k_chunk = fit_factor(256, K);
    std::vector<std::string> t = s.tile("Y.i", "Y.j", block_rows, tile_cols);  // io jo ii ji
    s.reorder({t[1], t[0], t[2], t[3]});                                        // jo io ii ji
    s.parallel(t[1]);
    if (vector) s.vectorize(s.split(t[3], lanes).second);
    s.compute_at("C", t[0]);
    const std::vector<std::string> l = s.stage("C").leaf_loops;  // i, j, k
    auto [cio, cii] = s.split(l[0], tile_rows);
    auto [cjo, cji] = s.split(l[1], tile_cols);
    auto [cko, cki] = s.split(l[2], k_chunk);
    if (vector) {
      auto [cjio, cjii] = s.split(cji, lanes);
      s.reorder({cjo, cko, cio, cki, cii, cjio, cjii});
      s.unroll(cii);
      s.unroll(cjio);
      s.vectorize(cjii);
    } else {
      s.reorder({cjo, cko, cio, cki, cii, cji});
      s.unroll(cii);
    }
    return s;
  }

 protected:
  ComputeDef build(const std::map<std::string, Expr>& sizes,
                   const OpOptions& options) const override {
    const Type t = parse_type(options.at("dtype"));
    const Expr M = sizes.at("M"), N = sizes.at("N"), K = sizes.at("K");
    Tensor A = placeholder({M, K}, t, "A");
    Tensor B = placeholder({K, N}, t, "B");
    Tensor bias = placeholder({N}, t, "bias");
    IterVar k = reduce_axis(K, "k");
    Tensor C = compute(
        {M, N}, [&](Expr i, Expr j) { return sum(A(i, k.var) * B(k.var, j), k); }, "C",
        {"i", "j"});
    const bool tanh_form = options.at("approximate") == "tanh";
    Tensor Y = compute(
        {M, N}, [&](Expr i, Expr j) { return gelu_f32(C(i, j) + bias(j), tanh_form); }, "Y",
        {"i", "j"});
    return ComputeDef("matmul_bias_gelu", {A, B, bias}, {Y});
  }

  // The product's 2MNK plus about 8 operations per element for the bias
  // and gelu (erf or tanh counted as one).
  double count_flops(const OpSizes& s, const OpOptions&) const override {
    const double mn = 1.0 * s.at("M") * s.at("N");
    return 2.0 * mn * s.at("K") + 8.0 * mn;
  }

  double count_bytes(const OpSizes& s, const OpOptions& options) const override {
    const double M = s.at("M"), N = s.at("N"), K = s.at("K");
    return (M * K + K * N + N + M * N) * parse_type(options.at("dtype")).bytes();
  }
};

}  // namespace

std::unique_ptr<Op> make_matmul_bias_gelu_op() { return std::make_unique<MatmulBiasGeluOp>(); }

}  // namespace kiln
