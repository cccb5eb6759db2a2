// Refusing files that are not ours, and migrating ones that are. The order
// matters: the header bytes are read before SQLite opens the file (SQLite
// may write to a file it opens read-write, even one that is not a
// database), then a read-only connection reads the application id and the
// schema version, and only then does TuningDatabase::open connect
// read-write.
#include "autotune/database_schema.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "autotune/sqlite_util.h"
#include "base/error.h"
#include "tuning_db/schema.h"

namespace kiln {

const std::vector<SchemaMigration>& schema_migrations() {
  // One line per schema version, oldest first; each SQL text lives in
  // tuning_db/ and takes version N - 1 to N.
  static const std::vector<SchemaMigration> migrations = {
      {1, tuning_db::kSchemaV1Sql},
      {2, tuning_db::kMigrateV2Sql},
      {3, tuning_db::kMigrateV3Sql},
      {4, tuning_db::kMigrateV4Sql},
  };
  return migrations;
}

namespace db_schema {
namespace {

constexpr char kSqliteMagic[16] = "SQLite format 3";  // with its '\0', 16 bytes

std::string hex32(int64_t v) {
  std::ostringstream os;
  os << "0x" << std::hex << static_cast<uint32_t>(v);
  return os.str();
}

[[noreturn]] void refuse_foreign(const std::string& path, int64_t app_id) {
  user_error << "'" << path << "' is a SQLite database of another program, not a kiln tuning "
             << "database (its application_id is " << hex32(app_id) << ", kiln's is "
             << hex32(kApplicationId) << "); it was left untouched. Pass another --db path "
             << "(or set KILN_DB)";
  throw UserError("unreachable");
}

[[noreturn]] void refuse_newer(const std::string& path, int64_t stored, int newest) {
  user_error << "'" << path << "' has tuning database schema version " << stored
             << ", newer than version " << newest << " that this kiln (" << KILN_VERSION
             << ") understands; it was left untouched. Use the newer kiln that wrote it, or "
             << "pass another --db path";
  throw UserError("unreachable");
}

// The value of a one-row, one-column query; `fallback` when there is no row.
int64_t query_int(sqlite3* db, const std::string& path, const char* sql, int64_t fallback) {
  sqlite::Statement st(db, path, sql);
  return st.step() ? st.int64(0) : fallback;
}

// schema_version from meta, or -1 when the database has no meta table or no
// such row (a kiln database always has both).
int64_t stored_version(sqlite3* db, const std::string& path) {
  if (query_int(db, path, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'",
                0) == 0) {
    return -1;
  }
  sqlite::Statement st(db, path, "SELECT value FROM meta WHERE name = 'schema_version'");
  if (!st.step()) return -1;
  const std::string v = st.text(0);
  char* end = nullptr;
  const long long n = std::strtoll(v.c_str(), &end, 10);
  return (*end == '\0' && !v.empty()) ? n : -1;
}

int64_t table_count(sqlite3* db, const std::string& path) {
  return query_int(db, path, "SELECT count(*) FROM sqlite_master", 0);
}

[[noreturn]] void refuse_damaged(const std::string& path, const std::string& why) {
  user_error << "'" << path << "' is a damaged kiln tuning database (" << why
             << "); it was left untouched. Move it away to start a new one, or pass another "
             << "--db path";
  throw UserError("unreachable");
}

// When SQLite could not open or read the file because it may not write
// beside it (a WAL file needs its -shm), says so instead of "damaged".
bool refused_for_access(sqlite3* db, int rc) {
  const int code = (db ? sqlite3_extended_errcode(db) : rc) & 0xff;
  return code == SQLITE_READONLY || code == SQLITE_CANTOPEN || code == SQLITE_PERM;
}

[[noreturn]] void refuse_unreadable(const std::string& path, const std::string& sqlite_says) {
  std::string why = sqlite::read_only_reason(path);
  if (why.empty()) why = "SQLite says: " + sqlite_says;
  user_error << "cannot read the tuning database '" << path << "' (" << why
             << "); it was left untouched. SQLite reads a database in WAL mode only where it may "
             << "create or use the -shm file beside it: ask its owner for access, or pass another "
             << "--db path";
  throw UserError("unreachable");
}

// Closes a read-only connection however the inspection ends.
struct ReadOnlyConnection {
  sqlite3* db = nullptr;
  ~ReadOnlyConnection() { sqlite3_close_v2(db); }
};

}  // namespace

void check_before_open(const std::string& path, int newest_version) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return;  // a new database
    user_error << "cannot read tuning database '" << path << "': " << std::strerror(errno);
  }
  if (!S_ISREG(st.st_mode)) {
    user_error << "tuning database '" << path << "' is not a regular file; pass a file path "
               << "with --db (or KILN_DB)";
  }
  if (st.st_size == 0) return;  // SQLite treats an empty file as a new database

  char header[16] = {};
  std::ifstream in(path, std::ios::binary);
  if (!in) user_error << "cannot read tuning database '" << path << "': permission denied";
  in.read(header, sizeof(header));
  if (in.gcount() != sizeof(header) || std::memcmp(header, kSqliteMagic, sizeof(header)) != 0) {
    user_error << "'" << path << "' is not a kiln tuning database: it is not a SQLite file "
               << "(its first bytes are not 'SQLite format 3'); it was left untouched. Pass "
               << "another --db path (or set KILN_DB), or move the file away";
  }

