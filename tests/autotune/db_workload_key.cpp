// Workload keys: the same workload gives the same key on every call; any
// ingredient (sizes, threads, dtype, definition, target) changes it.
#include <gtest/gtest.h>

#include <cctype>

#include "autotune/workload.h"
#include "codegen/llvm/host_target.h"
#include "kiln.h"
#include "ops/op.h"

namespace kiln {
namespace {

// A two-dtype op so the dtype changes the definition: B[i] = A[i] * 2.
class ScaleOp : public Op {
 public:
  ScaleOp()
      : Op("scale_test", "B[N] = A[N] * 2", {{"N", 16, "elements"}},
           {{"dtype", "f32", {"f32", "f16"}, "element type"}}) {}
  Schedule default_schedule(const ComputeDef& def, const Target&) const override {
    return Schedule(def);
  }

 protected:
  ComputeDef build(const std::map<std::string, Expr>& sizes,
                   const OpOptions& options) const override {
    Tensor A = placeholder({sizes.at("N")}, parse_type(options.at("dtype")), "A");
    Tensor B = compute({sizes.at("N")}, [&](Expr i) { return A(i) * make_const(A.dtype(), 2.0); },
                       "B", {"i"});
    return ComputeDef("scale_test", {A}, {B});
  }
  double count_flops(const OpSizes& s, const OpOptions&) const override { return s.at("N"); }
  double count_bytes(const OpSizes& s, const OpOptions&) const override { return 8.0 * s.at("N"); }
};

WorkloadKey matmul_key(int64_t m, int threads) {
  const Op& op = find_op("matmul");
  const OpSizes sizes = op.resolve_sizes({{"M", m}, {"N", 19}, {"K", 23}});
  const OpOptions options = op.resolve_options({});
  return make_workload_key(op, op.define(sizes, options), sizes, options, host_target(), threads);
}

WorkloadKey scale_key(const std::string& dtype) {
  static const ScaleOp op;
  const OpSizes sizes = op.resolve_sizes({{"N", 37}});
  const OpOptions options = op.resolve_options({{"dtype", dtype}});
  return make_workload_key(op, op.define(sizes, options), sizes, options, host_target(), 2);
}

TEST(DbWorkloadKey, StableAcrossCalls) {
  const WorkloadKey a = matmul_key(37, 2), b = matmul_key(37, 2);
  EXPECT_EQ(a.key, b.key);
  EXPECT_EQ(a.hardware, b.hardware);
  ASSERT_EQ(a.key.size(), 16u);
  for (char c : a.key) EXPECT_TRUE(std::isxdigit(static_cast<unsigned char>(c))) << a.key;
  EXPECT_EQ(a.op, "matmul");
  EXPECT_EQ(a.shape, "M=37,N=19,K=23,trans_a=0,trans_b=0");
  EXPECT_EQ(a.options, "dtype=f32");
  EXPECT_EQ(a.target, host_target().str());
  EXPECT_NE(a.hardware.find("threads=2"), std::string::npos) << a.hardware;
}

TEST(DbWorkloadKey, DiffersWithSizesThreadsDtype) {
  const std::string base = matmul_key(37, 2).key;
  EXPECT_NE(base, matmul_key(38, 2).key);
  EXPECT_NE(base, matmul_key(37, 3).key);
  EXPECT_NE(scale_key("f32").key, scale_key("f16").key);
  EXPECT_EQ(scale_key("f16").key, scale_key("f16").key);
  EXPECT_NE(base, scale_key("f32").key);
}

TEST(DbWorkloadKey, DiffersWithTarget) {
  const Op& op = find_op("matmul");
  const OpSizes sizes = op.resolve_sizes({{"M", 8}, {"N", 8}, {"K", 8}});
  const OpOptions options = op.resolve_options({});
  const ComputeDef def = op.define(sizes, options);
  const WorkloadKey host = make_workload_key(op, def, sizes, options, host_target(), 1);
  const WorkloadKey generic =
      make_workload_key(op, def, sizes, options, parse_target("llvm -mcpu=x86-64"), 1);
  EXPECT_NE(host.key, generic.key);
}

TEST(DbWorkloadKey, HostFingerprintNamesTheMachine) {
  const HardwareFingerprint hw = HardwareFingerprint::host(3);
  EXPECT_FALSE(hw.cpu_model.empty());
  EXPECT_EQ(hw.threads, 3);
  EXPECT_EQ(hw.str(), HardwareFingerprint::host(3).str());
  EXPECT_NE(hw.str(), HardwareFingerprint::host(4).str());
}

}  // namespace
}  // namespace kiln
