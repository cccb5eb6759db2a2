// The lowering pipeline: one pass per line, in order. KILN_LOG_PASSES=1
// prints the IR after each pass; LowerOptions::stop_after ends early (for
// `kiln show --stage`).
#include "schedule/lower.h"

#include <cstdlib>
#include <iostream>

#include "base/error.h"
#include "dsl/ir_printer.h"
#include "dsl/simplify.h"
#include "schedule/passes/passes.h"

namespace kiln {
namespace {

/// What a pass may need besides the previous pass's output.
struct PassInputs {
  const Schedule& schedule;
  const std::vector<BufferArg>& args;
  const Target& target;
};

/// The stages stored in a layout other than row-major (transform_layout).
std::map<std::string, std::vector<StorageDim>> storage_layouts(const Schedule& sch) {
  std::map<std::string, std::vector<StorageDim>> layouts;
  for (const StageSchedule& st : sch.stages()) {
    if (!st.storage_layout.empty()) layouts[st.name] = st.storage_layout;
  }
  return layouts;
}

/// Which targets a pass runs for.
enum class PassTargets : uint8_t { All, CPU, GPU };

struct Pass {
  const char* name;
  PassTargets targets;
  Stmt (*run)(const Stmt& s, const PassInputs& in);
};

constexpr PassTargets kAll = PassTargets::All, kCPU = PassTargets::CPU, kGPU = PassTargets::GPU;

// The pipeline, top to bottom. Passes marked kCPU run only for LLVM
// targets, kGPU only for CUDA targets.
const Pass kPipeline[] = {
    // Rules only the whole schedule can be judged by (a kernel without a
    // block loop, a racing shared reduction) before anything is built.
    {"check_gpu_schedule", kGPU, [](const Stmt& s, const PassInputs& in) { check_gpu_schedule(in.schedule); return s; }},
    // Bounds inference (infer_bounds) is a named step inside this row, not
    // a row: it yields per-stage data (regions, loop extents, guards), not
    // IR, so nothing could be printed or rewritten after it, and
    // build_loop_nests is its only reader. Which guards exist depends on
    // what is provable about the extents, so bounds come before loops
    // (Halide instead infers them over IR with symbolic extents).
    {"build_loop_nests", kAll, [](const Stmt&, const PassInputs& in) { return build_loop_nests(in.schedule, infer_bounds(in.schedule), in.target.kind == Target::Kind::LLVM); }},
    // Right after building: bounds inference already looked through the
    // inlined stages (inlining each stage's value the same way), so the
    // loops fit what the substituted reads touch.
    {"inline_stages", kAll, [](const Stmt& s, const PassInputs& in) { return inline_stages(s, in.schedule); }},
    {"simplify", kAll, [](const Stmt& s, const PassInputs&) { return simplify(s); }},
    // Tails are split off after simplifying (guards proved true are gone,
    // bounds are in canonical form) and before flattening and vectorizing,
    // so the steady-state inner loops carry no conditions. On a GPU a
    // guard costs little, and splitting a thread-bound loop would leave
    // threads idle at a barrier, so guards stay.
    {"partition_tails", kCPU, [](const Stmt& s, const PassInputs&) { return partition_tails(s); }},
    {"simplify_tails", kCPU, [](const Stmt& s, const PassInputs&) { return simplify(s); }},
    // Before flattening, which sizes allocations by their scope.
    {"gpu_storage_scopes", kGPU, [](const Stmt& s, const PassInputs& in) { return gpu_storage_scopes(s, in.schedule); }},
    {"flatten_storage", kAll, [](const Stmt& s, const PassInputs& in) { return flatten_storage(s, in.args, storage_layouts(in.schedule)); }},
    // Vectorizing works on flat indices, where a unit-stride access is a Ramp.
    {"vectorize_loops", kAll, [](const Stmt& s, const PassInputs&) { return vectorize_loops(s); }},
    // Counted before unrolling, so a schedule that unrolls too much costs
    // nothing to refuse (compile time grows with the code LLVM sees).
    {"check_code_size", kAll, [](const Stmt& s, const PassInputs&) { return check_code_size(s); }},
    // Unrolling after vectorizing copies vector code, not scalar lanes.
    {"unroll_loops", kAll, [](const Stmt& s, const PassInputs&) { return unroll_loops(s); }},
    {"simplify_final", kAll, [](const Stmt& s, const PassInputs&) { return simplify(s); }},
    // Extents are final only now (constant thread counts, shared sizes).
    {"check_gpu_launch", kGPU, [](const Stmt& s, const PassInputs& in) { return check_gpu_launch(s, in.target); }},
    // Last: the simplifier would drop a barrier (it has no operands).
    {"insert_gpu_barriers", kGPU, [](const Stmt& s, const PassInputs&) { return insert_gpu_barriers(s); }},
};

bool runs_for(const Pass& p, const Target& t) {
  switch (p.targets) {
    case PassTargets::All: return true;
    case PassTargets::CPU: return t.kind == Target::Kind::LLVM;
    case PassTargets::GPU: return t.kind == Target::Kind::CUDA;
  }
  return true;
}

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

void check_stop_after(const std::string& stop_after, const Target& target) {
  if (stop_after.empty()) return;
  std::string names;
  for (const std::string& n : lowering_pass_names(target)) {
    if (n == stop_after) return;
    names += (names.empty() ? "" : ", ") + n;
  }
  user_error << "unknown lowering pass '" << stop_after << "'; passes, in order: " << names;
}

}  // namespace

const std::vector<std::string>& lowering_pass_names() {
  static const std::vector<std::string> names = lowering_pass_names(Target());
  return names;
}

std::vector<std::string> lowering_pass_names(const Target& target) {
  std::vector<std::string> v;
  for (const Pass& p : kPipeline) {
    if (runs_for(p, target)) v.push_back(p.name);
  }
  return v;
}

LoweredFunc lower(const Schedule& sch, const std::string& name, const LowerOptions& options) {
  check_stop_after(options.stop_after, options.target);
  const ComputeDef& def = sch.def();
  LoweredFunc f;
  f.name = name.empty() ? def.name() : name;
  f.args = buffer_args(def);
  for (BufferArg& a : f.args) a.nontemporal = a.is_output && sch.stores_nontemporal(a.name);
  f.size_vars = def.size_vars();
  // Before any loop is built: a read past an input's shape is refused here
  // when the sizes are known, and tested at every call when they are not.
  f.read_checks = read_checks(def);

  const bool log = log_passes_from_env();
  const PassInputs inputs{sch, f.args, options.target};
  for (const Pass& pass : kPipeline) {
    if (!runs_for(pass, options.target)) continue;
    f.body = pass.run(f.body, inputs);
    if (log) std::cerr << "kiln: after " << pass.name << ":\n" << to_string(f.body) << "\n";
    if (options.on_pass) options.on_pass(pass.name, f.body);
    if (options.stop_after == pass.name) break;
  }
  return f;
}

}  // namespace kiln
