// `kiln report`'s page (report/report.h) and command: hostile names are
// escaped, an empty database and a workload with only failures make a
// sensible page, every chart has one point per record or kernel, and bad
// input is one `kiln: ...` message with exit code 1. The browser test
// (tests/cli/report_browser_test.py) checks the page in Chromium.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "../autotune/db_test_util.h"
#include "autotune/database.h"
#include "base/error.h"
#include "report/report.h"
#include "tests/support/run_kiln.h"

namespace kiln {
namespace {

using db_test::read_bytes;
using db_test::TempDir;

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + what.size())) ++n;
  return n;
}

// The text of the first <svg> element whose opening tag contains `cls`.
std::string svg_with_class(const std::string& html, const std::string& cls, size_t nth = 0) {
  size_t p = 0;
  for (size_t i = 0;; ++i) {
    p = html.find("<svg class=\"" + cls + "\"", p);
    if (p == std::string::npos) return "";
    if (i == nth) break;
    ++p;
  }
  return html.substr(p, html.find("</svg>", p) - p);
}

// The default schedule's record, as the tuner stores it.
TuningRecord default_run(TuningRecord r, RecordSource source = RecordSource::Default) {
  r.trace_json = R"({"kiln_trace":1,"steps":[]})";
  r.source = source;
  return r;
}

// A record of the schedule the knobs tile and vec build, as the tuner
// stores it: the trace, and its knobs beside it.
TuningRecord knob_run(TuningRecord r, int tile, int vec,
                      RecordSource source = RecordSource::Search) {
  r.trace_json = R"({"kiln_trace":1,"steps":[{"split":"i","factor":)" + std::to_string(tile) +
                 R"(},{"vectorize":)" + std::to_string(vec) + "}]}";
  r.knobs = {{"tile", tile}, {"vec", vec}};
  r.source = source;
  return r;
}

// A matmul 8x8x8 workload: a default run, six search trials (two failed),
// and confirmation runs of the best trial and the default.
void fill_tuned(TuningDatabase& db, const std::string& key) {
  db.add_workload(db_test::workload(key));
  db.add_record(default_run(db_test::record(key, 0.010, "ok", 100)));
  const double times[] = {0.008, 0.004, 0.009, 0.003};
  for (int i = 0; i < 4; ++i) {
    db.add_record(knob_run(db_test::record(key, times[i], "ok", 101 + i), 4 << (i % 2), 1 + i / 2));
  }
  db.add_record(knob_run(db_test::record(key, 0, "crash", 105), 32, 1));
  db.add_record(knob_run(db_test::record(key, 0, "timeout", 106), 64, 1));
  for (int i = 0; i < 2; ++i) {
    db.add_record(knob_run(db_test::record(key, 0.0031, "ok", 107 + i), 8, 2, RecordSource::Confirm));
    db.add_record(default_run(db_test::record(key, 0.0101, "ok", 107 + i), RecordSource::Confirm));
  }
}

TEST(ReportHtml, VendorFiguresFromTheBenchAreTrianglesOnTheRoofline) {
  TempDir dir;
  TuningDatabase db = TuningDatabase::open(dir.file("t.db"));
  fill_tuned(db, "aaaa000000000001");
  // What kiln_bench_ops --db stores: each library's medians (the fastest
  // of a library is drawn).
  db.add_vendor_figure({"aaaa000000000001", "openblas", 0.004, 120.0, 0, ""});
  db.add_vendor_figure({"aaaa000000000001", "openblas", 0.002, 240.0, 0, ""});
  db.add_vendor_figure({"aaaa000000000001", "<onednn>", 0.003, 160.0, 0, ""});
  EXPECT_EQ(db.vendor_figures("aaaa000000000001").size(), 3u);
  EXPECT_THROW(db.add_vendor_figure({"aaaa000000000001", "x", -1.0, 1.0, 0, ""}), UserError);
  EXPECT_THROW(db.add_vendor_figure({"ffff000000000000", "x", 1.0, 1.0, 0, ""}), UserError);
  const std::string roofline = svg_with_class(render_report(load_report_data(db, {})), "roofline");
  EXPECT_EQ(count(roofline, "class=\"pt pt-vendor\""), 2u);
  EXPECT_NE(roofline.find("openblas: 240 GFLOP/s"), std::string::npos) << roofline;
  EXPECT_NE(roofline.find("&lt;onednn&gt;"), std::string::npos) << "library names are escaped";
  EXPECT_NE(roofline.find("data-points=\"4\""), std::string::npos);
}

