// transpose: Y[N, M] = X[M, N] transposed, Y[j, i] = X[i, j].
#include "base/error.h"
#include "codegen/llvm/host_target.h"
#include "ops/op.h"
#include "ops/op_helpers.h"

namespace kiln {
namespace {

class TransposeOp : public Op {
 public:
  TransposeOp()
      : Op("transpose", "Y[N, M] = X[M, N] transposed: Y[j, i] = X[i, j]",
           {{"M", 4096, "rows of X (columns of Y)"}, {"N", 4096, "columns of X (rows of Y)"}},
           {float_dtype_option("element type of X and Y")}) {}

  // Blocked: Y is cut in square blocks of lanes x lanes (16 x 16 f32 with
  // AVX-512, 1 KiB). Each block of X is first copied to a local array with
  // one vector load per row (cache_read at the block loop), then every row
  // of Y's block is one vector store whose lanes come from a column of the
  // local array (a gather from L1, not from 16 rows of memory: reading X
  // transposed straight from memory measured 4x slower at 4096).
  // Rows of blocks run in parallel.
  Schedule default_schedule(const ComputeDef& def, const Target& target) const override {
    Schedule s(def);
    const OpRef& y = def.outputs().at(0).op();
    const int64_t rows = constant_extent(y->shape[0]), cols = constant_extent(y->shape[1]);
    const int64_t lanes = natural_vector_lanes_f32(target);
    std::vector<std::string> t =
        s.tile("Y.j", "Y.i", fit_factor(lanes, rows), fit_factor(lanes, cols));  // jo io ji ii
    s.parallel(t[0]);
    const bool vector = (cols < 0 || cols >= lanes) && (rows < 0 || rows >= lanes);
    if (!vector) return s;
    s.vectorize(t[3]);
    s.unroll(t[2]);
    // Each vector store fills one whole cache line of a tile's row.
    stream_large_output(s, "Y", target);
    const std::string cache = s.cache_read("X", {"Y"});
    s.compute_at(cache, t[1]);
    const std::vector<std::string> c = s.stage(cache).leaf_loops;  // i, j
    auto [cio, cii] = s.split(c[0], lanes);
    auto [cjo, cji] = s.split(c[1], lanes);
    s.reorder({cio, cjo, cii, cji});
    s.unroll(cii);
    s.vectorize(cji);
    return s;
  }

 protected:
  ComputeDef build(const std::map<std::string, Expr>& sizes,
                   const OpOptions& options) const override {
    const Type t = parse_type(options.at("dtype"));
    const Expr M = sizes.at("M"), N = sizes.at("N");
    Tensor X = placeholder({M, N}, t, "X");
    // Y's axes are named after X's: Y.j runs over Y's rows (X's columns).
    Tensor Y = compute({N, M}, [&](Expr j, Expr i) { return X(i, j); }, "Y", {"j", "i"});
    return ComputeDef("transpose", {X}, {Y});
  }

  double count_flops(const OpSizes&, const OpOptions&) const override { return 0; }

  double count_bytes(const OpSizes& s, const OpOptions& options) const override {
    return 2.0 * s.at("M") * s.at("N") * parse_type(options.at("dtype")).bytes();
  }
};

}  // namespace

std::unique_ptr<Op> make_transpose_op() { return std::make_unique<TransposeOp>(); }

}  // namespace kiln
