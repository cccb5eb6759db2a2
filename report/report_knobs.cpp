// A workload's knob importance and best trace. See report_html.h.
#include <algorithm>
#include <cmath>
#include <map>

#include <nlohmann/json.hpp>

#include "report/report_html.h"

namespace kiln::report_html {
namespace {

// A group needs this many ok records for its median to count.
constexpr size_t kMinGroup = 2;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct KnobSpread {
  std::string name;
  double ratio = 1;         // slowest group's median time over the fastest's
  std::string fastest;      // the value of the fastest group
  size_t values = 0, records = 0;
};

std::vector<KnobSpread> knob_spreads(const WorkloadReport& w) {
  // knob -> value -> log times of the ok records with that value
  std::map<std::string, std::map<std::string, std::vector<double>>> groups;
  for (const TuningRecord& r : w.records) {
    if (r.status != "ok" || !(r.median_ms > 0)) continue;
    for (const auto& [name, value] : r.knobs) {
      groups[name][std::to_string(value)].push_back(std::log(r.median_ms));
    }
  }
  std::vector<KnobSpread> out;
  for (const auto& [name, by_value] : groups) {
    KnobSpread k;
    k.name = name;
    double lo = INFINITY, hi = -INFINITY;
    for (const auto& [value, logs] : by_value) {
      if (logs.size() < kMinGroup) continue;
      const double m = median(logs);
      ++k.values;
      k.records += logs.size();
      if (m < lo) {
        lo = m;
        k.fastest = value;
      }
      hi = std::max(hi, m);
    }
    if (k.values < 2) continue;
    k.ratio = std::exp(hi - lo);
    out.push_back(k);
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const KnobSpread& a, const KnobSpread& b) { return a.ratio > b.ratio; });
  return out;
}

}  // namespace

std::string render_knobs(const WorkloadReport& w) {
  const std::vector<KnobSpread> spreads = knob_spreads(w);
  std::string out = "<h4>Knob importance</h4><p class=\"note\">How it is computed: the ok "
                    "records of the search are grouped by each knob's value; a group of at least " +
                    std::to_string(kMinGroup) +
                    " records gives the median of its log run time; a knob's spread is the "
                    "slowest group's median time over the fastest group's. Knobs change "
                    "together during a search, so this is a marginal, rough measure of which "
                    "knobs moved the time, not a causal one.</p>";
  if (spreads.empty()) {
    return out + "<p class=\"empty\">No knob has two values with " + std::to_string(kMinGroup) +
           " ok records each.</p>";
  }
  const double top = std::log(std::max(spreads.front().ratio, 1.0001));
  out += "<table class=\"knobs\"><thead><tr><th scope=\"col\">knob</th><th scope=\"col\">spread "
         "(slowest / fastest median)</th><th scope=\"col\">fastest value</th><th "
         "scope=\"col\">values</th><th scope=\"col\">records</th></tr></thead><tbody>";
  for (const KnobSpread& k : spreads) {
    const double width = 100 * std::log(k.ratio) / top;
    out += "<tr><td>" + escape(k.name) + "</td><td><span class=\"bar\" style=\"width:" +
           coord(std::max(width, 1.0)) + "px\" aria-hidden=\"true\"></span> " + num(k.ratio) +
           "x</td><td><code>" + escape(k.fastest) + "</code></td><td>" +
           std::to_string(k.values) + "</td><td>" + std::to_string(k.records) + "</td></tr>";
  }
  return out + "</tbody></table>";
}

std::string render_trace(const WorkloadReport& w) {
  std::string out = "<h4>Best schedule</h4>";
  if (!w.best) return out + "<p class=\"empty\">No schedule of this workload ran correctly.</p>";
  const nlohmann::ordered_json j = nlohmann::ordered_json::parse(w.best->trace_json, nullptr, false);
  const std::string text = j.is_discarded() ? w.best->trace_json : j.dump(2);
  out += "<p>Record " + std::to_string(w.best->id) + ", " + num(w.best->median_ms) + " ms, " +
         num(w.best->gflops) + " GFLOP/s (mean of its ok runs). Its trace, replayable with "
         "<code>kiln bench --schedule FILE</code>:</p>";
  out += "<pre class=\"trace\">" + escape(text) + "</pre>";
  if (w.best->knobs.empty()) return out;
  std::string knobs;
  for (const auto& [name, value] : w.best->knobs) {
    knobs += (knobs.empty() ? "" : ", ") + name + "=" + std::to_string(value);
  }
  return out + "<p>The knobs that built it: <code>" + escape(knobs) + "</code></p>";
}

}  // namespace kiln::report_html
