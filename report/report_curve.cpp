// A workload's tuning curves: every record as a dot coloured by status,
// the best time so far as a step line, the default's and the best's mean as
// horizontal lines; once against the trial number, once against time.
// See report_html.h.
#include <algorithm>
#include <cmath>

#include "report/report_html.h"

namespace kiln::report_html {
namespace {

constexpr double kWidth = 520, kHeight = 320;
constexpr double kLeft = 70, kRight = 16, kTop = 34, kBottom = 50;
// Failed records have no time: they sit in a strip above the plot.
constexpr double kFailedY = 16;
constexpr size_t kMaxError = 160;

std::string record_title(const TuningRecord& r, size_t index, RecordSource s) {
  std::string t = "trial " + std::to_string(index + 1) + " (" + source_name(s) + "): " + r.status;
  if (r.status == "ok") t += ", " + num(r.median_ms) + " ms, " + num(r.gflops) + " GFLOP/s";
  if (!r.error.empty()) {
    t += ": " + (r.error.size() > kMaxError ? r.error.substr(0, kMaxError) + "..." : r.error);
  }
  t += ", " + utc_date(r.created_unix) + " UTC";
  return escape(t);
}

// One chart; `by_time` puts seconds since the first record on x, else the
// trial number.
std::string curve(const WorkloadReport& w, bool by_time) {
  const std::vector<TuningRecord>& rs = w.records;
  const int64_t t0 = rs.empty() ? 0 : rs.front().created_unix;
  auto x_of = [&](size_t i) {
    return by_time ? static_cast<double>(rs[i].created_unix - t0) : static_cast<double>(i + 1);
  };
  std::vector<double> times;
  for (const TuningRecord& r : rs) {
    if (r.status == "ok") times.push_back(r.median_ms);
  }
  if (w.default_mean) times.push_back(w.default_mean->median_ms);
  Scale y = log_scale_of(times, 0.01, 10);
  y.p0 = kHeight - kBottom;
  y.p1 = kTop;
  Scale x;
  x.lo = by_time ? 0 : 1;
  x.hi = rs.empty() ? x.lo + 1 : std::max(x.lo + 1, x_of(rs.size() - 1));
  x.p0 = kLeft;
  x.p1 = kWidth - kRight;

  const std::string id = anchor(w.workload) + (by_time ? "-time" : "-trial");
  const std::string what = by_time ? "seconds since the first record" : "trial";
  std::string out = "<figure class=\"chart\"><svg class=\"curve\" role=\"img\" aria-labelledby=\"" +
                    id + "-title " + id + "-desc\" viewBox=\"0 0 " + coord(kWidth) + " " +
                    coord(kHeight) + "\" data-points=\"" + std::to_string(rs.size()) + "\">";
  out += "<title id=\"" + id + "-title\">" + escape(workload_title(w.workload)) +
         ": median time against " + what + "</title>";
  out += "<desc id=\"" + id + "-desc\">" + std::to_string(rs.size()) +
         " records; dots are coloured by status, failed ones sit in the strip at the top; the "
         "step line is the best time so far.</desc>";
  out += axes(x, y, what, "median ms (log)");
  out += "<text class=\"tick\" x=\"" + coord(kLeft - 6) + "\" y=\"" + coord(kFailedY + 4) +
         "\" text-anchor=\"end\">failed</text>";

  // Best so far: a step line through the ok records.
  std::string steps;
  double best = INFINITY;
  for (size_t i = 0; i < rs.size(); ++i) {
    if (rs[i].status != "ok" || !(rs[i].median_ms > 0)) continue;
    const double px = x.at(x_of(i));
    if (std::isfinite(best)) steps += " " + coord(px) + "," + coord(y.at(best));
    best = std::min(best, rs[i].median_ms);
    steps += " " + coord(px) + "," + coord(y.at(best));
  }
  if (std::isfinite(best)) {
    steps += " " + coord(x.p1) + "," + coord(y.at(best));
    out += "<polyline class=\"best-so-far\" points=\"" + steps.substr(1) +
           "\"><title>best so far</title></polyline>";
  }
  // The default's label at the left under its line, the best's at the right
  // above it: the two lines are often close.
  auto hline = [&](const char* cls, double ms, const std::string& label, bool left) {
    const std::string py = coord(y.at(ms));
    out += "<line class=\"" + std::string(cls) + "\" x1=\"" + coord(x.p0) + "\" x2=\"" +
           coord(x.p1) + "\" y1=\"" + py + "\" y2=\"" + py + "\"><title>" + label +
           "</title></line>";
    out += "<text class=\"line-label " + std::string(cls) + "-label\" x=\"" +
           coord(left ? x.p0 + 4 : x.p1 - 4) + "\" y=\"" + coord(y.at(ms) + (left ? 13 : -4)) +
           "\" text-anchor=\"" + (left ? "start" : "end") + "\">" + label + "</text>";
  };
  if (w.default_mean) {
    const double ms = w.default_mean->median_ms;
    hline("default-line", ms, "default " + num(ms) + " ms", true);
  }
  if (w.best) {
    const double ms = w.best->median_ms;
    hline("best-line", ms, "best " + num(ms) + " ms (mean of its runs)", false);
  }

  for (size_t i = 0; i < rs.size(); ++i) {
    const TuningRecord& r = rs[i];
    const bool ok = r.status == "ok" && r.median_ms > 0;
    const RecordSource s = r.source;
    // Search trials (and imports, whose role is unknown) are the many small
    // dots; the default and confirmation runs stand out.
    const bool small = s == RecordSource::Search || s == RecordSource::Import;
    out += "<circle class=\"trial s-" + escape(r.status) + " src-" + source_name(s) +
           "\" cx=\"" + coord(x.at(x_of(i))) + "\" cy=\"" +
           coord(ok ? y.at(r.median_ms) : kFailedY) + "\" r=\"" +
           (small ? "3" : "4.5") + "\" fill=\"" +
           status_colour(r.status) + "\" stroke=\"" + status_colour(r.status) + "\"><title>" + record_title(r, i, s) + "</title></circle>";
  }
  out += "</svg></figure>";
  return out;
}

}  // namespace

std::string render_curves(const WorkloadReport& w) {
  std::string out = "<div class=\"curves\">" + curve(w, false) + curve(w, true) + "</div>";
  out += "<p class=\"legend\">";
  for (const char* s : {"ok", "invalid", "crash", "timeout", "compile_error", "rejected"}) {
    out += "<span class=\"key\"><svg width=\"12\" height=\"12\" aria-hidden=\"true\"><circle "
           "cx=\"6\" cy=\"6\" r=\"5\" fill=\"" + std::string(status_colour(s)) +
           "\"/></svg> " + s + "</span> ";
  }
  out += "<span class=\"key\">large filled dot: the default schedule; ring: a confirmation run "
         "(the same schedule measured again); dashed line: the default's mean; dotted line: "
         "the best's mean</span></p>";
  return out;
}

}  // namespace kiln::report_html
