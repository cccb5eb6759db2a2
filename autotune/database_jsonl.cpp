// Export and import of the tuning database as JSON Lines, to move results
// between machines:
//   {"workload": {"key": ..., "op": ..., "shape": ..., "options": ..., "target": ..., "hardware": ...}}
//   {"record": {"workload_key": ..., "trace_json": ..., "status": ..., ..., "uuid": ...,
//               "knobs": {...}, "source": ...}}
// Import reads and checks the whole file before writing anything (each
// record's trace replayed on its workload, its figures possible), then adds
// everything in one transaction: a bad line leaves the database unchanged.
// A record is known by its uuid; exports of kilns before schema version 2
// have none, and their records are known by all their fields instead.
// Exports before schema version 4 have no knobs or source: their traces
// carry the knobs and the default's mark, which are split off as the
// migration to version 4 splits them (tuning_db/migrate_v4.sql).
#include <cctype>
#include <cmath>
#include <istream>
#include <map>
#include <ostream>

#include <nlohmann/json.hpp>

#include "runtime/read_file.h"

#include "autotune/database.h"
#include "autotune/database_impl.h"
#include "autotune/workload.h"
#include "base/error.h"
#include "schedule/schedule.h"

namespace kiln {
namespace {

using nlohmann::json;

json workload_json(const WorkloadKey& w) {
  return {{"key", w.key},       {"op", w.op},         {"shape", w.shape},
          {"options", w.options}, {"target", w.target}, {"hardware", w.hardware}};
}

json record_json(const TuningRecord& r) {
  return {{"workload_key", r.workload_key}, {"trace_json", r.trace_json},
          {"status", r.status},             {"error", r.error},
          {"median_ms", r.median_ms},       {"gflops", r.gflops},
          {"compile_ms", r.compile_ms},     {"created_unix", r.created_unix},
          {"kiln_version", r.kiln_version}, {"uuid", r.uuid},
          {"knobs", r.knobs},               {"source", source_name(r.source)}};
}

// Reads fields of one line's object, naming the line and field in errors.
class Fields {
 public:
  Fields(const json& obj, int line, const char* kind) : obj_(obj), line_(line), kind_(kind) {}

  std::string text(const char* name, bool required = true) const {
    const json* v = find(name, required);
    if (!v) return "";
    if (!v->is_string()) bad(name, "a string");
    return v->get<std::string>();
  }
  double number(const char* name) const {
    const json* v = find(name, false);
    if (!v) return 0;
    if (!v->is_number()) bad(name, "a number");
    return v->get<double>();
  }
  /// A JSON object of integers, by name; nothing when absent.
  std::optional<KnobValues> knobs(const char* name) const {
    const json* v = find(name, false);
    if (!v) return std::nullopt;
    KnobValues out;
    if (!v->is_object()) bad(name, "an object of integers");
    for (const auto& [key, value] : v->items()) {
      if (!value.is_number_integer()) bad(name, "an object of integers");
      out[key] = value.get<int64_t>();
    }
    return out;
  }
  int64_t integer(const char* name) const {
    const json* v = find(name, true);
    if (!v->is_number_integer()) bad(name, "an integer");
    return v->get<int64_t>();
  }
  [[noreturn]] void bad(const std::string& name, const std::string& want) const {
    user_error << "import line " << line_ << ": field '" << name << "' of the " << kind_
               << " must be " << want << "; the file is not what `kiln db export` writes";
    throw UserError("unreachable");
  }

