// Escaping and formatting for the report page. See report_html.h.
#include "report/report_html.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <ctime>
#include "base/target.h"

namespace kiln::report_html {

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string num(double v, int digits) {
  if (!std::isfinite(v)) return "-";
  char buf[64];
  const double a = std::fabs(v);
  if (a != 0 && (a < 1e-3 || a >= 1e9)) {
    std::snprintf(buf, sizeof buf, "%.*g", digits, v);
    return buf;
  }
  // Enough decimals for `digits` significant digits, none below 1.
  int decimals = a >= 1 ? digits - 1 - static_cast<int>(std::floor(std::log10(a))) : digits;
  if (a < 1 && a > 0) decimals = digits - 1 - static_cast<int>(std::floor(std::log10(a)));
  if (decimals < 0) decimals = 0;
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string coord(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", std::isfinite(v) ? v : 0.0);
  return buf;
}

std::string anchor(const WorkloadKey& w) {
  std::string out = "w-";
  for (const char c : w.key) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') out += c;
  }
  return out;
}

std::string workload_title(const WorkloadKey& w) {
  std::string t = w.op + " " + w.shape;
  if (!w.options.empty()) t += " (" + w.options + ")";
  return t;
}

std::string utc_date(int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm);
  return buf;
}

const char* status_colour(const std::string& status) {
  if (status == "ok") return "#1b6e35";
  if (status == "invalid") return "#a84b00";
  if (status == "crash") return "#c0182b";
  if (status == "timeout") return "#6a1b9a";
  if (status == "compile_error") return "#37474f";
  return "#6d4c41";  // rejected and anything newer
}

}  // namespace kiln::report_html
