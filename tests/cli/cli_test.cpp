// The `kiln` command as a user runs it: the built executable (KILN_CLI_PATH)
// through a shell. Checks the contract forms of `bench`, `show` and `ops`,
// and that each user mistake ends with a message naming the problem and a
// non-zero exit, never a crash.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "kiln.h"
#include "tests/support/run_kiln.h"

namespace {

using Result = kiln::test_support::KilnRun;
using kiln::test_support::run_kiln;

// A file in the test's temporary directory, removed at the end.
class TempFile {
 public:
  TempFile(const std::string& name, const std::string& content)
      : path_(::testing::TempDir() + "kiln_cli_" + std::to_string(getpid()) + "_" + name) {
    std::ofstream(path_) << content;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

const char* kSmall = "matmul --shape M=37,N=19,K=23";

// A refusal: non-zero exit, one "kiln: " message containing `needle`, no
// sign of a crash.
void expect_refused(const std::string& args, const std::string& needle) {
  SCOPED_TRACE("kiln " + args);
  const Result r = run_kiln(args);
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_LT(r.exit_code, 128) << "killed by a signal: " << r.output;
  EXPECT_NE(r.output.find(needle), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("terminate called"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("Aborted"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("internal error"), std::string::npos) << r.output;
}

TEST(Cli, BenchJsonHasEveryContractField) {
  const Result r = run_kiln(std::string("bench ") + kSmall + " --threads 2 --repeat 3 --json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const nlohmann::json j = nlohmann::json::parse(r.output);
  for (const char* field : {"op", "shape", "dtype", "target", "threads", "schedule_source",
                            "median_ms", "gflops", "compile_ms", "verified", "max_rel_err"}) {
    EXPECT_TRUE(j.contains(field)) << field << " missing in " << r.output;
  }
  EXPECT_EQ(j["op"], "matmul");
  EXPECT_EQ(j["shape"], (nlohmann::json{
                            {"M", 37}, {"N", 19}, {"K", 23}, {"trans_a", 0}, {"trans_b", 0}}));
  EXPECT_EQ(j["dtype"], "f32");
  EXPECT_EQ(j["threads"], 2);
  EXPECT_EQ(j["schedule_source"], "default");
  EXPECT_EQ(j["verified"], true);
  EXPECT_EQ(j["repeats"], 3);
  EXPECT_LE(j["max_rel_err"].get<double>(), 1e-4);
  EXPECT_GT(j["median_ms"].get<double>(), 0.0);
  EXPECT_GT(j["gflops"].get<double>(), 0.0);
  EXPECT_GT(j["compile_ms"].get<double>(), 0.0);
}

TEST(Cli, BenchHumanOutputHasFigures) {
  const Result r = run_kiln(std::string("bench ") + kSmall + " --repeat 3");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* word : {"GFLOP/s", "median", "compile"}) {
    EXPECT_NE(r.output.find(word), std::string::npos) << word << " in " << r.output;
  }
}

TEST(Cli, ShowEveryStage) {
  const std::vector<std::pair<std::string, std::string>> stages = {
      {"def", "sum"}, {"lowered", "for"}, {"llvm", "define"}, {"asm", "ret"}, {"trace", "steps"}};
  for (const auto& [stage, needle] : stages) {
    SCOPED_TRACE(stage);
    const Result r = run_kiln(std::string("show ") + kSmall + " --stage " + stage);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find(needle), std::string::npos) << r.output;
  }
  for (const std::string& pass : kiln::lowering_pass_names()) {
    SCOPED_TRACE(pass);
    const Result r = run_kiln(std::string("show ") + kSmall + " --stage '" + pass + "'");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find(pass), std::string::npos) << r.output;
  }
}

TEST(Cli, TraceFromShowReplaysInBench) {
  const Result trace = run_kiln(std::string("show ") + kSmall + " --stage trace");
  ASSERT_EQ(trace.exit_code, 0) << trace.output;
  TempFile file("trace.json", trace.output);
  const Result r =
      run_kiln(std::string("bench ") + kSmall + " --repeat 3 --json --schedule " + file.path());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const nlohmann::json j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["schedule_source"], file.path());
  EXPECT_EQ(j["verified"], true);
}

TEST(Cli, OpsListsMatmulWithDefaults) {
  const Result text = run_kiln("ops");
  EXPECT_EQ(text.exit_code, 0) << text.output;
  EXPECT_NE(text.output.find("matmul"), std::string::npos) << text.output;
  const Result r = run_kiln("ops --json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const nlohmann::json j = nlohmann::json::parse(r.output);
  bool found = false;
  for (const auto& op : j["ops"]) {
    if (op["name"] != "matmul") continue;
    found = true;
    ASSERT_EQ(op["params"].size(), 5u);  // M, N, K, trans_a, trans_b
    EXPECT_EQ(op["params"][0]["name"], "M");
    EXPECT_EQ(op["params"][0]["default"], 1024);
  }
  EXPECT_TRUE(found) << r.output;
}

TEST(Cli, Version) {
  const Result r = run_kiln("--version");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.output.find("kiln"), std::string::npos) << r.output;
}

TEST(Cli, TargetCpuIsUsedOrRefusedInOneMessage) {
  // Before: LLVM printed "'frobnicator' is not a recognized processor" twice
  // before kiln's own message.
  for (const char* bad : {"llvm -mcpu=frobnicator"}) {
    const Result r = run_kiln(std::string("show relu --shape M=4,N=4 --stage asm --target '") + bad + "'");
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_EQ(r.output.rfind("kiln: unknown CPU", 0), 0u) << r.output;
    EXPECT_EQ(r.output.find("not a recognized"), std::string::npos) << r.output;
    EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
  }
  // -mcpu=X is X: AVX-512 registers for skylake-avx512, none for x86-64.
  const Result avx512 = run_kiln("show relu --shape M=64,N=64 --stage asm --target 'llvm -mcpu=skylake-avx512'");
  const Result baseline = run_kiln("show relu --shape M=64,N=64 --stage asm --target 'llvm -mcpu=x86-64'");
  ASSERT_EQ(avx512.exit_code, 0) << avx512.output;
  ASSERT_EQ(baseline.exit_code, 0) << baseline.output;
  EXPECT_NE(avx512.output.find("zmm"), std::string::npos);
  EXPECT_EQ(baseline.output.find("zmm"), std::string::npos);
  EXPECT_EQ(baseline.output.find("ymm"), std::string::npos);
}

TEST(Cli, UnknownOpIsRefused) {
  expect_refused("bench matmull --shape M=8", "unknown op 'matmull'");
}

TEST(Cli, BadShapesAreRefused) {
  expect_refused("bench matmul --shape M=-3,N=4,K=4", "parameter M");
  expect_refused("bench matmul --shape M=0", "parameter M");
  expect_refused("bench matmul --shape M=abc,N=4,K=4", "'abc' is not an integer");
  expect_refused("bench matmul --shape M8,N=4,K=4", "has no '='");
  expect_refused("bench matmul --shape Q=4", "unknown parameter 'Q'");
  expect_refused("show matmul --shape M=4,M=5", "twice");
}

TEST(Cli, BadScheduleFilesAreRefused) {
  expect_refused(std::string("bench ") + kSmall + " --schedule /nonexistent/sched.json",
                 "/nonexistent/sched.json");
  TempFile malformed("malformed.json", "{\"kiln_trace\": 1, \"steps\": [ {\"primitive\": ");
  expect_refused(std::string("bench ") + kSmall + " --schedule " + malformed.path(), "kiln: ");
}

TEST(Cli, InvalidScheduleIsRefused) {
  // Vectorizing the reduction loop would race on C: the schedule refuses it.
  TempFile invalid("invalid.json",
                   R"({"kiln_trace": 1, "op": "matmul",
                       "steps": [{"primitive": "vectorize", "loop": "C.k"}]})");
  expect_refused(std::string("bench ") + kSmall + " --schedule " + invalid.path(), "C.k");
  // A loop that does not exist.
  TempFile unknown("unknown.json",
                   R"({"kiln_trace": 1, "op": "matmul",
                       "steps": [{"primitive": "split", "loop": "C.z", "factor": 4}]})");
  expect_refused(std::string("show ") + kSmall + " --schedule " + unknown.path(), "C.z");
}

