// Reads a tuning database into ReportData. See report.h.
#include <algorithm>
#include <ctime>

#include "autotune/workload.h"
#include "base/error.h"
#include "ops/op.h"
#include "report/report.h"
#include "runtime/thread_pool.h"

namespace kiln {
namespace {

// The op's counts; 0 when this kiln cannot rebuild the workload's sizes.
void set_counts(WorkloadReport& w) {
  w.flops = w.bytes = 0;
  if (!w.workload.typed_error.empty()) return;
  try {
    const Op& op = find_op(w.workload.op);
    w.flops = op.flops(w.workload.sizes, w.workload.op_options);
    w.bytes = op.bytes(w.workload.sizes, w.workload.op_options);
  } catch (const std::exception&) {
    w.flops = w.bytes = 0;
  }
}

}  // namespace

ReportData load_report_data(const TuningDatabase& db, const ReportFilter& filter) {
  ReportData data;
  data.db_path = db.path();
  data.generated_unix = std::time(nullptr);
  for (const WorkloadKey& key : db.find_workloads(filter.key_prefix)) {
    if (!filter.op.empty() && key.op != filter.op) continue;
    WorkloadReport w;
    w.workload = key;
    w.records = db.records(key.key);
    w.best = db.best(key.key);
    std::string default_json;
    for (const TuningRecord& r : w.records) {
      if (r.status == "ok" && r.source == RecordSource::Default) default_json = r.trace_json;
    }
    if (!default_json.empty()) w.default_mean = db.mean_of(key.key, default_json);
    for (const VendorFigure& v : db.vendor_figures(key.key)) {
      auto same = std::find_if(w.vendors.begin(), w.vendors.end(),
                               [&](const VendorFigure& o) { return o.library == v.library; });
      if (same == w.vendors.end()) w.vendors.push_back(v);
      else if (v.median_ms < same->median_ms) *same = v;
    }
    set_counts(w);
    data.workloads.push_back(std::move(w));
  }
  if (data.workloads.empty() && !filter.key_prefix.empty()) {
    user_error << "no workload in " << db.path() << " has a key starting with '"
               << filter.key_prefix << "'; `kiln db list` shows the keys";
  }
  if (data.workloads.empty() && !filter.op.empty()) {
    user_error << "no workload of op '" << filter.op << "' in " << db.path()
               << "; `kiln db list` shows what is tuned";
  }
  data.calibration = cached_calibration();
  return data;
}

std::optional<Calibration> cached_calibration() {
  return load_calibration(calibration_cache_path(), calibration_fingerprint(), num_threads());
}

}  // namespace kiln
