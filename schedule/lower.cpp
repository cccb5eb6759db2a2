// The lowering pipeline: one pass per line, in order. KILN_LOG_PASSES=1
// prints the IR after each pass; LowerOptions::stop_after ends early (for
// `kiln show --stage`).
#include "schedule/lower.h"

#include <cstdlib>
#include <iostream>

#include "dsl/error.h"
#include "dsl/ir_printer.h"
#include "dsl/simplify.h"
#include "schedule/passes/passes.h"

namespace kiln {
namespace {

/// What a pass may need besides the previous pass's output.
struct PassInputs {
  const Schedule& schedule;
  const std::vector<BufferArg>& args;
};

struct Pass {
  const char* name;
  Stmt (*run)(const Stmt& s, const PassInputs& in);
};

// The pipeline, top to bottom.
const Pass kPipeline[] = {
    {"build_loop_nests", [](const Stmt&, const PassInputs& in) { return build_loop_nests(in.schedule); }},
    {"simplify", [](const Stmt& s, const PassInputs&) { return simplify(s); }},
    // Tails are split off after simplifying (guards proved true are gone,
    // bounds are in canonical form) and before flattening and vectorizing,
    // so the steady-state inner loops carry no conditions.
    {"partition_tails", [](const Stmt& s, const PassInputs&) { return partition_tails(s); }},
    {"simplify_tails", [](const Stmt& s, const PassInputs&) { return simplify(s); }},
    {"flatten_storage", [](const Stmt& s, const PassInputs& in) { return flatten_storage(s, in.args); }},
    // Vectorizing works on flat indices, where a unit-stride access is a Ramp.
    {"vectorize_loops", [](const Stmt& s, const PassInputs&) { return vectorize_loops(s); }},
    // Unrolling after vectorizing copies vector code, not scalar lanes.
    {"unroll_loops", [](const Stmt& s, const PassInputs&) { return unroll_loops(s); }},
    {"simplify_final", [](const Stmt& s, const PassInputs&) { return simplify(s); }},
};

/// The kernel's buffers: the definition's inputs in order, then its outputs.
std::vector<BufferArg> buffer_args(const ComputeDef& def) {
  std::vector<BufferArg> args;
  for (const Tensor& t : def.inputs()) args.push_back({t.name(), t.dtype(), t.shape(), false});
  for (const Tensor& t : def.outputs()) args.push_back({t.name(), t.dtype(), t.shape(), true});
  return args;
}

bool log_passes_from_env() {
  const char* v = std::getenv("KILN_LOG_PASSES");
  return v && std::string(v) == "1";
}

void check_stop_after(const std::string& stop_after) {
  if (stop_after.empty()) return;
  std::string names;
  for (const std::string& n : lowering_pass_names()) {
    if (n == stop_after) return;
    names += (names.empty() ? "" : ", ") + n;
  }
  user_error << "unknown lowering pass '" << stop_after << "'; passes, in order: " << names;
}

}  // namespace

const std::vector<std::string>& lowering_pass_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const Pass& p : kPipeline) v.push_back(p.name);
    return v;
  }();
  return names;
}

LoweredFunc lower(const Schedule& sch, const std::string& name, const LowerOptions& options) {
  check_stop_after(options.stop_after);
  const ComputeDef& def = sch.def();
  LoweredFunc f;
  f.name = name.empty() ? def.name() : name;
  f.args = buffer_args(def);
  f.size_vars = def.size_vars();

  const bool log = log_passes_from_env();
  const PassInputs inputs{sch, f.args};
  for (const Pass& pass : kPipeline) {
    f.body = pass.run(f.body, inputs);
    if (log) std::cerr << "kiln: after " << pass.name << ":\n" << to_string(f.body) << "\n";
    if (options.on_pass) options.on_pass(pass.name, f.body);
    if (options.stop_after == pass.name) break;
  }
  return f;
}

}  // namespace kiln
