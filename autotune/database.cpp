// The tuning database: opening (after the checks in database_schema.cpp),
// records, bests, listing and pruning. Every write is one BEGIN IMMEDIATE
// transaction, so two tuners writing one file at once both keep all their
// records (WAL lets readers go on meanwhile).
#include "autotune/database.h"

#include <sys/stat.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <random>
#include <sstream>

#include <nlohmann/json.hpp>

#include "autotune/database_impl.h"
#include "autotune/database_schema.h"
#include "base/error.h"

namespace kiln {
namespace db_rows {

TuningRecord record_from_row(const sqlite::Statement& st) {
  TuningRecord r;
  r.id = st.int64(0);
  r.workload_key = st.text(1);
  r.trace_json = st.text(2);
  r.status = st.text(3);
  r.error = st.text(4);
  r.median_ms = st.real(5);
  r.gflops = st.real(6);
  r.compile_ms = st.real(7);
  r.created_unix = st.int64(8);
  r.kiln_version = st.text(9);
  r.uuid = st.text(10);
  // The schema's CHECK admits only the four names; a knobs_json that is not
  // an object (written by hand) reads as no knobs.
  knobs_from_json(st.text(11), &r.knobs);
  r.source = parse_record_source(st.text(12)).value_or(RecordSource::Search);
  return r;
}

WorkloadKey workload_from_row(const sqlite::Statement& st) {
  WorkloadKey w;
  w.key = st.text(0);
  w.op = st.text(1);
  w.shape = st.text(2);
  w.options = st.text(3);
  w.target = st.text(4);
  w.hardware = st.text(5);
  read_typed_fields(w);
  return w;
}

std::string knobs_to_json(const KnobValues& knobs) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (const auto& [name, value] : knobs) j[name] = value;
  return j.dump();
}

bool knobs_from_json(const std::string& text, KnobValues* knobs) {
  knobs->clear();
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return false;
  for (const auto& [name, value] : j.items()) {
    if (!value.is_number_integer()) {
      knobs->clear();
      return false;
    }
    (*knobs)[name] = value.get<int64_t>();
  }
  return true;
}

bool valid_status(const std::string& s) {
  return s == "ok" || s == "invalid" || s == "compile_error" || s == "crash" || s == "timeout" ||
         s == "rejected";
}

std::string new_uuid() {
  // "/dev/urandom" asks libstdc++ and libc++ for the kernel's generator
  // rather than a CPU instruction; a UUID needs unpredictable, not fast.
  std::random_device rd("/dev/urandom");
  unsigned char b[16];
  for (int i = 0; i < 16; i += 4) {
    const uint32_t v = rd();
    for (int k = 0; k < 4; ++k) b[i + k] = static_cast<unsigned char>(v >> (8 * k));
  }
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[b[i] >> 4];
    out += kHex[b[i] & 0xf];
  }
  return out;
}

bool is_uuid(const std::string& text) {
  if (text.size() != 36) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-' : !std::isxdigit(static_cast<unsigned char>(text[i]))) return false;
  }
  return true;
}

