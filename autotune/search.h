#pragma once
/// \file
/// Evolutionary search over a SearchSpace: a population of measured knob
/// sets; each round makes a large pool of children (mutations of good
/// parents, crossovers of two, fresh samples), builds and lowers them
/// (refused ones are counted and dropped before compiling), lets the cost
/// model rank the pool and picks the batch to measure: the best-ranked,
/// plus a fraction chosen at random so the model sees what it would not
/// pick (epsilon exploration).

#include <cstdint>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "autotune/cost_model.h"
#include "autotune/space.h"
#include "schedule/lowered_func.h"

namespace kiln {

/// The trace JSON the tuning database stores for a schedule of op_name
/// (TuningRecord::trace_json): Trace::to_json, compact. The same schedule
/// always gives the same text, which is how records of one schedule are
/// grouped; its knobs and source are stored beside it, not in it.
std::string stored_trace_json(const Schedule& s, const std::string& op_name);

/// A candidate schedule, ready for a target's Builder (autotune/builder.h).
struct Candidate {
  KnobValues knobs;
  std::string trace_json;  ///< the schedule's trace (stored_trace_json)
  std::shared_ptr<const Schedule> schedule;
  LoweredFunc lowered;  ///< CPU searches: lowered already, for its IR features
  std::string source;   ///< CUDA searches: its CUDA C, generated already
  std::vector<double> features;
  double score = 0;  ///< the cost model's prediction when it picked this one
};

struct SearchOptions {
  int batch = 16;
  int pool = 256;
  double epsilon = 0.25;  ///< share of each batch picked at random
  uint64_t seed = 1;
};

/// What the tuner asks of a search, whatever the target: batches of
/// candidates, and the measured speed of each.
class ScheduleSearch {
 public:
  virtual ~ScheduleSearch() = default;
  /// A measured knob set with its speed (higher is faster, 0 for a
  /// failure): joins the population and is never proposed again.
  virtual void report(const KnobValues& knobs, double speed) = 0;
  /// Proposes the next batch; `first` goes ahead of the pool. Adds the
  /// candidates the schedule API or lowering refused to *rejected. Empty
  /// when nothing new turned up this round.
  virtual std::vector<Candidate> next_batch(const CostModel& model,
                                            const std::vector<KnobValues>& first,
                                            int* rejected) = 0;
};

class EvolutionarySearch : public ScheduleSearch {
 public:
  EvolutionarySearch(const SearchSpace& space, const std::string& op_name, SearchOptions options);

  void report(const KnobValues& knobs, double speed) override;
  /// Marks a knob set as already tried without measuring it (e.g. stored).
  void mark_seen(const KnobValues& knobs) { seen_.insert(SearchSpace::to_json(knobs)); }
  /// Proposes the next batch. `first` adds these knob sets ahead of the
  /// pool (the default's values on the first round). Adds the number of
  /// candidates the schedule API refused or lowering failed on to *rejected.
  std::vector<Candidate> next_batch(const CostModel& model, const std::vector<KnobValues>& first,
                                    int* rejected) override;

 private:
  /// Builds and lowers v; false (and ++*rejected) when refused.
  bool make_candidate(const KnobValues& v, Candidate* c, int* rejected) const;
  const KnobValues& pick_parent();

  const SearchSpace& space_;
  std::string op_name_;
  SearchOptions options_;
  std::mt19937_64 rng_;
  std::vector<std::pair<double, KnobValues>> population_;  ///< measured, best first
  std::set<std::string> seen_;  ///< knob sets measured or proposed
  /// Structural hashes of the lowered code proposed: knob sets that differ
  /// only in knobs their rules ignore make the same kernel.
  std::set<uint64_t> seen_code_;
};

}  // namespace kiln
