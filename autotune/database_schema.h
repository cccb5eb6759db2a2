#pragma once
/// \file
/// Opening a tuning database safely (internal to libkiln): what is checked
/// before SQLite may write to a file, and the table-driven migrations that
/// bring an older kiln database to the schema this kiln writes.

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <vector>

#include "autotune/database.h"

namespace kiln::db_schema {

/// PRAGMA application_id of every kiln tuning database: "kiln" in ASCII. It
/// sits in the file header, so `file` and kiln recognise a foreign SQLite
/// file without reading its tables.
constexpr int32_t kApplicationId = 0x6b696c6e;

/// Inspects an existing file without writing to it (read-only, and header
/// bytes before SQLite opens it at all). Throws UserError naming the file
/// when it is not SQLite, is damaged, is a SQLite file of another program,
/// or has a schema newer than `newest_version`; a file SQLite cannot read
/// for want of write access (a WAL database whose -shm cannot be made) is
/// said to be that, never damaged. A missing or empty file passes (it
/// becomes a new database).
void check_before_open(const std::string& path, int newest_version);

/// The schema version of a database kiln may not write, on a connection
/// from sqlite::open_read_only, after check_before_open passed it. Throws
/// UserError when it is older than `newest_version` (or empty, not yet a
/// kiln database): migrating needs write access, and this kiln reads only
/// its own schema, so the message says it is read-only and how to migrate.
int read_only_version(sqlite3* db, const std::string& path, int newest_version);

/// In one write transaction: makes an empty database a kiln database, or
/// runs the migrations an older one lacks, and records schema_version.
/// Re-checks what check_before_open checked, under the write lock, since
/// another process may have created the file in between. A failing
/// migration rolls back and throws UserError; the file is left as it was.
/// Returns the schema version stored afterwards.
int create_or_migrate(sqlite3* db, const std::string& path,
                      const std::vector<SchemaMigration>& migrations);

}  // namespace kiln::db_schema
