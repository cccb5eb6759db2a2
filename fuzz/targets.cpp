#include <cstdio>
#include <cstdlib>

#include "fuzz/fuzz_target.h"

namespace kiln::fuzz {

const std::vector<FuzzTarget>& fuzz_targets() {
  static const std::vector<FuzzTarget> targets = {
      {"trace_json", trace_json, "Trace::from_json, then replay and lower on four definitions"},
      {"shape", shape, "`--shape` (\"op\\nshape[\\ndtype]\"), then the default schedule lowered"},
      {"package_spec", package_spec, "parse_package_spec, then plan_package"},
      {"db_import", db_import, "TuningDatabase::import_jsonl into a scratch database"},
      {"schedules", schedules,
       "random primitives on four definitions, compiled, run with guard pages, checked"},
  };
  return targets;
}

int64_t& accepted_inputs() {
  static int64_t n = 0;
  return n;
}

void report_bug(const char* target, const std::string& what) {
  std::fprintf(stderr, "kiln_fuzz: %s: %s\n", target, what.c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace kiln::fuzz
