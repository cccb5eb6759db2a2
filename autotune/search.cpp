// One round of the evolutionary search: breed a pool, drop what the
// schedule API refuses, rank the rest with the model, pick a batch.
#include "autotune/search.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "autotune/features.h"
#include "base/error.h"
#include "dsl/ir_equal.h"
#include "schedule/lower.h"

namespace kiln {

EvolutionarySearch::EvolutionarySearch(const SearchSpace& space, const std::string& op_name,
                                       SearchOptions options)
    : space_(space), op_name_(op_name), options_(options), rng_(options.seed) {}

std::string stored_trace_json(const Schedule& s, const std::string& op_name) {
  // Compact, and keys in Trace::to_json's order: the text kilns before
  // schema version 4 stored (with knobs added), so a migrated trace and a
  // new one of the same schedule are the same text.
  return nlohmann::ordered_json::parse(s.trace().to_json(op_name)).dump();
}

void EvolutionarySearch::report(const KnobValues& knobs, double speed) {
  seen_.insert(SearchSpace::to_json(knobs));
  population_.emplace_back(speed, knobs);
  std::stable_sort(population_.begin(), population_.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
}

const KnobValues& EvolutionarySearch::pick_parent() {
  // Tournament-like: mostly the best few, sometimes anyone measured.
  const size_t elite = std::min<size_t>(population_.size(), 8);
  if (rng_() % 4 != 0) return population_[rng_() % elite].second;
  return population_[rng_() % population_.size()].second;
}

bool EvolutionarySearch::make_candidate(const KnobValues& v, Candidate* c, int* rejected) const {
  try {
    auto s = std::make_shared<const Schedule>(space_.build(v));
    c->knobs = v;
    c->trace_json = stored_trace_json(*s, op_name_);
    c->lowered = lower_with_features(*s, &c->features);
    c->schedule = std::move(s);
    const std::vector<double> knobs = space_.knob_vector(v);
    c->features.insert(c->features.end(), knobs.begin(), knobs.end());
    return true;
  } catch (const ScheduleError&) {
    ++*rejected;
  } catch (const Error&) {
    // Accepted by every primitive but refused by lowering (an attached
    // loop whose extent bounds inference cannot fix, say): also cheap.
    ++*rejected;
  }
  return false;
}

std::vector<Candidate> EvolutionarySearch::next_batch(const CostModel& model,
                                                      const std::vector<KnobValues>& first,
                                                      int* rejected) {
  std::vector<Candidate> batch;
  std::vector<KnobValues> forced;
  for (const KnobValues& v : first) {
    if (seen_.insert(SearchSpace::to_json(v)).second) forced.push_back(v);
  }
  for (const KnobValues& v : forced) {
    Candidate c;
    if (make_candidate(v, &c, rejected)) {
      seen_code_.insert(structural_hash(c.lowered.body));
      batch.push_back(std::move(c));
    }
  }

  // Breed the pool; an untrained model cannot rank, so then the pool is
  // only as large as the batch.
  const int wanted = model.trained() ? options_.pool : options_.batch;
  std::vector<KnobValues> pool;
  std::set<std::string> in_pool;
  for (int attempt = 0; attempt < wanted * 4 && static_cast<int>(pool.size()) < wanted;
       ++attempt) {
    KnobValues v;
    const unsigned r = rng_() % 100;
    if (population_.empty() || r >= 80) {
      v = space_.sample(rng_);
    } else if (r < 55) {
      v = space_.mutate(pick_parent(), rng_);
    } else {
      const KnobValues& a = pick_parent();
      v = space_.crossover(a, pick_parent(), rng_);
    }
    const std::string key = SearchSpace::to_json(v);
    if (seen_.count(key) || !in_pool.insert(key).second) continue;
    pool.push_back(std::move(v));
  }
  std::vector<Candidate> built;
  for (const KnobValues& v : pool) {
    Candidate c;
    if (!make_candidate(v, &c, rejected)) continue;
    if (seen_code_.count(structural_hash(c.lowered.body))) {
      seen_.insert(SearchSpace::to_json(v));  // same kernel as one measured
      continue;
    }
    built.push_back(std::move(c));
  }

  // Rank by the model; keep a share of random picks for exploration.
  std::vector<double> score(built.size());
  for (size_t i = 0; i < built.size(); ++i) {
    score[i] = model.trained() ? model.score(built[i].features) : 0.0;
    built[i].score = score[i];
  }
  std::vector<size_t> order(built.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return score[a] > score[b]; });
  const int room = std::max(0, options_.batch - static_cast<int>(batch.size()));
  const int greedy = model.trained() ? static_cast<int>(room * (1.0 - options_.epsilon) + 0.5) : 0;
  std::vector<bool> taken(built.size(), false);
  int added = 0;
  for (size_t k = 0; k < order.size() && added < greedy; ++k, ++added) taken[order[k]] = true;
  std::vector<size_t> rest;
  for (size_t i = 0; i < built.size(); ++i) {
    if (!taken[i]) rest.push_back(i);
  }
  std::shuffle(rest.begin(), rest.end(), rng_);
  for (size_t k = 0; k < rest.size() && added < room; ++k, ++added) taken[rest[k]] = true;
  for (size_t i = 0; i < built.size(); ++i) {
    if (!taken[i]) continue;
    if (!seen_code_.insert(structural_hash(built[i].lowered.body)).second) continue;
    seen_.insert(SearchSpace::to_json(built[i].knobs));
    batch.push_back(std::move(built[i]));
  }
  return batch;
}

}  // namespace kiln
