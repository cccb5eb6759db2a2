// `kiln report [--db PATH] [--workload KEY | --op NAME] --out FILE`: one
// self-contained HTML page about the tuning database (report/report.h): a
// roofline of this machine, each workload's tuning curve, knob importance
// and best trace, and a sortable table. `kiln tune --report FILE` writes the
// same page for the workload it tuned.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include "autotune/database.h"
#include "cli/common.h"
#include "report/report.h"

namespace kiln::cli {
namespace {

struct ReportArgs {
  std::string db, workload, op, out;
};

int run_report(const ReportArgs& a) {
  write_report(a.db, a.workload, a.op, a.out);
  std::fprintf(stderr, "wrote %s\n", a.out.c_str());
  return 0;
}

}  // namespace

void write_report(const std::string& db_path, const std::string& key_prefix,
                  const std::string& op, const std::string& out) {
  check_output_writable("--out", out);
  const std::string path = default_database_path(db_path);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    user_error << "no tuning database at '" << path << "'; `kiln tune` creates it, or give "
               << "--db PATH";
  }
  const TuningDatabase db = TuningDatabase::open(path);
  const std::string html = render_report(load_report_data(db, {key_prefix, op}));
  // Written beside the target and renamed: a reader never sees half a page.
  const std::string tmp = out + ".tmp";
  {
    std::ofstream file(tmp, std::ios::binary | std::ios::trunc);
    if (!file) user_error << "cannot write the report to '" << out << "'";
    file << html;
    file.close();
    if (!file) user_error << "cannot write the report to '" << out << "' (disk full?)";
  }
  std::filesystem::rename(tmp, out, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    user_error << "cannot write the report to '" << out << "': " << ec.message();
  }
}

void add_report_command(CLI::App& app, Action* action) {
  auto args = std::make_shared<ReportArgs>();
  CLI::App* sub = app.add_subcommand(
      "report", "write an HTML page about the tuning database: roofline, tuning curves, "
                "knob importance, best traces and a table of workloads");
  sub->add_option("--db", args->db, "tuning database (default: $KILN_DB, else "
                                    "~/.cache/kiln/tuning.db)");
  CLI::Option* key = sub->add_option("--workload", args->workload,
                                     "only the workload whose key starts with KEY");
  sub->add_option("--op", args->op, "only the workloads of this op")->excludes(key);
  sub->add_option("--out", args->out, "the HTML file to write")->required();
  sub->callback([args, action] { *action = [args] { return run_report(*args); }; });
}

}  // namespace kiln::cli
