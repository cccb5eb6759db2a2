#pragma once
/// \file
/// Pieces of the report page (report.h), one file each: escaping and number
/// formatting here, the roofline (report_roofline.cpp), a workload's curve
/// (report_curve.cpp), its knobs and trace (report_knobs.cpp), the table
/// (report_table.cpp) and the page around them (report_page.cpp).

#include <string>
#include <string_view>
#include <vector>

#include "base/target.h"
#include "report/report.h"

namespace kiln::report_html {

/// Text safe inside an element or a quoted attribute: & < > " ' escaped.
std::string escape(std::string_view text);
/// A number with `digits` significant digits ("1.23e+04" avoided: plain
/// decimal up to 1e9).
std::string num(double v, int digits = 3);
/// An SVG coordinate: one decimal.
std::string coord(double v);
/// "w-" and the key with anything but [0-9A-Za-z_-] dropped: the anchor of
/// a workload's section.
std::string anchor(const WorkloadKey& w);
/// "matmul M=64,N=64,K=64 (dtype=f32)".
std::string workload_title(const WorkloadKey& w);
using kiln::short_target;  // base/target.h
/// "2026-12-05 07:30" (UTC).
std::string utc_date(int64_t unix_seconds);

/// The colour of a record status (ok, invalid, crash, timeout,
/// compile_error, rejected); dark enough for text contrast on white.
const char* status_colour(const std::string& status);

std::string render_roofline(const ReportData& data);
std::string render_curves(const WorkloadReport& w);
std::string render_knobs(const WorkloadReport& w);
std::string render_trace(const WorkloadReport& w);
std::string render_table(const ReportData& data);

}  // namespace kiln::report_html

namespace kiln::report_html {

/// A chart axis: values lo..hi (log10 when `log`) onto pixels p0..p1.
struct Scale {
  double lo = 0, hi = 1;
  bool log = false;
  double p0 = 0, p1 = 1;
  /// The pixel of value v (clamped into the axis).
  double at(double v) const;
  /// Values to label: powers of ten (log) or a 1-2-5 step (linear).
  std::vector<double> ticks() const;
};

/// A log axis covering every positive value in vs (whole decades, at
/// least one), or lo..hi when there is none.
Scale log_scale_of(const std::vector<double>& vs, double lo, double hi);

/// Grid lines, tick labels and axis titles of a chart whose plot area is
/// x.p0..x.p1 by y.p1..y.p0 (y.p0 is the bottom).
std::string axes(const Scale& x, const Scale& y, const std::string& x_title,
                 const std::string& y_title);

}  // namespace kiln::report_html
