// The report page around its pieces: head, style, summary, roofline,
// table, one section per workload, script. See report.h.
#include "report/report_html.h"
#include "report/report_script.js.h"

namespace kiln {

using namespace report_html;

namespace {

std::string workload_section(const WorkloadReport& w) {
  const WorkloadKey& k = w.workload;
  std::string out = "<section class=\"workload\" id=\"" + anchor(k) + "\" aria-labelledby=\"" +
                    anchor(k) + "-h\"><h3 id=\"" + anchor(k) + "-h\">" +
                    escape(workload_title(k)) + "</h3>";
  out += "<p class=\"meta\">key <code>" + escape(k.key) + "</code>, target <code>" +
         escape(k.target) + "</code><br>hardware <code>" + escape(k.hardware) + "</code></p>";
  int failed = 0;
  for (const TuningRecord& r : w.records) failed += r.status != "ok";
  out += "<p>" + std::to_string(w.records.size()) + " records (" + std::to_string(failed) +
         " failed).";
  if (w.best) out += " Best: " + num(w.best->median_ms) + " ms, " + num(w.best->gflops) + " GFLOP/s.";
  if (w.default_mean) {
    out += " Default: " + num(w.default_mean->median_ms) + " ms";
    if (w.best && w.best->median_ms > 0) {
      out += " (tuned is " + num(w.default_mean->median_ms / w.best->median_ms) + "x)";
    }
    out += ".";
  }
  if (!w.best) out += " <strong>No schedule ran correctly.</strong>";
  out += "</p><h4>Tuning curve</h4>" + render_curves(w) + render_knobs(w) + render_trace(w);
  return out + "<p><a href=\"#top\">back to the top</a></p></section>";
}

}  // namespace

std::string render_report(const ReportData& data) {
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">"
      "<title>kiln tuning report</title><style>";
  out += kStyle;
  out += "</style></head><body><header id=\"top\"><h1>kiln tuning report</h1><p class=\"meta\">" +
         std::to_string(data.workloads.size()) + " workload" +
         (data.workloads.size() == 1 ? "" : "s") + " from <code>" + escape(data.db_path) +
         "</code>, made " + utc_date(data.generated_unix) + " UTC by kiln " +
         escape(kiln_version()) + ".</p></header>";
  out += "<pre id=\"selftest\" hidden></pre>";
  out += "<nav aria-label=\"contents\"><a href=\"#roofline-h\">Roofline</a> &middot; "
         "<a href=\"#table-h\">Workloads</a></nav>";
  out += "<main><h2 id=\"roofline-h\">Roofline</h2>" + render_roofline(data);
  out += "<h2 id=\"table-h\">Workloads</h2>" + render_table(data);
  if (data.workloads.empty()) {
    out += "<p class=\"empty\">The database holds no workloads yet.</p>";
  }
  for (const WorkloadReport& w : data.workloads) out += workload_section(w);
  out += "<p class=\"note\">Record sources are stored with each record: the default "
         "schedule's measurement, a search trial, a confirmation run (a schedule measured again "
         "at the end of a tune), or an import that did not say. An imported record keeps the "
         "source it was exported with. Records of a database older than schema version 4 got "
         "theirs when it was migrated: the first measurement of a trace is a search trial (the "
         "default's, when its trace was marked so), a later one a confirmation run.</p>";
  out += "</main><script>";
  out += kScript;
  return out + "</script></body></html>\n";
}

}  // namespace kiln
