// The `kiln` command: one subcommand per file (bench.cpp, show.cpp,
// ops_cmd.cpp). Exit codes: 0 success, 1 a kiln error (bad shape, schedule,
// file, failed verification), 2 a usage error caught by the argument parser.
#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/common.h"
#include "cli/validators.h"

int main(int argc, char** argv) {
  using namespace kiln::cli;
  CLI::App app{"kiln: a tensor DSL and kernel compiler. Benchmark, inspect and list operators."};
  app.set_version_flag("--version", std::string("kiln ") + KILN_VERSION);
  app.require_subcommand(1);

  Action action;
  add_bench_command(app, &action);
  add_show_command(app, &action);
  add_ops_command(app, &action);
  add_package_command(app, &action);
  add_db_command(app, &action);
  add_calibrate_command(app, &action);
  add_tune_command(app, &action);
  add_report_command(app, &action);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return report_parse_error(app, e, argc, argv);
  }
  if (!action) return 0;
  return run_guarded(action);
}
