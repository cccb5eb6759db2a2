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
/// about a minute; an exception from fn rolls back and propagates. On a
/// read-only connection it throws refuse_read_only's error instead.
void write_transaction(sqlite3* db, const std::string& path, const std::function<void()>& fn);

/// How long one SQLite call waits for a lock before reporting SQLITE_BUSY.
constexpr int kBusyTimeoutMs = 10000;

/// Whether this process may write the database at path: the file (when it
/// exists) and its directory, where SQLite creates the -journal, -wal and
/// -shm files beside it. A missing file needs only the directory.
bool writable(const std::string& path);

/// Why path is not writable, in words for a message ("the file is not
/// writable by this user (Permission denied)"); "" when it is writable.
std::string read_only_reason(const std::string& path);

/// Opens path read-only (SQLITE_OPEN_READONLY, URI file:PATH?mode=ro), so
/// that SQLite writes nothing to the file. For a database this user may
/// not write (see writable), it adds immutable=1 unless a -wal with pages,
/// or (in a writable directory) a -shm, shows a writer at work: a WAL
/// database is read through a -shm file, which cannot be created in a
/// read-only directory, and which a reader that may not write the file
/// must not create (it would be the reader's, read-only, and the owner's
/// next write would fail on it); immutable reads without one. The price:
/// SQLite then takes no locks and assumes the file does not change, so
/// its owner writing it during the read can make that read fail or see a
/// half-written state. Nothing is ever written either way.
/// Returns SQLite's result code; *db is set either way (close it).
int open_read_only(const std::string& path, sqlite3** db);

/// Throws UserError: "the tuning database 'PATH' is read-only (WHY); ...",
/// saying what still works and what to do.
[[noreturn]] void refuse_read_only(const std::string& path);

}  // namespace kiln::sqlite
