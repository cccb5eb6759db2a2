#pragma once
/// \file
/// The operator library's interface. An Op knows how to write its compute
/// definition for given sizes, a decent default schedule, its FLOP and byte
/// counts (for GFLOP/s, GB/s and rooflines), and how to check a result
/// against the reference interpreter. The registry finds ops by name; the
/// `kiln` command, the benchmarks and the tuner all go through it.
///
///   const Op& mm = find_op("matmul");
///   ComputeDef def = mm.define({{"M", 1000}, {"N", 512}});  // K: default 1024
///   Schedule sch = mm.default_schedule(def, host_target());

#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "codegen/llvm/host_target.h"
#include "dsl/compute.h"
#include "ops/op_values.h"
#include "runtime/buffer.h"
#include "schedule/schedule.h"

namespace kiln {

/// A named integer parameter of an op: a size (M, N, K) or a structural
/// setting (a stride, a padding, a transpose flag).
struct OpParam {
  std::string name;
  int64_t default_value = 1;
  /// One line for `kiln ops`.
  std::string help;
  /// Smallest accepted value: 1 for sizes, 0 for paddings and flags.
  int64_t min_value = 1;
  /// Largest accepted value (1 for flags).
  int64_t max_value = std::numeric_limits<int64_t>::max();
  /// Whether define_symbolic() turns it into a size_var. Structural
  /// parameters (strides, paddings, flags) change the definition's shape of
  /// computation and stay concrete.
  bool symbolic = true;
};

/// A named string option with its accepted values ("dtype": f32, ...;
/// "layout": nchw or nhwc).
struct OpOption {
  std::string name;
  std::string default_value;
  std::vector<std::string> choices;
  std::string help;
};

/// One operator of the library. Subclasses (one per file in ops/) provide
/// the definition, the default schedule and the counts; this base validates
/// parameters and checks results.
class Op {
 public:
  Op(std::string name, std::string description, std::vector<OpParam> params,
     std::vector<OpOption> options);
  virtual ~Op() = default;

  /// "matmul".
  const std::string& name() const { return name_; }
  /// One line: "C[M,N] = sum_k A[M,K] * B[K,N]".
  const std::string& description() const { return description_; }
  /// Integer parameters, in the order `kiln ops` lists them.
  const std::vector<OpParam>& params() const { return params_; }
  /// String options; every op has at least "dtype".
  const std::vector<OpOption>& options() const { return options_; }

  /// Every parameter with a value: the given ones, defaults for the rest.
  /// Throws UserError naming an unknown parameter or a value out of range,
  /// and listing the valid parameters.
  OpSizes resolve_sizes(const OpSizes& sizes) const;
  /// Every option with a value; UserError for an unknown option or value,
  /// listing the accepted ones.
  OpOptions resolve_options(const OpOptions& options) const;

  /// The definition for concrete sizes (missing ones take their defaults).
  /// UserError when a tensor would exceed 2^48 bytes or its size overflow.
  ComputeDef define(const OpSizes& sizes, const OpOptions& options = {}) const;
  /// The definition with every symbolic parameter as size_var(name), except
  /// those pinned in `fixed`; structural parameters take `fixed` or their
  /// defaults. One kernel compiled from it serves every size.
  ComputeDef define_symbolic(const OpSizes& fixed = {}, const OpOptions& options = {}) const;

  /// A hand-written schedule for def (made by define or define_symbolic of
  /// this op) that is decent on the target. Adapts to small constant sizes.
  virtual Schedule default_schedule(const ComputeDef& def, const Target& target) const = 0;

  /// A schedule of def for a CUDA target. The generic one (ops/gpu_schedule.cpp)
  /// works for any op: elementwise intermediates are inlined, reductions
  /// that feed other stages get a kernel of their own, and every kernel
  /// fuses its spatial loops, splits them by 256 and binds the halves to
  /// blockIdx.x and threadIdx.x, each thread running its reductions
  /// serially. Ops with reuse (matmul) override it with tiled kernels.
  virtual Schedule default_gpu_schedule(const ComputeDef& def, const Target& target) const;

  /// Floating-point operations for these sizes (a multiply-add counts 2).
  double flops(const OpSizes& sizes, const OpOptions& options = {}) const;
  /// Bytes a kernel must move at least: every input read once and every
  /// output written once.
  double bytes(const OpSizes& sizes, const OpOptions& options = {}) const;

  /// The largest relative error of `outputs` against the reference
  /// interpreter run on `inputs` (the kernel's arguments, inputs first).
  /// Each element's error is |got - want| / max(|want|, rms(want)), so
  /// values near zero in a large sum are not judged against themselves.
  /// Small work (< 2e7 multiply-adds) is interpreted in full; larger work
  /// is checked at about 2000 random points of each output.
  virtual double check(const ComputeDef& def, const std::vector<Buffer>& inputs,
                       const std::vector<Buffer>& outputs) const;
  /// The largest check() result that counts as correct for def's dtypes:
  /// 1e-4 for f32 and f64 (sums reassociate), 2e-2 for f16 and bf16.
  double tolerance(const ComputeDef& def) const;

 protected:
  /// Builds the definition from sizes as expressions (constants or size
  /// vars; every parameter present) and resolved options.
  virtual ComputeDef build(const std::map<std::string, Expr>& sizes,
                           const OpOptions& options) const = 0;
  /// flops() and bytes() after resolution (every parameter present).
  virtual double count_flops(const OpSizes& sizes, const OpOptions& options) const = 0;
  virtual double count_bytes(const OpSizes& sizes, const OpOptions& options) const = 0;

 private:
  /// Refuses a definition whose inputs or outputs exceed kMaxBufferBytes.
  void check_tensor_sizes(const ComputeDef& def) const;

  std::string name_, description_;
  std::vector<OpParam> params_;
  std::vector<OpOption> options_;
};

/// The largest value any size parameter takes, 2^40: a tensor with such an
/// extent needs terabytes already; larger values only overflow.
constexpr int64_t kMaxSizeParameter = int64_t(1) << 40;

/// The op of that name; throws UserError listing the known ops.
const Op& find_op(const std::string& name);
/// Every op, sorted by name.
std::vector<const Op*> all_ops();

/// Random inputs for def (in def.inputs() order, uniform in [-1, 1]) with
/// shapes from the size bindings, reproducible from seed.
std::vector<Buffer> random_inputs(const ComputeDef& def, const OpSizes& sizes, uint64_t seed = 1);
/// Zero-filled outputs for def (in def.outputs() order).
std::vector<Buffer> zero_outputs(const ComputeDef& def, const OpSizes& sizes);

/// The constant value of a size expression, or -1 when it is symbolic.
/// Default schedules use it to shrink split factors for small sizes.
int64_t constant_extent(const Expr& e);

}  // namespace kiln
