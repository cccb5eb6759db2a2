// The GPU tuning loop: device, cache lookup, reference, default
// measurement, warm start, then batches of (propose, NVRTC in parallel,
// measure in workers, record, retrain). See gpu_tuner.h.
#include "autotune/gpu_tuner.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "autotune/cost_model.h"
#include "autotune/gpu_search.h"
#include "codegen/cuda/nvrtc.h"
#include "codegen/llvm/jit.h"
#include "dsl/error.h"
#include "schedule/lower.h"

namespace kiln {
namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// The knobs stored beside a record's trace, or none.
KnobValues record_knobs(const TuningRecord& r) {
  const nlohmann::json j = nlohmann::json::parse(r.trace_json, nullptr, false);
  if (!j.is_object() || !j.contains("knobs")) return {};
  return SearchSpace::from_json(j["knobs"].dump());
}

bool is_default_record(const TuningRecord& r) {
  const nlohmann::json j = nlohmann::json::parse(r.trace_json, nullptr, false);
  return j.is_object() && j.value("source", "") == "default";
}

/// "M=1024,N=512" -> {M: 1024, N: 512}.
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

/// Trains the model on stored records of the same op, target and GPU
/// (every size) and seeds the search with this workload's records.
void warm_start(TuningDatabase& db, const Op& op, const WorkloadKey& self, const Target& target,
                CostModel& model, GpuEvolutionarySearch& search) {
  constexpr size_t kPerWorkload = 200, kTotal = 800;
  size_t used = 0;
  std::vector<WorkloadSummary> all = db.list();
  std::stable_partition(all.begin(), all.end(),
                        [&](const WorkloadSummary& s) { return s.workload.key == self.key; });
  for (const WorkloadSummary& summary : all) {
    const WorkloadKey& w = summary.workload;
    if (w.op != op.name() || w.target != self.target || w.hardware != self.hardware) continue;
    if (used >= kTotal) break;
    std::optional<GpuSearchSpace> space;
    try {
      OpSizes sizes;
      for (const auto& [k, v] : split_pairs(w.shape)) sizes[k] = std::stoll(v);
      OpOptions options;
      for (const auto& [k, v] : split_pairs(w.options)) options[k] = v;
      space = GpuSearchSpace::generate(op.define(sizes, options), target);
    } catch (const std::exception&) {
      continue;  // a workload this kiln cannot define any more
    }
    std::vector<TuningRecord> records = db.records(w.key);
    if (records.size() > kPerWorkload) records.erase(records.begin(), records.end() - kPerWorkload);
    for (const TuningRecord& r : records) {
      const KnobValues knobs = record_knobs(r);
      if (knobs.empty() || used >= kTotal) continue;
      const double speed = r.status == "ok" && r.median_ms > 0 ? 1000.0 / r.median_ms : 0.0;
      model.add(w.key, gpu_features(*space, knobs), speed);
      ++used;
      if (w.key == self.key) search.report(knobs, speed);
    }
  }
}

/// The outputs of the op's default CPU kernel on the inputs every worker
/// uses, checked once against the reference interpreter in a CPU worker
/// with a time limit (large reductions check slowly). Empty when the
/// default fails or its check does: each GPU worker then checks with the
/// interpreter itself. *checked: the interpreter agreed.
std::vector<Buffer> reference_outputs(const Op& op, const ComputeDef& def, const OpSizes& sizes,
                                      const MeasureOptions& base, bool* checked) {
  *checked = false;
  try {
    const Target host = Target::host();
    auto kernel = compile_jit(lower(op.default_schedule(def, host)), host);
    std::vector<Buffer> args = random_inputs(def, sizes);
    std::vector<Buffer> outputs = zero_outputs(def, sizes);
    for (size_t o = 0; o < outputs.size(); ++o) outputs[o].fill_random(1000 + o, -100, 100);
    args.insert(args.end(), outputs.begin(), outputs.end());
    kernel->run(args);
    MeasureOptions verify = base;
    verify.timing = false;
    verify.expected = nullptr;
    verify.fault.clear();
    verify.timeout_s = std::max(base.timeout_s, 60.0);
    const MeasureResult m = measure_in_worker(*kernel, op, def, sizes, verify);
    if (m.status != "ok" && m.status != "timeout") return {};
    *checked = m.status == "ok";
    return outputs;
  } catch (const std::exception&) {
    return {};
  }
}

struct Compiled {
  double nvrtc_ms = 0;
  std::string error;  ///< NVRTC's log when the source does not compile
};

/// NVRTC for every candidate on up to 8 threads. The PTX lands in the
/// module cache, where CudaKernel::compile finds it. Threads are joined
/// before return, so the caller may fork afterwards.
std::vector<Compiled> compile_all(const std::vector<GpuCandidate>& batch, int arch) {
  std::vector<Compiled> out(batch.size());
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < batch.size(); i = next++) {
      try {
        compile_cuda_to_ptx(batch[i].source, arch, &out[i].nvrtc_ms);
      } catch (const std::exception& e) {
        out[i].error = e.what();
      }
    }
  };
  const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  const unsigned n = std::min<unsigned>({hw, 8u, static_cast<unsigned>(batch.size())});
  std::vector<std::thread> threads;
  for (unsigned t = 1; t < n; ++t) threads.emplace_back(work);
  work();
  for (std::thread& t : threads) t.join();
  return out;
}

}  // namespace

