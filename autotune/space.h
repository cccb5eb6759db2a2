#pragma once
/// \file
/// The search space of schedules for one compute definition, generated from
/// the definition by rules rather than written per op. Each compute stage
/// gets a role from its structure:
///
/// - TiledReduction: a reduction whose inputs are read by several output
///   points (data reuse, as in matmul or convolution). Multi-level tiling:
///   the last spatial axis is cut into column panels, register columns and a
///   vector; one other spatial axis ("row axis") into register rows; the
///   first reduction axis into chunks. Either the stage is tiled directly
///   (LLVM promotes the constant tile to registers, as ops/matmul's default
///   does) or its accumulators go to a local tile (cache_write) computed at
///   the output's tile loop. The outer spatial loop runs in parallel. The
///   streamed operand (matmul's B) may be packed: copied per k chunk into a
///   contiguous panel (cache_read computed at the chunk loop).
/// - TiledEpilogue: an elementwise output reading one TiledReduction: the
///   output is tiled and the reduction computed at its tile loop.
/// - RowWise: any other output (elementwise, or a reduction without reuse
///   such as softmax's row max): the leading axes are fused into rows and
///   run in parallel, the last axis is vectorized and unrolled; an output
///   without a reduction may be written with non-temporal stores ("stream").
/// - Producer: a stage that is not an output and not part of a tiled plan:
///   inlined, computed at the row loop of its output, or at root. A row
///   reduction may be vectorized through rfactor (partials per lane).
///
/// Knobs are integers sampled from short lists (split factors from divisors
/// and powers of two, vector widths, unroll, loop order, placement). A
/// candidate is a set of knob values; build() applies the rules with those
/// values to a fresh Schedule, and the schedule's trace is the candidate's
/// replayable form. Whatever the schedule API refuses throws ScheduleError
/// from build(): the tuner counts it as rejected without compiling.

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "autotune/knob_values.h"
#include "base/target.h"
#include "dsl/compute.h"
#include "schedule/schedule.h"

namespace kiln {

/// One tunable choice: a name ("C.tile_rows") and the values it may take.
struct Knob {
  std::string name;
  std::vector<int64_t> choices;
};

/// What the rules do with a stage (see the file comment).
enum class StageRole : uint8_t { TiledReduction, TiledEpilogue, RowWise, Producer };

/// "tiled_reduction", "tiled_epilogue", "row_wise", "producer".
const char* stage_role_name(StageRole role);

/// A stage as the rules see it.
struct StagePlan {
  StageRole role = StageRole::Producer;
  std::string stage;
  /// TiledEpilogue: the reduction computed inside this stage's tile.
  std::string reduction;
  /// Producer: the output whose row loop it may be computed at ("" = none).
  std::string attach_output;
  std::vector<std::string> spatial, reduce;  ///< axis names, outer to inner
  /// Constant extents of those axes (-1 when symbolic).
  std::vector<int64_t> spatial_extent, reduce_extent;
  bool is_reduction = false;
  /// TiledReduction: the input whose reads ignore the row axis (matmul's
  /// B), which the "pack" knob copies into a contiguous panel per k chunk
  /// (cache_read computed at the chunk loop); "" when there is none.
  std::string pack_tensor;
  /// RowWise output, or elementwise Producer computed at an output's row:
  /// an input of the same rank it reads directly (layernorm's X read by Y,
  /// softmax's X read by E), which the "prefetch" knob fetches a row ahead,
  /// a vector piece at a time (Schedule::prefetch); "" when there is none.
  std::string prefetch_tensor;
};

/// Values of StagePlan placement knobs ("<stage>.place").
enum Placement : int64_t { kPlaceRoot = 0, kPlaceInline = 1, kPlaceAt = 2 };

class SearchSpace {
 public:
  /// The space for def on target, with `threads` threads for parallel loops.
  static SearchSpace generate(const ComputeDef& def, const Target& target, int threads);

  const ComputeDef& def() const { return def_; }
  const std::vector<StagePlan>& plans() const { return plans_; }
  const std::vector<Knob>& knobs() const { return knobs_; }

  /// Uniformly random knob values that pass plausible().
  KnobValues sample(std::mt19937_64& rng) const;
  /// A copy of v with one or two knobs re-sampled (still plausible).
  KnobValues mutate(const KnobValues& v, std::mt19937_64& rng) const;
  /// Each knob from a or b at random (repaired to stay plausible).
  KnobValues crossover(const KnobValues& a, const KnobValues& b, std::mt19937_64& rng) const;
  /// The values closest to a hand-written default: for a TiledReduction,
  /// the 6 x (4 vectors) register tile, k chunks of 256, column panels in
  /// parallel of ops/matmul's default schedule, tiled directly.
  KnobValues default_values() const;
  /// Cheap filters that save trials: register tile within the register
  /// file, panel width a multiple of the vector width.
  bool plausible(const KnobValues& v) const;

  /// A fresh schedule of def with the rules applied using v. Throws
  /// ScheduleError when the schedule API refuses a step.
  Schedule build(const KnobValues& v) const;

  /// The values of knobs() in order, -1 for a knob v lacks: features for
  /// the cost model beside those of the lowered code.
  std::vector<double> knob_vector(const KnobValues& v) const;

  /// "C.tile_rows=6 C.tile_cols=64 ..." for messages and logs.
  static std::string describe(const KnobValues& v);
  /// The knobs as a JSON object text and back (stored beside a trace).
  static std::string to_json(const KnobValues& v);
  static KnobValues from_json(const std::string& text);

 private:
  /// The knob's value in v, or its first choice when v lacks it.
  int64_t value(const KnobValues& v, const std::string& name) const;
  void add_knob(const std::string& name, std::vector<int64_t> choices);
  /// Makes placements consistent (a stage computed at a row loop needs its
  /// readers inside that loop) and re-samples implausible tiles.
  void repair(KnobValues& v, std::mt19937_64& rng) const;

  void apply_tiled_direct(Schedule& s, const StagePlan& p, const KnobValues& v) const;
  void apply_tiled_local(Schedule& s, const StagePlan& out, const std::string& reduction,
                         const KnobValues& v) const;
  /// Returns the loop producers may be computed at.
  std::string apply_row_wise(Schedule& s, const StagePlan& p, const KnobValues& v) const;
  /// rfactor of p's reduction loop k_loop over chunks of `width` lanes.
  void apply_rfactor(Schedule& s, const StagePlan& p, const std::string& k_loop,
                     int64_t width) const;
  /// Records p's outer loop in row_loops when p is computed at a loop, so
  /// p's own producers can be computed there.
  void apply_producer(Schedule& s, const StagePlan& p, const KnobValues& v,
                      std::map<std::string, std::string>& row_loops) const;
  /// The loop p is computed at: its output's row loop when the output reads
  /// it, else the outer loop of a reader already computed at that row.
  std::string attach_loop(const StagePlan& p, const KnobValues& v,
                          const std::map<std::string, std::string>& row_loops) const;
  /// Fuses the outer spatial loops of stage (not past `stop`) until they
  /// give at least 2 * threads iterations, marks the result parallel and
  /// returns it ("" when the stage has no spatial outer loop).
  std::string parallelize(Schedule& s, const std::string& stage, const std::string& stop) const;

  ComputeDef def_;
  Target target_;
  int threads_ = 1;
  int lanes_ = 16;
  std::vector<StagePlan> plans_;
  std::vector<Knob> knobs_;
  std::map<std::string, size_t> knob_index_;
};

}  // namespace kiln
