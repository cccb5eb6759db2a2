// matmul: C[M, N] = sum_k A[M, K] * B[K, N], row-major, f32. With trans_a,
// A is given as [K, M]; with trans_b, B is given as [N, K] and a stage B_t
// (B transposed to [K, N]) makes the inner loops read rows again: the CPU
// schedule fills it panel by panel inside the tile loops (a packing step),
// so the vector loads of the register tile stay contiguous.
#include <algorithm>

#include "base/error.h"
#include "codegen/llvm/host_target.h"
#include "ops/op.h"

namespace kiln {
namespace {

class MatmulOp : public Op {
 public:
  MatmulOp()
      : Op("matmul", "C[M, N] = sum_k A[M, K] * B[K, N] (A given as [K, M] with trans_a, B as [N, K] with trans_b)",
           {{"M", 1024, "rows of A and C"},
            {"N", 1024, "columns of B and C"},
            {"K", 1024, "columns of A, rows of B (the reduction)"},
            {"trans_a", 0, "1: A is stored transposed, [K, M]", 0, 1, false},
            {"trans_b", 0, "1: B is stored transposed, [N, K]", 0, 1, false}},
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

    const int lanes = natural_vector_lanes_f32(target);
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
    if (def.find("B_t")) {
      // Pack the 256 x 64 panel of B this tile column needs, reading B's
      // rows (contiguous in k) and writing the panel's columns.
      s.compute_at("B_t", ko);
      const std::vector<std::string> t = s.stage("B_t").leaf_loops;  // k, j
      s.reorder({t[1], t[0]});
    }
    return s;
  }

  // The classic tiled CUDA sgemm:
  // - each block computes a 128 x 128 tile of C with 16 x 16 threads, each
  //   thread an 8 x 8 register tile (C_local, unrolled so it stays in
  //   registers): 64 FMAs per 16 values read from shared memory;
  // - k advances 16 at a time; per step the block stages the 128 x 16
  //   panel of A and the 16 x 128 panel of B in shared memory (16 KiB),
  //   every thread loading two float4 of each (2048 floats = 256 threads
  //   x 2 x 4); on an H100 (4096^3) k tiles of 16 reach 0.72x cuBLAS SGEMM
  //   where 8 reach 0.63x (fewer barriers per FMA);
  // - barriers between the loads and the FMAs (and before the next loads)
  //   are inserted by lowering; tails (M, N, K not multiples of the tiles)
  //   are guarded, so any size is correct.
  Schedule default_gpu_schedule(const ComputeDef& def, const Target&) const override {
    Schedule s(def);
    const std::string C = def.outputs().at(0).name();
    const int64_t block_tile = 128, thread_tile = 8, k_tile = 16, threads = block_tile / thread_tile;
    const std::string local = s.cache_write(C, "local");
    auto [io, ii] = s.split(C + ".i", block_tile);
    auto [iio, iii] = s.split(ii, thread_tile);
    auto [jo, ji] = s.split(C + ".j", block_tile);
    auto [jio, jii] = s.split(ji, thread_tile);
    s.reorder({io, jo, iio, jio, iii, jii});
    s.bind(io, "blockIdx.y");
    s.bind(jo, "blockIdx.x");
    s.bind(iio, "threadIdx.y");
    s.bind(jio, "threadIdx.x");
    // Write-back: two float4 stores per row of the thread's tile.
    auto [jiio, jiii] = s.split(jii, 4);
    s.unroll(iii);
    s.unroll(jiio);
    s.vectorize(jiii);

    s.compute_at(local, jio);
    auto [ko, ki] = s.split(local + ".k", k_tile);
    // Split by the thread tile so the unrolled loops have a constant extent
    // at schedule time (the outer halves run once).
    auto [lio, lii] = s.split(local + ".i", thread_tile);
    auto [ljo, lji] = s.split(local + ".j", thread_tile);
    s.reorder({lio, ljo, ko, ki, lii, lji});
    s.unroll(ki);
    s.unroll(lii);
    s.unroll(lji);

    // Cooperative loads: 4 contiguous floats of a row (one float4) per
    // thread, the remaining loops fused over the block's threads.
    if (def.find("B_t")) {
      // The transpose is a kernel of its own, one thread per element.
      const std::vector<std::string> t = s.stage("B_t").leaf_loops;
      auto [bo, bi] = s.split(s.fuse(t[0], t[1]), 256);
      s.bind(bo, "blockIdx.x");
      s.bind(bi, "threadIdx.x");
    }
    // The tensors C reads: A and B, or A and B_t with trans_b.
    const std::vector<OpRef> read = def.outputs().at(0).op()->inputs();
    for (const std::string& input : {read.at(0)->name, read.at(1)->name}) {
      const std::string shared = s.cache_read(input, {local}, "shared");
      s.compute_at(shared, ko);
      const std::vector<std::string> loops = s.stage(shared).leaf_loops;
      auto [row_rest, vec] = s.split(loops.at(1), 4);
      std::string fused = s.fuse(loops.at(0), row_rest);
      auto [rest, tx] = s.split(fused, threads);
      // A deeper k tile loads more than one float4 per thread: serial outer.
      auto [serial, ty] = s.split(rest, threads);
      s.bind(ty, "threadIdx.y");
      s.bind(tx, "threadIdx.x");
      s.vectorize(vec);
    }
    return s;
  }

 protected:
  ComputeDef build(const std::map<std::string, Expr>& sizes,
                   const OpOptions& options) const override {
    const Type t = parse_type(options.at("dtype"));
    const Expr M = sizes.at("M"), N = sizes.at("N"), K = sizes.at("K");
    const bool trans_a = is_const(sizes.at("trans_a"), 1);
    const bool trans_b = is_const(sizes.at("trans_b"), 1);
    Tensor A = placeholder(trans_a ? std::vector<Expr>{K, M} : std::vector<Expr>{M, K}, t, "A");
    Tensor B = placeholder(trans_b ? std::vector<Expr>{N, K} : std::vector<Expr>{K, N}, t, "B");
    // Bk reads as [K, N] either way.
    Tensor Bk = B;
    if (trans_b)
      Bk = compute({K, N}, [&](Expr kk, Expr j) { return B(j, kk); }, "B_t", {"k", "j"});
    IterVar k = reduce_axis(K, "k");
    Tensor C = compute(
        {M, N},
        [&](Expr i, Expr j) {
          Expr a = trans_a ? A(k.var, i) : A(i, k.var);
          return sum(a * Bk(k.var, j), k);
        },
        "C", {"i", "j"});
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
