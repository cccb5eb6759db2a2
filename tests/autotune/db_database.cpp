// The tuning database: records and bests, two processes writing at once,
// refusal of files that are not kiln databases (left byte-identical),
// schema versions and migrations, export/import, pruning.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ctime>
#include <random>
#include <sstream>

#include <nlohmann/json.hpp>

#include "autotune/database.h"
#include "db_test_util.h"
#include "base/error.h"

namespace kiln {
namespace {

using db_test::read_bytes;
using db_test::record;
using db_test::TempDir;
using db_test::workload;
using db_test::write_bytes;

// The message of the UserError that opening `path` throws ("" when none).
std::string open_error(const std::string& path,
                       const std::vector<SchemaMigration>& migrations = schema_migrations()) {
  try {
    TuningDatabase::open(path, migrations);
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

TEST(DbDatabase, AddRecordsBestAndList) {
  TempDir dir;
  TuningDatabase db = TuningDatabase::open(dir.file("t.db"));
  EXPECT_EQ(db.stored_schema_version(), TuningDatabase::schema_version());
  EXPECT_TRUE(db.list().empty());
  db.add_workload(workload("aaaa1111"));
  db.add_workload(workload("aaaa1111"));  // idempotent
  db.add_workload(workload("bbbb2222", "M=3,N=5,K=7"));
  db.add_record(record("aaaa1111", 2.0));
  const int64_t fast = db.add_record(record("aaaa1111", 0.5));
  db.add_record(record("aaaa1111", 0.1, "invalid"));  // faster, but wrong: never best
  db.add_record(record("aaaa1111", 0.5));             // a tie keeps the older best
  db.add_record(record("bbbb2222", 0, "crash"));

  const std::optional<TuningRecord> best = db.best("aaaa1111");
  ASSERT_TRUE(best);
  EXPECT_EQ(best->id, fast);
  EXPECT_EQ(best->median_ms, 0.5);
  EXPECT_EQ(best->kiln_version, std::string(kiln_version()));
  EXPECT_GT(best->created_unix, 0);
  EXPECT_FALSE(db.best("bbbb2222"));
  EXPECT_FALSE(db.best("nope"));

  const std::vector<TuningRecord> recs = db.records("aaaa1111");
  ASSERT_EQ(recs.size(), 4u);
  EXPECT_EQ(recs[2].status, "invalid");
  EXPECT_EQ(recs[2].error, "test invalid");
  EXPECT_EQ(recs[0].trace_json, record("aaaa1111", 2.0).trace_json);

  const std::vector<WorkloadSummary> list = db.list();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].workload.shape, "M=3,N=5,K=7");  // sorted by op, then shape
  EXPECT_EQ(list[0].records, 1);
  EXPECT_FALSE(list[0].best);
  EXPECT_EQ(list[1].records, 4);
  ASSERT_TRUE(list[1].best);
  EXPECT_EQ(list[1].best->id, fast);

  EXPECT_EQ(db.find_workloads("aaaa").size(), 1u);
  EXPECT_EQ(db.find_workloads("").size(), 2u);
  EXPECT_EQ(db.find_workloads("%").size(), 0u);  // a prefix, not a LIKE pattern
  ASSERT_TRUE(db.workload("bbbb2222"));
  EXPECT_EQ(db.workload("bbbb2222")->target, "llvm -mcpu=test");
}

TEST(DbDatabase, RecordOfUnknownWorkloadIsRefused) {
  TempDir dir;
  TuningDatabase db = TuningDatabase::open(dir.file("t.db"));
  EXPECT_THROW(db.add_record(record("missing", 1.0)), UserError);
}

TEST(DbDatabase, ReopenKeepsEverything) {
  TempDir dir;
  {
    TuningDatabase db = TuningDatabase::open(dir.file("t.db"));
    db.add_workload(workload("k1"));
    db.add_record(record("k1", 3.0));
  }
  TuningDatabase db = TuningDatabase::open(dir.file("t.db"));
  ASSERT_TRUE(db.best("k1"));
  EXPECT_EQ(db.best("k1")->median_ms, 3.0);
}

TEST(DbDatabase, TwoProcessesWritingAtOnceLoseNothing) {
  TempDir dir;
  const std::string path = dir.file("shared.db");
  {
    TuningDatabase db = TuningDatabase::open(path);
    db.add_workload(workload("shared"));
  }  // no connection crosses fork()
  constexpr int kChildren = 2, kRecords = 200;
  std::vector<pid_t> pids;
  for (int c = 0; c < kChildren; ++c) {
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      int rc = 0;
      try {
        // Each child also adds its own workload: creation races too.
        TuningDatabase db = TuningDatabase::open(path);
        db.add_workload(workload("child" + std::to_string(c)));
        for (int i = 0; i < kRecords; ++i) {
          db.add_record(record("shared", 1.0 + i + 1000 * c));
          db.add_record(record("child" + std::to_string(c), 1.0 + i));
        }
      } catch (...) {
        rc = 1;
      }
      _exit(rc);
    }
    pids.push_back(pid);
  }
  for (pid_t pid : pids) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child failed: " << status;
  }
  TuningDatabase db = TuningDatabase::open(path);
  EXPECT_EQ(db.records("shared").size(), static_cast<size_t>(kChildren * kRecords));
  EXPECT_EQ(db.records("child0").size(), static_cast<size_t>(kRecords));
  EXPECT_EQ(db.records("child1").size(), static_cast<size_t>(kRecords));
  EXPECT_EQ(db.best("shared")->median_ms, 1.0);
}

