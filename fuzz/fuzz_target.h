#pragma once
/// \file
/// kiln's fuzz targets: each takes one input (bytes) and feeds it to one
/// reader of untrusted data. An input may be refused with a kiln::Error
/// (that is the reader doing its job); anything else, another exception, a
/// crash, an abort or a hang, is a bug. The entry points have libFuzzer's
/// shape, so a libFuzzer build can call them; fuzz/driver.cpp runs them
/// without it (scripts/fuzz.sh).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace kiln::fuzz {

struct FuzzTarget {
  const char* name;
  /// Runs one input; returns normally when it was handled (accepted or
  /// refused with a kiln::Error) and aborts with a message otherwise.
  void (*run)(const uint8_t* data, size_t size);
  const char* about;
};

/// Every target, in the order scripts/fuzz.sh runs them.
const std::vector<FuzzTarget>& fuzz_targets();

/// Runs fn, returning normally for a kiln::Error and aborting (after
/// printing what escaped) for any other exception.
template <typename Fn>
void expect_only_kiln_errors(const char* target, Fn&& fn);

void trace_json(const uint8_t* data, size_t size);
void shape(const uint8_t* data, size_t size);
void package_spec(const uint8_t* data, size_t size);
void db_import(const uint8_t* data, size_t size);
void schedules(const uint8_t* data, size_t size);

/// How many inputs the current target's reader accepted (the rest were
/// refused with a kiln::Error): a mutation-based driver makes mostly
/// broken inputs, and this says how many reached the code behind the
/// reader.
int64_t& accepted_inputs();

/// What the schedules target has done in this process (the driver prints
/// it at the end).
struct ScheduleStats {
  int64_t compiled = 0;        ///< schedules lowered, compiled, run and checked
  int64_t refused_steps = 0;   ///< primitives the API refused (skipped)
  int64_t refused_lowering = 0;  ///< schedules lowering refused (code size)
  int64_t over_budget = 0;     ///< compiles stopped at the time budget
  double max_compile_ms = 0;   ///< the slowest lower + JIT
  std::string slowest;         ///< its definition and trace
  int64_t slowest_nodes = 0;   ///< its size as check_code_size counts it
};
ScheduleStats& schedule_stats();

/// Aborts after printing "kiln_fuzz: <target>: <what>" (the driver saves
/// the input that led here).
[[noreturn]] void report_bug(const char* target, const std::string& what);

}  // namespace kiln::fuzz

#include "fuzz/fuzz_target_impl.h"
