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
  for (const Op* op : all_ops()) {
    std::printf("%s: %s\n", op->name().c_str(), op->description().c_str());
    for (const OpParam& p : op->params()) {
      const std::string assign = p.name + "=" + std::to_string(p.default_value);
      std::printf("    %-14s %s\n", assign.c_str(), p.help.c_str());
    }
    for (const OpOption& o : op->options()) {
      std::string choices;
      for (const std::string& c : o.choices) choices += (choices.empty() ? "" : "|") + c;
      const std::string assign = o.name + "=" + o.default_value;
      std::printf("    %-14s %s (%s)\n", assign.c_str(), o.help.c_str(), choices.c_str());
    }
  }
  std::printf("\nParameters go in --shape, e.g. `kiln bench matmul --shape M=512,N=512,K=256`.\n");
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
