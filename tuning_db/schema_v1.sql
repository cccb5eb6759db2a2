-- kiln tuning database, schema version 1: the migration from an empty
-- database. Run once, in one transaction, by TuningDatabase::open. A later
-- version adds tuning_db/migrate_v2.sql (version 1 -> 2) and a line in the
-- migration table of autotune/database_schema.cpp; this file never changes.

-- Facts about the database itself: schema_version (an integer) and the
-- kiln version that created it.
CREATE TABLE meta (
  name  TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

-- What was tuned: one op at concrete sizes and options, for a target, on a
-- machine (see autotune/workload.h for how the key is made).
CREATE TABLE workloads (
  key          TEXT PRIMARY KEY,
  op           TEXT NOT NULL,
  shape        TEXT NOT NULL,     -- "M=1024,N=1024,K=1024"
  options      TEXT NOT NULL,     -- "dtype=f32", may be empty
  target       TEXT NOT NULL,     -- Target::str()
  hardware     TEXT NOT NULL,     -- HardwareFingerprint::str()
  created_unix INTEGER NOT NULL
);

-- Every measurement, kept: failures train the cost model too.
CREATE TABLE records (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  workload_key TEXT NOT NULL REFERENCES workloads(key) ON DELETE CASCADE,
  trace_json   TEXT NOT NULL,
  status       TEXT NOT NULL CHECK (status IN
                 ('ok', 'invalid', 'compile_error', 'crash', 'timeout', 'rejected')),
  error        TEXT NOT NULL DEFAULT '',
  median_ms    REAL NOT NULL DEFAULT 0,
  gflops       REAL NOT NULL DEFAULT 0,
  compile_ms   REAL NOT NULL DEFAULT 0,
  created_unix INTEGER NOT NULL,
  kiln_version TEXT NOT NULL
);

-- best(): the fastest ok record of a workload is the first row of this index.
CREATE INDEX records_by_speed ON records (workload_key, status, median_ms);