TEST(ReportHtml, CountsPointsPerChart) {
  TempDir dir;
  TuningDatabase db = TuningDatabase::open(dir.file("t.db"));
  fill_tuned(db, "aaaa000000000001");
  ReportData data = load_report_data(db, {});
  ASSERT_EQ(data.workloads.size(), 1u);
  const WorkloadReport& w = data.workloads[0];
  ASSERT_EQ(w.records.size(), 11u);
  EXPECT_GT(w.flops, 0);
  ASSERT_TRUE(w.default_mean.has_value());
  EXPECT_EQ(count(std::string(source_name(w.records[0].source)), "default"), 1u);
  const std::string html = render_report(data);

  const std::string roofline = svg_with_class(html, "roofline");
  EXPECT_EQ(count(roofline, "class=\"pt pt-tuned\""), 1u);
  EXPECT_EQ(count(roofline, "class=\"pt pt-default\""), 1u);
  EXPECT_EQ(count(roofline, "class=\"arrow\""), 1u) << "default and tuned are joined";
  EXPECT_NE(roofline.find("data-points=\"2\""), std::string::npos);

  for (size_t chart = 0; chart < 2; ++chart) {  // against trial, against time
    const std::string curve = svg_with_class(html, "curve", chart);
    ASSERT_FALSE(curve.empty());
    EXPECT_EQ(count(curve, "<circle class=\"trial "), 11u);
    EXPECT_EQ(count(curve, "s-crash"), 1u);
    EXPECT_EQ(count(curve, "s-timeout"), 1u);
    EXPECT_EQ(count(curve, "src-default"), 1u);
    EXPECT_EQ(count(curve, "src-confirm"), 4u) << "the second and third runs of two traces";
    EXPECT_EQ(count(curve, "class=\"best-so-far\""), 1u);
    EXPECT_EQ(count(curve, "class=\"default-line\""), 1u);
  }
  EXPECT_EQ(svg_with_class(html, "curve", 2), "") << "one workload, two curves";
  // Knob importance names both knobs; the best trace is printed readably.
  EXPECT_NE(html.find("<td>tile</td>"), std::string::npos);
  EXPECT_NE(html.find("<td>vec</td>"), std::string::npos);
  EXPECT_NE(html.find("How it is computed"), std::string::npos);
  EXPECT_NE(html.find("<pre class=\"trace\">{\n  &quot;kiln_trace&quot;: 1,"), std::string::npos);
  // The table: one row linking to the section, which exists.
  EXPECT_NE(html.find("<a href=\"#w-aaaa000000000001\">matmul</a>"), std::string::npos);
  EXPECT_NE(html.find("id=\"w-aaaa000000000001\""), std::string::npos);
  EXPECT_EQ(count(html, "<script"), 1u);
  EXPECT_EQ(count(html, "http://") + count(html, "https://"), 0u) << "no external resources";
}