 private:
  const json* find(const char* name, bool required) const {
    auto it = obj_.find(name);
    if (it == obj_.end()) {
      if (required) bad(name, "present");
      return nullptr;
    }
    return &*it;
  }
  const json& obj_;
  int line_;
  const char* kind_;
};

struct ImportLine {
  int line = 0;
  std::optional<WorkloadKey> workload;
  std::optional<TuningRecord> record;
};

// A record of an export before schema version 4: its trace_json may carry
// "knobs" and the default's "source": "default". Takes them out of the
// trace into the record (knobs only when the line gave none) and returns
// whether the trace said it was the default's.
bool split_legacy_trace(TuningRecord& r, bool has_knobs) {
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(r.trace_json, nullptr, false);
  if (!j.is_object() || (!j.contains("knobs") && !j.contains("source"))) return false;
  if (!has_knobs && j.contains("knobs")) {
    KnobValues knobs;
    if (j["knobs"].is_object() && db_rows::knobs_from_json(j["knobs"].dump(), &knobs))
      r.knobs = knobs;
  }
  const bool is_default = j.contains("source") && j["source"] == "default";
  j.erase("knobs");
  j.erase("source");
  r.trace_json = j.dump();  // as compact as the tuner wrote it, keys in order
  return is_default;
}

ImportLine parse_line(const std::string& text, int line) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {  // bad syntax, or a number out of range (1e309)
    user_error << "import line " << line << " is not JSON (" << e.what()
               << "); `kiln db import` takes the JSON Lines file `kiln db export` writes";
  }
  ImportLine out;
  out.line = line;
  if (j.is_object() && j.size() == 1 && j.contains("workload") && j["workload"].is_object()) {
    const Fields f(j["workload"], line, "workload");
    WorkloadKey w;
    w.key = f.text("key");
    w.op = f.text("op");
    w.shape = f.text("shape");
    w.options = f.text("options", false);
    w.target = f.text("target");
    w.hardware = f.text("hardware");
    if (w.key.empty()) f.bad("key", "a non-empty string");
    read_typed_fields(w);
    out.workload = w;
    return out;
  }
  if (j.is_object() && j.size() == 1 && j.contains("record") && j["record"].is_object()) {
    const Fields f(j["record"], line, "record");
    TuningRecord r;
    r.workload_key = f.text("workload_key");
    r.trace_json = f.text("trace_json");
    r.status = f.text("status");
    if (!db_rows::valid_status(r.status)) {
      f.bad("status", "one of ok, invalid, compile_error, crash, timeout, rejected");
    }
    r.error = f.text("error", false);
    r.median_ms = f.number("median_ms");
    r.gflops = f.number("gflops");
    r.compile_ms = f.number("compile_ms");
    r.created_unix = f.integer("created_unix");
    r.kiln_version = f.text("kiln_version", false);
    if (r.kiln_version.empty()) r.kiln_version = "unknown";
    r.uuid = f.text("uuid", false);
    if (!r.uuid.empty() && !db_rows::is_uuid(r.uuid)) {
      f.bad("uuid", "a UUID, 8-4-4-4-12 hex digits (or absent)");
    }
    for (char& c : r.uuid) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const std::optional<KnobValues> knobs = f.knobs("knobs");
    if (knobs) r.knobs = *knobs;
    const std::string source = f.text("source", false);
    const bool legacy_default = split_legacy_trace(r, knobs.has_value());
    if (!source.empty()) {
      const std::optional<RecordSource> s = parse_record_source(source);
      if (!s) f.bad("source", "one of default, search, confirm, import (or absent)");
      r.source = *s;
    } else {
      // A line that does not say: an import, unless its trace carries the
      // default's mark (an export before schema version 4), which says.
      r.source = legacy_default ? RecordSource::Default : RecordSource::Import;
    }
    out.record = r;
    return out;
  }
  user_error << "import line " << line << " is neither {\"workload\": {...}} nor "
             << "{\"record\": {...}}; `kiln db import` takes the JSON Lines file `kiln db export` "
             << "writes";
  return out;
}

/// The longest and shortest a measured kernel can take: a day, a nanosecond.
constexpr double kMaxMedianMs = 86400e3, kMinMedianMs = 1e-6;

/// Checks an imported record against its workload, as `kiln tune` would
/// have made it: finite, non-negative figures; an op of this kiln that
/// defines the workload; a trace that replays on it; and for an ok record a
/// time a kernel can take and GFLOP/s that are the op's FLOPs over that
/// time. An imported record becomes a best that bench, package and verify
/// trust, so a forged one (-1 ms, 10^6 GFLOP/s) is refused.
void validate_record(const TuningRecord& r, const WorkloadKey& w, int line) {
  auto refuse = [&](const std::string& why) {
    user_error << "import line " << line << ": " << why << "; nothing was imported";
  };
  for (const auto& [name, v] :
       {std::pair<const char*, double>{"median_ms", r.median_ms}, {"gflops", r.gflops},
        {"compile_ms", r.compile_ms}}) {
    if (!std::isfinite(v) || v < 0)
      refuse(std::string("the record's ") + name + " is " + std::to_string(v) +
             ", not a finite non-negative number");
  }
  const Op* op = nullptr;
  try {
    op = &find_op(w.op);
    const ComputeDef def = define_stored_workload(*op, w);
    Schedule::replay(def, Trace::from_json(r.trace_json));
  } catch (const Error& e) {
    std::string why = e.what();
    if (why.rfind("kiln: ", 0) == 0) why = why.substr(6);
    refuse("the record's schedule does not apply to its workload (" + w.op + " " + w.shape +
           "): " + why.substr(0, why.find('\n')));
  }
  if (r.status != "ok") return;
  if (r.median_ms < kMinMedianMs || r.median_ms > kMaxMedianMs) {
    refuse("an ok record takes " + std::to_string(r.median_ms) +
           " ms; a measured kernel takes between 1 ns and a day");
  }
  const double flops = op->flops(op->resolve_sizes(w.sizes), op->resolve_options(w.op_options));
  const double want = flops / (r.median_ms * 1e6);
  if (flops > 0 && std::abs(r.gflops - want) > 0.01 * want) {
    refuse("the record claims " + std::to_string(r.gflops) + " GFLOP/s, but " + w.op + " " +
           w.shape + " in " + std::to_string(r.median_ms) + " ms is " + std::to_string(want));
  }
}

// Whether the database holds r: the record with its uuid, or (for a record
// exported without one) a record equal in every field. Figures compare
// exactly: an export writes doubles with every digit, so a record read
// back is the record written, and two measurements that differ at all are
// two records.
bool has_record(sqlite3* db, const std::string& path, const TuningRecord& r) {
  if (!r.uuid.empty()) {
    sqlite::Statement st(db, path, "SELECT 1 FROM records WHERE uuid = ?1");
    return st.bind_text(1, r.uuid).step();
  }
  sqlite::Statement st(db, path,
                       "SELECT 1 FROM records WHERE workload_key = ?1 AND trace_json = ?2 "
                       "AND created_unix = ?3 AND status = ?4 AND error = ?5 AND median_ms = ?6 "
                       "AND gflops = ?7 AND compile_ms = ?8 AND kiln_version = ?9");
  st.bind_text(1, r.workload_key).bind_text(2, r.trace_json).bind_int(3, r.created_unix);
  st.bind_text(4, r.status).bind_text(5, r.error).bind_real(6, r.median_ms);
  st.bind_real(7, r.gflops).bind_real(8, r.compile_ms).bind_text(9, r.kiln_version);
  return st.step();
}

}  // namespace

