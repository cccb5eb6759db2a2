// The roofline chart of the report: this machine's peaks (from the
// calibration cache) and each workload's default and tuned kernel as
// points at the op's arithmetic intensity. See report_html.h.
#include <algorithm>
#include <cmath>

#include "report/report_html.h"

namespace kiln::report_html {
namespace {

constexpr double kWidth = 760, kHeight = 460;
constexpr double kLeft = 78, kRight = 20, kTop = 20, kBottom = 56;

bool on_roofline(const WorkloadReport& w) {
  return w.flops > 0 && w.bytes > 0 && w.best && w.best->gflops > 0 &&
         w.workload.target.rfind("cuda", 0) != 0;
}

/// Vendor figures are drawn for any CPU workload with counts, tuned or not.
bool vendors_on_roofline(const WorkloadReport& w) {
  return w.flops > 0 && w.bytes > 0 && !w.vendors.empty() &&
         w.workload.target.rfind("cuda", 0) != 0;
}

}  // namespace

std::string render_roofline(const ReportData& data) {
  std::vector<double> xs, ys;
  for (const WorkloadReport& w : data.workloads) {
    if (!on_roofline(w)) continue;
    xs.push_back(w.flops / w.bytes);
    ys.push_back(w.best->gflops);
    if (w.default_mean) ys.push_back(w.default_mean->gflops);
  }
  for (const WorkloadReport& w : data.workloads) {
    if (!vendors_on_roofline(w)) continue;
    xs.push_back(w.flops / w.bytes);
    for (const VendorFigure& v : w.vendors) {
      if (v.gflops > 0) ys.push_back(v.gflops);
    }
  }
  const std::optional<Calibration>& c = data.calibration;
  if (c && c->peak_gflops > 0 && c->peak_gbps > 0) {
    xs.push_back(c->peak_gflops / c->peak_gbps);  // the ridge point
    ys.push_back(c->peak_gflops);
  }
  Scale x = log_scale_of(xs, 0.1, 100);
  Scale y = log_scale_of(ys, 1, 1000);
  x.p0 = kLeft;
  x.p1 = kWidth - kRight;
  y.p0 = kHeight - kBottom;
  y.p1 = kTop;

  int points = 0;
  std::string body;
  if (c && c->peak_gflops > 0 && c->peak_gbps > 0) {
    // The roof: bandwidth * intensity up to the ridge, then the FLOP peak.
    const double lo = std::pow(10.0, x.lo), hi = std::pow(10.0, x.hi);
    const double ridge = c->peak_gflops / c->peak_gbps;
    const double start = std::max(lo, std::pow(10.0, y.lo) / c->peak_gbps);
    std::string pts = coord(x.at(start)) + "," + coord(y.at(start * c->peak_gbps));
    if (ridge > lo && ridge < hi) pts += " " + coord(x.at(ridge)) + "," + coord(y.at(c->peak_gflops));
    pts += " " + coord(x.at(hi)) + "," + coord(y.at(std::min(c->peak_gflops, hi * c->peak_gbps)));
    body += "<polyline class=\"roof\" points=\"" + pts + "\"><title>roof: min(" +
            num(c->peak_gflops) + " GFLOP/s, " + num(c->peak_gbps) +
            " GB/s x intensity)</title></polyline>";
    body += "<text class=\"roof-label\" x=\"" + coord(x.p1 - 4) + "\" y=\"" +
            coord(y.at(c->peak_gflops) - 6) + "\" text-anchor=\"end\">peak " +
            num(c->peak_gflops) + " GFLOP/s (" + escape(c->fma_isa) + " FMA), " +
            num(c->peak_gbps) + " GB/s</text>";
  }
  for (const WorkloadReport& w : data.workloads) {
    if (!on_roofline(w)) continue;
    const double ai = w.flops / w.bytes;
    const double px = x.at(ai), ty = y.at(w.best->gflops);
    const std::string name = escape(workload_title(w.workload));
    body += "<a href=\"#" + anchor(w.workload) + "\" class=\"pt-link\">";
    if (w.default_mean && w.default_mean->gflops > 0) {
      const double dy = y.at(w.default_mean->gflops);
      if (std::fabs(dy - ty) > 8) {
        body += "<line class=\"arrow\" x1=\"" + coord(px) + "\" y1=\"" + coord(dy) + "\" x2=\"" +
                coord(px) + "\" y2=\"" + coord(ty + (ty < dy ? 6 : -6)) +
                "\" marker-end=\"url(#arrowhead)\"/>";
      }
      body += "<rect class=\"pt pt-default\" x=\"" + coord(px - 4) + "\" y=\"" + coord(dy - 4) +
              "\" width=\"8\" height=\"8\"><title>" + name + " default: " +
              num(w.default_mean->gflops) + " GFLOP/s, " + num(ai) +
              " FLOP/byte</title></rect>";
      ++points;
    }
    body += "<circle class=\"pt pt-tuned\" cx=\"" + coord(px) + "\" cy=\"" + coord(ty) +
            "\" r=\"5\"><title>" + name + " tuned: " + num(w.best->gflops) + " GFLOP/s, " +
            num(ai) + " FLOP/byte</title></circle>";
    body += "<text class=\"pt-label\" x=\"" + coord(px + 8) + "\" y=\"" + coord(ty + 4) + "\">" +
            escape(w.workload.op) + "</text></a>";
    ++points;
  }

  // Vendor libraries measured beside kiln (kiln_bench_ops --db): triangles.
  for (const WorkloadReport& w : data.workloads) {
    if (!vendors_on_roofline(w)) continue;
    const double ai = w.flops / w.bytes;
    const double px = x.at(ai);
    const std::string name = escape(workload_title(w.workload));
    for (const VendorFigure& v : w.vendors) {
      if (!(v.gflops > 0)) continue;
      const double py = y.at(v.gflops);
      body += "<path class=\"pt pt-vendor\" d=\"M" + coord(px) + "," + coord(py - 6) + " L" +
              coord(px + 6) + "," + coord(py + 5) + " L" + coord(px - 6) + "," + coord(py + 5) +
              " Z\"><title>" + name + " " + escape(v.library) + ": " + num(v.gflops) +
              " GFLOP/s, " + num(v.median_ms) + " ms</title></path>";
      body += "<text class=\"pt-label pt-vendor-label\" x=\"" + coord(px - 10) + "\" y=\"" +
              coord(py + 4) + "\" text-anchor=\"end\">" + escape(v.library) + "</text>";
      ++points;
    }
  }

  std::string out = "<figure class=\"chart\" id=\"roofline\"><svg class=\"roofline\" role=\"img\" "
                    "aria-labelledby=\"roofline-title roofline-desc\" viewBox=\"0 0 " +
                    coord(kWidth) + " " + coord(kHeight) + "\" data-points=\"" +
                    std::to_string(points) + "\">";
  out += "<title id=\"roofline-title\">Roofline of this machine</title>";
  out += "<desc id=\"roofline-desc\">Achieved GFLOP/s against arithmetic intensity (FLOP per "
         "byte, log scales). Circles are tuned kernels, squares the default schedules, arrows "
         "go from default to tuned, triangles vendor libraries measured beside kiln.</desc>";
  out += "<defs><marker id=\"arrowhead\" viewBox=\"0 0 10 10\" refX=\"8\" refY=\"5\" "
         "markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 "
         "L10,5 L0,10 z\" class=\"arrowhead\"/></marker></defs>";
  out += axes(x, y, "arithmetic intensity (FLOP/byte)", "GFLOP/s");
  out += body + "</svg><figcaption>";
  if (c) {
    out += "Peaks of this machine at " + std::to_string(c->threads) + " thread" +
           (c->threads == 1 ? "" : "s") + " from <code>kiln calibrate</code> (" +
           escape(utc_date(c->created_unix)) + " UTC): " + num(c->peak_gflops) +
           " GFLOP/s f32, " + num(c->peak_gbps) + " GB/s.";
  } else {
    out += "<strong>No calibration is cached for this machine</strong>, so the chart has no "
           "roof: run <code>kiln calibrate</code> (about a second) and make the report again.";
  }
  out += " " + std::to_string(points) + " point" + (points == 1 ? "" : "s") +
         "; intensity is the op's FLOP count over the bytes it must move (every input read "
         "once, every output written once). GPU workloads are not drawn against this CPU's "
         "roof.</figcaption></figure>";
  return out;
}

}  // namespace kiln::report_html
