#pragma once
/// \file
/// What the operator benchmarks share: the list of cases (an op at one
/// size, timed by kiln and by the vendor libraries), the counters every
/// benchmark reports, and a slot that keeps one benchmark's prepared state
/// (compiled kernel, primitives, buffers) across its repetitions.
///
/// A benchmark is named "<op>/<case>/<lib>" (lib: kiln, onednn, openblas,
/// ...), so the report pairs kiln with each vendor by the first two parts.

#include <benchmark/benchmark.h>

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "ops/op.h"

namespace kiln::bench {

/// One op at one size. FLOP and byte counts come from the kiln op, so a
/// vendor's GFLOP/s and GB/s count the same work as kiln's.
struct Case {
  std::string op;     ///< registered kiln op name
  std::string name;   ///< "1024", "resnet50_3x3", ...
  std::string shape;  ///< as `kiln bench --shape` takes it
  const Op* kiln_op = nullptr;  ///< null when the op is not registered
  OpSizes sizes;      ///< resolved (defaults filled in)
  OpOptions options;  ///< resolved
  double flops = 0, bytes = 0;

  int64_t size(const std::string& param) const { return sizes.at(param); }
  const std::string& option(const std::string& name) const { return options.at(name); }
  /// "<op>/<case>/<lib>".
  std::string benchmark_name(const std::string& lib) const { return op + "/" + name + "/" + lib; }
};

/// Every case, with its op resolved; a case whose op is not registered, or
/// whose shape the op refuses, is left out with a message on stderr (so the
/// program runs while ops are still being added).
const std::vector<Case>& cases();

/// Registers fn as the benchmark "<op>/<case>/<lib>" when c is a case of
/// op `op`, timed in real time, reported in milliseconds.
void register_for(const Case& c, const std::string& op, const std::string& lib,
                  const std::function<void(benchmark::State&, const Case&)>& fn);

/// The tuning database given with `--db` ("" when none): cases tuned there
/// also get a "kiln_tuned" benchmark, the database's best schedule.
std::string& tuning_db_path();

/// Stores a vendor library's median for the case in the `--db` database,
/// under the workload kiln's tuner would use on this host at kiln's thread
/// count (reports draw it beside kiln's best).
void store_vendor_figure(const Case& c, const std::string& library, double ms, double gflops);

/// Names of the kiln benchmarks whose reference check ran out of time
/// (their figures are reported, marked unverified).
std::set<std::string>& unverified();

/// GFLOP/s and GB/s from the case's counts, per iteration.
void set_counters(benchmark::State& state, const Case& c);

/// The one slot behind prepared(): a key and a type-erased value.
struct PreparedSlot {
  std::string key;
  std::shared_ptr<void> value;
};
PreparedSlot& prepared_slot();

/// Keeps the state a benchmark prepared (kernel, primitives, buffers) for
/// its next repetition, and frees the previous benchmark's when another
/// asks: only one benchmark's buffers are alive at a time.
template <typename T>
T& prepared(const std::string& key, const std::function<std::unique_ptr<T>()>& make) {
  PreparedSlot& slot = prepared_slot();
  if (slot.key != key || !slot.value) {
    slot.value.reset();  // free the old state before making the new one
    slot.key = key;
    slot.value = std::shared_ptr<T>(make().release());
  }
  return *static_cast<T*>(slot.value.get());
}

/// The registration functions of each library's file: each registers its
/// benchmarks of case c (main calls them case by case, so a case's kiln
/// and vendor runs are timed one after the other).
void register_kiln_benchmarks(const Case& c);
void register_onednn_gemm_benchmarks(const Case& c);
void register_onednn_conv_benchmarks(const Case& c);
void register_onednn_row_benchmarks(const Case& c);
void register_openblas_benchmarks(const Case& c);

}  // namespace kiln::bench
