#pragma once
/// \file
/// Schedules: how a ComputeDef runs. A Schedule holds one StageSchedule per
/// compute stage and the trace of the primitives applied so far.
///
/// Loops have stable names "<stage>.<axis>": a stage C with axes i, j and a
/// reduction axis k starts with loops C.i, C.j, C.k (outer to inner).
/// split(C.i) makes C.i.o and C.i.i; fuse(C.i, C.j) makes C.i_j; rfactor of
/// C makes a stage C_rf; cache_write of C makes C_local; cache_read of A
/// makes A_cache. Stage names never contain '.'.
///
/// Every primitive validates its arguments and throws ScheduleError (naming
/// the primitive, the stage, the loop, what to do instead, and listing the
/// stage's loops) rather than accept a schedule that would compute a wrong
/// answer. Any schedule the API accepts lowers to correct code.
///
/// A schedule is data: trace() records every primitive applied, it
/// serializes to JSON (schedule/trace.h) and replays on a fresh definition.

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "dsl/compute.h"
#include "schedule/storage_layout.h"
#include "schedule/trace.h"

namespace kiln {

/// How loops of one stage derive from each other. Relations are kept in the
/// order they were applied; lowering walks them to express root axes in
/// terms of leaf loops and leaf extents in terms of root extents.
struct LoopRelation {
  enum class Kind : uint8_t {
    /// parent -> outer, inner: parent = outer * factor + inner, where
    /// extent(inner) = factor and extent(outer) = ceil(extent(parent) / factor).
    /// With by_nparts, extent(outer) = nparts and factor = ceil(extent / nparts).
    Split,
    /// outer, inner -> fused: outer = fused / extent(inner),
    /// inner = fused mod extent(inner), extent(fused) = product.
    Fuse,
  };
  Kind kind = Kind::Split;
  std::string parent, outer, inner, fused;
  int64_t factor = 0;  ///< Split: factor, or nparts when by_nparts
  bool by_nparts = false;
};

/// Where a stage's values are computed.
enum class AttachKind : uint8_t {
  Root,    ///< in its own loop nest before its consumers, over its whole domain
  Inline,  ///< substituted into its consumers; no storage, no loops
  At,      ///< inside a loop of a consumer, over the region that loop needs
};

/// A software prefetch (Schedule::prefetch): at the top of each iteration
/// of loop `at`, the region of `tensor` that the same iteration will read
/// `offset` iterations of loop `from` later.
struct PrefetchSpec {
  std::string tensor, at, from;
  int64_t offset = 1;
};

/// The schedule of one compute stage.
struct StageSchedule {
  /// The stage's current operation (cache_write and rfactor replace it).
  OpRef op;
  /// op->name.
  std::string name;
  /// Root loops: spatial axes then reduction axes, e.g. {"C.i", "C.j", "C.k"}.
  std::vector<std::string> root_loops;
  /// The loop nest, outer to inner.
  std::vector<std::string> leaf_loops;
  /// Split and fuse relations in the order applied.
  std::vector<LoopRelation> relations;
  /// Every loop ever named (root, split halves, fused), Spatial or Reduce.
  std::map<std::string, AxisKind> loop_axis_kind;
  /// Loops marked parallel, vectorized or unrolled (absent: serial).
  std::map<std::string, ForKind> loop_kinds;
  AttachKind attach = AttachKind::Root;
  /// For AttachKind::At: the consumer stage and its loop.
  std::string attach_stage, attach_loop;
  /// Where the stage's storage lives (set_scope): Auto lets lowering choose;
  /// for CUDA, Heap is global memory, Shared one copy per block, Local one
  /// copy per thread. Loops bound to GPU indices are in loop_kinds.
  MemoryScope scope = MemoryScope::Auto;
  /// How the stage's buffer is laid out (transform_layout); empty: row-major
  /// in axis order.
  std::vector<StorageDim> storage_layout;
  /// Software prefetches issued inside this stage's loops, in order applied.
  std::vector<PrefetchSpec> prefetches;

