// matmul: C[M, N] = sum_k A[M, K] * B[K, N], row-major, f32.
#include <algorithm>

#include "dsl/error.h"
#include "ops/op.h"

namespace kiln {
namespace {

class MatmulOp : public Op {
 public:
  MatmulOp()
      : Op("matmul", "C[M, N] = sum_k A[M, K] * B[K, N]",
           {{"M", 1024, "rows of A and C"},
            {"N", 1024, "columns of B and C"},
            {"K", 1024, "columns of A, rows of B (the reduction)"}},
           {{"dtype", "f32", {"f32"}, "element type of A, B and C"}}) {}

  // The register-tiled schedule from DESIGN.md's performance notes, for
  // AVX-512 with 2 cores:
  // - a 6 x 64 tile of C (6 rows, 4 vectors of 16 lanes) is 24 zmm
  //   accumulators: enough independent FMAs to hide FMA latency on two
  //   pipes, leaving registers for the 4 loads of B and the broadcast of A;
  // - k is cut in chunks of 256 so the 256 x 64 panel of B a thread streams
  //   through (64 KiB) stays in L2 while io sweeps down the rows of A;
  // - order jo, ko, io, ki, ii, jio, jii: the unrolled ii x jio tile is
  //   innermost around the vector jii, and ki directly encloses it, so the
  //   accumulators are loaded before ki and stored after it once LLVM
  //   promotes them (the buffer arguments are noalias);
  // - jo, the column panels, runs in parallel: each thread owns whole
  //   panels of C, so no two threads write the same cache line.
  // Split factors shrink to the extent for small constant sizes, so K = 7
  // gives one chunk of 7 instead of a mostly empty chunk of 256.
  Schedule default_schedule(const ComputeDef& def, const Target& target) const override {
    Schedule s(def);
    const OpRef& c = def.outputs().at(0).op();
    internal_assert(c->reduce_axis.size() == 1) << "matmul's C has one reduction axis";
    const int64_t M = constant_extent(c->shape[0]);
    const int64_t N = constant_extent(c->shape[1]);
    const int64_t K = constant_extent(c->reduce_axis[0].dom.extent);
    auto fit = [](int64_t factor, int64_t extent) {
      return extent > 0 ? std::min(factor, extent) : factor;
    };

    const int lanes = target.natural_vector_lanes_f32();
    // 32 zmm registers hold 4 x 6 accumulators; 16 ymm registers only 2 x 6.
    const int vectors = lanes >= 16 ? 4 : 2;
    const int64_t tile_rows = 6, tile_cols = vectors * lanes, k_chunk = 256;

    const std::string C = c->name;
    auto [jo, ji] = s.split(C + ".j", fit(tile_cols, N));
    auto [jio, jii] = s.split(ji, fit(lanes, N));
    auto [io, ii] = s.split(C + ".i", fit(tile_rows, M));
    auto [ko, ki] = s.split(C + ".k", fit(k_chunk, K));
    s.reorder({jo, ko, io, ki, ii, jio, jii});
    // A narrow C (N < lanes) stays scalar: a vector of N odd lanes gains
    // nothing.
    if (N < 0 || N >= lanes) s.vectorize(jii);
    s.unroll(ii);
    s.unroll(jio);
    s.parallel(jo);
    return s;
  }

 protected:
  ComputeDef build(const std::map<std::string, Expr>& sizes,
                   const OpOptions& options) const override {
    const Type t = parse_type(options.at("dtype"));
    const Expr M = sizes.at("M"), N = sizes.at("N"), K = sizes.at("K");
    Tensor A = placeholder({M, K}, t, "A");
    Tensor B = placeholder({K, N}, t, "B");
    IterVar k = reduce_axis(K, "k");
    Tensor C = compute(
        {M, N}, [&](Expr i, Expr j) { return sum(A(i, k.var) * B(k.var, j), k); }, "C",
        {"i", "j"});
    return ComputeDef("matmul", {A, B}, {C});
  }

  double count_flops(const OpSizes& s, const OpOptions&) const override {
    return 2.0 * s.at("M") * s.at("N") * s.at("K");
  }

  double count_bytes(const OpSizes& s, const OpOptions& options) const override {
    const double elements = 1.0 * s.at("M") * s.at("K") + 1.0 * s.at("K") * s.at("N") +
                            1.0 * s.at("M") * s.at("N");
    return elements * parse_type(options.at("dtype")).bytes();
  }
};

}  // namespace

std::unique_ptr<Op> make_matmul_op() { return std::make_unique<MatmulOp>(); }

}  // namespace kiln
