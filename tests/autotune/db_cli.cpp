// `kiln db ...` as a user runs it: the built executable (KILN_CLI_PATH) on
// databases in a temporary directory. Checks listing, showing, export and
// import between files, refusals with a message and exit 1, that verify
// passes a fresh best and flags a regressed or broken one, and that a
// database the user may not write is read (never called damaged) and left
// untouched.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "autotune/database.h"
#include "autotune/workload.h"
#include "codegen/llvm/host_target.h"
#include "db_test_util.h"
#include "kiln.h"
#include "ops/op.h"
#include "tests/support/run_kiln.h"

namespace kiln {
namespace {

using db_test::read_bytes;
using db_test::TempDir;
using db_test::write_bytes;

using Result = kiln::test_support::KilnRun;
using kiln::test_support::run_kiln;

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
  const WorkloadKey w = make_workload_key(op, def, sizes, options, host_target(), 1);
  TuningDatabase db = TuningDatabase::open(path);
  db.add_workload(w);
  TuningRecord r;
  r.workload_key = w.key;
  r.trace_json = trace_json.empty()
                     ? op.default_schedule(def, host_target()).trace().to_json("matmul")
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
  EXPECT_NE(show.output.find(" source "), std::string::npos) << show.output;
  // Each record says where it came from and which knobs built it.
  const Result show_json = run_kiln("db show " + w.key + " --json --db " + dir.file("a.db"));
  ASSERT_EQ(show_json.exit_code, 0) << show_json.output;
  const nlohmann::json shown = nlohmann::json::parse(show_json.output)["records"][0];
  EXPECT_EQ(shown["source"], "search") << show_json.output;
  EXPECT_TRUE(shown["knobs"].is_object()) << show_json.output;
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

// A database that this user may not write: the file 0444 in a directory
// 0555, in a fresh directory under /tmp that every user may enter. Root
// writes regardless of permission bits, so as root (CI) kiln runs as
// nobody (uid 65534) under setpriv; otherwise the bits suffice.
class DbReadOnly : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() == 0) {
      if (::access("/usr/bin/setpriv", X_OK) != 0 && ::access("/bin/setpriv", X_OK) != 0) {
        GTEST_SKIP() << "running as root, where chmod does not stop writes, and setpriv (util-linux) "
                        "is missing to run kiln as another user; install util-linux or run the "
                        "tests as a normal user";
      }
      as_user_ = "setpriv --reuid=65534 --regid=65534 --clear-groups ";
    }
    char templ[] = "/tmp/kiln_ro_XXXXXX";
    ASSERT_NE(::mkdtemp(templ), nullptr);
    root_ = templ;
    ::chmod(root_.c_str(), 0755);
    dir_ = root_ + "/db";
    home_ = root_ + "/home";  // HOME and TMPDIR of the kiln run, which it may write
    ::mkdir(dir_.c_str(), 0755);
    ::mkdir(home_.c_str(), 0777);
    ::chmod(home_.c_str(), 0777);
    path_ = dir_ + "/tuning.db";
  }
  void TearDown() override {
    if (root_.empty()) return;
    ::chmod(dir_.c_str(), 0755);
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  // Takes the write permission away: the file 0444, its directory 0555
  // (or dir_mode).
  void make_read_only(mode_t dir_mode = 0555) {
    ASSERT_EQ(::chmod(path_.c_str(), 0444), 0);
    ASSERT_EQ(::chmod(dir_.c_str(), dir_mode), 0);
  }
  Result kiln(const std::string& args) const {
    return run_kiln(args + " --db " + path_, {"env HOME=" + home_ + " TMPDIR=" + home_ +
                                                " XDG_CACHE_HOME=" + home_ + " " + as_user_});
  }
  // The files of the database's directory: SQLite must not have added a
  // -journal, -wal or -shm.
  std::vector<std::string> files() const {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(dir_)) out.push_back(e.path().filename());
    std::sort(out.begin(), out.end());
    return out;
  }

  std::string as_user_, root_, dir_, home_, path_;
};

