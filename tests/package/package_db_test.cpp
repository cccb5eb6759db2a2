// Kernel selection from the tuning database: a concrete kernel whose
// workload has a stored best record is compiled from that record's trace
// (and the package computes the right numbers with it); a stored trace this
// kiln refuses falls back to the default schedule with the reason; free
// kernels never look in the database.
#include <gtest/gtest.h>

#include <dlfcn.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "autotune/database.h"
#include "autotune/workload.h"
#include "codegen/llvm/host_target.h"
#include "kiln.h"
#include "ops/op.h"
#include "package/build_package.h"
#include "runtime/dlpack.h"

namespace kiln {
namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// A stored record for matmul at sizes, with this trace.
void store(TuningDatabase& db, const OpSizes& sizes, const Trace& trace, double median_ms) {
  const Op& op = find_op("matmul");
  const OpOptions options = op.resolve_options({});
  const WorkloadKey w = make_workload_key(op, op.define(sizes, options), sizes, options, host_target(), 2);
  db.add_workload(w);
  TuningRecord r;
  r.workload_key = w.key;
  r.trace_json = trace.to_json("matmul");
  r.median_ms = median_ms;
  r.gflops = 1.5;
  db.add_record(r);
}

TEST(PackageDatabase, UsesTheBestStoredScheduleAndReportsTheRest) {
  const fs::path dir = fs::path(KILN_BINARY_DIR) / "test_outputs" / "package_db";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const Op& mm = find_op("matmul");
  const OpSizes tuned = mm.resolve_sizes({{"M", 12}, {"N", 20}, {"K", 7}});
  const OpSizes stale = mm.resolve_sizes({{"M", 5}, {"N", 5}, {"K", 5}});
  {
    TuningDatabase db = TuningDatabase::open((dir / "tuning.db").string());
    // A schedule unlike the default one: rows split by 5 (a tail), columns
    // by 8 and vectorized, rows parallel.
    Schedule s(mm.define(tuned));
    auto [io, ii] = s.split("C.i", 5);
    auto [jo, ji] = s.split("C.j", 8);
    s.reorder({io, jo, ii, "C.k", ji});
    s.vectorize(ji);
    s.parallel(io);
    store(db, tuned, s.trace(), 0.002);
    Trace worse = s.trace();
    worse.steps.pop_back();        // another schedule (no parallel loop),
    store(db, tuned, worse, 0.5);  // slower: not the best
    Trace bad;
    bad.steps.push_back({"split", {"C.nope"}, {4}});
    store(db, stale, bad, 0.001);
  }

  PackageOptions opt;
  opt.out_dir = (dir / "dbp").string();
  opt.db_path = (dir / "tuning.db").string();
  opt.threads = 2;
  const PackageResult r = build_package(parse_package_spec(R"({"name": "dbp", "ops": [
      {"op": "matmul", "shape": {"M": 12, "N": 20, "K": 7}},
      {"op": "matmul", "shape": {"M": 5, "N": 5, "K": 5}},
      {"op": "matmul", "shape": {"M": 12, "N": "N", "K": 7}}]})"),
                                        opt);
  const nlohmann::json m = nlohmann::json::parse(read_text(dir / "dbp" / "manifest.json"));
  const nlohmann::json& kernels = m["functions"][0]["kernels"];
  ASSERT_EQ(kernels.size(), 3u);
  EXPECT_EQ(kernels[0]["schedule_source"], "database");
  EXPECT_DOUBLE_EQ(kernels[0]["tuned"]["median_ms"].get<double>(), 0.002);
  EXPECT_EQ(kernels[0]["trace"]["steps"][0]["loop"], "C.i");
  EXPECT_EQ(kernels[1]["schedule_source"], "default");
  EXPECT_NE(kernels[1]["default_reason"].get<std::string>().find("does not replay"), std::string::npos)
      << kernels[1];
  EXPECT_EQ(kernels[2]["schedule_source"], "default");
  EXPECT_EQ(kernels[2]["default_reason"], "free sizes are not tuned");
  EXPECT_EQ(r.notes.size(), 2u);

  // The database's schedule computes matmul: call the library directly.
  void* lib = dlopen((dir / "dbp" / "libdbp.so").c_str(), RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(lib, nullptr) << dlerror();
  using Fn = int (*)(const DLTensor*, const DLTensor*, DLTensor*);
  auto fn = reinterpret_cast<Fn>(dlsym(lib, "dbp_matmul"));
  ASSERT_NE(fn, nullptr);
  const ComputeDef def = mm.define(tuned);
  std::vector<Buffer> in = random_inputs(def, tuned, 7);
  std::vector<Buffer> out = zero_outputs(def, tuned);
  DLManagedTensor* a = in[0].to_dlpack();
  DLManagedTensor* b = in[1].to_dlpack();
  DLManagedTensor* c = out[0].to_dlpack();
  EXPECT_EQ(fn(&a->dl_tensor, &b->dl_tensor, &c->dl_tensor), 0);
  EXPECT_LE(mm.check(def, in, out), mm.tolerance(def));
  for (DLManagedTensor* t : {a, b, c}) t->deleter(t);
  // No dlclose: the library's thread pool keeps its (idle) workers, whose
  // code must stay mapped. Packages are loaded once, like torch.ops does.
}

TEST(PackageDatabase, TuneMissingTunesThenTheDatabaseServes) {
  const fs::path dir = fs::path(KILN_BINARY_DIR) / "test_outputs" / "package_tune";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const PackageSpec spec = parse_package_spec(R"({"name": "tun", "ops": [
      {"op": "matmul", "shape": {"M": 16, "N": 24, "K": 8}},
      {"op": "softmax", "shape": {"M": "M", "N": 40}}]})");
  PackageOptions opt;
  opt.out_dir = (dir / "tun").string();
  opt.db_path = (dir / "tuning.db").string();
  opt.threads = 2;
  opt.tune_missing = true;
  opt.time_budget_s = 2;
  PackageResult r = build_package(spec, opt);
  const PackageKernel& mm = r.plan.functions[0].kernels[0];
  EXPECT_EQ(mm.source, ScheduleSource::Tuned) << mm.source_note;
  ASSERT_TRUE(mm.record.has_value());
  EXPECT_GT(mm.record->gflops, 0);
  EXPECT_EQ(r.plan.functions[1].kernels[0].source, ScheduleSource::Default);

  // Packaged again without tuning: the database has it now.
  opt.tune_missing = false;
  opt.out_dir = (dir / "tun2").string();
  r = build_package(spec, opt);
  EXPECT_EQ(r.plan.functions[0].kernels[0].source, ScheduleSource::Database);
  EXPECT_EQ(r.plan.functions[0].kernels[0].record->id, mm.record->id);
  EXPECT_EQ(r.notes.size(), 1u);  // only the free softmax
}

}  // namespace
}  // namespace kiln
