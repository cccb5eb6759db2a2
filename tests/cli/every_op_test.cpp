// `kiln bench` and `kiln show` are generic: every registered op compiles,
// verifies against the reference and reports its roofline through them, at
// small sizes, and `--dtype` reaches ops that offer more than f32.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "ops/op.h"
#include "tests/support/run_kiln.h"

namespace {

using Result = kiln::test_support::KilnRun;

// The calibration goes to a private cache: the suite must not write the
// user's, and it is measured once for all the runs below.
std::string cache_path() {
  return ::testing::TempDir() + "kiln_every_op_" + std::to_string(getpid()) + "/calibration.json";
}

Result run_kiln(const std::string& args) {
  return kiln::test_support::run_kiln(args, {"KILN_CALIBRATION_CACHE='" + cache_path() + "' "});
}

// Sizes no larger than 9 (odd, not a multiple of any vector width) for the
// symbolic parameters; structural ones keep their defaults.
std::string small_shape(const kiln::Op& op) {
  std::string shape;
  for (const kiln::OpParam& p : op.params()) {
    if (!p.symbolic) continue;
    const int64_t v = std::max(p.min_value, std::min<int64_t>(p.default_value, 9));
    shape += (shape.empty() ? "" : ",") + p.name + "=" + std::to_string(v);
  }
  return shape;
}

bool offers(const kiln::Op& op, const std::string& dtype) {
  for (const kiln::OpOption& o : op.options()) {
    if (o.name == "dtype") return std::count(o.choices.begin(), o.choices.end(), dtype) > 0;
  }
  return false;
}

TEST(CliEveryOp, BenchAndShowWorkForEveryOp) {
  bool f16_tried = false;
  for (const kiln::Op* op : kiln::all_ops()) {
    const std::string shape = small_shape(*op);
    SCOPED_TRACE(op->name() + " --shape " + shape);
    std::vector<std::string> dtypes = {""};
    // One op with f16 is enough to show --dtype reaches the definition.
    if (!f16_tried && offers(*op, "f16")) {
      dtypes.push_back("f16");
      f16_tried = true;
    }
    for (const std::string& dtype : dtypes) {
      const std::string flag = dtype.empty() ? "" : " --dtype " + dtype;
      const Result b = run_kiln("bench " + op->name() + " --shape " + shape + flag +
                                " --threads 2 --repeat 1 --json");
      ASSERT_EQ(b.exit_code, 0) << b.output;
      const nlohmann::json j = nlohmann::json::parse(b.output);
      EXPECT_EQ(j["op"], op->name());
      EXPECT_EQ(j["verified"], true);
      if (!dtype.empty()) EXPECT_EQ(j["dtype"], dtype);
      for (const char* field : {"gbps", "flop_peak_fraction", "bw_peak_fraction"}) {
        EXPECT_TRUE(j.contains(field)) << field;
      }
    }
    const Result s = run_kiln("show " + op->name() + " --shape " + shape + " --stage lowered");
    EXPECT_EQ(s.exit_code, 0) << s.output;
    EXPECT_NE(s.output.find("kernel"), std::string::npos) << s.output;
  }
  EXPECT_TRUE(f16_tried) << "no op offers f16";
  std::filesystem::remove_all(std::filesystem::path(cache_path()).parent_path());
}

}  // namespace
