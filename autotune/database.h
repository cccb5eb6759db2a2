#pragma once
/// \file
/// The tuning database: every measurement the tuner makes, kept in SQLite
/// (WAL, busy timeout, a schema version with migrations; the schema lives
/// in tuning_db/). A workload is one op at concrete sizes, dtypes, target
/// and hardware; its best record is a query. Two processes may write one
/// database at once and lose nothing; one TuningDatabase may be shared by
/// the threads of a process.
///
///   TuningDatabase db = TuningDatabase::open(default_database_path());
///   WorkloadKey w = make_workload_key(op, def, sizes, options, target, threads);  // workload.h
///   db.add_workload(w);
///   db.add_record(record);
///   std::optional<TuningRecord> best = db.best(w.key);

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "autotune/knob_values.h"
#include "ops/op_values.h"

namespace kiln {

/// The machine a measurement was taken on: CPU model and features (or GPU
/// name, SM version and driver version), and the thread count.
struct HardwareFingerprint {
  std::string cpu_model;   ///< "AMD Ryzen 9 9950X" (from /proc/cpuinfo) or GPU name
  std::string features;    ///< target feature string, e.g. "+avx512f,+fma,..."
  int threads = 1;
  std::string str() const; ///< one line, stable: the hashing input
  static HardwareFingerprint host(int threads);
};

/// What was tuned: an op at concrete sizes and options, for a target, on a
/// machine. `key` is a hex digest of the structural hash of the definition,
/// the sizes, dtypes, target string and hardware fingerprint.
///
/// The strings are what the database stores and the key digests; the typed
/// fields below them say the same, filled where a key is made
/// (make_workload_key, make_gpu_workload_key) and where one is read back
/// (the database, an import), so no reader parses the strings again.
struct WorkloadKey {
  std::string key;          ///< 16+ hex digits
  std::string op;           ///< "matmul"
  std::string shape;        ///< "M=1024,N=1024,K=1024" (sorted by parameter order)
  std::string options;      ///< "dtype=f32" (sorted), may be empty
  std::string target;       ///< Target::str() (base/target.h)
  std::string hardware;     ///< HardwareFingerprint::str()

  OpSizes sizes;            ///< shape: {"M": 1024, ...}
  OpOptions op_options;     ///< options: {"dtype": "f32"}
  /// The thread count of a CPU workload's hardware ("...;threads=4"); 0
  /// for a GPU's, which has none.
  int threads = 0;
  /// Why shape or options could not be read back, for a row no kiln wrote
  /// (sizes and op_options are then empty); empty when they could.
  std::string typed_error;
};

/// Fills w's typed fields from its shape, options and hardware strings
/// (the one place they are parsed); a string that is not what kiln writes
/// sets typed_error instead of throwing, so one bad row cannot hide a
/// database's others.
void read_typed_fields(WorkloadKey& w);

/// A vendor library's time for a workload, measured by kiln_bench_ops
/// beside kiln's (bench/ops, `--db`). Not a schedule: reports show it next
/// to kiln's best.
struct VendorFigure {
  std::string workload_key;
  std::string library;  ///< "openblas", "onednn", ...
  double median_ms = 0;
  double gflops = 0;
  int64_t created_unix = 0;  ///< 0: now, when added
  std::string kiln_version;  ///< "": this kiln, when added
};

/// How a record came to be (stored since schema version 4).
enum class RecordSource {
  Default,  ///< the op's default schedule, measured at the start of a tune
  Search,   ///< a candidate of the search
  Confirm,  ///< a schedule measured again at the end of a tune (autotune/confirm.h)
  Import,   ///< `kiln db import` of a line that does not say
};
/// "default", "search", "confirm", "import": the stored and exported name.
const char* source_name(RecordSource s);
/// The source named `name`, or nothing for another word.
std::optional<RecordSource> parse_record_source(const std::string& name);

/// One measurement of one schedule of one workload.
struct TuningRecord {
  int64_t id = 0;                 ///< assigned by the database
  std::string workload_key;
  /// Trace::to_json of the schedule, compact (stored_trace_json in
  /// autotune/search.h), and nothing else: the same text for the same
  /// schedule, however it was found.
  std::string trace_json;
  /// The search-space knobs that built the schedule; none for one that
  /// knobs did not make (the op's default).
  KnobValues knobs;
  RecordSource source = RecordSource::Search;
  /// "ok", "invalid" (wrong result), "compile_error", "crash", "timeout",
  /// "rejected" (illegal trace, not compiled).
  std::string status = "ok";
  std::string error;              ///< why, when status != "ok"
  double median_ms = 0;           ///< when ok
  double gflops = 0;              ///< when ok
  double compile_ms = 0;
  int64_t created_unix = 0;       ///< seconds since the epoch, set by add_record when 0
  std::string kiln_version;       ///< set by add_record when empty
  /// The record's identity in every database it is exported to: a random
  /// (version 4) UUID, "8-4-4-4-12" lower-case hex; set by add_record when
  /// empty. Two measurements in one second are two records.
  std::string uuid;
};

/// What TuningDatabase::import_jsonl did: records added, and records
/// skipped because the database already held them.
struct ImportCounts {
  int64_t added = 0;
  int64_t skipped = 0;
};

/// Measurements that make a schedule confirmed: its search run and the two
/// the tuner takes again at the end (autotune/confirm.h). Once a workload
/// has a confirmed schedule, TuningDatabase::best chooses among those.
constexpr int kConfirmedRuns = 3;

/// A workload and its best record (see TuningDatabase::best).
struct WorkloadSummary {
  WorkloadKey workload;
  int64_t records = 0;
  std::optional<TuningRecord> best;
};

/// One step of the schema's history: the SQL that takes a database from
/// version to_version - 1 to to_version (version 0 is an empty file).
struct SchemaMigration {
  int to_version = 0;
  std::string sql;
};

/// kiln's migrations, oldest first; the last one's version is the schema
/// this kiln writes. The SQL comes from tuning_db/ (embedded at build time).
const std::vector<SchemaMigration>& schema_migrations();

class TuningDatabase {
 public:
  /// Opens (creating when absent) the database at path. Refuses, with a
  /// kiln::UserError naming the file and what to do, and without modifying
  /// it: a file that is not SQLite, a SQLite file that is not a kiln
  /// database, a schema newer than this kiln understands. Older schemas
  /// are migrated in a transaction.
  ///
  /// A database this user may not write (the file, or its directory, where
  /// SQLite keeps its journal) opens read-only: every read works, every
  /// write throws a UserError saying it is read-only, and it is never
  /// called damaged. Its schema must then be this kiln's already: an older
  /// one cannot be migrated, and opening it says so.
  static TuningDatabase open(const std::string& path);
  /// open() with another migration list (its last version is the newest
  /// understood): tests act as an older or newer kiln with it.
  static TuningDatabase open(const std::string& path,
                             const std::vector<SchemaMigration>& migrations);

