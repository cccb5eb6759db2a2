#pragma once
/// \file
/// Evolutionary search over a GpuSearchSpace's knobs, ranked by the tuner's
/// learned cost model (autotune/cost_model.h) on features computed from the
/// knob values alone.
///
/// Why not the IR features of the CPU search (autotune/features.h): they
/// describe one thread's loop nest (vector width, bytes per loop level,
/// parallel loops) and say nothing about what decides a GPU kernel's speed
/// (threads per block, blocks per wave, shared memory per block, the
/// register tile). Those follow from the knobs and the output's size, so
/// they are computed without lowering: a pool of hundreds of children is
/// ranked for free, and only the picked batch is built, lowered and
/// generated as CUDA C.
///
/// Each round: children from mutations of good measured knob sets and
/// fresh samples; the model ranks them (untrained: random order); the batch
/// is the best-ranked plus a share picked at random (exploration). Knob
/// sets the schedule API refuses are counted and dropped; two knob sets
/// that generate the same source are measured once.

#include <cstdint>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "autotune/cost_model.h"
#include "autotune/gpu_space.h"
#include "autotune/search.h"

namespace kiln {

/// The cost model's features of knob values v in `space`: the knobs, then
/// threads per block, accumulators per thread, shared bytes per block,
/// log2 of the blocks in the grid and of the grid's waves of 132 blocks.
std::vector<double> gpu_features(const GpuSearchSpace& space, const KnobValues& v);

/// Its candidates carry their schedule and CUDA C (Candidate::source).
class GpuEvolutionarySearch : public ScheduleSearch {
 public:
  GpuEvolutionarySearch(const GpuSearchSpace& space, const Target& target,
                        const std::string& op_name, SearchOptions options);

  void report(const KnobValues& knobs, double speed) override;
  std::vector<Candidate> next_batch(const CostModel& model, const std::vector<KnobValues>& first,
                                    int* rejected) override;
  /// A kernel measured elsewhere (the op's default): knob sets that
  /// generate this source are not proposed.
  void mark_source_seen(const std::string& source) { seen_source_.insert(source); }
  /// A copy of v with one or two knobs re-sampled, still plausible (v
  /// itself when no plausible neighbour turns up).
  KnobValues mutate(const KnobValues& v);

 private:
  /// Builds, lowers and generates v; false (and ++*rejected) when refused
  /// or when its source was proposed before.
  bool make_candidate(const KnobValues& v, Candidate* c, int* rejected);
  const KnobValues& pick_parent();

  const GpuSearchSpace& space_;
  Target target_;
  std::string op_name_;
  SearchOptions options_;
  std::mt19937_64 rng_;
  std::vector<std::pair<double, KnobValues>> population_;  ///< measured, best first
  std::set<std::string> seen_;         ///< knob sets measured or proposed
  std::set<std::string> seen_source_;  ///< sources proposed
};

}  // namespace kiln