void insert_workload(sqlite3* db, const std::string& path, const WorkloadKey& w) {
  sqlite::Statement st(db, path,
                       "INSERT OR IGNORE INTO workloads "
                       "(key, op, shape, options, target, hardware, created_unix) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  st.bind_text(1, w.key).bind_text(2, w.op).bind_text(3, w.shape).bind_text(4, w.options);
  st.bind_text(5, w.target).bind_text(6, w.hardware).bind_int(7, std::time(nullptr)).run();
}

bool has_workload(sqlite3* db, const std::string& path, const std::string& key) {
  sqlite::Statement st(db, path, "SELECT 1 FROM workloads WHERE key = ?1");
  return st.bind_text(1, key).step();
}

int64_t insert_record(sqlite3* db, const std::string& path, const TuningRecord& r) {
  sqlite::Statement st(db, path,
                       "INSERT INTO records (workload_key, trace_json, status, error, median_ms, "
                       "gflops, compile_ms, created_unix, kiln_version, uuid, knobs_json, source) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
  internal_assert(is_uuid(r.uuid)) << "insert_record: '" << r.uuid << "' is not a uuid";
  st.bind_text(1, r.workload_key).bind_text(2, r.trace_json).bind_text(3, r.status);
  st.bind_text(4, r.error).bind_real(5, r.median_ms).bind_real(6, r.gflops);
  st.bind_real(7, r.compile_ms).bind_int(8, r.created_unix).bind_text(9, r.kiln_version);
  st.bind_text(10, r.uuid).bind_text(11, knobs_to_json(r.knobs));
  st.bind_text(12, source_name(r.source)).run();
  return sqlite3_last_insert_rowid(db);
}

}  // namespace db_rows

namespace {

// Splits "A=1,B=2" into its NAME=VALUE entries; false when one is not.
bool split_assignments(const std::string& text,
                       std::vector<std::pair<std::string, std::string>>* out,
                       std::string* bad_entry) {
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    const size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      *bad_entry = item;
      return false;
    }
    out->emplace_back(item.substr(0, eq), item.substr(eq + 1));
  }
  return true;
}

// The whole of text as a decimal integer.
std::optional<int64_t> parse_integer(const std::string& text) {
  if (text.empty()) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(text.c_str(), &end, 10);
  if (*end != '\0' || errno == ERANGE || std::isspace(static_cast<unsigned char>(text[0])))
    return std::nullopt;
  return v;
}

}  // namespace

void read_typed_fields(WorkloadKey& w) {
  w.sizes.clear();
  w.op_options.clear();
  w.typed_error.clear();
  w.threads = 0;
  // HardwareFingerprint::str() ends in ";threads=N"; a GPU's has none.
  const std::string tag = ";threads=";
  if (const size_t p = w.hardware.rfind(tag); p != std::string::npos) {
    w.threads = static_cast<int>(parse_integer(w.hardware.substr(p + tag.size())).value_or(0));
  }
  std::vector<std::pair<std::string, std::string>> shape, options;
  std::string bad;
  if (!split_assignments(w.shape, &shape, &bad)) {
    w.typed_error = "shape entry '" + bad + "' is not NAME=VALUE";
    return;
  }
  if (!split_assignments(w.options, &options, &bad)) {
    w.typed_error = "options entry '" + bad + "' is not NAME=VALUE";
    return;
  }
  for (const auto& [name, value] : shape) {
    const std::optional<int64_t> n = parse_integer(value);
    if (!n) {
      w.typed_error = "size " + name + "=" + value + " is not an integer";
      w.sizes.clear();
      return;
    }
    w.sizes[name] = *n;
  }
  for (const auto& [name, value] : options) w.op_options[name] = value;
}

const char* source_name(RecordSource s) {
  switch (s) {
    case RecordSource::Default: return "default";
    case RecordSource::Search: return "search";
    case RecordSource::Confirm: return "confirm";
    case RecordSource::Import: return "import";
  }
  return "search";
}

std::optional<RecordSource> parse_record_source(const std::string& name) {
  for (RecordSource s : {RecordSource::Default, RecordSource::Search, RecordSource::Confirm,
                         RecordSource::Import}) {
    if (name == source_name(s)) return s;
  }
  return std::nullopt;
}

namespace {

// Makes every missing directory of `dir` (mkdir -p).
void make_directories(const std::string& dir) {
  for (size_t pos = 1; pos <= dir.size(); ++pos) {
    if (pos != dir.size() && dir[pos] != '/') continue;
    const std::string prefix = dir.substr(0, pos);
    if (::mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) {
      user_error << "cannot create directory '" << prefix << "' for the tuning database: "
                 << std::strerror(errno) << "; pass a writable path with --db (or KILN_DB)";
    }
  }
}

}  // namespace

const char* kiln_version() { return KILN_VERSION; }

