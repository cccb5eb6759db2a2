// kiln's wording for argument errors CLI11 reports (validators.h).
#include <cctype>
#include <iostream>

#include "cli/validators.h"

namespace kiln::cli {

int report_parse_error(const CLI::App& app, const CLI::ParseError& e, int argc, char** argv) {
  // --help and --version arrive as "errors" with exit code 0.
  if (e.get_exit_code() == 0) return app.exit(e);
  std::string commands;
  for (const CLI::App* sub : app.get_subcommands({}))
    commands += (commands.empty() ? "" : ", ") + sub->get_name();
  std::string what = e.what();
  if (!what.empty()) what[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(what[0])));
  if (dynamic_cast<const CLI::RequiredError*>(&e) &&
      what.find("subcommand is required") != std::string::npos) {
    const bool named = argc > 1 && argv[1][0] != '-';
    what = named ? "unknown command '" + std::string(argv[1]) + "'" : "no command given";
    what += "; the commands are " + commands;
  }
  // The subcommand the user typed, for where to find its options.
  std::string help = "kiln --help";
  for (const CLI::App* sub : app.get_subcommands({}))
    if (sub->parsed()) help = "kiln " + sub->get_name() + " --help";
  std::cerr << "kiln: " << what << " (see `" << help << "`)\n";
  return 2;
}

}  // namespace kiln::cli
