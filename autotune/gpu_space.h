#pragma once
/// \file
/// The search space of CUDA schedules for one compute definition (the GPU
/// rules of the tuner's space; autotune/space.h holds the CPU rules).
///
/// - A matmul-like output (a reduction over one axis of two 2-D inputs, as
///   matmul, or a convolution written that way) gets the tiled kernel of
///   ops/matmul's default GPU schedule with its sizes as knobs: block tile
///   (bm x bn), register tile per thread (tm x tn), k tile (kt), staging of
///   both inputs in shared memory (stage), vector width of the cooperative
///   loads and of the write-back (vec).
/// - Anything else gets the generic schedule (ops/gpu_schedule.h) with the
///   threads per block as its knob.
/// Candidates are KnobValues; build() turns them into a Schedule whose trace
/// is the replayable form, as for the CPU space.

#include <random>
#include <string>
#include <vector>

#include "autotune/space.h"

namespace kiln {

class GpuSearchSpace {
 public:
  static GpuSearchSpace generate(const ComputeDef& def, const Target& target);

  const ComputeDef& def() const { return def_; }
  const std::vector<Knob>& knobs() const { return knobs_; }
  /// Whether def got the tiled (matmul-like) rules.
  bool tiled() const { return !output_.empty(); }

  /// Uniformly random values that pass plausible().
  KnobValues sample(std::mt19937_64& rng) const;
  /// ops/matmul's default GPU kernel (128 x 128 x 16, 8 x 8 per thread), or
  /// 256 threads for the generic schedule.
  KnobValues default_values() const;
  /// Threads per block in [32, the target's limit], register tile at most
  /// 64 accumulators, at most 1024 unrolled FMAs per k tile, shared tiles
  /// within the static limit.
  bool plausible(const KnobValues& v) const;
  /// A fresh schedule with the rules applied; throws ScheduleError when a
  /// primitive refuses.
  Schedule build(const KnobValues& v) const;

 private:
  int64_t value(const KnobValues& v, const std::string& name) const;

  ComputeDef def_;
  Target target_;
  std::string output_;  ///< the tiled output stage ("" for the generic rules)
  std::vector<std::string> inputs_;
  std::vector<Knob> knobs_;
};

}  // namespace kiln