  /// The loop's kind (serial when unmarked).
  ForKind kind_of(const std::string& loop) const;
  /// The root loop name of an axis: "C.i" for axis "i".
  std::string root_loop(const std::string& axis) const { return name + "." + axis; }
  bool has_leaf(const std::string& loop) const;
};

/// The number of iterations of a loop of st when it is a constant: a root
/// loop of constant extent, a split's inner half (its factor), a split's
/// outer half of a constant parent (ceil(parent / factor)), an nparts
/// split's outer half (nparts) or inner half of a constant parent
/// (ceil(parent / nparts)), a fused loop of two constant loops (the
/// product). Returns false when the extent is not known at compile time or
/// the loop is not one of st's.
bool constant_loop_extent(const StageSchedule& st, const std::string& loop, int64_t* extent);

/// Most lanes a vectorized loop may have: wider vectors only spill registers.
constexpr int64_t kMaxVectorLanes = 64;
/// Most iterations a fully unrolled loop may have before code size explodes.
constexpr int64_t kMaxUnroll = 256;

class Schedule {
 public:
  /// A schedule with every stage at root, loops in definition order.
  explicit Schedule(ComputeDef def);

  /// The definition as rewritten by cache_read, cache_write and rfactor.
  const ComputeDef& def() const { return def_; }
  /// Stages, producers before consumers (placeholders have none).
  const std::vector<StageSchedule>& stages() const { return stages_; }
  /// The stage of that name; throws ScheduleError listing the stages.
  const StageSchedule& stage(const std::string& name) const;
  /// The stage a loop name belongs to ("C.i.o" -> "C"); throws ScheduleError.
  const StageSchedule& stage_of_loop(const std::string& loop) const;
  /// The primitives applied so far.
  const Trace& trace() const { return trace_; }

  // --- loop primitives (loops named by full name, e.g. "C.i")
  /// Splits into (outer, inner) with extent(inner) = factor > 0.
  std::pair<std::string, std::string> split(const std::string& loop, int64_t factor);
  /// Splits into (outer, inner) with extent(outer) = nparts > 0.
  std::pair<std::string, std::string> split_nparts(const std::string& loop, int64_t nparts);
  /// Fuses two adjacent leaf loops (outer directly encloses inner); returns the fused loop.
  std::string fuse(const std::string& outer, const std::string& inner);
  /// Puts the named loops, which must be leaf loops of one stage, in this
  /// order, in the positions they occupied; other loops stay where they were.
  void reorder(const std::vector<std::string>& loops);
  /// split x and y by fx and fy, then reorder to x.o, y.o, x.i, y.i; returns those.
  std::vector<std::string> tile(const std::string& x, const std::string& y, int64_t fx,
                                int64_t fy);
  /// Marks a spatial loop of constant extent to run as one vector.
  void vectorize(const std::string& loop);
  /// Marks a loop of constant extent to be fully unrolled.
  void unroll(const std::string& loop);
  /// Marks a spatial loop to run its iterations on the thread pool.
  void parallel(const std::string& loop);

