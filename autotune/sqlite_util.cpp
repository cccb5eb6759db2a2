#include "autotune/sqlite_util.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "base/error.h"

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

// The directory holding path ("." for a bare file name).
std::string directory_of(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

// "file:" URI of a path: every byte but unreserved ones and '/' escaped,
// so '?', '#' and '%' in a file name stay part of it. An absolute path
// gets an empty authority ("file:///..."), as "file://x" would name a host.
std::string file_uri(const std::string& path) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out = path.rfind('/', 0) == 0 ? "file://" : "file:";
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '/' || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

}  // namespace

bool writable(const std::string& path) { return read_only_reason(path).empty(); }

std::string read_only_reason(const std::string& path) {
  // access() asks with the real user id: the one a setuid-less kiln runs
  // as. Root passes every permission check, but not a read-only mount.
  if (exists(path) && ::access(path.c_str(), W_OK) != 0) {
    if (errno == EROFS) return "it is on a read-only file system";
    return std::string("the file is not writable by this user: ") + std::strerror(errno);
  }
  const std::string dir = directory_of(path);
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    if (errno == EROFS) return "it is on a read-only file system";
    if (errno == ENOENT || errno == ENOTDIR) return "its directory '" + dir + "' does not exist";
    return "its directory '" + dir + "' is not writable by this user (" + std::strerror(errno) +
           "), and SQLite writes its journal there";
  }
  return "";
}

int open_read_only(const std::string& path, sqlite3** db) {
  std::string uri = file_uri(path) + "?mode=ro";
  if (!writable(path)) {
    struct stat wal {};
    const bool wal_has_pages = ::stat((path + "-wal").c_str(), &wal) == 0 && wal.st_size > 0;
    const bool dir_writable = ::access(directory_of(path).c_str(), W_OK | X_OK) == 0;
    // With committed pages in a -wal, immutable would read the file without
    // them: SQLite must use the -shm there (or fail, and the caller says
    // why). A -shm in a directory we may write is a writer's, perhaps
    // working now: share its locks. Otherwise nobody has the file open in
    // WAL mode, and a reader must not create the -shm and -wal itself: they
    // would be ours, read-only, and the owner could not write past them.
    const bool shared = dir_writable && exists(path + "-shm");
    if (!wal_has_pages && !shared) uri += "&immutable=1";
  }
  return sqlite3_open_v2(uri.c_str(), db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr);
}

void refuse_read_only(const std::string& path) {
  std::string why = read_only_reason(path);
  if (why.empty()) why = "SQLite opened it read-only";
  user_error << "the tuning database '" << path << "' is read-only (" << why
             << "); commands that only read it work (`kiln db list`, `show`, `export`, `verify`, "
             << "`--schedule tuned`), but this one writes, which needs write access to the file "
             << "and its directory. Ask its owner, or pass another --db path (`kiln db import` "
             << "copies an export of it into a database of your own)";
  throw UserError("unreachable");
}

void fail(sqlite3* db, const std::string& path, const std::string& what) {
  // A write the file system refused: that is what to say, not "damaged".
  if (db && (sqlite3_extended_errcode(db) & 0xff) == SQLITE_READONLY) refuse_read_only(path);
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
  if (sqlite3_db_readonly(db, "main") == 1) refuse_read_only(path);
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
