// Chart axes of the report page: scales, ticks, grid lines. See report_html.h.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "report/report_html.h"

namespace kiln::report_html {
namespace {

// "0.001", "10", "1e+06": short labels for round tick values.
std::string tick_label(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

}  // namespace

double Scale::at(double v) const {
  double t = 0;
  if (log) {
    t = v > 0 ? (std::log10(v) - lo) / (hi - lo) : 0;
  } else {
    t = (v - lo) / (hi - lo);
  }
  if (!std::isfinite(t)) t = 0;
  t = std::clamp(t, 0.0, 1.0);
  return p0 + t * (p1 - p0);
}

std::vector<double> Scale::ticks() const {
  std::vector<double> out;
  if (log) {
    for (int e = static_cast<int>(std::ceil(lo - 1e-9)); e <= hi + 1e-9; ++e) out.push_back(std::pow(10.0, e));
    return out;
  }
  const double span = hi - lo;
  if (!(span > 0)) return {lo};
  const double raw = span / 6;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (const double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  }
  for (double v = std::ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push_back(v);
  return out;
}

Scale log_scale_of(const std::vector<double>& vs, double lo, double hi) {
  double a = INFINITY, b = -INFINITY;
  for (const double v : vs) {
    if (!(v > 0) || !std::isfinite(v)) continue;
    a = std::min(a, v);
    b = std::max(b, v);
  }
  if (!std::isfinite(a)) {
    a = lo;
    b = hi;
  }
  Scale s;
  s.log = true;
  s.lo = std::floor(std::log10(a));
  s.hi = std::ceil(std::log10(b));
  if (s.hi <= s.lo) s.hi = s.lo + 1;
  return s;
}

std::string axes(const Scale& x, const Scale& y, const std::string& x_title,
                 const std::string& y_title) {
  std::string out = "<g class=\"axes\" aria-hidden=\"true\">";
  for (const double v : x.ticks()) {
    const std::string px = coord(x.at(v));
    out += "<line class=\"grid\" x1=\"" + px + "\" x2=\"" + px + "\" y1=\"" + coord(y.p1) +
           "\" y2=\"" + coord(y.p0) + "\"/>";
    out += "<text class=\"tick\" x=\"" + px + "\" y=\"" + coord(y.p0 + 16) +
           "\" text-anchor=\"middle\">" + tick_label(v) + "</text>";
  }
  for (const double v : y.ticks()) {
    const std::string py = coord(y.at(v));
    out += "<line class=\"grid\" x1=\"" + coord(x.p0) + "\" x2=\"" + coord(x.p1) + "\" y1=\"" + py +
           "\" y2=\"" + py + "\"/>";
    out += "<text class=\"tick\" x=\"" + coord(x.p0 - 6) + "\" y=\"" + coord(y.at(v) + 4) +
           "\" text-anchor=\"end\">" + tick_label(v) + "</text>";
  }
  out += "<rect class=\"frame\" x=\"" + coord(x.p0) + "\" y=\"" + coord(y.p1) + "\" width=\"" +
         coord(x.p1 - x.p0) + "\" height=\"" + coord(y.p0 - y.p1) + "\"/>";
  out += "<text class=\"axis-title\" x=\"" + coord((x.p0 + x.p1) / 2) + "\" y=\"" +
         coord(y.p0 + 36) + "\" text-anchor=\"middle\">" + escape(x_title) + "</text>";
  out += "<text class=\"axis-title\" transform=\"translate(" + coord(x.p0 - 52) + " " +
         coord((y.p0 + y.p1) / 2) + ") rotate(-90)\" text-anchor=\"middle\">" + escape(y_title) +
         "</text></g>";
  return out;
}

}  // namespace kiln::report_html
