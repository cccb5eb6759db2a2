#pragma once
/// \file
/// What the `kiln` subcommands share: parsing `--shape`, choosing a
/// schedule, JSON output and turning errors into a message and an exit code.

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "autotune/tuner.h"
#include "kiln.h"
#include "ops/op.h"

namespace CLI {
class App;
}

namespace kiln::cli {

/// The action a parsed subcommand runs; returns the process exit code.
using Action = std::function<int()>;

/// Each subcommand adds itself to the app and, when it is the one parsed,
/// stores its action in `*action`.
void add_bench_command(CLI::App& app, Action* action);
void add_show_command(CLI::App& app, Action* action);
void add_ops_command(CLI::App& app, Action* action);
void add_package_command(CLI::App& app, Action* action);
void add_db_command(CLI::App& app, Action* action);
void add_calibrate_command(CLI::App& app, Action* action);
void add_tune_command(CLI::App& app, Action* action);
void add_report_command(CLI::App& app, Action* action);

/// "M=1024,N=512,layout=nhwc" -> ordered (name, value) pairs. Throws
/// UserError for an entry without '=', an empty name or value, or a name
/// given twice.
std::vector<std::pair<std::string, std::string>> parse_assignments(const std::string& text);

/// An op with its parameters, options and definition, as the user asked
/// for them on the command line.
struct Workload {
  const Op* op = nullptr;
  OpSizes sizes;      ///< every parameter (defaults filled in)
  OpOptions options;  ///< every option (defaults filled in)
  ComputeDef def;
};

/// Finds the op and splits `--shape` into its integer parameters and
/// string options (a name the op has as an option is an option; any other
/// value must be an integer). `dtype` ("" = the op's default) sets the
/// dtype option. Throws UserError naming the bad entry.
Workload make_workload(const std::string& op_name, const std::string& shape,
                       const std::string& dtype = "");

/// The schedule named by `--schedule`: "default" is the op's default
/// schedule, anything else a trace JSON file replayed on the definition.
/// Throws UserError (file) or ScheduleError (a step the schedule refuses).
Schedule load_schedule(const Workload& w, const Target& target, const std::string& source);

/// `--schedule tuned`: the best schedule the tuning database at db_path
/// ("" = default_database_path()) holds for w on target, measured `on` the
/// host with a thread count or on a GPU. Throws UserError saying how to
/// tune it when there is none.
Schedule tuned_schedule(const Workload& w, const Target& target, const MeasuredOn& on,
                        const std::string& db_path);

/// The sizes as a JSON object {"M": 1024, ...}, options included.
nlohmann::json shape_json(const Workload& w);

/// "M=1024,N=1024,K=1024".
std::string shape_string(const Workload& w);

/// Runs an action, printing any error as one "kiln: ..." paragraph on
/// stderr: kiln errors exit 1, anything else unexpected exits 1 too, so
/// no error escapes as a crash.
int run_guarded(const Action& action);

/// Refuses, with a UserError naming `option`, an output file that cannot
/// be written (a directory, a missing or unwritable directory, a read-only
/// file), before any long work; "" passes.
void check_output_writable(const std::string& option, const std::string& path);

/// Writes the HTML report (report/report.h) of the database at db_path
/// ("" = default_database_path()) to `out`, covering the workloads whose
/// key starts with key_prefix and, when `op` is given, of that op. Throws
/// UserError for a missing database, no matching workload, or an
/// unwritable file.
void write_report(const std::string& db_path, const std::string& key_prefix,
                  const std::string& op, const std::string& out);

/// Milliseconds since an arbitrary epoch, from a monotonic clock.
double now_ms();

}  // namespace kiln::cli
