// `kiln show <op> --shape ... --stage def|lowered|llvm|asm|trace|cuda|ptx|<pass>
//  [--schedule default|FILE.json] [--target host|llvm ...|cuda -arch=sm_XX]`: prints the kernel at one stage of
// compilation: the definition, the IR after any lowering pass, the final
// lowered loop nest, the optimized LLVM IR, the assembly, or the schedule
// trace as JSON (a file `--schedule` accepts back).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/common.h"
#include "codegen/cuda/codegen_cuda.h"
#include "codegen/cuda/nvrtc.h"
#include "codegen/llvm/host_target.h"

namespace kiln::cli {
namespace {

struct ShowArgs {
  std::string op, shape, stage = "lowered", schedule = "default", dtype, target = "host";
};

const std::vector<std::string>& fixed_stages() {
  static const std::vector<std::string> stages = {"def", "lowered", "llvm", "asm", "trace", "cuda", "ptx"};
  return stages;
}

/// Every lowering pass name of the CUDA and LLVM pipelines.
std::vector<std::string> pass_names() {
  std::vector<std::string> names = lowering_pass_names(parse_target("cuda"));
  for (const std::string& n : lowering_pass_names()) {
    if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
  }
  return names;
}

std::string valid_stages() {
  std::ostringstream os;
  for (const std::string& s : fixed_stages()) os << (os.tellp() > 0 ? ", " : "") << s;
  os << "; or a lowering pass: ";
  bool first = true;
  for (const std::string& s : pass_names()) {
    os << (first ? "" : ", ") << "'" << s << "'";
    first = false;
  }
  return os.str();
}

std::string signature(const LoweredFunc& f) {
  std::ostringstream os;
  os << "// kernel " << f.name << "(";
  for (size_t i = 0; i < f.args.size(); ++i) {
    const BufferArg& a = f.args[i];
    os << (i ? ", " : "") << (a.is_output ? "out " : "") << a.name << ": " << a.type.str() << "[";
    for (size_t d = 0; d < a.shape.size(); ++d) os << (d ? ", " : "") << to_string(a.shape[d]);
    os << "]";
  }
  for (const std::string& v : f.size_vars) os << ", i64 " << v;
  os << ")\n";
  // What the kernel tests on entry, before it touches memory.
  for (const ReadCheck& c : f.read_checks) {
    os << "// entry check: " << to_string(c.in_bounds) << "  (" << describe_read_check(c) << ")\n";
  }
  return os.str();
}

int run_show(const ShowArgs& a) {
  const Workload w = make_workload(a.op, a.shape, a.dtype);
  const std::vector<std::string> passes = pass_names();
  const bool is_pass = std::find(passes.begin(), passes.end(), a.stage) != passes.end();
  const auto& fixed = fixed_stages();
  if (!is_pass && std::find(fixed.begin(), fixed.end(), a.stage) == fixed.end()) {
    user_error << "unknown --stage '" << a.stage << "'; valid stages: " << valid_stages();
  }
  if (a.stage == "def") {
    std::cout << to_string(w.def) << "\n";
    return 0;
  }
  const Target target = parse_target(a.target);
  const bool cuda = target.kind == Target::Kind::CUDA;
  const bool cuda_stage = a.stage == "cuda" || a.stage == "ptx";
  if (cuda_stage != cuda && (cuda_stage || a.stage == "llvm" || a.stage == "asm")) {
    user_error << "--stage " << a.stage << " needs " << (cuda_stage ? "a cuda target" : "an llvm target")
               << ", but the target is '" << target.str() << "'; "
               << (cuda_stage ? "add --target cuda (or 'cuda -arch=sm_90')" : "use --stage cuda or ptx");
  }
  const Schedule sch = load_schedule(w, target, a.schedule);
  if (a.stage == "trace") {
    std::cout << sch.trace().to_json(w.op->name()) << "\n";
    return 0;
  }
  if (is_pass) {
    Stmt after;
    LowerOptions options;
    options.target = target;
    options.stop_after = a.stage;
    options.on_pass = [&](const std::string& pass, const Stmt& s) {
      if (pass == a.stage) after = s;
    };
    const LoweredFunc f = lower(sch, "", options);
    std::cout << "// after pass '" << a.stage << "'\n"
              << signature(f) << to_string(after.defined() ? after : f.body) << "\n";
    return 0;
  }
  if (cuda) {
    const GpuProgram program = lower_gpu(sch, target);
    if (a.stage == "lowered") {
      std::cout << signature(program.func) << to_string(program.func.body) << "\n";
      return 0;
    }
    const std::string source = codegen_cuda(program, target);
    std::cout << (a.stage == "ptx" ? compile_cuda_to_ptx(source, target.cuda_arch()) : source);
    return 0;
  }
  const LoweredFunc f = lower(sch);
  if (a.stage == "lowered") {
    std::cout << signature(f) << to_string(f.body) << "\n";
  } else if (a.stage == "llvm") {
    std::cout << emit_llvm_ir(f, target, true);
  } else {
    std::cout << emit_assembly(f, target);
  }
  return 0;
}

}  // namespace

void add_show_command(CLI::App& app, Action* action) {
  auto args = std::make_shared<ShowArgs>();
  CLI::App* sub = app.add_subcommand("show", "print an op's kernel at a stage of compilation");
  sub->add_option("op", args->op, "the op (see `kiln ops`)")->required();
  sub->add_option("--shape", args->shape, "parameters, e.g. M=1024,N=1024,K=1024 (others default)");
  sub->add_option("--stage", args->stage,
                  "def, lowered (default), llvm, asm, trace, cuda, ptx, or a lowering pass name");
  sub->add_option("--schedule", args->schedule, "'default' or a trace JSON file");
  sub->add_option("--dtype", args->dtype, "element type, when the op offers more than one");
  sub->add_option("--target", args->target,
                  "'host' (default), 'llvm -mcpu=...', or 'cuda' / 'cuda -arch=sm_90' "
                  "(stages cuda and ptx; PTX needs only the CUDA toolkit, no GPU)");
  sub->callback([args, action] { *action = [args] { return run_show(*args); }; });
}

}  // namespace kiln::cli