void expect_read_only_refusal(const Result& r, const std::string& path) {
  expect_refused(r, "kiln: the tuning database '" + path + "' is read-only (");
  EXPECT_EQ(r.output.find("damaged"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("Move it away"), std::string::npos) << r.output;
}

// Reading commands work on it; writing ones say it is read-only (exit 1),
// never that it is damaged; the file is left byte for byte as it was.
TEST_F(DbReadOnly, IsReadAndNeverWritten) {
  const WorkloadKey w = store_matmul(path_, 0.25);
  {
    TuningDatabase db = TuningDatabase::open(path_);
    std::ofstream out(home_ + "/x.jsonl");
    db.export_jsonl(out);
  }
  make_read_only();
  const std::vector<std::string> files_before = files();
  const std::string before = read_bytes(path_);

  const Result list = kiln("db list --json");
  ASSERT_EQ(list.exit_code, 0) << list.output;
  const nlohmann::json j = nlohmann::json::parse(list.output);
  ASSERT_EQ(j["workloads"].size(), 1u);
  EXPECT_EQ(j["workloads"][0]["key"], w.key);
  EXPECT_EQ(j["workloads"][0]["best_median_ms"], 0.25);
  const Result human = kiln("db list");
  EXPECT_EQ(human.exit_code, 0) << human.output;
  EXPECT_NE(human.output.find("M=37,N=19,K=23"), std::string::npos) << human.output;

  const Result show = kiln("db show " + w.key.substr(0, 6) + " --json");
  ASSERT_EQ(show.exit_code, 0) << show.output;
  EXPECT_EQ(nlohmann::json::parse(show.output)["records"][0]["median_ms"], 0.25) << show.output;

  const Result exp = kiln("db export");
  ASSERT_EQ(exp.exit_code, 0) << exp.output;
  EXPECT_NE(exp.output.find(w.key), std::string::npos) << exp.output;
  EXPECT_NE(exp.output.find("\"median_ms\":0.25"), std::string::npos) << exp.output;
  EXPECT_EQ(exp.output, read_bytes(home_ + "/x.jsonl"));

  const Result bench = kiln("bench matmul --shape M=37,N=19,K=23 --schedule tuned --threads 1 "
                            "--repeat 1 --json");
  EXPECT_EQ(bench.exit_code, 0) << bench.output;

  expect_read_only_refusal(kiln("db import " + home_ + "/x.jsonl"), path_);
  expect_read_only_refusal(kiln("db prune --invalid"), path_);
  expect_read_only_refusal(kiln("tune matmul --shape M=8,N=8,K=8 --threads 1 --trials 2"), path_);
  expect_read_only_refusal(
      kiln("tune matmul --shape M=37,N=19,K=23 --threads 1 --trials 2 --retune"), path_);

  EXPECT_EQ(read_bytes(path_), before);
  EXPECT_EQ(files(), files_before);
}

// Only the file read-only, in a directory anyone may write: read, refused
// as read-only, and no -wal or -shm left behind (they would be this user's,
// read-only, and the owner could not write past them).
TEST_F(DbReadOnly, FileInAWritableDirectoryLeavesNoFilesBehind) {
  const WorkloadKey w = store_matmul(path_, 0.5);
  make_read_only(0777);
  const std::vector<std::string> files_before = files();
  ASSERT_EQ(files_before, std::vector<std::string>{"tuning.db"});
  const std::string before = read_bytes(path_);
  const Result list = kiln("db list --json");
  ASSERT_EQ(list.exit_code, 0) << list.output;
  EXPECT_EQ(nlohmann::json::parse(list.output)["workloads"][0]["best_median_ms"], 0.5);
  expect_read_only_refusal(kiln("db prune --invalid"), path_);
  EXPECT_EQ(read_bytes(path_), before);
  EXPECT_EQ(files(), files_before);
  // Its owner writes it as before.
  ASSERT_EQ(::chmod(path_.c_str(), 0644), 0);
  TuningDatabase db = TuningDatabase::open(path_);
  EXPECT_FALSE(db.read_only());
  TuningRecord r = db.records(w.key).at(0);
  r.uuid.clear();
  db.add_record(r);
  EXPECT_EQ(db.records(w.key).size(), 2u);
}

// An older schema cannot be migrated without writing: opening says it is
// read-only and how to migrate it, and leaves it as it was.
TEST_F(DbReadOnly, OlderSchemaSaysHowToMigrate) {
  {
    TuningDatabase old = TuningDatabase::open(path_, {schema_migrations().at(0)});
    old.add_workload(db_test::workload("k"));
  }
  make_read_only();
  const std::string before = read_bytes(path_);
  const Result list = kiln("db list");
  expect_read_only_refusal(list, path_);
  EXPECT_NE(list.output.find("schema version 1, older than version " +
                             std::to_string(TuningDatabase::schema_version())),
            std::string::npos)
      << list.output;
  EXPECT_NE(list.output.find("kiln db list --db " + path_), std::string::npos) << list.output;
  EXPECT_EQ(read_bytes(path_), before);
}

}  // namespace
}  // namespace kiln
