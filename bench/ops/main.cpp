// kiln_bench_ops: every op of the library, kiln's kernel beside the vendor
// call a user would pick instead (oneDNN, OpenBLAS), in one run. After
// Google Benchmark's output it prints a markdown table pairing kiln with
// each vendor benchmark of the same case (median figures when repetitions
// ran), the ratio kiln/vendor (above 1: kiln is faster), and kiln's fraction
// of the machine's calibrated peak. `--report FILE` also writes the table
// there; `--db FILE` adds a "kiln_tuned" row for every case tuned in that
// tuning database (its best schedule, verified like the default).
// Threads: KILN_NUM_THREADS, OMP_NUM_THREADS (oneDNN),
// OPENBLAS_NUM_THREADS; scripts/bench_all.sh sets them.
#include <cblas.h>
#include <dnnl.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "bench/ops/bench_common.h"
#include "kiln.h"
#include "autotune/calibration.h"

namespace {

using kiln::bench::Case;

struct Figures {
  double ms = NAN, gflops = NAN, gbps = NAN;
};

// The console output as usual, plus each benchmark's figures for the table.
class TableReporter : public benchmark::ConsoleReporter {
 public:
  // Colors only on a terminal: the script's output goes to files.
  TableReporter() : ConsoleReporter(isatty(1) ? OO_Defaults : OO_Tabular) {}

  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& r : runs) {
      if (r.error_occurred) continue;
      const std::string name = r.run_name.function_name;
      const bool median = r.run_type == Run::RT_Aggregate && r.aggregate_name == "median";
      const bool single = r.run_type == Run::RT_Iteration && !medians_.count(name);
      if (!median && !single) continue;
      Figures f;
      f.ms = r.GetAdjustedRealTime();
      if (auto it = r.counters.find("GFLOP/s"); it != r.counters.end()) f.gflops = it->second;
      if (auto it = r.counters.find("GB/s"); it != r.counters.end()) f.gbps = it->second;
      figures_[name] = f;
      if (median) medians_[name] = true;
    }
  }
  const std::map<std::string, Figures>& figures() const { return figures_; }

 private:
  std::map<std::string, Figures> figures_;
  std::map<std::string, bool> medians_;
};

const char* env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v ? v : fallback;
}

// Compute-bound cases are judged by GFLOP/s, the others by GB/s.
bool flop_bound(const Case& c) { return c.bytes > 0 && c.flops / c.bytes >= 4; }

std::string figure(const Case& c, const Figures& f) {
  char buf[64];
  if (flop_bound(c)) {
    std::snprintf(buf, sizeof buf, "%.1f GFLOP/s", f.gflops);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f GB/s", f.gbps);
  }
  return buf;
}

// kiln's rows: the default schedule, and the tuning database's best when
// `--db` named one that holds the case.
bool is_kiln_variant(const std::string& lib) { return lib == "kiln" || lib == "kiln_tuned"; }

std::string table(const TableReporter& reporter, const kiln::Calibration& peak) {
  std::ostringstream os;
  os << "| op | case | kiln | vendor | kiln/vendor | kiln of peak |\n"
     << "|---|---|---:|---:|---:|---:|\n";
  const auto& figures = reporter.figures();
  for (const Case& c : kiln::bench::cases()) {
    const std::string prefix = c.op + "/" + c.name + "/";
    for (const char* variant : {"kiln", "kiln_tuned"}) {
      const auto kiln_it = figures.find(c.benchmark_name(variant));
      if (kiln_it == figures.end() && std::string(variant) == "kiln_tuned") continue;
      for (const auto& [name, f] : figures) {
        if (name.rfind(prefix, 0) != 0) continue;
        const std::string lib = name.substr(prefix.size());
        if (is_kiln_variant(lib)) continue;
        char ratio[32] = "-", roof[48] = "-";
        std::string kiln_cell = "failed or skipped";
        if (kiln_it != figures.end()) {
          const Figures& k = kiln_it->second;
          kiln_cell = (std::string(variant) == "kiln_tuned" ? "tuned: " : "") + figure(c, k);
          if (kiln::bench::unverified().count(c.benchmark_name(variant))) {
            kiln_cell += " (unverified)";
          }
          std::snprintf(ratio, sizeof ratio, "%.2fx", f.ms / k.ms);
          if (flop_bound(c)) {
            std::snprintf(roof, sizeof roof, "%.0f%% FLOP/s", 100 * k.gflops / peak.peak_gflops);
          } else {
            std::snprintf(roof, sizeof roof, "%.0f%% bandwidth", 100 * k.gbps / peak.peak_gbps);
          }
        }
        os << "| " << c.op << " | " << c.name << " | " << kiln_cell << " | " << lib << ": "
           << figure(c, f) << " | " << ratio << " | " << roof << " |\n";
      }
    }
  }
  return os.str();
}

}  // namespace

