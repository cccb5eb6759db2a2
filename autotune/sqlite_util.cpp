#include "autotune/sqlite_util.h"

#include <chrono>
#include <thread>

#include "dsl/error.h"

namespace kiln::sqlite {
namespace {

bool is_busy(int rc) {
  const int primary = rc & 0xff;
  return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
}

// Runs one statement of text, retrying while the database is locked by
// another process: the busy timeout covers most waits, but SQLite returns
// SQLITE_BUSY at once where waiting could deadlock, and a tuner that gives
// up on a write loses a measurement.
void exec_retrying(sqlite3* db, const std::string& path, const char* sql) {
  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + std::chrono::seconds(60);
  int delay_ms = 1;
  for (;;) {
    const int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
    if (rc == SQLITE_OK) return;
    if (!is_busy(rc) || clock::now() > deadline) fail(db, path, sql);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    delay_ms = std::min(delay_ms * 2, 50);
  }
}

}  // namespace

void fail(sqlite3* db, const std::string& path, const std::string& what) {
  const char* msg = db ? sqlite3_errmsg(db) : "out of memory";
  user_error << "tuning database '" << path << "': " << what << " failed: " << msg
             << "; check that the file is readable and writable, or pass another --db path";
  // user_error throws when the statement ends; this keeps [[noreturn]] honest.
  throw UserError("unreachable");
}

Statement::Statement(sqlite3* db, const std::string& path, const char* sql)
    : db_(db), path_(path), sql_(sql) {
  if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) {
    fail(db, path, std::string("preparing '") + sql + "'");
  }
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::bind_text(int i, const std::string& v) {
  sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind_int(int i, int64_t v) {
  sqlite3_bind_int64(stmt_, i, v);
  return *this;
}

Statement& Statement::bind_real(int i, double v) {
  sqlite3_bind_double(stmt_, i, v);
  return *this;
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail(db_, path_, "'" + sql_ + "'");
}

void Statement::run() {
  while (step()) {
  }
}

std::string Statement::text(int col) const {
  const unsigned char* t = sqlite3_column_text(stmt_, col);
  return t ? std::string(reinterpret_cast<const char*>(t), sqlite3_column_bytes(stmt_, col)) : "";
}

int64_t Statement::int64(int col) const { return sqlite3_column_int64(stmt_, col); }

double Statement::real(int col) const { return sqlite3_column_double(stmt_, col); }

void exec(sqlite3* db, const std::string& path, const std::string& sql) {
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
    fail(db, path, "running SQL");
  }
}

void write_transaction(sqlite3* db, const std::string& path, const std::function<void()>& fn) {
  exec_retrying(db, path, "BEGIN IMMEDIATE");
  try {
    fn();
    exec_retrying(db, path, "COMMIT");
  } catch (...) {
    // Rolling back an already finished transaction fails harmlessly.
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

}  // namespace kiln::sqlite
