// The tuning loop: cache lookup, default measurement, warm start, then
// batches of (propose, compile in parallel, measure in workers, record,
// retrain) until a budget runs out.
#include "autotune/tuner.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "autotune/cost_model.h"
#include "autotune/features.h"
#include "autotune/search.h"
#include "autotune/workload.h"
#include "codegen/llvm/jit.h"
#include "dsl/error.h"
#include "runtime/thread_pool.h"
#include "schedule/lower.h"

namespace kiln {

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// The JSON object of a stored trace, or null when it does not parse.
nlohmann::json parse_record(const TuningRecord& r) {
  return nlohmann::json::parse(r.trace_json, nullptr, false);
}

bool is_default_record(const TuningRecord& r) {
  const nlohmann::json j = parse_record(r);
  return j.is_object() && j.value("source", "") == "default";
}

/// "M=1024,N=512" -> {M: 1024, N: 512}; "dtype=f32" -> {dtype: f32}.
std::vector<std::pair<std::string, std::string>> split_pairs(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    const size_t eq = item.find('=');
    if (eq != std::string::npos) out.emplace_back(item.substr(0, eq), item.substr(eq + 1));
  }
  return out;
}

struct Compiled {
  std::shared_ptr<const CompiledKernel> kernel;
  std::string error;
};

/// Compiles every candidate, on up to two threads (each kernel has its own
/// LLJIT, so compiles are independent). Threads are joined before return,
/// so the caller may fork afterwards.
std::vector<Compiled> compile_all(const std::vector<Candidate>& batch, const Target& target) {
  std::vector<Compiled> out(batch.size());
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < batch.size(); i = next++) {
      try {
        out[i].kernel = compile_jit(batch[i].lowered, target);
      } catch (const std::exception& e) {
        out[i].error = e.what();
      }
    }
  };
  const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> threads;
  for (unsigned t = 1; t < std::min(2u, hw); ++t) threads.emplace_back(work);
  work();
  for (std::thread& t : threads) t.join();
  return out;
}

/// Trains the model on stored records of the same op and target (every
/// size: the model ranks across workloads) and seeds the search with this
/// workload's stored records. Bounded so a large database stays quick.
void warm_start(TuningDatabase& db, const Op& op, const WorkloadKey& self, const SearchSpace& space,
                CostModel& model, EvolutionarySearch& search) {
  constexpr size_t kPerWorkload = 200, kTotal = 800;
  size_t used = 0;
  std::vector<WorkloadSummary> all = db.list();
  // This workload first: its records matter most.
  std::stable_partition(all.begin(), all.end(),
                        [&](const WorkloadSummary& s) { return s.workload.key == self.key; });
  for (const WorkloadSummary& summary : all) {
    const WorkloadKey& w = summary.workload;
    if (w.op != op.name() || w.target != self.target || used >= kTotal) continue;
    ComputeDef def;
    try {
      OpSizes sizes;
      for (const auto& [k, v] : split_pairs(w.shape)) sizes[k] = std::stoll(v);
      OpOptions options;
      for (const auto& [k, v] : split_pairs(w.options)) options[k] = v;
      def = op.define(sizes, options);
    } catch (const std::exception&) {
      continue;  // a workload this kiln cannot define any more
    }
    std::vector<TuningRecord> records = db.records(w.key);
    if (records.size() > kPerWorkload) records.erase(records.begin(), records.end() - kPerWorkload);
    for (const TuningRecord& r : records) {
      if (used >= kTotal) break;
      try {
        const Schedule s = Schedule::replay(def, Trace::from_json(r.trace_json));
        // Runs per second: the same ratios as GFLOP/s, also for ops that
        // count no FLOPs (transpose).
        const double speed = r.status == "ok" && r.median_ms > 0 ? 1000.0 / r.median_ms : 0.0;
        std::vector<double> features;
        lower_with_features(s, &features);
        const nlohmann::json j = parse_record(r);
        const KnobValues knobs =
            j.contains("knobs") ? SearchSpace::from_json(j["knobs"].dump()) : KnobValues{};
        // Knob values as features too (the same names for every size of an op).
        const std::vector<double> kv = space.knob_vector(knobs);
        features.insert(features.end(), kv.begin(), kv.end());
        model.add(w.key, features, speed);
        ++used;
        if (w.key == self.key && !knobs.empty()) search.report(knobs, speed);
      } catch (const std::exception&) {
        // A trace from an older space or kiln that no longer replays.
      }
    }
  }
}

