#pragma once
/// \file
/// The oneDNN engine and stream every oneDNN benchmark uses, and memory
/// filled with random values. Included only by the oneDNN files (dnnl.hpp
/// is a large header).

#include <dnnl.hpp>

#include <functional>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "bench/ops/bench_common.h"

namespace kiln::bench {

/// The CPU engine (oneDNN's threads come from OpenMP: OMP_NUM_THREADS).
inline dnnl::engine& onednn_engine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

inline dnnl::stream& onednn_stream() {
  static dnnl::stream stream(onednn_engine());
  return stream;
}

/// Memory of that descriptor, uniform in [-1, 1] (reproducible from seed).
inline dnnl::memory random_memory(const dnnl::memory::desc& md, unsigned seed) {
  dnnl::memory m(md, onednn_engine());
  float* p = static_cast<float*>(m.get_data_handle());
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  const size_t n = md.get_size() / sizeof(float);
  for (size_t i = 0; i < n; ++i) p[i] = dist(gen);
  return m;
}

/// A primitive and its arguments, run as one step of a benchmark.
struct OnednnStep {
  dnnl::primitive primitive;
  std::unordered_map<int, dnnl::memory> args;
};

/// Runs the steps in order and waits for them.
inline void run_steps(const std::vector<OnednnStep>& steps) {
  for (const OnednnStep& s : steps) s.primitive.execute(onednn_stream(), s.args);
  onednn_stream().wait();
}

/// A oneDNN benchmark's prepared steps.
struct StepsState {
  std::vector<OnednnStep> steps;
};

/// Prepares the steps once (see prepared()), runs them once to warm up, then
/// times them. A problem oneDNN refuses skips the benchmark with its reason.
inline void run_prepared(benchmark::State& state, const Case& c, const std::string& lib,
                         const std::function<std::unique_ptr<StepsState>()>& make) {
  StepsState* s = nullptr;
  try {
    s = &prepared<StepsState>(c.benchmark_name(lib), make);
  } catch (const dnnl::error& e) {
    prepared_slot().value.reset();
    state.SkipWithError((std::string("oneDNN refused the problem: ") + e.what()).c_str());
    return;
  }
  run_steps(s->steps);
  for (auto _ : state) run_steps(s->steps);
  set_counters(state, c);
}

}  // namespace kiln::bench
