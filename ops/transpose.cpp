// transpose: Y[N, M] = X[M, N] transposed, Y[j, i] = X[i, j].
#include "dsl/error.h"
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
  // AVX-512, 1 KiB: both the rows of X it reads and the rows of Y it
  // writes stay in L1 while the block is done). Within a block the rows of
  // Y are unrolled and each is one vector store; its lanes come from one
  // column of the block of X, whose rows the unrolled loop has in cache.
  // Rows of blocks run in parallel.
  Schedule default_schedule(const ComputeDef& def, const Target& target) const override {
    Schedule s(def);
    const OpRef& y = def.outputs().at(0).op();
    const int64_t rows = constant_extent(y->shape[0]), cols = constant_extent(y->shape[1]);
    const int64_t lanes = target.natural_vector_lanes_f32();
    std::vector<std::string> t =
        s.tile("Y.j", "Y.i", fit_factor(lanes, rows), fit_factor(lanes, cols));  // jo io ji ii
    s.parallel(t[0]);
    if (cols < 0 || cols >= lanes) s.vectorize(t[3]);
    if (rows < 0 || rows >= lanes) s.unroll(t[2]);
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