std::string default_database_path(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("KILN_DB"); env && *env) return env;
  std::string cache;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && xdg[0] == '/') {
    cache = xdg;
  } else if (const char* home = std::getenv("HOME"); home && *home) {
    cache = std::string(home) + "/.cache";
  } else {
    user_error << "no place for the tuning database: neither HOME nor XDG_CACHE_HOME is set; "
               << "pass --db PATH or set KILN_DB";
  }
  const std::string dir = cache + "/kiln";
  make_directories(dir);
  return dir + "/tuning.db";
}

TuningDatabase::TuningDatabase(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TuningDatabase::TuningDatabase(TuningDatabase&&) noexcept = default;
TuningDatabase& TuningDatabase::operator=(TuningDatabase&&) noexcept = default;
TuningDatabase::~TuningDatabase() = default;

TuningDatabase TuningDatabase::open(const std::string& path) {
  return open(path, schema_migrations());
}

TuningDatabase TuningDatabase::open(const std::string& path,
                                    const std::vector<SchemaMigration>& migrations) {
  internal_assert(!migrations.empty()) << "a tuning database needs at least one migration";
  if (path.empty()) user_error << "empty tuning database path; pass --db PATH";
  // Refusals happen here, before SQLite ever opens the file read-write.
  db_schema::check_before_open(path, migrations.back().to_version);

  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->read_only = !sqlite::writable(path);
  if (!impl->read_only) {
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path.c_str(), &impl->db, flags, nullptr) != SQLITE_OK) {
      std::string why = impl->db ? sqlite3_errmsg(impl->db) : "out of memory";
      user_error << "cannot open tuning database '" << path << "': " << why
                 << "; check that its directory exists and is writable, or pass another --db "
                 << "path";
    }
    // SQLite falls back to reading a file it may not write, where the
    // permission bits said otherwise (an ACL, a file system's own rules).
    if (sqlite3_db_readonly(impl->db, "main") == 1) {
      sqlite3_close_v2(impl->db);
      impl->db = nullptr;
      impl->read_only = true;
    }
  }
  if (impl->read_only) return open_read_only(std::move(impl), migrations.back().to_version);
  sqlite3_busy_timeout(impl->db, sqlite::kBusyTimeoutMs);
  sqlite3_extended_result_codes(impl->db, 1);
  impl->version = db_schema::create_or_migrate(impl->db, path, migrations);
  // WAL only once the file is known to be ours (switching modes writes to
  // the file). Readers then never block the writer, nor it them. A file
  // system without shared memory keeps the rollback journal: slower, as
  // safe.
  sqlite3_exec(impl->db, "PRAGMA journal_mode = WAL", nullptr, nullptr, nullptr);
  // In WAL mode NORMAL never corrupts the file; a power cut may lose the
  // last commits, a fair price for not syncing after every measurement.
  sqlite::exec(impl->db, path, "PRAGMA synchronous = NORMAL");
  sqlite::exec(impl->db, path, "PRAGMA foreign_keys = ON");
  return TuningDatabase(std::move(impl));
}

TuningDatabase TuningDatabase::open_read_only(std::unique_ptr<Impl> impl, int newest_version) {
  const std::string& path = impl->path;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    user_error << "cannot create the tuning database '" << path << "': "
               << sqlite::read_only_reason(path) << "; pass a writable path with --db (or KILN_DB)";
  }
  if (const int rc = sqlite::open_read_only(path, &impl->db); rc != SQLITE_OK) {
    user_error << "cannot open the tuning database '" << path << "' read-only ("
               << sqlite::read_only_reason(path) << "): "
               << (impl->db ? sqlite3_errmsg(impl->db) : sqlite3_errstr(rc))
               << "; it was left untouched. Ask its owner for access, or pass another --db path";
  }
  sqlite3_busy_timeout(impl->db, sqlite::kBusyTimeoutMs);
  sqlite3_extended_result_codes(impl->db, 1);
  impl->version = db_schema::read_only_version(impl->db, path, newest_version);
  return TuningDatabase(std::move(impl));
}

const std::string& TuningDatabase::path() const { return impl_->path; }

bool TuningDatabase::read_only() const { return impl_->read_only; }