Target resolve_gpu_target(const Target& target, const GpuFingerprint& gpu) {
  if (target.kind != Target::Kind::CUDA) {
    user_error << "target '" << target.str() << "' is not a CUDA target; use 'cuda' or "
               << "'cuda -arch=sm_XX'";
  }
  Target t = target;
  if (t.sm == 0) t.sm = gpu.sm;
  if (t.sm > gpu.sm) {
    user_error << "target sm_" << t.sm << " is newer than the GPU " << gpu.device << " (sm_"
               << gpu.sm << "), which cannot load its kernels; use --target cuda (the device's "
               << "arch) or -arch=sm_" << gpu.sm << " or lower";
  }
  return t;
}

std::optional<TuningRecord> tuned_gpu_record(TuningDatabase& db, const Op& op, const OpSizes& sizes,
                                             const OpOptions& options, const Target& target,
                                             const GpuFingerprint& gpu) {
  const OpSizes s = op.resolve_sizes(sizes);
  const OpOptions o = op.resolve_options(options);
  const Target t = resolve_gpu_target(target, gpu);
  return db.best(make_gpu_workload_key(op, op.define(s, o), s, o, t, gpu).key);
}

TuneResult tune_gpu(const Op& op, const OpSizes& sizes_in, const OpOptions& options_in,
                    const Target& target, const TuneOptions& t, const GpuTuneHooks& hooks) {
  const auto t0 = std::chrono::steady_clock::now();
  const OpSizes sizes = op.resolve_sizes(sizes_in);
  const OpOptions options = op.resolve_options(options_in);
  const ComputeDef def = op.define(sizes, options);
  // The device before anything else: without one the database is not
  // even opened.
  const GpuFingerprint gpu = hooks.device ? *hooks.device : probe_gpu();
  TuneResult result;
  result.target = resolve_gpu_target(target, gpu);
  result.threads = 1;
  result.workload = make_gpu_workload_key(op, def, sizes, options, result.target, gpu);
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

  const GpuSearchSpace space = GpuSearchSpace::generate(def, result.target);
  CostModel model;
  SearchOptions so;
  so.batch = std::max(1, t.batch);
  so.seed = t.seed;
  GpuEvolutionarySearch search(space, result.target, op.name(), so);
  warm_start(db, op, result.workload, result.target, model, search);
  model.train();

  auto measure_fn = [&](const CudaKernel& kernel, const MeasureOptions& mo) {
    MeasureResult m;
    try {
      m = hooks.measure ? hooks.measure(kernel, mo) : measure_gpu(kernel, op, def, sizes, mo);
    } catch (const std::exception& e) {
      m.status = "crash";
      m.error = std::string("the measurement failed: ") + e.what();
    }
    return m;
  };
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
  auto improve = [&](const TuningRecord& r) {
    if (r.status != "ok" || r.median_ms <= 0) return false;
    if (result.best_median_ms > 0 && r.median_ms >= result.best_median_ms) return false;
    result.best_gflops = r.gflops;
    result.best_median_ms = r.median_ms;
    result.best_trace_json = r.trace_json;
    result.curve.emplace_back(seconds_since(t0), r.gflops);
    return true;
  };

  // Every candidate's first (and only) run is compared with the reference.
  MeasureOptions measure = t.measure;
  measure.check = true;
  const std::vector<Buffer> reference =
      reference_outputs(op, def, sizes, t.measure, &result.reference_checked);
  if (!reference.empty()) measure.expected = &reference;

  // The op's default GPU schedule: the figure to beat and a safe best.
  {
    const Schedule ds = op.default_gpu_schedule(def, result.target);
    nlohmann::ordered_json j = nlohmann::ordered_json::parse(ds.trace().to_json(op.name()));
    j["source"] = "default";
    MeasureResult m;
    double compile_ms = 0;
    try {
      auto kernel = CudaKernel::compile(ds, result.target);
      compile_ms = kernel->nvrtc_ms();
      search.mark_source_seen(kernel->source());  // measured once is enough
      m = measure_fn(*kernel, measure);
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
  // A worker 100 times slower than the default is killed early (10 s for
  // the context, the copies and the check, plus 100 default runs).
  if (result.default_median_ms > 0) {
    measure.timeout_s = std::min(measure.timeout_s, 10.0 + result.default_median_ms / 10.0);
  }
  if (std::optional<TuningRecord> best = db.best(key)) improve(*best);

  auto out_of_time = [&] { return t.time_budget_s > 0 && seconds_since(t0) >= t.time_budget_s; };
  TuneProgress progress;
  progress.trial_budget = t.trials;
  progress.time_budget_s = t.time_budget_s;
  int last_improvement = 0;
  std::vector<double> predicted, measured;
  bool stop = false;
  std::vector<KnobValues> first = {space.default_values()};
  while (!stop && !out_of_time()) {
    const bool ranked = model.trained();
    const std::vector<GpuCandidate> batch = search.next_batch(model, first, &result.trials_rejected);
    first.clear();
    if (batch.empty()) break;  // nothing new left in the space
    const std::vector<Compiled> compiled = compile_all(batch, result.target.cuda_arch());
    for (size_t i = 0; i < batch.size() && !stop; ++i) {
      if (out_of_time()) break;
      const int trial = ++result.trials_measured;
      MeasureResult m;
      if (!compiled[i].error.empty()) {
        m.status = "compile_error";
        m.error = compiled[i].error;
      } else {
        try {
          // Lowers again and finds the PTX in the module cache.
          auto kernel = CudaKernel::compile(*batch[i].schedule, result.target);
          MeasureOptions mo = measure;
          mo.fault = test_fault_for_trial(trial);
          m = measure_fn(*kernel, mo);
        } catch (const std::exception& e) {
          m.status = "compile_error";
          m.error = e.what();
        }
      }
      const TuningRecord r = record(batch[i].trace_json, m, compiled[i].nvrtc_ms);
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
