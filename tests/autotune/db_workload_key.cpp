// Workload keys: the same workload gives the same key on every call; any
// ingredient (sizes, threads, dtype, definition, target) changes it.
#include <gtest/gtest.h>

#include <cctype>

#include "autotune/workload.h"
#include "base/error.h"
#include "codegen/llvm/host_target.h"
#include "db_test_util.h"
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

// The digest of the GPU key below, as every kiln since schema version 1
// makes it.
constexpr const char* kGpuKeyDigest = "4a51b1bbcd2c3a19";

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

// The typed fields say what the strings say, when the key is made and when
// it is read back from a database.
TEST(DbWorkloadKey, CarriesTypedSizesOptionsAndThreads) {
  const WorkloadKey w = matmul_key(37, 2);
  EXPECT_EQ(w.sizes, (OpSizes{{"M", 37}, {"N", 19}, {"K", 23}, {"trans_a", 0}, {"trans_b", 0}}));
  EXPECT_EQ(w.op_options, (OpOptions{{"dtype", "f32"}}));
  EXPECT_EQ(w.threads, 2);
  EXPECT_TRUE(w.typed_error.empty());

  db_test::TempDir dir;
  TuningDatabase db = TuningDatabase::open(dir.file("t.db"));
  db.add_workload(w);
  const std::optional<WorkloadKey> back = db.workload(w.key);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->shape, w.shape);
  EXPECT_EQ(back->sizes, w.sizes);
  EXPECT_EQ(back->op_options, w.op_options);
  EXPECT_EQ(back->threads, 2);
  ASSERT_EQ(db.list().size(), 1u);
  EXPECT_EQ(db.list()[0].workload.sizes, w.sizes);
  EXPECT_EQ(db.find_workloads("")[0].threads, 2);
  const ComputeDef def = define_stored_workload(find_op("matmul"), *back);
  EXPECT_EQ(def.outputs()[0].shape().size(), 2u);
}

// A GPU workload's hardware has no thread count; its key digest is fixed
// by its ingredients alone (no host in it), and must never change: older
// databases keep matching.
TEST(DbWorkloadKey, GpuKeyHasNoThreadsAndAFixedDigest) {
  const Op& op = find_op("matmul");
  const OpSizes sizes = op.resolve_sizes({{"M", 64}, {"N", 64}, {"K", 64}});
  const OpOptions options = op.resolve_options({});
  const GpuFingerprint gpu{"NVIDIA H100 80GB HBM3", 90, 13000};
  const WorkloadKey w = make_gpu_workload_key(op, op.define(sizes, options), sizes, options,
                                              parse_target("cuda -arch=sm_90"), gpu);
  EXPECT_EQ(w.threads, 0);
  EXPECT_EQ(w.sizes.at("K"), 64);
  EXPECT_EQ(w.key, kGpuKeyDigest);
  WorkloadKey read = w;
  read_typed_fields(read);
  EXPECT_EQ(read.threads, 0);
  EXPECT_EQ(read.sizes, w.sizes);
}

// A row no kiln wrote: the bad entry is named when the workload is used,
// and the database's other rows still read.
TEST(DbWorkloadKey, UnreadableShapeIsReportedWhereItIsUsed) {
  db_test::TempDir dir;
  TuningDatabase db = TuningDatabase::open(dir.file("t.db"));
  db.add_workload(db_test::workload("bad", "M=eight,N=8,K=8"));
  db.add_workload(db_test::workload("good"));
  const std::vector<WorkloadSummary> all = db.list();
  ASSERT_EQ(all.size(), 2u);
  const WorkloadKey bad = *db.workload("bad");
  EXPECT_NE(bad.typed_error.find("M=eight is not an integer"), std::string::npos) << bad.typed_error;
  EXPECT_TRUE(bad.sizes.empty());
  EXPECT_EQ(bad.threads, 1);
  EXPECT_THROW(define_stored_workload(find_op("matmul"), bad), UserError);
  EXPECT_EQ(db.workload("good")->sizes.at("M"), 8);
  WorkloadKey no_eq = db_test::workload("x", "M8");
  read_typed_fields(no_eq);
  EXPECT_NE(no_eq.typed_error.find("'M8' is not NAME=VALUE"), std::string::npos);
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
