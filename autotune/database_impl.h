#pragma once
/// \file
/// What database.cpp and database_jsonl.cpp share (internal to libkiln):
/// the connection and the row <-> struct conversions.

#include <sqlite3.h>

#include <mutex>
#include <string>

#include "autotune/database.h"
#include "autotune/sqlite_util.h"

namespace kiln {

struct TuningDatabase::Impl {
  sqlite3* db = nullptr;
  std::string path;
  int version = 0;
  // Opened with sqlite::open_read_only: this user may not write the file or
  // its directory. Writes refuse (sqlite::write_transaction).
  bool read_only = false;
  // One connection serves every thread of a process; SQLite's own locks
  // order the processes.
  mutable std::mutex mu;
  ~Impl() { sqlite3_close_v2(db); }
};

namespace db_rows {

/// The columns record_from_row reads, in its order.
constexpr const char* kRecordColumns =
    "id, workload_key, trace_json, status, error, median_ms, gflops, compile_ms, created_unix, "
    "kiln_version, uuid, knobs_json, source";
/// How many columns kRecordColumns names.
constexpr int kRecordColumnCount = 13;
/// The columns workload_from_row reads, in its order.
constexpr const char* kWorkloadColumns = "key, op, shape, options, target, hardware";

TuningRecord record_from_row(const sqlite::Statement& st);
WorkloadKey workload_from_row(const sqlite::Statement& st);

/// Knobs as the knobs_json column and exports hold them: a JSON object of
/// integers, by name ("{}" for none).
std::string knobs_to_json(const KnobValues& knobs);
/// The knobs of such an object's text; false (and nothing) when it is not
/// one.
bool knobs_from_json(const std::string& text, KnobValues* knobs);

/// Whether status is one of the statuses TuningRecord lists.
bool valid_status(const std::string& status);

/// A fresh random (version 4) UUID from std::random_device (/dev/urandom):
/// "8-4-4-4-12" lower-case hex.
std::string new_uuid();
/// Whether text is a UUID in that form (any version, hex of either case).
bool is_uuid(const std::string& text);

/// INSERT OR IGNORE of a workload; call inside a write transaction.
void insert_workload(sqlite3* db, const std::string& path, const WorkloadKey& w);
/// Whether the workload exists.
bool has_workload(sqlite3* db, const std::string& path, const std::string& key);
/// Inserts r as given (created_unix, kiln_version and uuid already set);
/// returns its id. Call inside a write transaction.
int64_t insert_record(sqlite3* db, const std::string& path, const TuningRecord& r);

}  // namespace db_rows
}  // namespace kiln