  // --- stage primitives
  /// Computes stage inside `loop` of a consumer, over the region it needs.
  void compute_at(const std::string& stage, const std::string& loop);
  /// Substitutes a non-reduction stage into its consumers.
  void compute_inline(const std::string& stage);
  /// Computes the stage in its own loop nest over its whole domain.
  void compute_root(const std::string& stage);
  /// Adds a stage "<tensor>_cache" that copies `tensor` and makes `readers`
  /// read the copy; returns its name. Attach it with compute_at.
  std::string cache_read(const std::string& tensor, const std::vector<std::string>& readers);
  /// Moves the computation of `stage` into a new stage "<stage>_local" and
  /// makes `stage` copy it out; returns the new stage's name. Must precede
  /// other primitives on `stage`.
  std::string cache_write(const std::string& stage);
  /// Turns reduction loop `loop` (a root reduction loop or a half of one
  /// split) into a spatial axis of a new stage "<stage>_rf"; the original
  /// stage then reduces over it. Returns the new stage's name.
  std::string rfactor(const std::string& loop);
  /// Writes the output `stage` with non-temporal (streaming) stores, which
  /// bypass the caches: for an output far larger than the last-level cache
  /// that the kernel writes once and never reads back, this saves the read
  /// of each line before it is written (write-allocate) and keeps the
  /// inputs in cache. Dense vector stores stream when their address is
  /// aligned to the vector's size at run time; other stores are ordinary.
  /// Refused for a stage that is not an output or that reduces (it reads
  /// its own values back). CPU only: the CUDA backend ignores it.
  void store_nontemporal(const std::string& stage);
  /// Whether store_nontemporal was applied to `stage`.
  bool stores_nontemporal(const std::string& stage) const;
  /// Stores `stage` in another layout (schedule/storage_layout.h): its
  /// dimensions in the order listed, outermost first, each an axis name
  /// whole ("y") or one part of it blocked ("c/16" the block, "c%16" the
  /// position in it). transform_layout("data_pad", {"n", "c/16", "y", "x",
  /// "c%16"}) stores an NCHW stage as NCHW16c, so a loop over 16 channels
  /// reads one contiguous vector. Values and loops are unchanged; only
  /// addresses move. Refused for inputs (cache_read them first), outputs
  /// (their layout is the caller's: cache_write them first), inlined
  /// stages (no storage) and malformed layouts.
  void transform_layout(const std::string& stage, const std::vector<std::string>& layout);
  /// Software prefetch (as Halide's Func::prefetch): at the top of each
  /// iteration of loop `at`, prefetches into L1 the region of `tensor` (an
  /// input or a stage the loop's stage reads) that this iteration's body
  /// would read were loop `from` (`at` itself or a loop around it, of the
  /// same stage) `offset` iterations further on: one prefetch per cache
  /// line. A memory-bound row loop that reads each row in several passes
  /// (layernorm, softmax) keeps the memory busy during the passes served
  /// from cache: prefetch("X", "Y.j.o", "Y.i", 1) fetches the next row a
  /// piece at a time while this row is written. Nothing is fetched past the
  /// last iteration of `from`. Refused for a tensor the stage does not read,
  /// an `at` inside a vectorized or GPU-bound loop, `from` inside `at`, or
  /// an offset below 1; once applied, `at` and `from` cannot be split, fused
  /// or reordered out of that order. CPU only: a GPU kernel's code all runs
  /// inside its bound loops, where a prefetch is refused.
  void prefetch(const std::string& tensor, const std::string& at, const std::string& from,
                int64_t offset);

  // --- GPU primitives (schedule_gpu.cpp)
  /// Binds a spatial leaf loop to a CUDA index: "blockIdx.x|y|z" or
  /// "threadIdx.x|y|z". On the GPU each block (thread) runs one iteration;
  /// a CPU runs the loop serially. A reduction loop needs rfactor first.
  void bind(const std::string& loop, const std::string& thread);
  /// Where a stage's storage lives: "global", "shared" (one copy per
  /// block, filled cooperatively by its threads), "local" (one copy per
  /// thread, registers) or "auto". A shared stage computed inside
  /// thread-bound loops covers what the whole block reads.
  void set_scope(const std::string& stage, const std::string& scope);
  /// cache_read, then set_scope of the new stage ("shared", "local", ...).
  std::string cache_read(const std::string& tensor, const std::vector<std::string>& readers,
                         const std::string& scope);
  /// cache_write, then set_scope of the new stage ("local", "shared", ...).
  std::string cache_write(const std::string& stage, const std::string& scope);

  /// Applies one recorded step; throws ScheduleError like the primitive.
  void apply(const TraceStep& step);
  /// A fresh schedule of def with every step of trace applied.
  static Schedule replay(const ComputeDef& def, const Trace& trace);

 private:
  StageSchedule& mutable_stage(const std::string& name);
  ComputeDef def_;
  std::vector<StageSchedule> stages_;
  std::set<std::string> nontemporal_outputs_;
  Trace trace_;
};

}  // namespace kiln