TEST(ReportHtml, EscapesHostileNames) {
  ReportData data;
  data.db_path = "/tmp/\"><script>alert('db')</script>.db";
  WorkloadReport w;
  w.workload.key = "k\"><script>alert(1)</script>";
  w.workload.op = "<script>alert('op')</script>";
  w.workload.shape = "M=\"1' onmouseover=\"alert(2)";
  w.workload.options = "dtype=<b>";
  w.workload.target = "llvm -mcpu=</td><script>";
  w.workload.hardware = "cpu=\"<img src=x onerror=alert(3)>\";threads=2";
  TuningRecord r;
  r.id = 1;
  r.status = "ok";
  r.median_ms = 1;
  r.gflops = 1;
  r.trace_json = R"({"kiln_trace":1,"steps":["</pre><script>alert(4)</script>"],"knobs":{"<k>":"'"}})";
  TuningRecord bad = r;
  bad.status = "crash\"><script>";
  bad.error = "</title><script>alert(5)</script>";
  r.knobs = {{"<k>\"'", 1}};
  TuningRecord again = r;
  again.source = RecordSource::Confirm;
  w.records = {r, again, bad};
  w.best = r;
  w.flops = 2;
  w.bytes = 1;
  data.workloads.push_back(w);
  const std::string html = render_report(data);
  EXPECT_EQ(count(html, "<script"), 1u) << "only the page's own script";
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("<k>"), std::string::npos) << "knob names are escaped";
  EXPECT_EQ(html.find("</title><script"), std::string::npos);
  EXPECT_EQ(html.find("onmouseover=\""), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(&#39;op&#39;)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("M=&quot;1&#39; onmouseover=&quot;alert(2)"), std::string::npos);
  EXPECT_NE(html.find("&lt;/pre&gt;&lt;script&gt;alert(4)"), std::string::npos);
  // The anchor keeps only safe characters.
  EXPECT_NE(html.find("id=\"w-kscriptalert1script\""), std::string::npos);
}

TEST(ReportHtml, EmptyDatabase) {
  TempDir dir;
  const TuningDatabase db = TuningDatabase::open(dir.file("empty.db"));
  ReportData data = load_report_data(db, {});
  data.calibration.reset();
  const std::string html = render_report(data);
  EXPECT_NE(html.find("holds no workloads yet"), std::string::npos);
  EXPECT_NE(html.find("No calibration is cached"), std::string::npos);
  EXPECT_NE(svg_with_class(html, "roofline").find("data-points=\"0\""), std::string::npos);
  EXPECT_EQ(svg_with_class(html, "curve"), "");
  EXPECT_NE(html.find("</html>"), std::string::npos);
}

TEST(ReportHtml, WorkloadWithOnlyFailures) {
  TempDir dir;
  TuningDatabase db = TuningDatabase::open(dir.file("f.db"));
  const std::string key = "bbbb000000000002";
  db.add_workload(db_test::workload(key));
  for (const char* s : {"invalid", "crash", "timeout", "compile_error"}) {
    db.add_record(knob_run(db_test::record(key, 0, s, 200), 4, 1));
  }
  const std::string html = render_report(load_report_data(db, {}));
  EXPECT_NE(html.find("No schedule ran correctly"), std::string::npos);
  EXPECT_NE(svg_with_class(html, "roofline").find("data-points=\"0\""), std::string::npos);
  const std::string curve = svg_with_class(html, "curve");
  EXPECT_EQ(count(curve, "<circle class=\"trial "), 4u);
  EXPECT_EQ(count(curve, "s-compile_error"), 1u);
  EXPECT_EQ(count(curve, "best-so-far"), 0u);
  EXPECT_NE(html.find("4 <small>(4 failed)</small>"), std::string::npos);
}

TEST(ReportHtml, FiltersByOpAndKey) {
  TempDir dir;
  TuningDatabase db = TuningDatabase::open(dir.file("k.db"));
  fill_tuned(db, "aaaa000000000001");
  fill_tuned(db, "cccc000000000003");
  EXPECT_EQ(load_report_data(db, {}).workloads.size(), 2u);
  EXPECT_EQ(load_report_data(db, {"cccc", ""}).workloads.size(), 1u);
  EXPECT_EQ(load_report_data(db, {"", "matmul"}).workloads.size(), 2u);
  EXPECT_THROW(load_report_data(db, {"dddd", ""}), UserError);
  EXPECT_THROW(load_report_data(db, {"", "conv2d"}), UserError);
}

using Result = kiln::test_support::KilnRun;
using kiln::test_support::run_kiln;

void expect_one_kiln_error(const Result& r, const std::string& says) {
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_EQ(r.output.rfind("kiln: ", 0), 0u) << r.output;
  EXPECT_EQ(count(r.output, "kiln: "), 1u) << r.output;
  EXPECT_NE(r.output.find(says), std::string::npos) << r.output;
}

TEST(ReportCli, WritesThePageAndRefusesBadInput) {
  TempDir dir;
  const std::string db_path = dir.file("t.db");
  {
    TuningDatabase db = TuningDatabase::open(db_path);
    fill_tuned(db, "aaaa000000000001");
  }
  const std::string out = dir.file("report.html");
  Result r = run_kiln("report --db " + db_path + " --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string html = read_bytes(out);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("w-aaaa000000000001"), std::string::npos);

  r = run_kiln("report --db " + db_path + " --workload aaaa --out " + out);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  expect_one_kiln_error(run_kiln("report --db " + dir.file("missing.db") + " --out " + out),
                        "no tuning database");
  EXPECT_FALSE(std::filesystem::exists(dir.file("missing.db"))) << "not created";
  expect_one_kiln_error(run_kiln("report --db " + db_path + " --out " + dir.file("no/such/r.html")),
                        "does not exist");
  expect_one_kiln_error(run_kiln("report --db " + db_path + " --out " + dir.path()),
                        "is a directory");
  expect_one_kiln_error(run_kiln("report --db " + db_path + " --op conv2d --out " + out),
                        "no workload of op 'conv2d'");
  expect_one_kiln_error(run_kiln("report --db " + db_path + " --workload ffff --out " + out),
                        "no workload in");
  r = run_kiln("report --db " + db_path);
  EXPECT_EQ(r.exit_code, 2) << "--out is required: " << r.output;
}

}  // namespace
}  // namespace kiln
