#pragma once
/// \file
/// Thin RAII over the SQLite C API for the tuning database (internal to
/// libkiln: nothing outside autotune/ includes it). Every failure becomes a
/// kiln::UserError naming the database file, what kiln was doing and
/// SQLite's own words.

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <string>

namespace kiln::sqlite {

/// Throws UserError: "tuning database 'PATH': WHAT failed: SQLITE MESSAGE".
[[noreturn]] void fail(sqlite3* db, const std::string& path, const std::string& what);

/// One prepared statement. Binding indices start at 1, columns at 0.
class Statement {
 public:
  Statement(sqlite3* db, const std::string& path, const char* sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind_text(int i, const std::string& v);
  Statement& bind_int(int i, int64_t v);
  Statement& bind_real(int i, double v);
  /// Advances: true when a row is ready, false when done. Throws on error.
  bool step();
  /// Runs a statement that returns no rows (or ignores them).
  void run();
  std::string text(int col) const;
  int64_t int64(int col) const;
  double real(int col) const;

 private:
  sqlite3* db_;
  std::string path_;
  sqlite3_stmt* stmt_ = nullptr;
  std::string sql_;
};

/// Runs SQL text (any number of statements) that returns no rows.
void exec(sqlite3* db, const std::string& path, const std::string& sql);

/// Runs fn inside BEGIN IMMEDIATE ... COMMIT. BEGIN and COMMIT retry while
/// another process holds the write lock (beyond the busy timeout), up to
/// about a minute; an exception from fn rolls back and propagates.
void write_transaction(sqlite3* db, const std::string& path, const std::function<void()>& fn);

/// How long one SQLite call waits for a lock before reporting SQLITE_BUSY.
constexpr int kBusyTimeoutMs = 10000;

}  // namespace kiln::sqlite