void TuningDatabase::require_writable() const {
  if (impl_->read_only) sqlite::refuse_read_only(impl_->path);
}

int TuningDatabase::schema_version() { return schema_migrations().back().to_version; }

int TuningDatabase::stored_schema_version() const { return impl_->version; }

void TuningDatabase::add_workload(const WorkloadKey& w) {
  internal_assert(!w.key.empty()) << "add_workload: a workload needs a key";
  std::lock_guard<std::mutex> lock(impl_->mu);
  sqlite::write_transaction(impl_->db, impl_->path,
                            [&] { db_rows::insert_workload(impl_->db, impl_->path, w); });
}

int64_t TuningDatabase::add_record(const TuningRecord& record) {
  internal_assert(db_rows::valid_status(record.status))
      << "add_record: unknown status '" << record.status << "'";
  TuningRecord r = record;
  if (r.created_unix == 0) r.created_unix = std::time(nullptr);
  if (r.kiln_version.empty()) r.kiln_version = KILN_VERSION;
  if (r.uuid.empty()) r.uuid = db_rows::new_uuid();
  internal_assert(db_rows::is_uuid(r.uuid)) << "add_record: '" << r.uuid << "' is not a uuid";
  std::lock_guard<std::mutex> lock(impl_->mu);
  int64_t id = 0;
  sqlite::write_transaction(impl_->db, impl_->path, [&] {
    if (!db_rows::has_workload(impl_->db, impl_->path, r.workload_key)) {
      user_error << "tuning database '" << impl_->path << "': a record for workload "
                 << r.workload_key << ", which it does not hold; add the workload first";
    }
    id = db_rows::insert_record(impl_->db, impl_->path, r);
  });
  return id;
}

std::vector<TuningRecord> TuningDatabase::records(const std::string& workload_key) const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  const std::string sql = std::string("SELECT ") + db_rows::kRecordColumns +
                          " FROM records WHERE workload_key = ?1 ORDER BY id";
  sqlite::Statement st(impl_->db, impl_->path, sql.c_str());
  st.bind_text(1, workload_key);
  std::vector<TuningRecord> out;
  while (st.step()) out.push_back(db_rows::record_from_row(st));
  return out;
}

namespace {

// The best schedule of workload ?1: among the traces with ok records, the
// one whose measurements average fastest. A trace measured several times
// (the tuner re-measures its front-runners at the end of a search) is
// judged by all its measurements, so one lucky run cannot keep it ahead of
// a schedule that is faster every time. Once some trace has been measured
// kConfirmedRuns times, only traces measured that often compete: a
// schedule measured once, however fast that once, has not been confirmed
// (its one run is as lucky as the confirmed ones' first runs were). Ties go
// to the trace measured first: the answer does not change when an equal
// measurement arrives. `key` is the SQL expression of the workload key.
std::string best_trace_sql(const std::string& key) {
  const std::string ok = " WHERE workload_key = " + key + " AND status = 'ok'";
  return "SELECT trace_json FROM records" + ok +
         " GROUP BY trace_json HAVING count(*) >= (SELECT min(" + std::to_string(kConfirmedRuns) +
         ", max(n)) FROM (SELECT count(*) AS n FROM records" + ok +
         " GROUP BY trace_json)) ORDER BY avg(median_ms), min(id) LIMIT 1";
}

// The first ok record of the trace that the SQL expression `trace` names
// (for workload ?1), followed by the mean median over all its ok records.
std::string mean_record_sql(const std::string& trace) {
  return std::string("SELECT ") + db_rows::kRecordColumns +
         ", (SELECT avg(a.median_ms) FROM records a WHERE a.workload_key = ?1 AND a.status = 'ok' "
         "AND a.trace_json = records.trace_json) FROM records WHERE workload_key = ?1 AND "
         "status = 'ok' AND trace_json = (" + trace + ") ORDER BY id LIMIT 1";
}

/// The row of mean_record_sql as a record carrying the mean.
std::optional<TuningRecord> mean_record(sqlite::Statement& st) {
  if (!st.step()) return std::nullopt;
  TuningRecord r = db_rows::record_from_row(st);
  const double mean_ms = st.real(db_rows::kRecordColumnCount);
  if (mean_ms > 0 && r.median_ms > 0) {
    r.gflops *= r.median_ms / mean_ms;  // the same work in the mean time
    r.median_ms = mean_ms;
  }
  return r;
}

}  // namespace