  TuningDatabase(TuningDatabase&&) noexcept;
  TuningDatabase& operator=(TuningDatabase&&) noexcept;
  ~TuningDatabase();

  const std::string& path() const;
  /// Whether open() found the database read-only (see open()).
  bool read_only() const;
  /// Throws the UserError a write would (naming the file and why it is
  /// read-only) when it is read-only: writers call it before their work.
  void require_writable() const;
  /// The schema version this kiln writes.
  static int schema_version();

  /// Inserts the workload when new (idempotent).
  void add_workload(const WorkloadKey& w);
  /// Appends a record (its workload must exist); returns its id.
  int64_t add_record(const TuningRecord& r);
  /// Appends a vendor library's figure (its workload must exist; the time
  /// must be positive and finite, GFLOP/s finite and non-negative).
  void add_vendor_figure(const VendorFigure& f);
  /// A workload's vendor figures, oldest first.
  std::vector<VendorFigure> vendor_figures(const std::string& workload_key) const;
  /// Every record of a workload, oldest first.
  std::vector<TuningRecord> records(const std::string& workload_key) const;
  /// The best schedule of a workload: among its traces with ok records
  /// (only those measured kConfirmedRuns times, once some trace has been),
  /// the one whose measurements average fastest (ties: the one measured
  /// first). Returns that trace's first ok record with median_ms (and
  /// gflops) set to the mean over all its ok records.
  std::optional<TuningRecord> best(const std::string& workload_key) const;
  /// The same figures for one schedule (its first ok record carrying the
  /// mean over all its ok records), or nothing when it has no ok record.
  std::optional<TuningRecord> mean_of(const std::string& workload_key,
                                      const std::string& trace_json) const;
  std::optional<WorkloadKey> workload(const std::string& workload_key) const;
  /// The workloads whose key starts with prefix (every one for ""), by key.
  std::vector<WorkloadKey> find_workloads(const std::string& key_prefix) const;
  /// The schema version stored in the file (schema_version() once opened,
  /// or the newest version of the migration list open() was given).
  int stored_schema_version() const;
  /// Every workload with its record count and best.
  std::vector<WorkloadSummary> list() const;
  /// Deletes records that are not ok (when `invalid`), and (when
  /// older_than_unix > 0) records of any status created before that time,
  /// except each workload's best, which is always kept. Returns the number
  /// deleted.
  int64_t prune(bool invalid, int64_t older_than_unix);
  /// JSON Lines: one line per workload ({"workload": {...}}) followed by
  /// its records ({"record": {...}}, uuid, knobs and source included).
  /// import_jsonl checks every line before it writes any, then adds them
  /// in one transaction; it skips a record whose uuid the database holds,
  /// and a record without one (exported by an older kiln) when an equal
  /// record is stored: the same workload, trace, created time, status,
  /// error, figures and kiln version. Such a record gets a new uuid. A
  /// record keeps the source its line gives; a line without one (an older
  /// kiln's) is an Import, or the Default when its trace carries the
  /// default's mark; such a trace's knobs and mark move out of it, as
  /// tuning_db/migrate_v4.sql moves them for stored records.
  void export_jsonl(std::ostream& out) const;
  ImportCounts import_jsonl(std::istream& in);

 private:
  struct Impl;
  explicit TuningDatabase(std::unique_ptr<Impl> impl);
  // open()'s second half for a database this user may not write.
  static TuningDatabase open_read_only(std::unique_ptr<Impl> impl, int newest_version);
  std::unique_ptr<Impl> impl_;
};

/// The version of this kiln ("0.1.0"), as records store it.
const char* kiln_version();

/// --db when given, else $KILN_DB, else $XDG_CACHE_HOME/kiln/tuning.db
/// (~/.cache/kiln/tuning.db).
std::string default_database_path(const std::string& flag = "");

}  // namespace kiln
