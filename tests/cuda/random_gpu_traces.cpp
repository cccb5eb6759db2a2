// Random valid GPU schedules of a few definitions (tiled elementwise with a
// producer in shared memory, tiled matmul with shared staging and register
// tiles, a reduction feeding an elementwise stage): each one's trace
// round-trips through JSON, its CUDA source compiles with NVRTC and
// assembles with ptxas, and the same schedule run on the CPU (GPU-bound
// loops serially) matches the reference interpreter at awkward sizes.
#include <random>

#include "codegen/llvm/host_target.h"
#include "codegen/llvm/jit.h"
#include "tests/correctness/reference_check.h"
#include "tests/cuda/cuda_test_util.h"
#include "tests/error/schedule_test_util.h"

namespace kiln {
namespace {

template <typename T>
T pick(std::mt19937& rng, const std::vector<T>& choices) {
  return choices[std::uniform_int_distribution<size_t>(0, choices.size() - 1)(rng)];
}

/// Cooperative load of a 2-D stage computed inside a kernel: `vec`
/// contiguous elements per thread along the inner axis, the rest over
/// tx x ty threads.
void cooperative(Schedule& s, const std::string& stage, int64_t vec, int64_t tx, int64_t ty) {
  const std::vector<std::string> loops = s.stage(stage).leaf_loops;
  std::string row = loops.at(1);
  std::string vector_loop;
  if (vec > 1) std::tie(row, vector_loop) = s.split(row, vec);
  std::string fused = s.fuse(loops.at(0), row);
  auto [rest, x] = s.split(fused, tx);
  s.bind(x, "threadIdx.x");
  if (ty > 1) {
    auto [serial, y] = s.split(rest, ty);
    s.bind(y, "threadIdx.y");
  }
  if (!vector_loop.empty()) s.vectorize(vector_loop);
}

Schedule random_matmul(std::mt19937& rng) {
  for (;;) {
    const int64_t bm = pick<int64_t>(rng, {16, 32, 64}), bn = pick<int64_t>(rng, {16, 32, 64});
    const int64_t tm = pick<int64_t>(rng, {1, 2, 4}), tn = pick<int64_t>(rng, {1, 2, 4, 8});
    const int64_t kt = pick<int64_t>(rng, {4, 8, 16});
    const int64_t ty = bm / tm, tx = bn / tn;
    if (tx * ty > 1024 || tn > bn) continue;
    Schedule s(testing_schedule::symbolic_matmul_def());
    const std::string local = s.cache_write("C", "local");
    auto [io, ii] = s.split("C.i", bm);
    auto [iio, iii] = s.split(ii, tm);
    auto [jo, ji] = s.split("C.j", bn);
    auto [jio, jii] = s.split(ji, tn);
    s.reorder({io, jo, iio, jio, iii, jii});
    s.bind(io, "blockIdx.y");
    s.bind(jo, "blockIdx.x");
    s.bind(iio, "threadIdx.y");
    s.bind(jio, "threadIdx.x");
    s.unroll(iii);
    if (tn >= 4 && pick<int>(rng, {0, 1})) {
      auto [a, b] = s.split(jii, 4);
      s.vectorize(b);
    } else {
      s.unroll(jii);
    }
    s.compute_at(local, jio);
    auto [ko, ki] = s.split(local + ".k", kt);
    auto [lio, lii] = s.split(local + ".i", tm);
    auto [ljo, lji] = s.split(local + ".j", tn);
    s.reorder({lio, ljo, ko, ki, lii, lji});
    s.unroll(lii);
    s.unroll(lji);
    if (pick<int>(rng, {0, 1, 1})) {
      for (const char* input : {"A", "B"}) {
        const std::string shared = s.cache_read(input, {local}, "shared");
        s.compute_at(shared, ko);
        cooperative(s, shared, pick<int64_t>(rng, {1, 2, 4}), tx, ty);
      }
    }
    return s;
  }
}

Schedule random_blur(std::mt19937& rng) {
  Schedule s(testing_schedule::blur_def());
  const int64_t fy = pick<int64_t>(rng, {1, 2, 4, 8}), fx = pick<int64_t>(rng, {8, 16, 32});
  auto tiles = s.tile("blur_y.y", "blur_y.x", fy, fx);
  s.bind(tiles[0], "blockIdx.y");
  s.bind(tiles[1], "blockIdx.x");
  s.bind(tiles[2], "threadIdx.y");
  s.bind(tiles[3], "threadIdx.x");
  if (pick<int>(rng, {0, 1})) {
    s.compute_inline("blur_x");
  } else {
    s.set_scope("blur_x", "shared");
    s.compute_at("blur_x", tiles[1]);
    cooperative(s, "blur_x", 1, fx, 1);
  }
  return s;
}

Schedule random_reduce_epilogue(std::mt19937& rng) {
  Schedule s(testing_schedule::reduce_epilogue_def());
  const int64_t f = pick<int64_t>(rng, {4, 8, 32});
  auto [jo, ji] = s.split("out.j", f);
  s.reorder({"out.i", jo, ji});
  s.bind("out.i", "blockIdx.y");
  s.bind(jo, "blockIdx.x");
  s.bind(ji, "threadIdx.x");
  if (pick<int>(rng, {0, 1})) {
    s.compute_at("row_max", ji);  // each thread its own maximum (local)
  } else {
    auto [io, ii] = s.split("row_max.i", 4);
    s.bind(io, "blockIdx.x");
    s.bind(ii, "threadIdx.x");  // a kernel of its own, in global memory
  }
  return s;
}

/// `original` is the definition the schedule started from (s.def() is the
/// one cache_read and cache_write rewrote).
void check_schedule(const Schedule& s, const ComputeDef& original, const check::Sizes& sizes,
                    const std::string& what) {
  SCOPED_TRACE(what + ": " + s.trace().to_json());
  const Trace back = Trace::from_json(s.trace().to_json());
  EXPECT_EQ(back, s.trace());
  const Schedule replayed = Schedule::replay(original, back);
  const Target target = parse_target("cuda -arch=sm_80");
  EXPECT_EQ(codegen_cuda(lower_gpu(replayed, target), target),
            codegen_cuda(lower_gpu(s, target), target));
  cuda_test::expect_compiles(s, 80, what);
  auto kernel = compile_jit(lower(s), host_target());
  check::expect_kernel_matches(*kernel, s.def(), sizes, what + " on the CPU");
}

TEST(RandomGpuTraces, CompileAndComputeTheReference) {
  KILN_REQUIRE_NVRTC();
  std::mt19937 rng(2026);
  for (int i = 0; i < 3; ++i) {
    const std::string n = std::to_string(i);
    check_schedule(random_matmul(rng), testing_schedule::symbolic_matmul_def(),
                   {{"M", 37}, {"N", 29}, {"K", 23}}, "matmul " + n);
    check_schedule(random_blur(rng), testing_schedule::blur_def(), {}, "blur " + n);
    check_schedule(random_reduce_epilogue(rng), testing_schedule::reduce_epilogue_def(), {},
                   "reduce_epilogue " + n);
  }
}

}  // namespace
}  // namespace kiln