int main(int argc, char** argv) {
  // Our flags, taken out before Google Benchmark sees the arguments.
  std::string report_path;
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--report") == 0 && i + 1 < argc) {
      report_path = argv[++i];
    } else if (std::strcmp(argv[i], "--db") == 0 && i + 1 < argc) {
      kiln::bench::tuning_db_path() = argv[++i];
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

  // The peaks are measured in this run, before anything else, at kiln's
  // thread count: bandwidth drifts between runs, and a cached figure from a
  // busier moment would make the fractions meaningless. The cache is
  // updated for `kiln bench`.
  const kiln::Calibration peak = kiln::measure_calibration();
  try {
    kiln::save_calibration(kiln::calibration_cache_path(), peak);
  } catch (const kiln::Error& e) {
    std::fprintf(stderr, "%s\n", e.what());
  }
  std::printf("threads: kiln %d, OpenBLAS %d, oneDNN OMP_NUM_THREADS=%s\n", kiln::num_threads(),
              openblas_get_num_threads(), env_or("OMP_NUM_THREADS", "(unset)"));
  std::printf("OpenBLAS core: %s (OPENBLAS_CORETYPE=%s)\n", openblas_get_corename(),
              env_or("OPENBLAS_CORETYPE", "(unset)"));
  std::printf("peaks at %d threads, measured now: %.1f GFLOP/s f32 (%s FMA loop), %.1f GB/s "
              "streaming (copy %.1f, triad %.1f, copy with streaming stores %.1f)\n",
              peak.threads, peak.peak_gflops, peak.fma_isa.c_str(), peak.peak_gbps,
              peak.copy_gbps, peak.triad_gbps, peak.stream_copy_gbps);

  for (const Case& c : kiln::bench::cases()) {
    kiln::bench::register_kiln_benchmarks(c);
    kiln::bench::register_onednn_gemm_benchmarks(c);
    kiln::bench::register_onednn_conv_benchmarks(c);
    kiln::bench::register_onednn_row_benchmarks(c);
    // Last in a case: OpenBLAS's threads spin for a while after each call
    // and would take the cores from whichever library ran next.
    kiln::bench::register_openblas_benchmarks(c);
  }

  TableReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();

  // With --db, the vendor libraries' medians are kept beside kiln's
  // tuning records, for `kiln report`.
  if (!kiln::bench::tuning_db_path().empty()) {
    int stored = 0;
    for (const Case& c : kiln::bench::cases()) {
      const std::string prefix = c.op + "/" + c.name + "/";
      for (const auto& [name, f] : reporter.figures()) {
        if (name.rfind(prefix, 0) != 0 || !(f.ms > 0)) continue;
        const std::string lib = name.substr(prefix.size());
        if (is_kiln_variant(lib) || lib.rfind("kiln", 0) == 0) continue;
        try {
          kiln::bench::store_vendor_figure(c, lib, f.ms, f.gflops);
          ++stored;
        } catch (const kiln::Error& e) {
          std::fprintf(stderr, "%s\n", e.what());
        }
      }
    }
    std::printf("stored %d vendor figures in %s\n", stored, kiln::bench::tuning_db_path().c_str());
  }

  std::ostringstream report;
  const dnnl_version_t* dnnl = dnnl_version();
  report << "kiln vs oneDNN " << dnnl->major << "." << dnnl->minor << "." << dnnl->patch
         << " and " << openblas_get_config() << ", f32, " << kiln::num_threads()
         << " threads, median figures; kiln/vendor above 1 means kiln is faster. OpenBLAS core "
         << openblas_get_corename() << " (OPENBLAS_CORETYPE=" << env_or("OPENBLAS_CORETYPE", "unset")
         << "). Peaks: " << std::lround(peak.peak_gflops) << " GFLOP/s, "
         << std::lround(peak.peak_gbps)
         << " GB/s (measured in this run, as `kiln calibrate` does).\n\n"
         << table(reporter, peak);
  std::printf("\n%s", report.str().c_str());
  if (!report_path.empty()) {
    std::ofstream out(report_path);
    out << report.str();
    if (!out) {
      std::fprintf(stderr, "kiln_bench_ops: cannot write the report to %s\n", report_path.c_str());
      return 1;
    }
  }
  return 0;
}
