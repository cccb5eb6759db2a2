// The tuning loop: cache lookup, default measurement, warm start, then
// batches of (propose, compile in parallel, measure in workers, record,
// retrain) until a budget runs out.
#include "autotune/tuner.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include <nlohmann/json.hpp>

#include "autotune/confirm.h"
#include "autotune/cost_model.h"
#include "autotune/features.h"
#include "autotune/search.h"
#include "autotune/trial_loop.h"
#include "autotune/worker_process.h"
#include "autotune/workload.h"
#include "codegen/llvm/jit.h"
#include "dsl/error.h"
#include "runtime/thread_pool.h"
#include "schedule/lower.h"

namespace kiln {

namespace {

/// The JSON object of a stored trace, or null when it does not parse.
nlohmann::json parse_record(const TuningRecord& r) {
  return nlohmann::json::parse(r.trace_json, nullptr, false);
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
/// workload's stored records.
void warm_start(TuningDatabase& db, const Op& op, const WorkloadKey& self, const SearchSpace& space,
                CostModel& model, EvolutionarySearch& search) {
  auto visit = [&](const WorkloadKey& w, const ComputeDef& def,
                   const std::vector<TuningRecord>& records, size_t left) {
    size_t used = 0;
    for (const TuningRecord& r : records) {
      if (used >= left) break;
      try {
        const Schedule s = Schedule::replay(def, Trace::from_json(r.trace_json));
        const double speed = record_speed(r);
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
    return used;
  };
  for_each_warm_start_workload(db, op, self, /*same_hardware=*/false, visit);
}

/// The outputs of the op's default kernel on the inputs every worker uses
/// (random_inputs(def, sizes)), or empty when it fails to run. Runs in this
/// process: the default schedule is trusted (the op's tests check it), and
/// the thread pool it starts is replaced in forked workers.
std::vector<Buffer> default_outputs(const CompiledKernel& kernel, const ComputeDef& def,
                                    const OpSizes& sizes) {
  try {
    const MeasureArgs a = make_measure_args(def, sizes);
    kernel.run(a.args);
    return a.outputs;
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
  TuningDatabase db = TuningDatabase::open(default_database_path(t.db_path));
  if (!t.retune && load_cached_best(db, result.workload.key, t0, result)) return result;
  db.add_workload(result.workload);

  const SearchSpace space = SearchSpace::generate(def, result.target, threads);
  CostModel model;
  SearchOptions so;
  so.batch = std::max(1, t.batch);
  so.seed = t.seed;
  EvolutionarySearch search(space, op.name(), so);
  warm_start(db, op, result.workload, space, model, search);
  model.train();
  TrialLoop loop(db, t, op.flops(sizes, options), t0, result);

  // The default schedule: the figure to beat, a safe best, and (checked
  // once against the interpreter) the reference outputs every candidate
  // is compared with.
  MeasureOptions measure = t.measure;
  // Every worker inherits these instead of making its own. Never run in
  // this process, so each worker finds the outputs still garbage-filled
  // and a candidate that skips an element fails its check.
  const MeasureArgs prepared = make_measure_args(def, sizes);
  measure.prepared = &prepared;
  std::vector<Buffer> reference;
  const Schedule ds = op.default_schedule(def, result.target);
  const std::string default_json = default_record_json(ds, op.name());
  {
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
      m = compile_error(e.what());
    }
    loop.record_default(default_json, m, compile_ms);
  }
  // 2 s for the inputs and the check.
  measure.timeout_s = loop.candidate_timeout_s(measure.timeout_s, 2.0);
  // A retune starts from the stored best, so it never reports worse.
  loop.start_from_stored_best();

  int empty_rounds = 0;
  std::vector<KnobValues> first = {space.default_values()};
  const auto search_start = std::chrono::steady_clock::now();
  while (!loop.stopped()) {
    const bool ranked = model.trained();
    std::vector<Candidate> batch = search.next_batch(model, first, &result.trials_rejected);
    first.clear();
    if (batch.empty()) {
      if (++empty_rounds >= 3) break;  // the space is exhausted
      continue;
    }
    empty_rounds = 0;
    const std::vector<Compiled> compiled = compile_all(batch, result.target);
    for (size_t i = 0; i < batch.size() && !loop.stopped(); ++i) {
      const int trial = loop.next_trial();
      MeasureResult m;
      double compile_ms = 0;
      if (!compiled[i].kernel) {
        m = compile_error(compiled[i].error);
      } else {
        compile_ms = compiled[i].kernel->compile_ms();
        MeasureOptions mo = measure;
        mo.fault = test_fault_for_trial(trial);
        m = measure_in_worker(*compiled[i].kernel, op, def, sizes, mo);
      }
      loop.record_candidate(search, model, batch[i], m, compile_ms, ranked);
    }
    model.train();
    loop.set_reserve_s(confirm_reserve_s(
        t.time_budget_s, seconds_since(search_start) / std::max(1, result.trials_measured)));
  }
  // The front-runners and the default, measured again in turns.
  auto measure_trace = [&](const std::string& trace_json, double* compile_ms) {
    try {
      auto kernel = compile_jit(lower(Schedule::replay(def, Trace::from_json(trace_json))),
                                result.target);
      *compile_ms = kernel->compile_ms();
      return measure_in_worker(*kernel, op, def, sizes, measure);
    } catch (const std::exception& e) {
      return compile_error(e.what());
    }
  };
  result.trials_confirmed = confirm_front_runners(loop, db, default_json, measure_trace, result);
  loop.finish();
  return result;
}

}  // namespace kiln
