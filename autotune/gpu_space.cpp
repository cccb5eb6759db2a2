// GPU search space: the tiled matmul-like kernel with its tile sizes as
// knobs, or the generic schedule's block size. See gpu_space.h.
#include "autotune/gpu_space.h"

#include <algorithm>

#include "base/error.h"
#include "ops/gpu_schedule.h"

namespace kiln {
namespace {

/// The output is C[i, j] = reduce_k(...) reading two 2-D inputs.
bool matmul_like(const ComputeDef& def) {
  if (def.outputs().size() != 1 || def.inputs().size() != 2 || def.stages().size() != 1) return false;
  const OpRef& c = def.outputs()[0].op();
  if (!c->is_reduction() || c->axis.size() != 2 || c->reduce_axis.size() != 1) return false;
  for (const Tensor& t : def.inputs()) {
    if (t.shape().size() != 2 || !t.dtype().is_float() || t.dtype().bits != 32) return false;
  }
  return true;
}

/// Cooperative load of a 2-D shared stage: `vec` contiguous elements per
/// thread along the inner axis, the rest over the tx x ty threads of the
/// block, a serial loop for what is left.
void cooperative(Schedule& s, const std::string& stage, int64_t vec, int64_t tx, int64_t ty) {
  const std::vector<std::string> loops = s.stage(stage).leaf_loops;
  std::string row = loops.at(1), vector_loop;
  if (vec > 1) std::tie(row, vector_loop) = s.split(row, vec);
  std::string fused = s.fuse(loops.at(0), row);
  auto [rest, x] = s.split(fused, tx);
  auto [serial, y] = s.split(rest, ty);
  s.bind(y, "threadIdx.y");
  s.bind(x, "threadIdx.x");
  if (!vector_loop.empty()) s.vectorize(vector_loop);
}

}  // namespace

GpuSearchSpace GpuSearchSpace::generate(const ComputeDef& def, const Target& target) {
  GpuSearchSpace sp;
  sp.def_ = def;
  sp.target_ = target;
  if (matmul_like(def)) {
    sp.output_ = def.outputs()[0].name();
    for (const Tensor& t : def.inputs()) sp.inputs_.push_back(t.name());
    sp.knobs_ = {{"bm", {32, 64, 128, 256}}, {"bn", {32, 64, 128, 256}}, {"tm", {2, 4, 8}},
                 {"tn", {2, 4, 8}},          {"kt", {8, 16, 32}},         {"stage", {1, 0}},
                 {"vec", {4, 2, 1}}};
  } else {
    sp.knobs_ = {{"threads", {256, 64, 128, 512, 1024}}};
  }
  return sp;
}

int64_t GpuSearchSpace::value(const KnobValues& v, const std::string& name) const {
  auto it = v.find(name);
  if (it != v.end()) return it->second;
  for (const Knob& k : knobs_) {
    if (k.name == name) return k.choices.front();
  }
  internal_error << "no GPU knob " << name;
  return 0;
}

KnobValues GpuSearchSpace::default_values() const {
  if (!tiled()) return {{"threads", 256}};
  return {{"bm", 128}, {"bn", 128}, {"tm", 8}, {"tn", 8}, {"kt", 16}, {"stage", 1}, {"vec", 4}};
}

bool GpuSearchSpace::plausible(const KnobValues& v) const {
  if (!tiled()) return value(v, "threads") <= target_.max_threads_per_block();
  const int64_t bm = value(v, "bm"), bn = value(v, "bn"), tm = value(v, "tm"), tn = value(v, "tn");
  const int64_t kt = value(v, "kt"), vec = value(v, "vec");
  const int64_t threads = (bm / tm) * (bn / tn);
  if (threads < 32 || threads > target_.max_threads_per_block()) return false;
  if (tm * tn > 64) return false;  // more accumulators spill registers
  // The k tile is unrolled around the register tile: bound the code size
  // (NVRTC and ptxas take tens of seconds on 2048 unrolled FMAs).
  if (tm * tn * kt > 1024) return false;
  if (value(v, "stage") && (bm + bn) * kt * 4 > target_.max_shared_memory_bytes()) return false;
  return kt % vec == 0 && bn % vec == 0 && tn % vec == 0;
}

KnobValues GpuSearchSpace::sample(std::mt19937_64& rng) const {
  for (;;) {
    KnobValues v;
    for (const Knob& k : knobs_)
      v[k.name] = k.choices[std::uniform_int_distribution<size_t>(0, k.choices.size() - 1)(rng)];
    if (plausible(v)) return v;
  }
}

Schedule GpuSearchSpace::build(const KnobValues& v) const {
  if (!tiled()) return generic_gpu_schedule(def_, value(v, "threads"));
  const int64_t bm = value(v, "bm"), bn = value(v, "bn"), tm = value(v, "tm"), tn = value(v, "tn");
  const int64_t kt = value(v, "kt"), vec = value(v, "vec");
  const int64_t ty = bm / tm, tx = bn / tn;
  Schedule s(def_);
  const std::string C = output_;
  const std::string local = s.cache_write(C, "local");
  auto [io, ii] = s.split(C + "." + def_.outputs()[0].op()->axis[0].name(), bm);
  auto [iio, iii] = s.split(ii, tm);
  auto [jo, ji] = s.split(C + "." + def_.outputs()[0].op()->axis[1].name(), bn);
  auto [jio, jii] = s.split(ji, tn);
  s.reorder({io, jo, iio, jio, iii, jii});
  s.bind(io, "blockIdx.y");
  s.bind(jo, "blockIdx.x");
  s.bind(iio, "threadIdx.y");
  s.bind(jio, "threadIdx.x");
  s.unroll(iii);
  if (vec > 1) {
    auto [a, b] = s.split(jii, vec);
    s.unroll(a);
    s.vectorize(b);
  } else {
    s.unroll(jii);
  }
  s.compute_at(local, jio);
  const StageSchedule& ls = s.stage(local);
  const std::vector<std::string> leaves = ls.leaf_loops;  // i, j, k
  auto [ko, ki] = s.split(leaves.at(2), kt);
  auto [lio, lii] = s.split(leaves.at(0), tm);
  auto [ljo, lji] = s.split(leaves.at(1), tn);
  s.reorder({lio, ljo, ko, ki, lii, lji});
  s.unroll(ki);
  s.unroll(lii);
  s.unroll(lji);
  if (value(v, "stage")) {
    for (const std::string& input : inputs_) {
      const std::string shared = s.cache_read(input, {local}, "shared");
      s.compute_at(shared, ko);
      cooperative(s, shared, vec, tx, ty);
    }
  }
  return s;
}

}  // namespace kiln