TEST(DbDatabase, TwoProcessesCreatingOneDatabaseAtOnce) {
  // Neither finds the file: both create it, one claims it, both write.
  for (int round = 0; round < 3; ++round) {
    TempDir dir;
    const std::string path = dir.file("new.db");
    std::vector<pid_t> pids;
    for (int c = 0; c < 2; ++c) {
      const pid_t pid = fork();
      ASSERT_GE(pid, 0);
      if (pid == 0) {
        int rc = 0;
        try {
          TuningDatabase db = TuningDatabase::open(path);
          db.add_workload(workload("w"));
          for (int i = 0; i < 20; ++i) db.add_record(record("w", 1.0 + i + 100 * c));
        } catch (...) {
          rc = 1;
        }
        _exit(rc);
      }
      pids.push_back(pid);
    }
    for (pid_t pid : pids) {
      int status = 0;
      ASSERT_EQ(waitpid(pid, &status, 0), pid);
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child failed: " << status;
    }
    EXPECT_EQ(TuningDatabase::open(path).records("w").size(), 40u);
  }
}

TEST(DbDatabase, RandomBytesAreRefusedAndUntouched) {
  TempDir dir;
  const std::string path = dir.file("random.db");
  std::mt19937 rng(7);
  std::string bytes(4096, '\0');
  for (char& c : bytes) c = static_cast<char>(rng());
  write_bytes(path, bytes);
  const std::string msg = open_error(path);
  EXPECT_NE(msg.find("not a SQLite file"), std::string::npos) << msg;
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_EQ(read_bytes(path), bytes);

  // A short text file too.
  write_bytes(path, "hello\n");
  EXPECT_NE(open_error(path).find("not a SQLite file"), std::string::npos);
  EXPECT_EQ(read_bytes(path), "hello\n");
}

TEST(DbDatabase, DamagedSqliteIsRefusedAndUntouched) {
  TempDir dir;
  const std::string path = dir.file("damaged.db");
  std::mt19937 rng(11);
  std::string bytes = std::string("SQLite format 3", 16);
  bytes.resize(8192);
  for (size_t i = 16; i < bytes.size(); ++i) bytes[i] = static_cast<char>(rng());
  write_bytes(path, bytes);
  const std::string msg = open_error(path);
  EXPECT_FALSE(msg.empty());
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_EQ(read_bytes(path), bytes);
}

TEST(DbDatabase, ForeignSqliteIsRefusedAndUntouched) {
  TempDir dir;
  const std::string path = dir.file("foreign.db");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE songs (title TEXT); INSERT INTO songs VALUES ('x');",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  const std::string before = read_bytes(path);
  const std::string msg = open_error(path);
  EXPECT_NE(msg.find("another program"), std::string::npos) << msg;
  EXPECT_NE(msg.find("application_id"), std::string::npos) << msg;
  EXPECT_EQ(read_bytes(path), before);
}

// A later kiln: version 2 adds a column. Databases it writes are refused by
// this kiln; databases of this kiln are migrated by it.
std::vector<SchemaMigration> with_v2(const std::string& sql) {
  std::vector<SchemaMigration> m = schema_migrations();
  m.push_back({static_cast<int>(m.size()) + 1, sql});
  return m;
}

