// `kiln ops [--json]`: every op with its parameters, their defaults and its
// options, so a user knows what `--shape` accepts.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <limits>
#include <memory>

#include "cli/common.h"

namespace kiln::cli {
namespace {

nlohmann::json op_json(const Op& op) {
  nlohmann::json params = nlohmann::json::array();
  for (const OpParam& p : op.params()) {
    nlohmann::json jp = {{"name", p.name},
                         {"default", p.default_value},
                         {"min", p.min_value},
                         {"symbolic", p.symbolic},
                         {"help", p.help}};
    if (p.max_value != std::numeric_limits<int64_t>::max()) jp["max"] = p.max_value;
    params.push_back(jp);
  }
  nlohmann::json options = nlohmann::json::array();
  for (const OpOption& o : op.options()) {
    options.push_back(
        {{"name", o.name}, {"default", o.default_value}, {"choices", o.choices}, {"help", o.help}});
  }
  return {{"name", op.name()},
          {"description", op.description()},
          {"params", params},
          {"options", options}};
}

int run_ops(bool json) {
  if (json) {
    nlohmann::json ops = nlohmann::json::array();
    for (const Op* op : all_ops()) ops.push_back(op_json(*op));
    std::cout << nlohmann::json{{"ops", ops}}.dump(2) << std::endl;
    return 0;
  }
  // Names and defaults in one column, wide enough for the longest
  // ("approximate=none"), so the explanations line up.
  auto row = [](const std::string& assign, const std::string& text) {
    std::printf("    %-18s %s\n", assign.c_str(), text.c_str());
  };
  for (const Op* op : all_ops()) {
    std::printf("%s: %s\n", op->name().c_str(), op->description().c_str());
    for (const OpParam& p : op->params()) {
      std::string text = p.help;
      const bool bounded = p.max_value != std::numeric_limits<int64_t>::max();
      if (bounded) {
        text += " [" + std::to_string(p.min_value) + ".." + std::to_string(p.max_value) + "]";
      } else if (p.min_value != 1) {
        text += " [>= " + std::to_string(p.min_value) + "]";
      }
      row(p.name + "=" + std::to_string(p.default_value), text);
    }
    for (const OpOption& o : op->options()) {
      std::string choices;
      for (const std::string& c : o.choices) choices += (choices.empty() ? "" : "|") + c;
      row(o.name + "=" + o.default_value, "one of " + choices + ": " + o.help);
    }
  }
  std::printf("\nParameters and options go in --shape, e.g. `kiln bench matmul --shape "
              "M=512,N=512,K=256` or `kiln bench gelu --shape M=64,N=1000,approximate=tanh`; "
              "the defaults are shown.\n");
  return 0;
}

}  // namespace

void add_ops_command(CLI::App& app, Action* action) {
  auto json = std::make_shared<bool>(false);
  CLI::App* sub = app.add_subcommand("ops", "list the ops with their parameters and defaults");
  sub->add_flag("--json", *json, "print JSON");
  sub->callback([json, action] { *action = [json] { return run_ops(*json); }; });
}

}  // namespace kiln::cli