  ReadOnlyConnection ro;
  if (const int rc = sqlite::open_read_only(path, &ro.db); rc != SQLITE_OK) {
    const std::string says = ro.db ? sqlite3_errmsg(ro.db) : sqlite3_errstr(rc);
    if (refused_for_access(ro.db, rc) && !sqlite::writable(path)) refuse_unreadable(path, says);
    refuse_damaged(path, "SQLite cannot open it: " + says);
  }
  sqlite3_busy_timeout(ro.db, sqlite::kBusyTimeoutMs);
  sqlite3_extended_result_codes(ro.db, 1);
  int64_t app_id = 0, tables = 0, version = -1;
  try {
    app_id = query_int(ro.db, path, "PRAGMA application_id", 0);
    tables = table_count(ro.db, path);
    if (app_id == kApplicationId) version = stored_version(ro.db, path);
  } catch (const UserError&) {
    const std::string says = sqlite3_errmsg(ro.db);
    if (refused_for_access(ro.db, SQLITE_OK) && !sqlite::writable(path)) {
      refuse_unreadable(path, says);
    }
    refuse_damaged(path, "SQLite says: " + says);
  }
  // No application id and no tables: an empty database, perhaps one another
  // kiln process is creating right now; create_or_migrate decides under the
  // write lock.
  if (app_id == 0 && tables == 0) return;
  if (app_id != kApplicationId) refuse_foreign(path, app_id);
  if (version < 0) refuse_damaged(path, "it has no schema_version in its meta table");
  if (version > newest_version) refuse_newer(path, version, newest_version);
}

int read_only_version(sqlite3* db, const std::string& path, int newest_version) {
  const int64_t version = query_int(db, path, "PRAGMA application_id", 0) == kApplicationId
                              ? stored_version(db, path)
                              : 0;
  if (version == newest_version) return newest_version;
  std::string why = sqlite::read_only_reason(path);
  if (why.empty()) why = "SQLite opened it read-only";
  if (version <= 0) {
    user_error << "the tuning database '" << path << "' is read-only (" << why
               << ") and empty, not yet a kiln database, so it cannot be created; pass another "
               << "--db path";
  }
  user_error << "the tuning database '" << path << "' is read-only (" << why
             << ") and has schema version " << version << ", older than version "
             << newest_version << " that this kiln reads; it must be migrated, which writes it. "
             << "Run `kiln db list --db " << path << "` once as a user who may write the file "
             << "and its directory (the migration keeps every record), or use the kiln that "
             << "wrote it";
  throw UserError("unreachable");
}

int create_or_migrate(sqlite3* db, const std::string& path,
                      const std::vector<SchemaMigration>& migrations) {
  internal_assert(!migrations.empty()) << "a tuning database needs at least one migration";
  for (size_t i = 0; i < migrations.size(); ++i) {
    internal_assert(migrations[i].to_version == static_cast<int>(i) + 1)
        << "schema migrations must be numbered 1, 2, ... in order";
  }
  const int newest = migrations.back().to_version;
  int result = newest;
  sqlite::write_transaction(db, path, [&] {
    const int64_t app_id = query_int(db, path, "PRAGMA application_id", 0);
    int64_t version = 0;
    if (app_id == 0 && table_count(db, path) == 0) {
      // A new database: claim it as kiln's in the same transaction that
      // creates the tables.
      sqlite::exec(db, path, "PRAGMA application_id = " + std::to_string(kApplicationId));
    } else if (app_id != kApplicationId) {
      refuse_foreign(path, app_id);
    } else {
      version = stored_version(db, path);
      if (version < 0) refuse_damaged(path, "it has no schema_version in its meta table");
      if (version > newest) refuse_newer(path, version, newest);
    }
    if (version == newest) return;
    for (const SchemaMigration& m : migrations) {
      if (m.to_version <= version) continue;
      try {
        sqlite::exec(db, path, m.sql);
      } catch (const UserError& e) {
        std::string why = e.what();
        if (why.rfind("kiln: ", 0) == 0) why = why.substr(6);
        user_error << "migrating tuning database '" << path << "' from schema version "
                   << m.to_version - 1 << " to " << m.to_version << " failed (" << why
                   << "); the database was left as it was";
      }
    }
    sqlite::Statement set(db, path,
                          "INSERT INTO meta (name, value) VALUES (?1, ?2) "
                          "ON CONFLICT (name) DO UPDATE SET value = excluded.value");
    set.bind_text(1, "schema_version").bind_text(2, std::to_string(newest)).run();
    if (version == 0) {
      sqlite::Statement created(db, path, "INSERT INTO meta (name, value) VALUES (?1, ?2)");
      created.bind_text(1, "created_by").bind_text(2, std::string("kiln ") + KILN_VERSION).run();
    }
    result = newest;
  });
  return result;
}

}  // namespace db_schema
}  // namespace kiln
