// Model-ranked evolutionary search over GPU knobs. See gpu_search.h.
#include "autotune/gpu_search.h"

#include <algorithm>
#include <cmath>

#include "codegen/cuda/codegen_cuda.h"
#include "base/error.h"

namespace kiln {
namespace {

/// The extent of axis d of the first output, or 1 when it is symbolic
/// (the tuner always has concrete sizes).
int64_t output_extent(const ComputeDef& def, size_t d) {
  const std::vector<Expr>& shape = def.outputs()[0].shape();
  int64_t v = 1;
  if (d < shape.size() && as_const_int(shape[d], &v)) return std::max<int64_t>(v, 1);
  return 1;
}

int64_t knob(const GpuSearchSpace& space, const KnobValues& v, const std::string& name) {
  auto it = v.find(name);
  if (it != v.end()) return it->second;
  for (const Knob& k : space.knobs()) {
    if (k.name == name) return k.choices.front();
  }
  internal_error << "no GPU knob " << name;
  return 0;
}

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

/// Blocks that run at once on a large GPU (one per SM of an H100): the
/// unit of "waves"; only the ratio between candidates matters to the model.
constexpr double kBlocksPerWave = 132;

}  // namespace

std::vector<double> gpu_features(const GpuSearchSpace& space, const KnobValues& v) {
  std::vector<double> f;
  for (const Knob& k : space.knobs()) f.push_back(static_cast<double>(knob(space, v, k.name)));
  const ComputeDef& def = space.def();
  double threads = 0, accumulators = 1, shared_bytes = 0, blocks = 1;
  if (space.tiled()) {
    const int64_t bm = knob(space, v, "bm"), bn = knob(space, v, "bn");
    const int64_t tm = knob(space, v, "tm"), tn = knob(space, v, "tn");
    threads = static_cast<double>((bm / tm) * (bn / tn));
    accumulators = static_cast<double>(tm * tn);
    if (knob(space, v, "stage")) shared_bytes = static_cast<double>((bm + bn) * knob(space, v, "kt") * 4);
    blocks = static_cast<double>(ceil_div(output_extent(def, 0), bm) *
                                 ceil_div(output_extent(def, 1), bn));
  } else {
    int64_t points = 1;
    for (size_t d = 0; d < def.outputs()[0].shape().size(); ++d) points *= output_extent(def, d);
    threads = static_cast<double>(knob(space, v, "threads"));
    blocks = std::ceil(points / threads);
  }
  f.insert(f.end(), {threads, accumulators, shared_bytes, std::log2(blocks),
                     std::log2(std::max(1.0, blocks / kBlocksPerWave))});
  return f;
}

GpuEvolutionarySearch::GpuEvolutionarySearch(const GpuSearchSpace& space, const Target& target,
                                             const std::string& op_name, SearchOptions options)
    : space_(space), target_(target), op_name_(op_name), options_(options), rng_(options.seed) {}

void GpuEvolutionarySearch::report(const KnobValues& knobs, double speed) {
  seen_.insert(SearchSpace::to_json(knobs));
  population_.emplace_back(speed, knobs);
  std::stable_sort(population_.begin(), population_.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
}

KnobValues GpuEvolutionarySearch::mutate(const KnobValues& v) {
  const std::vector<Knob>& knobs = space_.knobs();
  for (int attempt = 0; attempt < 32; ++attempt) {
    KnobValues child = v;
    const int changes = std::uniform_int_distribution<int>(1, 2)(rng_);
    for (int c = 0; c < changes; ++c) {
      const Knob& k = knobs[std::uniform_int_distribution<size_t>(0, knobs.size() - 1)(rng_)];
      child[k.name] = k.choices[std::uniform_int_distribution<size_t>(0, k.choices.size() - 1)(rng_)];
    }
    if (child != v && space_.plausible(child)) return child;
  }
  return v;
}

const KnobValues& GpuEvolutionarySearch::pick_parent() {
  // Tournament of two among the better half: good parents, some variety.
  const size_t n = std::max<size_t>(1, population_.size() / 2);
  std::uniform_int_distribution<size_t> d(0, n - 1);
  return population_[std::min(d(rng_), d(rng_))].second;
}

bool GpuEvolutionarySearch::make_candidate(const KnobValues& v, Candidate* c, int* rejected) {
  try {
    auto s = std::make_shared<const Schedule>(space_.build(v));
    std::string source = codegen_cuda(lower_gpu(*s, target_), target_);
    if (!seen_source_.insert(source).second) return false;  // same kernel as another knob set
    c->knobs = v;
    c->trace_json = stored_trace_json(*s, op_name_);
    c->schedule = std::move(s);
    c->source = std::move(source);
    c->features = gpu_features(space_, v);
    return true;
  } catch (const Error&) {
    // Refused by a primitive (ScheduleError) or by GPU lowering (a thread
    // extent or shared tile over the limit): cheap, never compiled.
    ++*rejected;
  }
  return false;
}

std::vector<Candidate> GpuEvolutionarySearch::next_batch(const CostModel& model,
                                                            const std::vector<KnobValues>& first,
                                                            int* rejected) {
  // The pool: knob sets not tried yet, `first` ahead.
  std::vector<KnobValues> pool;
  std::set<std::string> in_pool;
  auto offer = [&](const KnobValues& v) {
    const std::string key = SearchSpace::to_json(v);
    if (seen_.count(key) || !in_pool.insert(key).second) return;
    pool.push_back(v);
  };
  for (const KnobValues& v : first) offer(v);
  const size_t n_first = pool.size();
  for (int i = 0; i < options_.pool; ++i) {
    const bool fresh = population_.empty() || i % 4 == 0;
    offer(fresh ? space_.sample(rng_) : mutate(pick_parent()));
  }
  // Rank what follows `first` by the model; keep a random share apart.
  std::vector<std::pair<double, size_t>> ranked;
  for (size_t i = n_first; i < pool.size(); ++i)
    ranked.emplace_back(model.trained() ? model.score(gpu_features(space_, pool[i])) : 0.0, i);
  std::shuffle(ranked.begin(), ranked.end(), rng_);  // ties (untrained) in random order
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  const size_t explore = static_cast<size_t>(options_.batch * options_.epsilon);
  std::vector<size_t> order;
  for (size_t i = 0; i < n_first; ++i) order.push_back(i);
  std::vector<size_t> rest;
  for (const auto& r : ranked) rest.push_back(r.second);
  // The random share first among the ranked ones, then by rank.
  if (model.trained() && rest.size() > static_cast<size_t>(options_.batch)) {
    std::vector<size_t> tail(rest.begin() + static_cast<long>(options_.batch - explore), rest.end());
    std::shuffle(tail.begin(), tail.end(), rng_);
    std::vector<size_t> picked(tail.begin(), tail.begin() + static_cast<long>(std::min(explore, tail.size())));
    order.insert(order.end(), picked.begin(), picked.end());
  }
  order.insert(order.end(), rest.begin(), rest.end());

  std::vector<Candidate> batch;
  for (size_t i : order) {
    if (batch.size() >= static_cast<size_t>(options_.batch)) break;
    const std::string key = SearchSpace::to_json(pool[i]);
    if (seen_.count(key)) continue;  // picked twice (explore and rank)
    seen_.insert(key);
    Candidate c;
    if (!make_candidate(pool[i], &c, rejected)) continue;
    c.score = model.trained() ? model.score(c.features) : 0.0;
    batch.push_back(std::move(c));
  }
  return batch;
}

}  // namespace kiln
