-- kiln tuning database, schema version 3 (from version 2): figures of
-- vendor libraries (OpenBLAS, oneDNN, ...) that kiln_bench_ops measured
-- beside kiln for a workload, so reports can put kiln next to them. One
-- row per measurement; they are not tuning records (no schedule). This
-- file never changes.

CREATE TABLE vendor_figures (
  id INTEGER PRIMARY KEY,
  workload_key TEXT NOT NULL REFERENCES workloads (key),
  library TEXT NOT NULL,
  median_ms REAL NOT NULL CHECK (median_ms > 0),
  gflops REAL NOT NULL CHECK (gflops >= 0),
  created_unix INTEGER NOT NULL,
  kiln_version TEXT NOT NULL
);

CREATE INDEX vendor_figures_by_workload ON vendor_figures (workload_key);