/// The outputs of the op's default kernel on the inputs every worker uses
/// (random_inputs(def, sizes)), or empty when it fails to run. Runs in this
/// process: the default schedule is trusted (the op's tests check it), and
/// the thread pool it starts is replaced in forked workers.
std::vector<Buffer> default_outputs(const CompiledKernel& kernel, const ComputeDef& def,
                                    const OpSizes& sizes) {
  try {
    std::vector<Buffer> args = random_inputs(def, sizes);
    std::vector<Buffer> outputs = zero_outputs(def, sizes);
    for (size_t o = 0; o < outputs.size(); ++o) outputs[o].fill_random(1000 + o, -100, 100);
    args.insert(args.end(), outputs.begin(), outputs.end());
    kernel.run(args);
    return outputs;
  } catch (const std::exception&) {
    return {};
  }
}

/// Seconds the reference interpreter may take to check the default
/// schedule's output before the tuner trusts it unchecked.
constexpr double kReferenceCheckTimeoutS = 60;

}  // namespace

std::optional<TuningRecord> tuned_record(TuningDatabase& db, const Op& op, const OpSizes& sizes,
                                         const OpOptions& options, const Target& target,
                                         int threads) {
  const OpSizes s = op.resolve_sizes(sizes);
  const OpOptions o = op.resolve_options(options);
  const WorkloadKey w = make_workload_key(op, op.define(s, o), s, o, target, threads);
  return db.best(w.key);
}