std::optional<TuningRecord> TuningDatabase::best(const std::string& workload_key) const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  const std::string sql = mean_record_sql(best_trace_sql("?1"));
  sqlite::Statement st(impl_->db, impl_->path, sql.c_str());
  st.bind_text(1, workload_key);
  return mean_record(st);
}

std::optional<TuningRecord> TuningDatabase::mean_of(const std::string& workload_key,
                                                    const std::string& trace_json) const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  const std::string sql = mean_record_sql("?2");
  sqlite::Statement st(impl_->db, impl_->path, sql.c_str());
  st.bind_text(1, workload_key);
  st.bind_text(2, trace_json);
  return mean_record(st);
}

std::optional<WorkloadKey> TuningDatabase::workload(const std::string& workload_key) const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  const std::string sql =
      std::string("SELECT ") + db_rows::kWorkloadColumns + " FROM workloads WHERE key = ?1";
  sqlite::Statement st(impl_->db, impl_->path, sql.c_str());
  st.bind_text(1, workload_key);
  if (!st.step()) return std::nullopt;
  return db_rows::workload_from_row(st);
}

std::vector<WorkloadKey> TuningDatabase::find_workloads(const std::string& key_prefix) const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  // substr rather than LIKE: keys are plain hex, but a prefix typed by a
  // person must not be read as a pattern.
  const std::string sql = std::string("SELECT ") + db_rows::kWorkloadColumns +
                          " FROM workloads WHERE substr(key, 1, length(?1)) = ?1 ORDER BY key";
  sqlite::Statement st(impl_->db, impl_->path, sql.c_str());
  st.bind_text(1, key_prefix);
  std::vector<WorkloadKey> out;
  while (st.step()) out.push_back(db_rows::workload_from_row(st));
  return out;
}

std::vector<WorkloadSummary> TuningDatabase::list() const {
  std::vector<WorkloadSummary> out;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    sqlite::Statement st(impl_->db, impl_->path,
                         "SELECT w.key, w.op, w.shape, w.options, w.target, w.hardware, "
                         "(SELECT count(*) FROM records r WHERE r.workload_key = w.key) "
                         "FROM workloads w ORDER BY w.op, w.shape, w.key");
    while (st.step()) {
      WorkloadSummary s;
      s.workload = db_rows::workload_from_row(st);
      s.records = st.int64(6);
      out.push_back(std::move(s));
    }
  }
  for (WorkloadSummary& s : out) s.best = best(s.workload.key);
  return out;
}

int64_t TuningDatabase::prune(bool invalid, int64_t older_than_unix) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  int64_t deleted = 0;
  sqlite::write_transaction(impl_->db, impl_->path, [&] {
    if (invalid) {
      sqlite::Statement(impl_->db, impl_->path, "DELETE FROM records WHERE status != 'ok'").run();
      deleted += sqlite3_changes(impl_->db);
    }
    if (older_than_unix > 0) {
      // Each workload's best schedule survives any age, with every
      // measurement of it: it is what `kiln tune` serves, and the reason
      // the workload was tuned.
      const std::string sql =
          "WITH best AS (SELECT w.key AS key, (" + best_trace_sql("w.key") +
          ") AS trace FROM workloads w) "
          "DELETE FROM records WHERE created_unix < ?1 AND NOT (status = 'ok' AND EXISTS ("
          "SELECT 1 FROM best WHERE best.key = records.workload_key AND "
          "best.trace = records.trace_json))";
      sqlite::Statement st(impl_->db, impl_->path, sql.c_str());
      st.bind_int(1, older_than_unix).run();
      deleted += sqlite3_changes(impl_->db);
    }
  });
  return deleted;
}

}  // namespace kiln
