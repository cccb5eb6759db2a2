// The fuzz targets for kiln's readers of untrusted text: trace JSON,
// `--shape`, package specs and `db import` lines. Each input that a reader
// accepts goes one step further (a trace is replayed and lowered, a shape's
// default schedule lowered, a spec planned), so what the reader lets
// through is exercised too.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "autotune/database.h"
#include "cli/common.h"
#include "codegen/llvm/host_target.h"
#include "fuzz/defs.h"
#include "fuzz/fuzz_target.h"
#include "package/plan.h"
#include "package/spec.h"
#include "schedule/lower.h"
#include "schedule/trace.h"

namespace kiln::fuzz {
namespace {

std::string text_of(const uint8_t* data, size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

}  // namespace

void trace_json(const uint8_t* data, size_t size) {
  expect_only_kiln_errors("trace_json", [&] {
    const Trace trace = Trace::from_json(text_of(data, size));
    ++accepted_inputs();
    for (const ComputeDef& def : fuzz_defs()) {
      expect_only_kiln_errors("trace_json", [&] { lower(Schedule::replay(def, trace)); });
    }
  });
}

void shape(const uint8_t* data, size_t size) {
  // "op\nshape[\ndtype]": the first line names the op, as `kiln bench OP`.
  const std::string text = text_of(data, size);
  const size_t first = text.find('\n');
  const std::string op = text.substr(0, first);
  std::string rest = first == std::string::npos ? "" : text.substr(first + 1);
  std::string dtype;
  if (const size_t second = rest.find('\n'); second != std::string::npos) {
    dtype = rest.substr(second + 1);
    rest.resize(second);
  }
  expect_only_kiln_errors("shape", [&] {
    const cli::Workload w = cli::make_workload(op, rest, dtype);
    ++accepted_inputs();
    lower(cli::load_schedule(w, host_target(), "default"));
  });
}

void package_spec(const uint8_t* data, size_t size) {
  expect_only_kiln_errors("package_spec", [&] {
    const PackageSpec spec = parse_package_spec(text_of(data, size), "fuzz input");
    ++accepted_inputs();
    // Planning defines every kernel; a CUDA spec plans without a GPU.
    plan_package(spec, spec.target.rfind("cuda", 0) == 0 ? parse_target(spec.target) : host_target());
  });
}

void db_import(const uint8_t* data, size_t size) {
  // One database per process, in its own directory: an import is all or
  // nothing, so a refused input leaves it as it was.
  static const std::string path = [] {
    static const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                             ("kiln_fuzz_db_" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    });
    return (dir / "fuzz.db").string();
  }();
  static TuningDatabase db = TuningDatabase::open(path);
  expect_only_kiln_errors("db_import", [&] {
    std::istringstream in(text_of(data, size));
    db.import_jsonl(in);
    ++accepted_inputs();
  });
}

}  // namespace kiln::fuzz
