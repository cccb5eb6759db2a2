#!/usr/bin/env python3
"""`kiln report` in a real browser: tunes two small workloads (the second
with `kiln tune --report`), writes the report, and opens both pages in
headless Chromium. The page's own self-test (URL fragment #selftest) sorts
the workload table, hovers a dot, and writes what it found, and any error window.onerror
caught, into <pre id="selftest">; this script reads it from the dumped DOM
and checks the charts' point counts and labels against the database. A
screenshot is saved as WORKDIR/report.png.

usage: report_browser_test.py KILN WORKDIR   (exit 77: no chromium, skipped)
"""
import json
import os
import re
import shutil
import subprocess
import sys

SKIP = 77


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def run(cmd, **kw):
    print("+ " + " ".join(cmd), flush=True)
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        fail("%s exited %d:\n%s%s" % (cmd[0], r.returncode, r.stdout, r.stderr))
    return r.stdout


def chromium_cmd(browser, workdir, *flags):
    return [browser, "--headless=new", "--no-sandbox", "--disable-gpu",
            "--user-data-dir=" + os.path.join(workdir, "chromium-profile"), *flags]


def dump_dom(browser, workdir, url):
    return run(chromium_cmd(browser, workdir, "--dump-dom", url), timeout=120)


def selftest_result(dom, page):
    m = re.search(r'<pre id="selftest"[^>]*>selftest (passed|FAILED) (.*?)</pre>', dom, re.S)
    if not m:
        fail("%s: no self-test result in the dumped DOM (did the script run?)" % page)
    text = m.group(2).replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">") \
        .replace("&amp;", "&")
    result = json.loads(text)
    print("%s self-test: %s %s" % (page, m.group(1), json.dumps(result)))
    if result.get("errors"):
        fail("%s: script errors: %s" % (page, result["errors"]))
    if not (result.get("ascending") and result.get("descending")):
        fail("%s: sorting by speedup did not sort: %s" % (page, result.get("speedups")))
    if result.get("hover") is not True:
        fail("%s: hovering a curve's dot did not show its details" % page)
    return result


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    kiln, workdir = sys.argv[1], sys.argv[2]
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if not browser:
        print("SKIP: chromium is not installed (scripts/setup.sh installs Debian's `chromium`)")
        return SKIP
    shutil.rmtree(workdir, ignore_errors=True)
    os.makedirs(workdir)
    db = os.path.join(workdir, "tuning.db")
    env = dict(os.environ, KILN_CALIBRATION_CACHE=os.path.join(workdir, "calibration.json"))
    run([kiln, "calibrate"], env=env)
    run([kiln, "tune", "matmul", "--shape", "M=64,N=64,K=64", "--trials", "10", "--threads", "1",
         "--db", db], env=env)
    tune_page = os.path.join(workdir, "tune_report.html")
    run([kiln, "tune", "relu", "--shape", "M=64,N=256", "--trials", "6", "--threads", "1",
         "--db", db, "--report", tune_page], env=env)
    page = os.path.join(workdir, "report.html")
    run([kiln, "report", "--db", db, "--out", page], env=env)

    listed = json.loads(run([kiln, "db", "list", "--db", db, "--json"]))["workloads"]
    records = {}
    for w in listed:
        shown = json.loads(run([kiln, "db", "show", w["key"], "--db", db, "--json"]))
        records[w["op"]] = len(shown["records"])
    print("records per workload:", records)

    dom = dump_dom(browser, workdir, "file://" + page + "#selftest")
    result = selftest_result(dom, "report.html")
    if result["rows"] != 2:
        fail("the table has %d rows, want 2" % result["rows"])
    if result["roofline_points"] != 4:
        fail("the roofline has %d points, want 4 (default and tuned of 2 workloads)"
             % result["roofline_points"])
    want_curves = sorted(n for n in records.values() for _ in (0, 1))
    if sorted(result["curve_points"]) != want_curves:
        fail("curve points %s, want %s (every record, on both curves of its workload)"
             % (result["curve_points"], want_curves))
    for label in ("Roofline of this machine", "arithmetic intensity (FLOP/byte)",
                  "median time against trial", "Knob importance", "Best schedule", "peak "):
        if label not in dom:
            fail("the dumped DOM lacks %r" % label)
    if "No calibration is cached" in dom:
        fail("the page says no calibration is cached, after `kiln calibrate`")

    tune_dom = dump_dom(browser, workdir, "file://" + tune_page + "#selftest")
    tune_result = selftest_result(tune_dom, "tune_report.html")
    if tune_result["rows"] != 1 or tune_result["curve_points"] != [records["relu"]] * 2:
        fail("kiln tune --report: %s, want one row of relu's %d records"
             % (tune_result, records["relu"]))

    shot = os.path.join(workdir, "report.png")
    if os.path.exists(shot):
        os.remove(shot)
    run(chromium_cmd(browser, workdir, "--screenshot=" + shot, "--window-size=1280,2000",
                     "--hide-scrollbars", "file://" + page), timeout=120)
    if not os.path.exists(shot) or os.path.getsize(shot) < 10000:
        fail("no screenshot at " + shot)
    print("PASS: screenshot at " + shot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
