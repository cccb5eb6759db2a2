// Typed records (schema version 4): a record's trace_json holds only the
// trace; its knobs and source have columns of their own. A version 3
// database (knobs and the default's mark inside the trace) is migrated,
// its sources set from what its rows show; export and import carry knobs
// and source, and still read the lines of older kilns.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <sstream>

#include <nlohmann/json.hpp>

#include "autotune/database.h"
#include "autotune/search.h"
#include "autotune/trial_loop.h"
#include "db_test_util.h"
#include "base/error.h"
#include "kiln.h"
#include "ops/op.h"

namespace kiln {
namespace {

using db_test::exported;
using db_test::import_text;
using db_test::record;
using db_test::TempDir;
using db_test::workload;

// The schedules of db_test::workload's matmul 8x8x8: the op's default and
// the naive one (standing in for a search's candidate).
struct Schedules {
  const Op& op = find_op("matmul");
  ComputeDef def = op.define(op.resolve_sizes({{"M", 8}, {"N", 8}, {"K", 8}}),
                             op.resolve_options({}));
  std::string default_trace = stored_trace_json(op.default_schedule(def, host_target()), "matmul");
  std::string search_trace = stored_trace_json(Schedule(def), "matmul");
};

// A trace as kilns before schema version 4 stored it, with `extra` (the
// knobs, or the default's mark) added at the end.
std::string legacy_trace(const std::string& trace, const nlohmann::ordered_json& extra) {
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(trace);
  for (const auto& [key, value] : extra.items()) j[key] = value;
  return j.dump();
}

// Runs SQL on the file directly, as an older kiln (or a person) would.
void exec_sql(const std::string& path, const std::string& sql) {
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
  char* err = nullptr;
  EXPECT_EQ(sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << err;
  sqlite3_free(err);
  sqlite3_close(raw);
}

// An INSERT of r as a kiln of schema version 3 made it (no knobs or
// source columns).
std::string insert_v3(const TuningRecord& r, const std::string& uuid) {
  auto quote = [](const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
    return out + "'";
  };
  char figures[128];
  std::snprintf(figures, sizeof(figures), "%.17g, %.17g, %.17g", r.median_ms, r.gflops,
                r.compile_ms);
  return "INSERT INTO records (workload_key, trace_json, status, error, median_ms, gflops, "
         "compile_ms, created_unix, kiln_version, uuid) VALUES (" + quote(r.workload_key) + ", " +
         quote(r.trace_json) + ", " + quote(r.status) + ", " + quote(r.error) + ", " + figures +
         ", " + std::to_string(r.created_unix) + ", '0.0.9', " + quote(uuid) + ");";
}

TuningRecord with_trace(TuningRecord r, const std::string& trace) {
  r.trace_json = trace;
  return r;
}

std::string uuid_n(int n) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "00000000-0000-4000-8000-%012d", n);
  return buf;
}

// A version 3 database as a tuning session of that kiln left it: the
// default, two search trials, a confirmation run of each of the faster
// trial and the default, and a row whose trace is not JSON at all.
std::string make_v3_database(const TempDir& dir, const Schedules& s) {
  const std::string path = dir.file("v3.db");
  const std::vector<SchemaMigration> v3(schema_migrations().begin(),
                                        schema_migrations().begin() + 3);
  {
    TuningDatabase old = TuningDatabase::open(path, v3);  // a kiln of schema version 3
    EXPECT_EQ(old.stored_schema_version(), 3);
    old.add_workload(workload("k"));
  }
  const std::string def_old = legacy_trace(s.default_trace, {{"source", "default"}});
  const std::string a_old = legacy_trace(s.search_trace, {{"knobs", {{"C.tile", 4}, {"C.vec", 8}}}});
  // Another knob set that made the same trace: one schedule, two trials.
  const std::string b_old = legacy_trace(s.search_trace, {{"knobs", {{"C.tile", 2}, {"C.vec", 8}}}});
  std::string sql;
  sql += insert_v3(with_trace(record("k", 0.010, "ok", 100), def_old), uuid_n(1));
  sql += insert_v3(with_trace(record("k", 0.004, "ok", 101), a_old), uuid_n(2));
  sql += insert_v3(with_trace(record("k", 0, "crash", 102), b_old), uuid_n(3));
  sql += insert_v3(with_trace(record("k", 0.005, "ok", 103), a_old), uuid_n(4));
  sql += insert_v3(with_trace(record("k", 0.012, "ok", 103), def_old), uuid_n(5));
  sql += insert_v3(with_trace(record("k", 0.020, "ok", 104), "not json {"), uuid_n(6));
  exec_sql(path, sql);
  return path;
}

TEST(DbRecords, VersionThreeDatabaseIsMigrated) {
  TempDir dir;
  const Schedules s;
  const std::string path = make_v3_database(dir, s);
  TuningDatabase db = TuningDatabase::open(path);
  EXPECT_EQ(db.stored_schema_version(), 4);
  EXPECT_EQ(TuningDatabase::schema_version(), 4);
  const std::vector<TuningRecord> rows = db.records("k");
  ASSERT_EQ(rows.size(), 6u);
  const KnobValues a = {{"C.tile", 4}, {"C.vec", 8}}, b = {{"C.tile", 2}, {"C.vec", 8}};
  // Each trace reads exactly as this kiln writes the same schedule.
  EXPECT_EQ(rows[0].trace_json, s.default_trace);
  EXPECT_EQ(rows[0].source, RecordSource::Default);
  EXPECT_TRUE(rows[0].knobs.empty());
  EXPECT_EQ(rows[1].trace_json, s.search_trace);
  EXPECT_EQ(rows[1].source, RecordSource::Search);
  EXPECT_EQ(rows[1].knobs, a);
  EXPECT_EQ(rows[2].trace_json, s.search_trace);
  EXPECT_EQ(rows[2].source, RecordSource::Search) << "another knob set: its own search trial";
  EXPECT_EQ(rows[2].knobs, b);
  EXPECT_EQ(rows[3].source, RecordSource::Confirm);
  EXPECT_EQ(rows[3].knobs, a);
  EXPECT_EQ(rows[4].trace_json, s.default_trace);
  EXPECT_EQ(rows[4].source, RecordSource::Confirm);
  EXPECT_EQ(rows[5].trace_json, "not json {") << "a row no kiln wrote is left as it was";
  EXPECT_EQ(rows[5].source, RecordSource::Search);
  EXPECT_TRUE(rows[5].knobs.empty());
  for (const TuningRecord& r : rows) {
    EXPECT_EQ(r.trace_json.find("\"knobs\""), std::string::npos) << r.trace_json;
    EXPECT_EQ(r.trace_json.find("\"source\""), std::string::npos) << r.trace_json;
    EXPECT_EQ(r.kiln_version, "0.0.9");
  }
  // The figures the tuner serves: the default found by its source, its mean
  // over both its runs; the best, the mean of its trace's ok runs.
  TuneResult cached;
  ASSERT_TRUE(load_cached_best(db, "k", std::chrono::steady_clock::now(), cached));
  EXPECT_NEAR(cached.default_median_ms, (0.010 + 0.012) / 2, 1e-12);
  EXPECT_EQ(cached.best_trace_json, s.search_trace);
  EXPECT_NEAR(cached.best_median_ms, (0.004 + 0.005) / 2, 1e-12);
  EXPECT_EQ(cached.best_knobs, a);
  EXPECT_EQ(cached.best_source, RecordSource::Search);
  // A new measurement of the default, as this kiln stores it, is one more
  // run of the same schedule.
  TuningRecord again = with_trace(record("k", 0.011, "ok", 105), s.default_trace);
  again.source = RecordSource::Confirm;
  db.add_record(again);
  EXPECT_NEAR(db.mean_of("k", s.default_trace)->median_ms, (0.010 + 0.012 + 0.011) / 3, 1e-12);
}

TEST(DbRecords, KnobsAndSourceAreStoredBesideTheTrace) {
  TempDir dir;
  TuningDatabase db = TuningDatabase::open(dir.file("a.db"));
  db.add_workload(workload("k"));
  for (RecordSource source : {RecordSource::Default, RecordSource::Search, RecordSource::Confirm,
                              RecordSource::Import}) {
    TuningRecord r = record("k", 1.0);
    r.source = source;
    if (source != RecordSource::Default) r.knobs = {{"x", 3}, {"a.b", -1}};
    db.add_record(r);
  }
  const std::vector<TuningRecord> rows = db.records("k");
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].source, RecordSource::Default);
  EXPECT_TRUE(rows[0].knobs.empty());
  EXPECT_EQ(rows[1].source, RecordSource::Search);
  EXPECT_EQ(rows[2].source, RecordSource::Confirm);
  EXPECT_EQ(rows[3].source, RecordSource::Import);
  EXPECT_EQ(rows[3].knobs, (KnobValues{{"x", 3}, {"a.b", -1}}));
  EXPECT_EQ(rows[3].trace_json, record("k", 1.0).trace_json);
  for (RecordSource s : {RecordSource::Default, RecordSource::Search, RecordSource::Confirm,
                         RecordSource::Import}) {
    EXPECT_EQ(parse_record_source(source_name(s)), s);
  }
  EXPECT_FALSE(parse_record_source("Search").has_value());
  // The schema holds anything else out.
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(dir.file("a.db").c_str(), &raw), SQLITE_OK);
  EXPECT_NE(sqlite3_exec(raw, "UPDATE records SET source = 'guess'", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(raw);
}

// The import's error message, or "" when it imported.
std::string import_error(TuningDatabase& db, const std::string& text) {
  try {
    import_text(db, text);
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

TEST(DbRecords, ExportCarriesKnobsAndSource) {
  TempDir dir;
  const Schedules s;
  TuningDatabase a = TuningDatabase::open(make_v3_database(dir, s));
  const std::string text = exported(a);
  std::stringstream lines(text);
  std::string line;
  int records = 0;
  while (std::getline(lines, line)) {
    const nlohmann::json j = nlohmann::json::parse(line);
    if (!j.contains("record")) continue;
    ++records;
    EXPECT_TRUE(j["record"]["knobs"].is_object()) << line;
    EXPECT_TRUE(j["record"]["source"].is_string()) << line;
  }
  EXPECT_EQ(records, 6);
  // The row that is not JSON does not replay; the rest round-trip exactly.
  std::string importable;
  std::stringstream again(text);
  while (std::getline(again, line)) {
    if (line.find("not json") == std::string::npos) importable += line + "\n";
  }
  TuningDatabase b = TuningDatabase::open(dir.file("b.db"));
  EXPECT_EQ(import_text(b, importable).added, 5);
  const std::vector<TuningRecord> ra = a.records("k"), rb = b.records("k");
  ASSERT_EQ(rb.size(), 5u);
  for (size_t i = 0; i < rb.size(); ++i) {
    EXPECT_EQ(rb[i].trace_json, ra[i].trace_json);
    EXPECT_EQ(rb[i].knobs, ra[i].knobs);
    EXPECT_EQ(rb[i].source, ra[i].source);
    EXPECT_EQ(rb[i].uuid, ra[i].uuid);
  }
  // A source or knobs this kiln does not know is refused, and nothing is
  // imported.
  TuningDatabase c = TuningDatabase::open(dir.file("c.db"));
  auto replaced = [&](const std::string& what, const std::string& with) {
    std::string out = importable;
    const size_t at = out.find(what);
    EXPECT_NE(at, std::string::npos) << what;
    return at == std::string::npos ? out : out.replace(at, what.size(), with);
  };
  EXPECT_NE(import_error(c, replaced("\"source\":\"default\"", "\"source\":\"guess\""))
                .find("field 'source'"),
            std::string::npos);
  EXPECT_NE(import_error(c, replaced("\"knobs\":{\"C.tile\":4", "\"knobs\":{\"C.tile\":\"4\""))
                .find("field 'knobs'"),
            std::string::npos);
  EXPECT_TRUE(c.find_workloads("").empty());
}

// Lines of a kiln before schema version 4: no knobs or source fields, the
// knobs and the default's mark inside the trace. They are split off as the
// migration splits them; a line that does not say where it came from is
// an import (the default's mark says Default).
TEST(DbRecords, ImportReadsOlderExportLines) {
  TempDir dir;
  const Schedules s;
  const nlohmann::json w = {{"workload",
                             {{"key", "k"}, {"op", "matmul"}, {"shape", workload("k").shape},
                              {"options", "dtype=f32"}, {"target", "llvm -mcpu=test"},
                              {"hardware", "cpu=test;features=;threads=1"}}}};
  auto line = [&](const std::string& trace, double ms, int n) {
    const TuningRecord r = record("k", ms, "ok", 100 + n);
    return nlohmann::json{{"record",
                           {{"workload_key", "k"}, {"trace_json", trace}, {"status", "ok"},
                            {"error", ""}, {"median_ms", r.median_ms}, {"gflops", r.gflops},
                            {"compile_ms", 1.5}, {"created_unix", r.created_unix},
                            {"kiln_version", "0.0.9"}, {"uuid", uuid_n(n)}}}}
        .dump();
  };
  const std::string text =
      w.dump() + "\n" + line(legacy_trace(s.default_trace, {{"source", "default"}}), 0.01, 1) +
      "\n" + line(legacy_trace(s.search_trace, {{"knobs", {{"C.tile", 4}}}}), 0.004, 2) + "\n";
  TuningDatabase db = TuningDatabase::open(dir.file("a.db"));
  EXPECT_EQ(import_text(db, text).added, 2);
  const std::vector<TuningRecord> rows = db.records("k");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].trace_json, s.default_trace);
  EXPECT_EQ(rows[0].source, RecordSource::Default);
  EXPECT_TRUE(rows[0].knobs.empty());
  EXPECT_EQ(rows[1].trace_json, s.search_trace);
  EXPECT_EQ(rows[1].source, RecordSource::Import);
  EXPECT_EQ(rows[1].knobs, (KnobValues{{"C.tile", 4}}));
  // Imported again, the same lines are known by their uuids.
  EXPECT_EQ(import_text(db, text).skipped, 2);
  // The workload read back from the file is typed too.
  EXPECT_EQ(db.workload("k")->sizes.at("M"), 8);
}

}  // namespace
}  // namespace kiln
