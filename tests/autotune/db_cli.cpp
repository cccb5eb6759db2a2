// `kiln db ...` as a user runs it: the built executable (KILN_CLI_PATH) on
// databases in a temporary directory. Checks listing, showing, export and
// import between files, refusals with a message and exit 1, and that verify
// passes a fresh best and flags a regressed or broken one.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "autotune/database.h"
#include "autotune/workload.h"
#include "db_test_util.h"
#include "kiln.h"
#include "ops/op.h"

namespace kiln {
namespace {

using db_test::TempDir;
using db_test::write_bytes;

struct Result {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

Result run_kiln(const std::string& args) {
  const std::string cmd = std::string(KILN_CLI_PATH) + " " + args + " 2>&1";
  Result r;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return r;
  std::array<char, 4096> chunk;
  size_t n = 0;
  while ((n = fread(chunk.data(), 1, chunk.size(), pipe)) > 0) r.output.append(chunk.data(), n);
  const int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

void expect_refused(const Result& r, const std::string& needle) {
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_EQ(r.output.rfind("kiln: ", 0), 0u) << r.output;
  EXPECT_NE(r.output.find(needle), std::string::npos) << r.output;
}

// A small matmul stored as if tuned on this machine with 1 thread: its
// default schedule's trace, with `median_ms` as the stored time.
WorkloadKey store_matmul(const std::string& path, double median_ms,
                         const std::string& trace_json = "") {
  const Op& op = find_op("matmul");
  const OpSizes sizes = op.resolve_sizes({{"M", 37}, {"N", 19}, {"K", 23}});
  const OpOptions options = op.resolve_options({});
  const ComputeDef def = op.define(sizes, options);
  const WorkloadKey w = make_workload_key(op, def, sizes, options, Target::host(), 1);
  TuningDatabase db = TuningDatabase::open(path);
  db.add_workload(w);
  TuningRecord r;
  r.workload_key = w.key;
  r.trace_json = trace_json.empty()
                     ? op.default_schedule(def, Target::host()).trace().to_json("matmul")
                     : trace_json;
  r.median_ms = median_ms;
  r.gflops = op.flops(sizes, options) / (median_ms * 1e6);
  db.add_record(r);
  return w;
}

TEST(DbCli, ListOfAnEmptyDatabase) {
  TempDir dir;
  const Result r = run_kiln("db list --db " + dir.file("empty.db"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("no workloads"), std::string::npos) << r.output;
  const Result j = run_kiln("db list --json --db " + dir.file("empty.db"));
  ASSERT_EQ(j.exit_code, 0) << j.output;
  EXPECT_TRUE(nlohmann::json::parse(j.output)["workloads"].empty());
}

TEST(DbCli, ImportOfABadFileIsRefused) {
  TempDir dir;
  write_bytes(dir.file("bad.jsonl"), "{\"workload\": {\"key\": \"k\"}}\nnot json\n");
  expect_refused(run_kiln("db import " + dir.file("bad.jsonl") + " --db " + dir.file("t.db")),
                 "cannot import");
  expect_refused(run_kiln("db import " + dir.file("missing.jsonl") + " --db " + dir.file("t.db")),
                 "cannot read import file");
  // The refused import added nothing.
  const Result j = run_kiln("db list --json --db " + dir.file("t.db"));
  EXPECT_TRUE(nlohmann::json::parse(j.output)["workloads"].empty()) << j.output;
}

TEST(DbCli, ForeignFileIsRefused) {
  TempDir dir;
  write_bytes(dir.file("notes.txt"), "not a database at all\n");
  expect_refused(run_kiln("db list --db " + dir.file("notes.txt")), "not a SQLite file");
  expect_refused(run_kiln("db prune --db " + dir.file("x.db")), "--invalid");
}

TEST(DbCli, ListShowExportImport) {
  TempDir dir;
  const WorkloadKey w = store_matmul(dir.file("a.db"), 0.25);
  const Result list = run_kiln("db list --json --db " + dir.file("a.db"));
  ASSERT_EQ(list.exit_code, 0) << list.output;
  const nlohmann::json j = nlohmann::json::parse(list.output);
  ASSERT_EQ(j["workloads"].size(), 1u);
  EXPECT_EQ(j["workloads"][0]["key"], w.key);
  EXPECT_EQ(j["workloads"][0]["shape"], "M=37,N=19,K=23,trans_a=0,trans_b=0");
  EXPECT_EQ(j["workloads"][0]["records"], 1);
  EXPECT_EQ(j["workloads"][0]["best_median_ms"], 0.25);

  const Result human = run_kiln("db list --db " + dir.file("a.db"));
  EXPECT_NE(human.output.find("M=37,N=19,K=23"), std::string::npos) << human.output;
  const Result show = run_kiln("db show " + w.key.substr(0, 6) + " --db " + dir.file("a.db"));
  ASSERT_EQ(show.exit_code, 0) << show.output;
  EXPECT_NE(show.output.find("kiln_trace"), std::string::npos) << show.output;
  expect_refused(run_kiln("db show zzzz --db " + dir.file("a.db")), "no workload");

  ASSERT_EQ(run_kiln("db export --out " + dir.file("x.jsonl") + " --db " + dir.file("a.db"))
                .exit_code,
            0);
  const Result imp = run_kiln("db import " + dir.file("x.jsonl") + " --db " + dir.file("b.db"));
  ASSERT_EQ(imp.exit_code, 0) << imp.output;
  EXPECT_NE(imp.output.find("imported 1 new record"), std::string::npos) << imp.output;
  TuningDatabase b = TuningDatabase::open(dir.file("b.db"));
  ASSERT_TRUE(b.best(w.key));
  EXPECT_EQ(b.best(w.key)->median_ms, 0.25);
}

TEST(DbCli, VerifyPassesAFreshBestAndFlagsRegressions) {
  TempDir dir;
  // A stored time far above anything this kernel takes: it verifies.
  store_matmul(dir.file("fine.db"), 1e3);
  const Result fine = run_kiln("db verify --json --db " + dir.file("fine.db"));
  ASSERT_EQ(fine.exit_code, 0) << fine.output;
  const nlohmann::json j = nlohmann::json::parse(fine.output);
  EXPECT_EQ(j["checked"], 1);
  EXPECT_EQ(j["results"][0]["status"], "ok") << fine.output;
  EXPECT_GT(j["results"][0]["now_median_ms"].get<double>(), 0);

  // A stored time no kernel reaches: it regressed.
  store_matmul(dir.file("slow.db"), 1e-9);
  const Result slow = run_kiln("db verify --db " + dir.file("slow.db"));
  EXPECT_EQ(slow.exit_code, 1) << slow.output;
  EXPECT_NE(slow.output.find("regressed"), std::string::npos) << slow.output;

  // A trace that no longer replays: it fails.
  store_matmul(dir.file("broken.db"), 1.0,
               R"({"kiln_trace": 1, "op": "matmul", "steps": [{"primitive": "split", "loop": "C.nope", "factor": 4}]})");
  const Result broken = run_kiln("db verify --db " + dir.file("broken.db"));
  EXPECT_EQ(broken.exit_code, 1) << broken.output;
  EXPECT_NE(broken.output.find("failed"), std::string::npos) << broken.output;
}

}  // namespace
}  // namespace kiln