TEST(Cli, UsageErrorsExitTwo) {
  const Result r = run_kiln("bench");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  const Result stage = run_kiln(std::string("show ") + kSmall + " --stage nonsense");
  EXPECT_EQ(stage.exit_code, 1) << stage.output;
  EXPECT_NE(stage.output.find("valid stages"), std::string::npos) << stage.output;
}

TEST(Cli, ArgumentErrorsAreWordedByKilnAndExitTwo) {
  // Each: the arguments, the one-line message expected, and no CLI11 wording.
  const std::pair<std::string, std::string> cases[] = {
      {"bench matmul --threads 0", "kiln: --threads: must be a thread count from 1 to 1024, not '0' "
                                   "(see `kiln bench --help`)"},
      {"tune matmul --threads 100000", "must be a thread count from 1 to 1024, not '100000'"},
      {"tune matmul --trials -3", "kiln: --trials: must be a positive number, not '-3'"},
      {"bench matmul --repeat x", "kiln: --repeat: must be a positive number, not 'x'"},
      {"frobnicate", "kiln: unknown command 'frobnicate'; the commands are bench, show, ops"},
      {"", "kiln: no command given; the commands are bench"},
      {"tune matmul --bogus", "kiln: the following argument was not expected: --bogus "
                              "(see `kiln tune --help`)"},
  };
  for (const auto& [args, want] : cases) {
    SCOPED_TRACE("kiln " + args);
    const Result r = run_kiln(args);
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_EQ(r.output.rfind("kiln: ", 0), 0u) << r.output;
    EXPECT_NE(r.output.find(want), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("not in range"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("Run with --help"), std::string::npos) << r.output;
  }
  EXPECT_EQ(run_kiln("--help").exit_code, 0);
}

TEST(Cli, AbsurdSizesAreRefusedBeforeAnythingRuns) {
  // Each exited 139 (or reported a kiln bug) before: sizes wrapped to small
  // buffers that kernels then wrote past.
  for (const char* op : {"softmax", "relu", "add", "transpose"}) {
    expect_refused(std::string("bench ") + op + " --shape M=4611686018427387904,N=4",
                   "sizes above 2^40");
  }
  expect_refused("bench matmul --shape M=9223372036854775807,N=9223372036854775807,K=4",
                 "sizes above 2^40");
  expect_refused("bench matmul --shape M=1099511627776,N=1099511627776,K=4",
                 "tensor C of op matmul would be [1099511627776, 1099511627776] f32: its size "
                 "overflows 64 bits");
  expect_refused("bench relu --shape M=300000000,N=300000000", "more than 2^48 bytes");
  expect_refused("tune softmax --shape M=4611686018427387904,N=4 --trials 2", "sizes above 2^40");
}

TEST(Cli, EndlessOrHugeInputFilesAreRefusedWithTheLimit) {
  // /dev/zero reached 8 GB before: files are read up to a bound.
  const auto t0 = std::chrono::steady_clock::now();
  expect_refused(std::string("bench ") + kSmall + " --schedule /dev/zero",
                 "trace file '/dev/zero' is larger than 16777216 bytes");
  expect_refused("db import /dev/zero --db " + ::testing::TempDir() + "kiln_cli_zero.db",
                 "a line is longer than 16777216 bytes");
  expect_refused("package --spec /dev/zero --out " + ::testing::TempDir() + "kiln_cli_zero_pkg",
                 "spec file '/dev/zero' is larger than 16777216 bytes");
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 30.0);
  // A trace of 600 steps (replaying thousands took minutes).
  std::string steps;
  for (int i = 0; i < 600; ++i)
    steps += std::string(i ? "," : "") + R"({"primitive": "split", "args": ["C.i", 2]})";
  TempFile trace("long_trace.json", R"({"kiln_trace": 1, "steps": [)" + steps + "]}");
  expect_refused(std::string("bench ") + kSmall + " --schedule " + trace.path(),
                 "trace has 600 steps; at most 512");
}

TEST(Cli, TuneRefusesAnUnwritableSaveBeforeSearching) {
  const std::string dir = ::testing::TempDir();
  for (const auto& [save, why] : std::vector<std::pair<std::string, std::string>>{
           {"/nonexistent_kiln_dir/x.json", "the directory '/nonexistent_kiln_dir' does not exist"},
           {dir, "is a directory; name a file"}}) {
    SCOPED_TRACE(save);
    const auto t0 = std::chrono::steady_clock::now();
    // A long budget: refused before any of it is spent.
    const Result r = run_kiln(std::string("tune ") + kSmall + " --time-budget 600 --save " + save +
                              " --db " + dir + "kiln_cli_save_" + std::to_string(getpid()) + ".db");
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find(why), std::string::npos) << r.output;
    EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 30.0);
  }
}

}  // namespace