TEST(DbDatabase, OlderSchemaIsMigratedKeepingRecords) {
  TempDir dir;
  const std::string path = dir.file("old.db");
  {
    TuningDatabase db = TuningDatabase::open(path);
    db.add_workload(workload("k"));
    db.add_record(record("k", 4.0));
  }
  const int v = TuningDatabase::schema_version();
  TuningDatabase db =
      TuningDatabase::open(path, with_v2("ALTER TABLE records ADD COLUMN note TEXT DEFAULT ''"));
  EXPECT_EQ(db.stored_schema_version(), v + 1);
  ASSERT_TRUE(db.best("k"));
  EXPECT_EQ(db.best("k")->median_ms, 4.0);
  db.add_record(record("k", 3.0));  // still writable after the migration
  EXPECT_EQ(db.records("k").size(), 2u);
}

TEST(DbDatabase, FailedMigrationLeavesTheDatabaseAsItWas) {
  TempDir dir;
  const std::string path = dir.file("old.db");
  {
    TuningDatabase db = TuningDatabase::open(path);
    db.add_workload(workload("k"));
    db.add_record(record("k", 4.0));
  }
  const std::string msg =
      open_error(path, with_v2("CREATE TABLE extra (x); ALTER TABLE no_such ADD COLUMN y"));
  const int v = TuningDatabase::schema_version();
  EXPECT_NE(msg.find("from schema version " + std::to_string(v) + " to " + std::to_string(v + 1)),
            std::string::npos)
      << msg;
  TuningDatabase db = TuningDatabase::open(path);
  EXPECT_EQ(db.stored_schema_version(), v);
  EXPECT_EQ(db.records("k").size(), 1u);
  // The half-run migration's first statement was rolled back with it.
  EXPECT_NO_THROW(TuningDatabase::open(path, with_v2("CREATE TABLE extra (x)")));
}

TEST(DbDatabase, NewerSchemaIsRefusedNamingBothVersions) {
  TempDir dir;
  const std::string path = dir.file("newer.db");
  {
    TuningDatabase db = TuningDatabase::open(path, with_v2("CREATE TABLE extra (x)"));
    db.add_workload(workload("k"));
  }
  const std::string before = read_bytes(path);
  const std::string msg = open_error(path);
  const int v = TuningDatabase::schema_version();
  EXPECT_NE(msg.find("schema version " + std::to_string(v + 1)), std::string::npos) << msg;
  EXPECT_NE(msg.find("newer than version " + std::to_string(v)), std::string::npos) << msg;
  EXPECT_EQ(read_bytes(path), before);
}

TEST(DbDatabase, ExportImportRoundTrips) {
  TempDir dir;
  TuningDatabase a = TuningDatabase::open(dir.file("a.db"));
  a.add_workload(workload("k1"));
  a.add_workload(workload("k2", "M=1,N=2,K=3"));
  a.add_record(record("k1", 1.25, "ok", 1700000000));
  a.add_record(record("k1", 0, "timeout", 1700000001));
  TuningRecord odd = record("k2", 0.75, "ok", 1700000002, /*flops=*/2.0 * 1 * 2 * 3);
  odd.trace_json = "{\"kiln_trace\": 1, \"steps\": [], \"note\": \"quote \\\" and\\nnewline\"}";
  odd.error = "ünïcode";
  a.add_record(odd);
  std::stringstream exported;
  a.export_jsonl(exported);

  TuningDatabase b = TuningDatabase::open(dir.file("b.db"));
  std::stringstream in1(exported.str());
  EXPECT_EQ(b.import_jsonl(in1).added, 3);
  std::stringstream again;
  b.export_jsonl(again);
  EXPECT_EQ(again.str(), exported.str());
  ASSERT_TRUE(b.best("k2"));
  EXPECT_EQ(b.best("k2")->trace_json, odd.trace_json);
  EXPECT_EQ(b.best("k2")->kiln_version, std::string(kiln_version()));

  std::stringstream in2(exported.str());
  const ImportCounts second = b.import_jsonl(in2);
  EXPECT_EQ(second.added, 0);  // already present: nothing doubled
  EXPECT_EQ(second.skipped, 3);
  EXPECT_EQ(b.records("k1").size(), 2u);
}

