#pragma once
/// \file
/// Checks of option values, worded as kiln words its errors (CLI11's own
/// range check prints "Value 0 not in range 0.000000 to 1797...").

#include <CLI/CLI.hpp>

#include <string>

namespace kiln::cli {

/// The most threads any command accepts: more is a typo, and starting that
/// many threads fails (or exhausts the machine) rather than helps.
constexpr int kMaxThreads = 1024;

/// A number > 0: "must be a positive number, not '0'".
inline CLI::Validator positive_number() {
  return CLI::Validator(
      [](std::string& s) -> std::string {
        try {
          size_t used = 0;
          const double v = std::stod(s, &used);
          if (used == s.size() && v > 0) return "";
        } catch (const std::exception&) {
        }
        return "must be a positive number, not '" + s + "'";
      },
      "POSITIVE");
}

/// A thread count in [1, kMaxThreads].
inline CLI::Validator thread_count() {
  return CLI::Validator(
      [](std::string& s) -> std::string {
        try {
          size_t used = 0;
          const long long v = std::stoll(s, &used);
          if (used == s.size() && v >= 1 && v <= kMaxThreads) return "";
        } catch (const std::exception&) {
        }
        return "must be a thread count from 1 to " + std::to_string(kMaxThreads) + ", not '" + s +
               "'";
      },
      "THREADS");
}

/// The message and exit code for an argument error of `kiln` (argv as
/// given): "kiln: unknown command 'frobnicate'; ..." with exit code 2, or
/// CLI11's help/version output with 0 (printed by `app`).
int report_parse_error(const CLI::App& app, const CLI::ParseError& e, int argc, char** argv);

}  // namespace kiln::cli
