// The sortable table of workloads. Each cell carries its sort key in
// data-v; the page's script sorts on a header click (report_page.cpp).
// See report_html.h.
#include <algorithm>

#include "report/report_html.h"

namespace kiln::report_html {
namespace {

std::string cell(const std::string& sort_key, const std::string& html, bool numeric = false) {
  return "<td" + std::string(numeric ? " class=\"n\"" : "") + " data-v=\"" + escape(sort_key) +
         "\">" + html + "</td>";
}

}  // namespace

std::string render_table(const ReportData& data) {
  struct Column {
    const char* name;
    const char* type;
  };
  const Column columns[] = {{"op", "text"},      {"shape", "text"},   {"target / device", "text"},
                            {"threads", "num"},  {"best ms", "num"},  {"default ms", "num"},
                            {"speedup", "num"},  {"trials", "num"},   {"when (UTC)", "text"},
                            {"kiln", "text"}};
  std::string out = "<table id=\"workloads\" class=\"sortable\"><caption>Workloads: select a "
                    "column's heading to sort by it</caption><thead><tr>";
  int index = 0;
  for (const Column& c : columns) {
    out += "<th scope=\"col\" aria-sort=\"none\" data-type=\"" + std::string(c.type) +
           "\"><button type=\"button\" data-col=\"" + std::to_string(index++) + "\">" + c.name +
           "</button></th>";
  }
  out += "</tr></thead><tbody>";
  for (const WorkloadReport& w : data.workloads) {
    const WorkloadKey& k = w.workload;
    const int threads = k.threads;
    const bool gpu = k.target.rfind("cuda", 0) == 0;
    const double best = w.best ? w.best->median_ms : 0;
    const double def = w.default_mean ? w.default_mean->median_ms : 0;
    const double speedup = best > 0 && def > 0 ? def / best : 0;
    int failed = 0;
    int64_t last = 0;
    for (const TuningRecord& r : w.records) {
      failed += r.status != "ok";
      last = std::max(last, r.created_unix);
    }
    const std::string version = w.best ? w.best->kiln_version
                                : w.records.empty() ? "" : w.records.back().kiln_version;
    const std::string shape = k.options.empty() ? k.shape : k.shape + "," + k.options;
    out += "<tr>";
    out += cell(k.op, "<a href=\"#" + anchor(k) + "\">" + escape(k.op) + "</a>");
    out += cell(shape, escape(shape));
    const std::string device = short_target(k.target) + (gpu ? " (" + k.hardware + ")" : "");
    out += cell(device, "<span title=\"" + escape(k.target + "\n" + k.hardware) + "\">" +
                            escape(short_target(k.target)) + "</span>");
    out += cell(std::to_string(threads), gpu || threads == 0 ? "-" : std::to_string(threads), true);
    out += cell(num(best, 6), best > 0 ? num(best) : "-", true);
    out += cell(num(def, 6), def > 0 ? num(def) : "-", true);
    out += cell(num(speedup, 6), speedup > 0 ? num(speedup) + "x" : "-", true);
    out += cell(std::to_string(w.records.size()),
                std::to_string(w.records.size()) +
                    (failed ? " <small>(" + std::to_string(failed) + " failed)</small>" : ""),
                true);
    out += cell(std::to_string(last), last ? utc_date(last) : "-");
    out += cell(version, escape(version));
    out += "</tr>";
  }
  if (data.workloads.empty()) {
    out += "<tr><td colspan=\"10\" class=\"empty\">No workloads: <code>kiln tune &lt;op&gt; "
           "--shape ...</code> adds them.</td></tr>";
  }
  return out + "</tbody></table>";
}

}  // namespace kiln::report_html