TEST(DbDatabase, ImportRefusesForgedRecordsAndImportsNothing) {
  TempDir dir;
  TuningDatabase a = TuningDatabase::open(dir.file("a.db"));
  a.add_workload(workload("k"));
  a.add_record(record("k", 0.5));
  std::stringstream good;
  a.export_jsonl(good);
  // One line of the export changed at a time: each import is refused with
  // the reason, and the database stays empty.
  auto forged = [&](const std::function<void(nlohmann::json&)>& edit) {
    std::stringstream lines(good.str());
    std::string line, out;
    while (std::getline(lines, line)) {
      nlohmann::json j = nlohmann::json::parse(line);
      if (j.contains("record")) edit(j["record"]);
      out += j.dump() + "\n";
    }
    return out;
  };
  TuningDatabase b = TuningDatabase::open(dir.file("b.db"));
  auto refusal = [&](const std::string& text) {
    std::stringstream in(text);
    try {
      b.import_jsonl(in);
    } catch (const UserError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  const std::pair<std::function<void(nlohmann::json&)>, std::string> cases[] = {
      {[](nlohmann::json& r) { r["median_ms"] = -1; }, "median_ms is -1"},
      {[](nlohmann::json& r) { r["gflops"] = 1e6; }, "claims 1000000.000000 GFLOP/s"},
      {[](nlohmann::json& r) { r["median_ms"] = 1e-9; r["gflops"] = 1024 / 1e-3; },
       "between 1 ns and a day"},
      {[](nlohmann::json& r) { r["compile_ms"] = -5; }, "compile_ms is -5"},
      {[](nlohmann::json& r) { r["trace_json"] = "{}"; }, "does not apply to its workload"},
      {[](nlohmann::json& r) {
         r["trace_json"] = R"({"kiln_trace": 1, "steps": [{"primitive": "split", "args": ["C.q", 2]}]})";
       }, "does not apply to its workload"},
  };
  for (const auto& [edit, why] : cases) {
    SCOPED_TRACE(why);
    const std::string e = refusal(forged(edit));
    EXPECT_NE(e.find(why), std::string::npos) << e;
    EXPECT_NE(e.find("nothing was imported"), std::string::npos) << e;
    EXPECT_TRUE(b.find_workloads("").empty());
  }
  // The genuine export imports.
  std::stringstream in(good.str());
  EXPECT_EQ(b.import_jsonl(in).added, 1);
}

TEST(DbDatabase, BadImportChangesNothing) {
  TempDir dir;
  TuningDatabase db = TuningDatabase::open(dir.file("t.db"));
  const std::string good = "{\"workload\": {\"key\": \"k\", \"op\": \"matmul\", \"shape\": \"M=1\","
                           " \"options\": \"\", \"target\": \"t\", \"hardware\": \"h\"}}\n";
  auto import_error = [&](const std::string& text) {
    std::stringstream in(text);
    try {
      db.import_jsonl(in);
    } catch (const UserError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(import_error(good + "not json\n").find("line 2"), std::string::npos);
  EXPECT_NE(import_error(good + "{\"record\": {\"workload_key\": \"other\", \"trace_json\": \"{}\","
                                " \"status\": \"ok\", \"created_unix\": 1}}\n")
                .find("workload other"),
            std::string::npos);
  EXPECT_NE(import_error(good + "{\"record\": {\"workload_key\": \"k\", \"trace_json\": \"{}\","
                                " \"status\": \"great\", \"created_unix\": 1}}\n")
                .find("'status'"),
            std::string::npos);
  EXPECT_NE(import_error("[1, 2]\n").find("line 1"), std::string::npos);
  EXPECT_TRUE(db.find_workloads("").empty());  // the good first lines were not kept either
}

TEST(DbDatabase, PruneInvalidAndOld) {
  TempDir dir;
  TuningDatabase db = TuningDatabase::open(dir.file("t.db"));
  db.add_workload(workload("k"));
  db.add_workload(workload("only_failures"));
  const int64_t now = std::time(nullptr), old = now - 100 * 86400;
  const int64_t best = db.add_record(record("k", 1.0, "ok", old));  // old, but the best
  db.add_record(record("k", 2.0, "ok", old));                       // old: goes
  db.add_record(record("k", 3.0, "ok", now));                       // recent: stays
  db.add_record(record("k", 0, "invalid", now));
  db.add_record(record("only_failures", 0, "crash", old));
  db.add_record(record("only_failures", 0, "timeout", now));

  EXPECT_EQ(db.prune(false, now - 86400), 2);  // the old slow ok and the old crash
  EXPECT_EQ(db.records("k").size(), 3u);
  EXPECT_EQ(db.records("only_failures").size(), 1u);
  EXPECT_EQ(db.prune(true, 0), 2);  // invalid and timeout
  const std::vector<TuningRecord> left = db.records("k");
  ASSERT_EQ(left.size(), 2u);
  EXPECT_EQ(left[0].id, best);
  EXPECT_EQ(db.prune(true, now + 10), 1);  // everything but the best
  EXPECT_EQ(db.best("k")->id, best);
}

// A schedule is judged by all its measurements: one lucky run of A stays
// best only until A is measured again; the mean is what best() reports.
TEST(DbDatabase, BestIsTheScheduleFastestOnAverage) {
  TempDir dir;
  TuningDatabase db = TuningDatabase::open(dir.file("t.db"));
  db.add_workload(workload("k"));
  TuningRecord a = record("k", 1.0), b = record("k", 1.2);
  const int64_t a_first = db.add_record(a);
  const int64_t b_first = db.add_record(b);
  EXPECT_EQ(db.best("k")->id, a_first);
  EXPECT_DOUBLE_EQ(db.best("k")->median_ms, 1.0);

  a.median_ms = 2.0;  // A again, slower this time: mean 1.5
  a.gflops = 0.5;
  db.add_record(a);
  b.median_ms = 1.3;  // B again: mean 1.25
  db.add_record(b);
  const std::optional<TuningRecord> best = db.best("k");
  ASSERT_TRUE(best);
  EXPECT_EQ(best->id, b_first);
  EXPECT_EQ(best->trace_json, b.trace_json);
  EXPECT_DOUBLE_EQ(best->median_ms, 1.25);
  // The same work in the mean time.
  EXPECT_DOUBLE_EQ(best->gflops, record("k", 1.2).gflops * 1.2 / 1.25);
  // Any schedule's figures, computed the same way.
  EXPECT_DOUBLE_EQ(db.mean_of("k", a.trace_json)->median_ms, 1.5);
  EXPECT_EQ(db.mean_of("k", b.trace_json)->median_ms, best->median_ms);
  EXPECT_FALSE(db.mean_of("k", "{\"never\":1}"));

  // Pruning by age keeps every measurement of the best schedule.
  EXPECT_EQ(db.prune(false, std::time(nullptr) + 10), 2);  // A's two records
  EXPECT_EQ(db.records("k").size(), 2u);
  EXPECT_DOUBLE_EQ(db.best("k")->median_ms, 1.25);
}

// Once a schedule has been measured three times (confirmed), a schedule
// measured fewer times no longer competes, however fast its runs.
TEST(DbDatabase, BestIsAConfirmedScheduleOnceThereIsOne) {
  TempDir dir;
  TuningDatabase db = TuningDatabase::open(dir.file("t.db"));
  db.add_workload(workload("k"));
  TuningRecord a = record("k", 1.5), b = record("k", 1.0);
  b.trace_json = "{\"b\":1}";
  const int64_t a_first = db.add_record(a);
  const int64_t b_first = db.add_record(b);
  EXPECT_EQ(db.best("k")->id, b_first);  // one run each: the faster
  db.add_record(a);                      // two runs of A, one of B: A competes alone
  EXPECT_EQ(db.best("k")->id, a_first);
  db.add_record(b);                      // two each: the faster on average
  EXPECT_EQ(db.best("k")->id, b_first);
  db.add_record(a);                      // A confirmed (3 runs), B not
  EXPECT_EQ(db.best("k")->id, a_first);
  EXPECT_DOUBLE_EQ(db.best("k")->median_ms, 1.5);
  // Pruning keeps the confirmed best's runs and what else is recent.
  EXPECT_EQ(db.prune(false, std::time(nullptr) + 10), 2);  // B's two records
  EXPECT_EQ(db.best("k")->id, a_first);
  // Listing reports the same best.
  EXPECT_EQ(db.list().at(0).best->id, a_first);
}

TEST(DbDatabase, DefaultPath) {
  TempDir dir;
  EXPECT_EQ(default_database_path("/x/flag.db"), "/x/flag.db");
  const char* old_db = std::getenv("KILN_DB");
  const std::string saved_db = old_db ? old_db : "";
  const char* old_xdg = std::getenv("XDG_CACHE_HOME");
  const std::string saved_xdg = old_xdg ? old_xdg : "";
  setenv("KILN_DB", (dir.path() + "/env.db").c_str(), 1);
  EXPECT_EQ(default_database_path(), dir.path() + "/env.db");
  unsetenv("KILN_DB");
  setenv("XDG_CACHE_HOME", (dir.path() + "/cache").c_str(), 1);
  EXPECT_EQ(default_database_path(), dir.path() + "/cache/kiln/tuning.db");
  EXPECT_TRUE(std::filesystem::is_directory(dir.path() + "/cache/kiln"));
  if (old_db) setenv("KILN_DB", saved_db.c_str(), 1);
  if (old_xdg) {
    setenv("XDG_CACHE_HOME", saved_xdg.c_str(), 1);
  } else {
    unsetenv("XDG_CACHE_HOME");
  }
}

}  // namespace
}  // namespace kiln
