// `kiln ops`: every registered op appears with its parameters (defaults and
// ranges) and its options with their choices, in JSON and in the text a
// person reads.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "ops/op.h"

namespace {

std::string run_kiln_ops(const std::string& args, int* exit_code) {
  const std::string cmd = std::string(KILN_CLI_PATH) + " ops " + args + " 2>&1";
  std::string out;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return out;
  std::array<char, 4096> chunk;
  size_t n = 0;
  while ((n = fread(chunk.data(), 1, chunk.size(), pipe)) > 0) out.append(chunk.data(), n);
  const int status = pclose(pipe);
  *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return out;
}

TEST(CliOps, JsonListsEveryOpWithParamsAndOptionChoices) {
  int rc = -1;
  const std::string out = run_kiln_ops("--json", &rc);
  ASSERT_EQ(rc, 0) << out;
  const nlohmann::json j = nlohmann::json::parse(out);
  ASSERT_EQ(j["ops"].size(), kiln::all_ops().size());
  for (size_t i = 0; i < kiln::all_ops().size(); ++i) {
    const kiln::Op& op = *kiln::all_ops()[i];
    const nlohmann::json& jo = j["ops"][i];
    SCOPED_TRACE(op.name());
    EXPECT_EQ(jo["name"], op.name());
    ASSERT_EQ(jo["params"].size(), op.params().size());
    for (size_t p = 0; p < op.params().size(); ++p) {
      EXPECT_EQ(jo["params"][p]["name"], op.params()[p].name);
      EXPECT_EQ(jo["params"][p]["default"], op.params()[p].default_value);
      EXPECT_EQ(jo["params"][p]["min"], op.params()[p].min_value);
    }
    ASSERT_EQ(jo["options"].size(), op.options().size());
    for (size_t o = 0; o < op.options().size(); ++o) {
      EXPECT_EQ(jo["options"][o]["name"], op.options()[o].name);
      EXPECT_EQ(jo["options"][o]["default"], op.options()[o].default_value);
      EXPECT_EQ(jo["options"][o]["choices"], op.options()[o].choices);
    }
  }
}

TEST(CliOps, TextShowsDefaultsAndChoices) {
  int rc = -1;
  const std::string out = run_kiln_ops("", &rc);
  ASSERT_EQ(rc, 0) << out;
  for (const kiln::Op* op : kiln::all_ops()) {
    SCOPED_TRACE(op->name());
    EXPECT_NE(out.find(op->name() + ": " + op->description()), std::string::npos);
    for (const kiln::OpParam& p : op->params()) {
      EXPECT_NE(out.find(p.name + "=" + std::to_string(p.default_value)), std::string::npos);
    }
    for (const kiln::OpOption& o : op->options()) {
      std::string choices;
      for (const std::string& c : o.choices) choices += (choices.empty() ? "" : "|") + c;
      EXPECT_NE(out.find(o.name + "=" + o.default_value), std::string::npos);
      EXPECT_NE(out.find("one of " + choices + ": "), std::string::npos) << choices;
    }
  }
}

}  // namespace
