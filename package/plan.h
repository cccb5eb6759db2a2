#pragma once
/// \file
/// A package's plan: the spec's entries grouped into C functions, each with
/// the kernels it dispatches to, and for each kernel its definition, its
/// schedule and where the schedule came from. Planning is pure: it compiles
/// nothing and writes nothing.

#include <optional>
#include <string>
#include <vector>

#include "autotune/database.h"
#include "base/target.h"
#include "package/spec.h"
#include "schedule/trace.h"

namespace kiln {

/// Where a kernel's schedule came from.
enum class ScheduleSource {
  Database,  ///< the best record of its workload in the tuning database
  Tuned,     ///< tuned by `kiln package --tune-missing`, now in the database
  Default,   ///< the op's default schedule (the reason is in source_note)
};

/// "database", "tuned", "default".
const char* schedule_source_name(ScheduleSource s);

/// One compiled kernel of a function: the op at some fixed and some free sizes.
struct PackageKernel {
  std::string symbol;              ///< the kernel's (hidden) C symbol: "myops__matmul_0"
  OpSizes fixed;                   ///< every fixed parameter, structural ones included
  std::vector<std::string> free;   ///< free sizes, in the op's parameter order
  ComputeDef def;                  ///< define() or define_symbolic(fixed)
  Trace trace;                     ///< the schedule, as a replayable trace
  ScheduleSource source = ScheduleSource::Default;
  std::string source_note;         ///< why the default schedule, when it is
  std::string workload_key;        ///< the tuning database key (concrete kernels only)
  std::optional<TuningRecord> record;  ///< the measurement behind a database schedule
  int entry_index = 0;             ///< the spec entry it came from
};

/// How a size var of a function is read from its arguments at a call:
/// size = shape[arg][dim] + offset.
struct SizeBinding {
  std::string var;
  int arg = 0;
  int dim = 0;
  int64_t offset = 0;
};

/// One exported C function: an op with fixed options and structural
/// parameters, dispatching on sizes to its kernels.
struct PackageFunction {
  std::string name;                ///< "myops_matmul"
  const Op* op = nullptr;
  Target target;                   ///< the package's target
  OpOptions options;
  OpSizes structural;              ///< the non-symbolic parameters
  /// The op with every symbolic parameter free: its arguments (names,
  /// dtypes, shape expressions) are what the function checks.
  ComputeDef generic;
  /// Where each size var of `generic` comes from (always an input).
  std::vector<SizeBinding> bindings;
  /// Most specialized first: the first kernel whose fixed sizes match runs.
  std::vector<PackageKernel> kernels;
};

struct PackagePlan {
  std::string name;
  Target target;
  std::vector<PackageFunction> functions;
};

/// Groups the spec's entries into functions and makes one kernel per
/// entry, every kernel with its op's default schedule (its default GPU
/// schedule for a CUDA target) (select_schedules
/// then replaces those the database has better ones for). Throws UserError
/// for two entries that make the same kernel, entries of one function that
/// disagree on options or structural parameters, and a size that cannot
/// be read from the input shapes.
PackagePlan plan_package(const PackageSpec& spec, const Target& target);

/// The buffer arguments of a definition, inputs then outputs, as a kernel
/// lowered from it takes them.
std::vector<Tensor> kernel_arguments(const ComputeDef& def);

}  // namespace kiln