TuneResult tune(const Op& op, const OpSizes& sizes_in, const OpOptions& options_in,
                const TuneOptions& t) {
  const auto t0 = std::chrono::steady_clock::now();
  const int threads = t.threads > 0 ? t.threads : num_threads();
  set_num_threads(threads);
  const OpSizes sizes = op.resolve_sizes(sizes_in);
  const OpOptions options = op.resolve_options(options_in);
  const ComputeDef def = op.define(sizes, options);
  TuneResult result;
  result.target = Target::host();
  result.threads = threads;
  result.workload = make_workload_key(op, def, sizes, options, result.target, threads);
  const std::string& key = result.workload.key;
  TuningDatabase db = TuningDatabase::open(default_database_path(t.db_path));
  const double flops = op.flops(sizes, options);

  if (!t.retune) {
    if (std::optional<TuningRecord> best = db.best(key)) {
      result.from_cache = true;
      result.best_median_ms = best->median_ms;
      result.best_gflops = best->gflops;
      result.best_trace_json = best->trace_json;
      for (const TuningRecord& r : db.records(key)) {
        if (r.status == "ok" && is_default_record(r)) {
          result.default_median_ms = r.median_ms;
          result.default_gflops = r.gflops;
        }
      }
      result.elapsed_s = seconds_since(t0);
      return result;
    }
  }
  db.add_workload(result.workload);

  const SearchSpace space = SearchSpace::generate(def, result.target, threads);
  CostModel model;
  SearchOptions so;
  so.batch = std::max(1, t.batch);
  so.seed = t.seed;
  EvolutionarySearch search(space, op.name(), so);
  warm_start(db, op, result.workload, space, model, search);
  model.train();

  TuneProgress progress;
  progress.trial_budget = t.trials;
  progress.time_budget_s = t.time_budget_s;
  auto record = [&](const std::string& trace_json, const MeasureResult& m, double compile_ms) {
    TuningRecord r;
    r.workload_key = key;
    r.trace_json = trace_json;
    r.status = m.status == "error" ? "crash" : m.status;
    r.error = m.error;
    r.compile_ms = compile_ms;
    if (m.status == "ok") {
      r.median_ms = m.median_ms;
      r.gflops = flops / (m.median_ms * 1e6);
    }
    db.add_record(r);
    return r;
  };
  // Lower median is better (GFLOP/s would rank nothing for an op that
  // counts no FLOPs).
  auto improve = [&](const TuningRecord& r) {
    if (r.status != "ok" || r.median_ms <= 0) return false;
    if (result.best_median_ms > 0 && r.median_ms >= result.best_median_ms) return false;
    result.best_gflops = r.gflops;
    result.best_median_ms = r.median_ms;
    result.best_trace_json = r.trace_json;
    result.curve.emplace_back(seconds_since(t0), r.gflops);
    return true;
  };

  // The default schedule: the figure to beat, a safe best, and (checked
  // once against the interpreter) the reference outputs every candidate
  // is compared with.
  MeasureOptions measure = t.measure;
  std::vector<Buffer> reference;
  {
    const Schedule ds = op.default_schedule(def, result.target);
    nlohmann::ordered_json j = nlohmann::ordered_json::parse(ds.trace().to_json(op.name()));
    j["source"] = "default";
    MeasureResult m;
    double compile_ms = 0;
    try {
      auto kernel = compile_jit(lower(ds), result.target);
      compile_ms = kernel->compile_ms();
      // The default's output is checked once against the interpreter (in
      // a worker: point checks of large reductions can be slow); every
      // candidate is then compared with it. A check that overruns leaves
      // the default trusted; one that fails makes each worker check itself.
      reference = default_outputs(*kernel, def, sizes);
      MeasureOptions verify = t.measure;
      verify.timing = false;
      verify.timeout_s = std::max(t.measure.timeout_s, kReferenceCheckTimeoutS);
      const MeasureResult checked = measure_in_worker(*kernel, op, def, sizes, verify);
      if (checked.status == "ok" || checked.status == "timeout") {
        if (!reference.empty()) measure.expected = &reference;
        result.reference_checked = checked.status == "ok";
      }
      MeasureOptions timed = measure;
      timed.check = measure.expected != nullptr;
      m = checked.status == "invalid" ? checked : measure_in_worker(*kernel, op, def, sizes, timed);
    } catch (const std::exception& e) {
      m.status = "compile_error";
      m.error = e.what();
    }
    const TuningRecord r = record(j.dump(), m, compile_ms);
    if (r.status == "ok") {
      result.default_median_ms = r.median_ms;
      result.default_gflops = r.gflops;
    }
    improve(r);
  }
  // A candidate 100 times slower than the default is of no interest: its
  // worker is killed early rather than holding the budget for the full
  // timeout (the default's median ms, times 100, plus 2 s for the inputs
  // and the check).
  if (result.default_median_ms > 0) {
    measure.timeout_s = std::min(measure.timeout_s, 2.0 + result.default_median_ms / 10.0);
  }
  // A retune starts from the stored best, so it never reports worse.
  if (std::optional<TuningRecord> best = db.best(key)) improve(*best);

  auto out_of_time = [&] { return t.time_budget_s > 0 && seconds_since(t0) >= t.time_budget_s; };
  int last_improvement = 0, empty_rounds = 0;
  std::vector<double> predicted, measured;  // for model_rank_correlation
  bool stop = false;
  std::vector<KnobValues> first = {space.default_values()};
  while (!stop && !out_of_time()) {
    const bool ranked = model.trained();
    std::vector<Candidate> batch = search.next_batch(model, first, &result.trials_rejected);
    first.clear();
    if (batch.empty()) {
      if (++empty_rounds >= 3) break;  // the space is exhausted
      continue;
    }
    empty_rounds = 0;
    const std::vector<Compiled> compiled = compile_all(batch, result.target);
    for (size_t i = 0; i < batch.size() && !stop; ++i) {
      if (out_of_time()) {
        stop = true;
        break;
      }
      const int trial = ++result.trials_measured;
      MeasureResult m;
      double compile_ms = 0;
      if (!compiled[i].kernel) {
        m.status = "compile_error";
        m.error = compiled[i].error;
      } else {
        compile_ms = compiled[i].kernel->compile_ms();
        MeasureOptions mo = measure;
        mo.fault = test_fault_for_trial(trial);
        m = measure_in_worker(*compiled[i].kernel, op, def, sizes, mo);
      }
      const TuningRecord r = record(batch[i].trace_json, m, compile_ms);
      const double speed = r.status == "ok" && r.median_ms > 0 ? 1000.0 / r.median_ms : 0.0;
      search.report(batch[i].knobs, speed);
      model.add(key, batch[i].features, speed);
      if (r.status != "ok") ++result.trials_invalid;
      if (ranked) {
        predicted.push_back(batch[i].score);
        measured.push_back(speed);
      }
      if (improve(r)) last_improvement = trial;

      progress.trials_measured = result.trials_measured;
      progress.trials_invalid = result.trials_invalid;
      progress.trials_rejected = result.trials_rejected;
      progress.elapsed_s = seconds_since(t0);
      progress.best_gflops = result.best_gflops;
      std::ostringstream last;
      if (r.status == "ok") {
        last.precision(1);
        last << std::fixed << "ok " << r.gflops << " GFLOP/s";
      } else {
        last << r.status << ": " << r.error.substr(0, 120);
      }
      progress.last = last.str();
      if (t.on_progress) t.on_progress(progress);

      if (t.trials > 0 && result.trials_measured >= t.trials) stop = true;
      if (t.patience > 0 && result.trials_measured - last_improvement >= t.patience) stop = true;
    }
    model.train();
  }
  result.model_rank_correlation = rank_correlation(predicted, measured);
  result.elapsed_s = seconds_since(t0);
  return result;
}

}  // namespace kiln
