// Records' identity (schema version 2): every record has a uuid, export
// writes it and import knows a record by it, so runs of one schedule made
// in the same second (the tuner's confirmation runs) survive a round trip;
// exports without uuids (older kilns) are known by every field; a version 1
// database is migrated and its rows get distinct uuids.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdio>
#include <regex>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "autotune/database.h"
#include "db_test_util.h"
#include "base/error.h"

namespace kiln {
namespace {

using db_test::exported;
using db_test::import_text;
using db_test::record;
using db_test::TempDir;
using db_test::workload;

// A version 4 UUID as kiln writes it.
bool is_v4_uuid(const std::string& s) {
  static const std::regex re("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  return std::regex_match(s, re);
}

// A double as SQL text, every digit kept.
std::string exact(double v) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%.17g", v);
  return buf;
}

// Every record of the database, workload by workload, oldest first.
std::vector<TuningRecord> all_records(const TuningDatabase& db) {
  std::vector<TuningRecord> out;
  for (const WorkloadKey& w : db.find_workloads("")) {
    for (TuningRecord& r : db.records(w.key)) out.push_back(std::move(r));
  }
  return out;
}

// The export as an older kiln wrote it: records without "uuid".
std::string without_uuids(const std::string& text) {
  std::stringstream lines(text);
  std::string line, out;
  while (std::getline(lines, line)) {
    nlohmann::json j = nlohmann::json::parse(line);
    if (j.contains("record")) j["record"].erase("uuid");
    out += j.dump() + "\n";
  }
  return out;
}

// A tuning session as the tuner leaves it: a search, then two confirmation
// runs of the front-runner, several in one second (created_unix equal).
TuningDatabase session(const std::string& path) {
  TuningDatabase db = TuningDatabase::open(path);
  db.add_workload(workload("k1"));
  db.add_workload(workload("k2", "M=1,N=2,K=3"));
  const int64_t t = 1700000000;
  TuningRecord front = record("k1", 0.50, "ok", t);
  front.knobs = {{"C.tile", 8}, {"C.vec", 16}};  // a search trial, with its knobs
  db.add_record(front);
  db.add_record(record("k1", 0.90, "ok", t));
  db.add_record(record("k1", 0, "timeout", t));
  db.add_record(record("k1", 0, "timeout", t));  // equal in every field but its uuid
  front.median_ms = 0.52;  // the two confirmation runs, in the same second
  front.gflops = record("k1", 0.52).gflops;
  front.source = RecordSource::Confirm;
  db.add_record(front);
  front.median_ms = 0.48;
  front.gflops = record("k1", 0.48).gflops;
  db.add_record(front);
  TuningRecord other = record("k2", 0.25, "ok", t, 2.0 * 1 * 2 * 3);
  other.source = RecordSource::Default;
  db.add_record(other);
  return db;
}

void expect_same_records(const std::vector<TuningRecord>& a, const std::vector<TuningRecord>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    SCOPED_TRACE("record " + std::to_string(i));
    EXPECT_EQ(a[i].workload_key, b[i].workload_key);
    EXPECT_EQ(a[i].trace_json, b[i].trace_json);
    EXPECT_EQ(a[i].status, b[i].status);
    EXPECT_EQ(a[i].error, b[i].error);
    EXPECT_EQ(a[i].median_ms, b[i].median_ms);
    EXPECT_EQ(a[i].gflops, b[i].gflops);
    EXPECT_EQ(a[i].compile_ms, b[i].compile_ms);
    EXPECT_EQ(a[i].created_unix, b[i].created_unix);
    EXPECT_EQ(a[i].kiln_version, b[i].kiln_version);
    EXPECT_EQ(a[i].knobs, b[i].knobs);
    EXPECT_EQ(a[i].source, b[i].source);
  }
}

TEST(DbUuid, EveryRecordGetsItsOwnUuid) {
  TempDir dir;
  const TuningDatabase db = session(dir.file("a.db"));
  std::set<std::string> seen;
  for (const TuningRecord& r : all_records(db)) {
    EXPECT_TRUE(is_v4_uuid(r.uuid)) << r.uuid;
    EXPECT_TRUE(seen.insert(r.uuid).second) << "uuid " << r.uuid << " given twice";
  }
  EXPECT_EQ(seen.size(), 7u);
}

// The 92 -> 88: import used to know a record by workload, trace and
// second, so the confirmation runs of the front-runner (same trace, same
// second) and the two equal timeouts collapsed into one each.
TEST(DbUuid, SameSecondRunsSurviveExportAndImport) {
  TempDir dir;
  const TuningDatabase a = session(dir.file("a.db"));
  const std::string text = exported(a);
  EXPECT_NE(text.find("\"uuid\":"), std::string::npos);

  TuningDatabase b = TuningDatabase::open(dir.file("b.db"));
  const ImportCounts first = import_text(b, text);
  EXPECT_EQ(first.added, 7);
  EXPECT_EQ(first.skipped, 0);
  const std::vector<TuningRecord> ra = all_records(a), rb = all_records(b);
  expect_same_records(ra, rb);
  for (size_t i = 0; i < ra.size() && i < rb.size(); ++i) EXPECT_EQ(ra[i].uuid, rb[i].uuid);
  // The same figures: the front-runner's mean over its three runs.
  ASSERT_TRUE(a.best("k1") && b.best("k1"));
  EXPECT_DOUBLE_EQ(b.best("k1")->median_ms, (0.50 + 0.52 + 0.48) / 3);
  EXPECT_EQ(b.best("k1")->median_ms, a.best("k1")->median_ms);
  EXPECT_EQ(b.best("k1")->gflops, a.best("k1")->gflops);
  EXPECT_EQ(exported(b), text);

  // The same file again adds nothing; so does b's own export into a.
  const ImportCounts second = import_text(b, text);
  EXPECT_EQ(second.added, 0);
  EXPECT_EQ(second.skipped, 7);
  EXPECT_EQ(all_records(b).size(), 7u);
  TuningDatabase a_again = TuningDatabase::open(dir.file("a.db"));
  EXPECT_EQ(import_text(a_again, exported(b)).added, 0);
  EXPECT_EQ(all_records(a_again).size(), 7u);
}

// An export of a kiln before schema version 2 has no uuids: a record is
// then known by all its fields, so runs in one second that differ in any
// figure are all kept, and importing the file twice adds nothing the
// second time.
TEST(DbUuid, ExportWithoutUuidsKnowsRecordsByEveryField) {
  TempDir dir;
  const TuningDatabase a = session(dir.file("a.db"));
  const std::string old_text = without_uuids(exported(a));
  ASSERT_EQ(old_text.find("uuid"), std::string::npos);

  TuningDatabase b = TuningDatabase::open(dir.file("b.db"));
  const ImportCounts first = import_text(b, old_text);
  // The two timeouts are equal in every field: nothing tells them apart.
  EXPECT_EQ(first.added, 6);
  EXPECT_EQ(first.skipped, 1);
  std::vector<TuningRecord> expected = all_records(a);
  expected.erase(expected.begin() + 3);  // the second, equal timeout
  const std::vector<TuningRecord> got = all_records(b);
  expect_same_records(expected, got);
  std::set<std::string> uuids;
  for (const TuningRecord& r : got) {
    EXPECT_TRUE(is_v4_uuid(r.uuid)) << r.uuid;  // given on import
    uuids.insert(r.uuid);
  }
  EXPECT_EQ(uuids.size(), got.size());
  EXPECT_DOUBLE_EQ(b.best("k1")->median_ms, (0.50 + 0.52 + 0.48) / 3);

  const ImportCounts second = import_text(b, old_text);
  EXPECT_EQ(second.added, 0);
  EXPECT_EQ(second.skipped, 7);
  EXPECT_EQ(all_records(b).size(), 6u);
  // One figure changed is another measurement.
  std::string changed = old_text;
  const size_t at = changed.find("\"compile_ms\":1.5");
  ASSERT_NE(at, std::string::npos);
  changed.replace(at, 16, "\"compile_ms\":1.75");
  EXPECT_EQ(import_text(b, changed).added, 1);
}

TEST(DbUuid, ImportRefusesABadUuidAndImportsNothing) {
  TempDir dir;
  const TuningDatabase a = session(dir.file("a.db"));
  std::string text = exported(a);
  const std::string uuid = all_records(a).back().uuid;
  text.replace(text.find(uuid), uuid.size(), "not-a-uuid");
  TuningDatabase b = TuningDatabase::open(dir.file("b.db"));
  std::string error;
  try {
    import_text(b, text);
  } catch (const UserError& e) {
    error = e.what();
  }
  EXPECT_NE(error.find("field 'uuid'"), std::string::npos) << error;
  EXPECT_TRUE(b.find_workloads("").empty());
}

// A database of schema version 1 (before uuids), with records as that kiln
// stored them, opened by this kiln: migrated, and each row gets its own
// random uuid.
TEST(DbUuid, VersionOneDatabaseIsMigratedAndItsRowsGetDistinctUuids) {
  TempDir dir;
  const std::string path = dir.file("v1.db");
  const std::vector<SchemaMigration> v1 = {schema_migrations().at(0)};
  ASSERT_EQ(v1[0].to_version, 1);
  {
    TuningDatabase old = TuningDatabase::open(path, v1);  // a kiln of schema version 1
    EXPECT_EQ(old.stored_schema_version(), 1);
    old.add_workload(workload("k"));
  }
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
    std::string sql;
    for (int i = 0; i < 50; ++i) {
      const TuningRecord r = record("k", 1.0 + i / 100.0, "ok", 1700000000);
      sql += "INSERT INTO records (workload_key, trace_json, status, median_ms, gflops, "
             "compile_ms, created_unix, kiln_version) VALUES ('k', '" + r.trace_json +
             "', 'ok', " + exact(r.median_ms) + ", " + exact(r.gflops) +
             ", 1.5, 1700000000, '0.0.9');";
    }
    char* err = nullptr;
    EXPECT_EQ(sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << err;
    sqlite3_free(err);
    sqlite3_close(raw);
  }
  TuningDatabase db = TuningDatabase::open(path);
  EXPECT_EQ(db.stored_schema_version(), TuningDatabase::schema_version());
  EXPECT_GE(TuningDatabase::schema_version(), 2);
  std::vector<TuningRecord> rows = db.records("k");
  ASSERT_EQ(rows.size(), 50u);
  std::set<std::string> uuids;
  for (const TuningRecord& r : rows) {
    EXPECT_TRUE(is_v4_uuid(r.uuid)) << r.uuid;
    uuids.insert(r.uuid);
    EXPECT_EQ(r.kiln_version, "0.0.9");
  }
  EXPECT_EQ(uuids.size(), 50u);
  // The figures survived, and the migrated database takes new records and
  // round-trips them all.
  EXPECT_DOUBLE_EQ(rows[10].median_ms, 1.10);
  EXPECT_TRUE(is_v4_uuid(rows.at(0).uuid));
  db.add_record(record("k", 2.0));
  TuningDatabase b = TuningDatabase::open(dir.file("b.db"));
  EXPECT_EQ(import_text(b, exported(db)).added, 51);
  EXPECT_EQ(b.records("k").size(), 51u);
}

}  // namespace
}  // namespace kiln
