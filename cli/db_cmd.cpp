// `kiln db list|show|export|import|prune|verify [--db PATH]`: the tuning
// database from the command line. list and show read; export and import move
// records between machines as JSON Lines; prune deletes failed or old
// records (never a workload's best); verify re-measures each stored best on
// this machine and exits 1 when one got more than 10% slower or now fails.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "autotune/database.h"
#include "autotune/space.h"
#include "autotune/timing.h"
#include "autotune/verify.h"
#include "autotune/workload.h"
#include "cli/common.h"
#include "cli/validators.h"
#include "codegen/llvm/host_target.h"
#include "base/target.h"

namespace kiln::cli {
namespace {

struct DbArgs {
  std::string db, key, out = "-", file;
  bool json = false, invalid = false;
  double older_than_days = 0;
};

// A stored best counts as regressed when it now takes this much longer.
constexpr double kRegressionRatio = 1.10;

TuningDatabase open_db(const DbArgs& a) { return TuningDatabase::open(default_database_path(a.db)); }

std::string utc_date(int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M", &tm);
  return buf;
}

nlohmann::json record_json(const TuningRecord& r) {
  return {{"id", r.id},
          {"status", r.status},
          {"error", r.error},
          {"median_ms", r.median_ms},
          {"gflops", r.gflops},
          {"compile_ms", r.compile_ms},
          {"created_unix", r.created_unix},
          {"kiln_version", r.kiln_version},
          {"trace_json", r.trace_json},
          {"uuid", r.uuid},
          {"knobs", r.knobs},
          {"source", source_name(r.source)}};
}

nlohmann::json workload_json(const WorkloadKey& w) {
  return {{"key", w.key},         {"op", w.op},         {"shape", w.shape},
          {"options", w.options}, {"target", w.target}, {"hardware", w.hardware}};
}

int run_list(const DbArgs& a) {
  const TuningDatabase db = open_db(a);
  const std::vector<WorkloadSummary> list = db.list();
  if (a.json) {
    nlohmann::json out = {{"db", db.path()}, {"workloads", nlohmann::json::array()}};
    for (const WorkloadSummary& s : list) {
      nlohmann::json j = workload_json(s.workload);
      j["records"] = s.records;
      j["best_median_ms"] = s.best ? nlohmann::json(s.best->median_ms) : nlohmann::json();
      j["best_gflops"] = s.best ? nlohmann::json(s.best->gflops) : nlohmann::json();
      out["workloads"].push_back(j);
    }
    std::cout << out.dump() << std::endl;
    return 0;
  }
  if (list.empty()) {
    std::printf("no workloads in %s yet; `kiln tune <op> --shape ...` adds them\n",
                db.path().c_str());
    return 0;
  }
  std::printf("%s: %zu workload%s\n", db.path().c_str(), list.size(), list.size() == 1 ? "" : "s");
  std::printf("%-16s  %-10s  %-28s  %-12s  %7s  %10s  %9s\n", "key", "op", "shape", "target",
              "records", "best ms", "GFLOP/s");
  for (const WorkloadSummary& s : list) {
    const WorkloadKey& w = s.workload;
    const std::string shape = w.options.empty() ? w.shape : w.shape + "," + w.options;
    char best_ms[32] = "-", gflops[32] = "-";
    if (s.best) {
      std::snprintf(best_ms, sizeof(best_ms), "%.4f", s.best->median_ms);
      std::snprintf(gflops, sizeof(gflops), "%.1f", s.best->gflops);
    }
    std::printf("%-16s  %-10s  %-28s  %-12s  %7lld  %10s  %9s\n", w.key.c_str(), w.op.c_str(),
                shape.c_str(), short_target(w.target).c_str(), static_cast<long long>(s.records),
                best_ms, gflops);
  }
  return 0;
}

// The one workload whose key starts with `prefix`; UserError when none or
// several do.
WorkloadKey find_one(const TuningDatabase& db, const std::string& prefix) {
  const std::vector<WorkloadKey> found = db.find_workloads(prefix);
  if (found.empty()) {
    user_error << "no workload in " << db.path() << " has a key starting with '" << prefix
               << "'; `kiln db list` shows the keys";
  }
  if (found.size() > 1) {
    std::ostringstream keys;
    for (const WorkloadKey& w : found) keys << " " << w.key;
    user_error << "key prefix '" << prefix << "' matches " << found.size()
               << " workloads:" << keys.str() << "; give more digits";
  }
  return found[0];
}

int run_show(const DbArgs& a) {
  const TuningDatabase db = open_db(a);
  const WorkloadKey w = find_one(db, a.key);
  const std::vector<TuningRecord> records = db.records(w.key);
  const std::optional<TuningRecord> best = db.best(w.key);
  if (a.json) {
    nlohmann::json out = {{"workload", workload_json(w)}, {"records", nlohmann::json::array()}};
    out["best_id"] = best ? nlohmann::json(best->id) : nlohmann::json();
    for (const TuningRecord& r : records) out["records"].push_back(record_json(r));
    std::cout << out.dump() << std::endl;
    return 0;
  }
  std::printf("workload %s\n  op:       %s %s%s%s\n  target:   %s\n  hardware: %s\n", w.key.c_str(),
              w.op.c_str(), w.shape.c_str(), w.options.empty() ? "" : ",", w.options.c_str(),
              w.target.c_str(), w.hardware.c_str());
  std::printf("%zu record%s (* = best)\n", records.size(), records.size() == 1 ? "" : "s");
  std::printf("  %6s  %-13s  %-7s  %10s  %9s  %10s  %-16s  %-8s  %s\n", "id", "status", "source",
              "median ms", "GFLOP/s", "compile ms", "created (UTC)", "kiln", "error");
  for (const TuningRecord& r : records) {
    const bool is_best = best && best->id == r.id;
    std::printf("%c %6lld  %-13s  %-7s  %10.4f  %9.1f  %10.1f  %-16s  %-8s  %s\n",
                is_best ? '*' : ' ', static_cast<long long>(r.id), r.status.c_str(),
                source_name(r.source), r.median_ms, r.gflops, r.compile_ms,
                utc_date(r.created_unix).c_str(), r.kiln_version.c_str(), r.error.c_str());
  }
  if (best) {
    std::printf("best trace:\n%s\n", best->trace_json.c_str());
    if (!best->knobs.empty()) std::printf("its knobs: %s\n", SearchSpace::describe(best->knobs).c_str());
  }
  return 0;
}

int run_export(const DbArgs& a) {
  const TuningDatabase db = open_db(a);
  if (a.out == "-") {
    db.export_jsonl(std::cout);
    return 0;
  }
  std::ofstream out(a.out, std::ios::binary | std::ios::trunc);
  if (!out) user_error << "cannot write export file '" << a.out << "'; check the directory exists";
  db.export_jsonl(out);
  std::fprintf(stderr, "exported %zu workloads from %s to %s\n", db.find_workloads("").size(),
               db.path().c_str(), a.out.c_str());
  return 0;
}

int run_import(const DbArgs& a) {
  std::ifstream file;
  if (a.file != "-") {
    file.open(a.file, std::ios::binary);
    if (!file) {
      user_error << "cannot read import file '" << a.file << "'; give a file `kiln db export "
                 << "--out FILE` wrote";
    }
  }
  TuningDatabase db = open_db(a);
  db.require_writable();  // said as it is, not as a reason the file cannot be imported
  ImportCounts counts;
  try {
    counts = db.import_jsonl(a.file == "-" ? std::cin : file);
  } catch (const UserError& e) {
    std::string why = e.what();
    if (why.rfind("kiln: ", 0) == 0) why = why.substr(6);
    user_error << "cannot import '" << a.file << "': " << why;
  }
  std::printf("imported %lld new record%s from %s into %s", static_cast<long long>(counts.added),
              counts.added == 1 ? "" : "s", a.file.c_str(), db.path().c_str());
  if (counts.skipped > 0) {
    std::printf(" (%lld already there, skipped)", static_cast<long long>(counts.skipped));
  }
  std::printf("\n");
  return 0;
}

int run_prune(const DbArgs& a) {
  if (!a.invalid && a.older_than_days <= 0) {
    user_error << "say what to prune: --invalid (records that are not ok), --older-than-days D, "
               << "or both; each workload's best record is always kept";
  }
  TuningDatabase db = open_db(a);
  const int64_t cutoff =
      a.older_than_days > 0
          ? static_cast<int64_t>(std::time(nullptr) - a.older_than_days * 86400.0)
          : 0;
  const int64_t deleted = db.prune(a.invalid, cutoff);
  std::printf("pruned %lld record%s from %s\n", static_cast<long long>(deleted),
              deleted == 1 ? "" : "s", db.path().c_str());
  return 0;
}

// ------------------------------------------------------------------ verify

struct Verdict {
  std::string status;  // "ok", "regressed", "failed", "skipped"
  std::string detail;
  double now_ms = 0;
};

// The workload as `kiln tune` made it, from the stored key's typed sizes
// and options.
Workload stored_workload(const WorkloadKey& w) {
  Workload wl;
  wl.op = &find_op(w.op);
  if (!w.typed_error.empty()) user_error << "workload " << w.key << ": " << w.typed_error;
  wl.sizes = wl.op->resolve_sizes(w.sizes);
  wl.options = wl.op->resolve_options(w.op_options);
  wl.def = wl.op->define(wl.sizes, wl.options);
  return wl;
}

// Rebuilds the workload from its op, shape and options, replays the best
// trace, checks the result against the reference and times it as `kiln
// bench` does.
Verdict verify_one(const WorkloadKey& w, const TuningRecord& best) {
  Verdict v;
  const Target target = host_target();
  if (w.target != target.str()) {
    v.status = "skipped";
    v.detail = "tuned for another target (" + short_target(w.target) + ")";
    return v;
  }
  const int threads = w.threads;
  if (HardwareFingerprint::host(threads).str() != w.hardware) {
    v.status = "skipped";
    v.detail = "tuned on other hardware (" + w.hardware + ")";
    return v;
  }
  try {
    set_num_threads(threads);
    const Workload wl = stored_workload(w);
    const WorkloadKey now = make_workload_key(*wl.op, wl.def, wl.sizes, wl.options, target, threads);
    const Schedule sch = Schedule::replay(wl.def, Trace::from_json(best.trace_json));
    const std::shared_ptr<const CompiledKernel> kernel = compile_jit(lower(sch), target);
    std::vector<Buffer> args;
    const Verification check = verify_kernel(
        *wl.op, wl.def, wl.sizes, [&](const std::vector<Buffer>& a) { kernel->run(a); }, &args);
    if (!check.ok()) {
      v.status = "failed";
      v.detail = "wrong result: max relative error " + std::to_string(check.max_rel_err);
      return v;
    }
    v.now_ms = time_kernel(*kernel, args).median_ms;
    const double ratio = v.now_ms / best.median_ms;
    char buf[160];
    std::snprintf(buf, sizeof(buf), "stored %.4f ms, now %.4f ms (%+.1f%%)", best.median_ms,
                  v.now_ms, 100.0 * (ratio - 1.0));
    v.detail = buf;
    // A changed definition gets a new key: `kiln tune` no longer serves
    // this record, but it can still be measured.
    if (now.key != w.key) v.detail += "; the op's definition changed since it was tuned";
    v.status = ratio > kRegressionRatio ? "regressed" : "ok";
  } catch (const Error& e) {
    v.status = "failed";
    std::string why = e.what();
    if (why.rfind("kiln: ", 0) == 0) why = why.substr(6);
    v.detail = why.substr(0, why.find('\n'));
  }
  return v;
}

int run_verify(const DbArgs& a) {
  const TuningDatabase db = open_db(a);
  const int saved_threads = num_threads();
  nlohmann::json results = nlohmann::json::array();
  int checked = 0, bad = 0, skipped = 0;
  for (const WorkloadSummary& s : db.list()) {
    if (!a.key.empty() && s.workload.key.rfind(a.key, 0) != 0) continue;
    if (!s.best) continue;  // nothing stored to verify
    const Verdict v = verify_one(s.workload, *s.best);
    ++checked;
    if (v.status == "skipped") ++skipped;
    if (v.status == "regressed" || v.status == "failed") ++bad;
    if (a.json) {
      results.push_back({{"key", s.workload.key},
                         {"op", s.workload.op},
                         {"shape", s.workload.shape},
                         {"status", v.status},
                         {"stored_median_ms", s.best->median_ms},
                         {"now_median_ms", v.now_ms},
                         {"detail", v.detail}});
    } else {
      std::printf("%-9s %s  %s %s  %s\n", v.status.c_str(), s.workload.key.c_str(),
                  s.workload.op.c_str(), s.workload.shape.c_str(), v.detail.c_str());
    }
  }
  set_num_threads(saved_threads);
  if (a.json) {
    std::cout << nlohmann::json{{"db", db.path()}, {"checked", checked}, {"regressions", bad},
                                {"skipped", skipped}, {"results", results}}
                     .dump()
              << std::endl;
  } else if (checked == 0) {
    std::printf("no stored bests to verify in %s\n", db.path().c_str());
  } else {
    std::printf("%d checked, %d regressed or failing, %d skipped (other target or hardware)\n",
                checked, bad, skipped);
  }
  if (bad > 0 && !a.json) {
    std::fprintf(stderr, "kiln: %d stored best%s regressed (more than %.0f%% slower) or fail now; "
                         "`kiln tune <op> --shape ... --retune` searches again\n",
                 bad, bad == 1 ? "" : "s", 100 * (kRegressionRatio - 1));
  }
  return bad > 0 ? 1 : 0;
}

}  // namespace

void add_db_command(CLI::App& app, Action* action) {
  CLI::App* db = app.add_subcommand("db", "list, show, export, import, prune and verify tuning "
                                          "records");
  db->require_subcommand(1);
  auto args = std::make_shared<DbArgs>();
  // Each leaf takes --db, so it may follow the leaf's name as users write it.
  auto leaf = [&](const char* name, const char* help, int (*run)(const DbArgs&)) {
    CLI::App* sub = db->add_subcommand(name, help);
    sub->add_option("--db", args->db,
                    "database file (default: $KILN_DB, else ~/.cache/kiln/tuning.db)");
    sub->callback([args, action, run] { *action = [args, run] { return run(*args); }; });
    return sub;
  };
  CLI::App* list = leaf("list", "workloads with their record counts and bests", run_list);
  list->add_flag("--json", args->json, "print one JSON object");
  CLI::App* show = leaf("show", "one workload's records", run_show);
  show->add_option("key", args->key, "workload key or a unique prefix of it")->required();
  show->add_flag("--json", args->json, "print one JSON object");
  CLI::App* exp = leaf("export", "write every workload and record as JSON Lines", run_export);
  exp->add_option("--out", args->out, "output file, '-' for stdout (the default)");
  CLI::App* imp = leaf("import", "add the records of a JSON Lines export", run_import);
  imp->add_option("file", args->file, "a file `kiln db export` wrote, '-' for stdin")->required();
  CLI::App* prune = leaf("prune", "delete failed or old records (never a workload's best)",
                         run_prune);
  prune->add_flag("--invalid", args->invalid, "delete every record that is not ok");
  prune->add_option("--older-than-days", args->older_than_days,
                    "delete records older than this many days")
      ->check(positive_number());
  CLI::App* verify = leaf("verify", "re-measure stored bests; exit 1 on a regression", run_verify);
  verify->add_option("--key", args->key, "only workloads whose key starts with this");
  verify->add_flag("--json", args->json, "print one JSON object");
}

}  // namespace kiln::cli
