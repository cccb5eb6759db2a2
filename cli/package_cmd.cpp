// `kiln package --spec SPEC.json --out DIR [--db PATH] [--tune-missing
//  [--time-budget S]] [--target T] [--threads N] [--json]`: builds an
// operator package (lib<name>.so/.a, a C header, a PyTorch extension, a
// Python loader, a manifest) from a spec. package/build_package.h does the
// work; this file parses flags and reports.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <memory>

#include "cli/common.h"
#include "cli/validators.h"
#include "package/build_package.h"
#include "package/c_api.h"

namespace kiln::cli {
namespace {

struct PackageArgs {
  std::string spec, out, db, target;
  bool tune_missing = false;
  double time_budget = 60;
  int threads = 0;
  bool json = false;
};

int run_package(const PackageArgs& a) {
  const PackageSpec spec = load_package_spec(a.spec);
  PackageOptions opt;
  opt.out_dir = a.out;
  opt.db_path = a.db;
  opt.tune_missing = a.tune_missing;
  opt.time_budget_s = a.time_budget;
  opt.target = a.target;
  opt.threads = a.threads;
  if (!a.json) opt.progress = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
  const double t0 = now_ms();
  const PackageResult r = build_package(spec, opt);
  const double total_ms = now_ms() - t0;

  if (a.json) {
    nlohmann::json kernels = nlohmann::json::array();
    for (const PackageFunction& fn : r.plan.functions) {
      for (const PackageKernel& k : fn.kernels) {
        nlohmann::json j = {{"function", fn.name},
                            {"sizes", kernel_sizes_text(fn, k)},
                            {"schedule_source", schedule_source_name(k.source)},
                            {"compile_ms", r.compile_ms.at(k.symbol)}};
        if (k.source == ScheduleSource::Default) j["default_reason"] = k.source_note;
        if (k.record) j["tuned_median_ms"] = k.record->median_ms;
        kernels.push_back(j);
      }
    }
    std::cout << nlohmann::json{{"package", r.plan.name},
                                {"out", a.out},
                                {"library", r.library},
                                {"target", r.plan.target.str()},
                                {"kernels", kernels},
                                {"total_ms", total_ms}}
                     .dump(2)
              << std::endl;
    return 0;
  }
  size_t kernels = 0;
  for (const PackageFunction& fn : r.plan.functions) kernels += fn.kernels.size();
  std::printf("package %s: %zu functions, %zu kernels, in %s (%.1f s)\n", r.plan.name.c_str(),
              r.plan.functions.size(), kernels, a.out.c_str(), total_ms / 1000.0);
  for (const std::string& note : r.notes) std::printf("  %s\n", note.c_str());
  std::printf("C: include/%s.h + lib%s.so; PyTorch: python/%s.py load_torch(); see %s/README.md\n",
              r.plan.name.c_str(), r.plan.name.c_str(), r.plan.name.c_str(), a.out.c_str());
  return 0;
}

}  // namespace

void add_package_command(CLI::App& app, Action* action) {
  auto args = std::make_shared<PackageArgs>();
  CLI::App* sub = app.add_subcommand(
      "package", "build an operator package: a shared library, a C header, a PyTorch extension");
  sub->add_option("--spec", args->spec, "the spec JSON file: {\"name\": ..., \"ops\": [...]}")
      ->required();
  sub->add_option("--out", args->out, "the package directory to write")->required();
  sub->add_option("--db", args->db, "tuning database (default: the default one, if it exists)");
  auto* tune = sub->add_flag("--tune-missing", args->tune_missing,
                             "tune concrete kernels the database has no schedule for");
  sub->add_option("--time-budget", args->time_budget, "seconds of tuning for the whole package")
      ->needs(tune)
      ->check(positive_number());
  sub->add_option("--target", args->target, "overrides the spec's target, e.g. llvm");
  sub->add_option("--threads", args->threads, "thread count of the workloads looked up or tuned")
      ->check(thread_count());
  sub->add_flag("--json", args->json, "print the result as JSON");
  sub->callback([args, action] { *action = [args] { return run_package(*args); }; });
}

}  // namespace kiln::cli