void TuningDatabase::export_jsonl(std::ostream& out) const {
  for (const WorkloadKey& w : find_workloads("")) {
    out << json{{"workload", workload_json(w)}}.dump() << "\n";
    for (const TuningRecord& r : records(w.key)) out << json{{"record", record_json(r)}}.dump() << "\n";
  }
  out.flush();
  if (!out) user_error << "writing the export failed (disk full, or the output was closed)";
}

ImportCounts TuningDatabase::import_jsonl(std::istream& in) {
  require_writable();  // before reading the file, not after checking it all
  std::vector<ImportLine> lines;
  std::string text;
  size_t total = 0;
  for (int line = 1; read_line_bounded(in, &text, kMaxImportLineBytes, "import"); ++line) {
    total += text.size() + 1;
    if (total > kMaxImportBytes) {
      user_error << "the import is larger than " << kMaxImportBytes
                 << " bytes, the limit; nothing was imported";
    }
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    lines.push_back(parse_line(text, line));
  }
  // Every record checked against its workload (from the file, or stored)
  // before anything is written.
  std::map<std::string, WorkloadKey> workloads;
  for (const ImportLine& l : lines) {
    if (l.workload) {
      workloads[l.workload->key] = *l.workload;
    } else if (!workloads.count(l.record->workload_key)) {
      for (const WorkloadKey& w : find_workloads(l.record->workload_key))
        if (w.key == l.record->workload_key) workloads[w.key] = w;
    }
    // A record of an unknown workload is refused below, with that reason.
    if (l.record && workloads.count(l.record->workload_key))
      validate_record(*l.record, workloads.at(l.record->workload_key), l.line);
  }
  std::lock_guard<std::mutex> lock(impl_->mu);
  ImportCounts counts;
  sqlite::write_transaction(impl_->db, impl_->path, [&] {
    for (const ImportLine& l : lines) {
      if (l.workload) {
        db_rows::insert_workload(impl_->db, impl_->path, *l.workload);
        continue;
      }
      TuningRecord r = *l.record;
      if (!db_rows::has_workload(impl_->db, impl_->path, r.workload_key)) {
        user_error << "import line " << l.line << ": a record of workload " << r.workload_key
                   << ", which neither the file (before this line) nor the database holds; "
                   << "nothing was imported";
      }
      if (has_record(impl_->db, impl_->path, r)) {
        ++counts.skipped;
        continue;
      }
      if (r.uuid.empty()) r.uuid = db_rows::new_uuid();
      db_rows::insert_record(impl_->db, impl_->path, r);
      ++counts.added;
    }
  });
  return counts;
}

}  // namespace kiln
