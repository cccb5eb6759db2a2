#pragma once
/// \file
/// `kiln report`: one self-contained HTML page about a tuning database. It
/// holds a roofline chart of this machine with every workload's default and
/// tuned kernel, each workload's tuning curve, which knobs moved the time,
/// the best schedule's trace, and a sortable table of workloads. Charts are
/// inline SVG (readable without JavaScript); a little script sorts the table
/// and shows hover details. Nothing is loaded from the network.
///
///   TuningDatabase db = TuningDatabase::open(path);
///   ReportData data = load_report_data(db, {});
///   std::string html = render_report(data);

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "autotune/database.h"
#include "autotune/calibration.h"

namespace kiln {

/// Which workloads a report covers: all of them, those whose key starts
/// with `key_prefix`, or those of the op `op`.
struct ReportFilter {
  std::string key_prefix;
  std::string op;
};

/// One workload with everything the page draws for it.
struct WorkloadReport {
  WorkloadKey workload;
  /// Oldest first; each says where it came from (TuningRecord::source).
  std::vector<TuningRecord> records;
  std::optional<TuningRecord> best;            ///< TuningDatabase::best
  std::optional<TuningRecord> default_mean;    ///< the default's mean, when it ran ok
  /// Each vendor library's fastest figure (kiln_bench_ops --db), by name.
  std::vector<VendorFigure> vendors;
  /// The op's counts for this workload (Op::flops, Op::bytes); 0 when this
  /// kiln no longer knows the op or its sizes.
  double flops = 0, bytes = 0;
};

struct ReportData {
  std::string db_path;
  std::vector<WorkloadReport> workloads;
  /// This machine's peaks from the calibration cache; nothing when none is
  /// cached (the page then says how to measure them).
  std::optional<Calibration> calibration;
  int64_t generated_unix = 0;
};

/// Every workload of db the filter selects, with its records. Throws
/// UserError when a key prefix or op is given and no workload matches.
ReportData load_report_data(const TuningDatabase& db, const ReportFilter& filter);

/// The cached calibration of this machine at kiln's thread count, or
/// nothing (never measures).
std::optional<Calibration> cached_calibration();

/// The page, as one string.
std::string render_report(const ReportData& data);

}  // namespace kiln
