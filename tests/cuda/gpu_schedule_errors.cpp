// Invalid GPU schedules are refused with a kiln::Error that names the
// primitive, the stage or loop, and what to do instead. Refusals at
// schedule time come from bind/set_scope; the rest from lowering for a
// CUDA target (the schedule as a whole, then extents after bounds
// inference).
#include <gtest/gtest.h>

#include "codegen/cuda/gpu_program.h"
#include "base/error.h"
#include "codegen/llvm/host_target.h"
#include "tests/error/schedule_test_util.h"

namespace kiln {
namespace {

using testing_schedule::matmul_def;
using testing_schedule::reduce_epilogue_def;

const Target kCuda = parse_target("cuda -arch=sm_80");

/// C[i, j] = A[i, j] * 2 over rows x cols.
ComputeDef scale_def(int64_t rows, int64_t cols) {
  Tensor A = placeholder({rows, cols}, f32(), "A");
  Tensor C = compute({rows, cols}, [&](Expr i, Expr j) { return A(i, j) * 2.0f; }, "C", {"i", "j"});
  return ComputeDef("scale", {A}, {C});
}

/// Expects lowering sch for CUDA to throw an Error whose text contains
/// every one of `parts`.
void expect_lowering_refused(const Schedule& sch, const std::vector<std::string>& parts) {
  try {
    lower_gpu(sch, kCuda);
    ADD_FAILURE() << "lowering was accepted; expected: " << parts.front();
  } catch (const Error& e) {
    for (const std::string& p : parts) EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
  }
}

template <typename F>
void expect_refused(F f, const std::vector<std::string>& parts) {
  try {
    f();
    ADD_FAILURE() << "the primitive was accepted; expected: " << parts.front();
  } catch (const ScheduleError& e) {
    for (const std::string& p : parts) EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
  }
}

TEST(GpuScheduleErrors, ThreadExtentAboveTheDeviceLimit) {
  Schedule s(scale_def(4, 2048));
  auto [jo, ji] = s.split("C.j", 2048);
  s.bind("C.i", "blockIdx.x");
  s.bind(ji, "threadIdx.x");
  expect_lowering_refused(s, {"bind(C.j.i, threadIdx.x)", "2048 threads along threadIdx.x",
                              "more than the 1024", "split it"});
}

TEST(GpuScheduleErrors, ThreadsPerBlockAboveTheTargetLimit) {
  Schedule s(scale_def(64, 64));
  s.bind("C.i", "threadIdx.y");
  s.bind("C.j", "threadIdx.x");
  // No block loop left: refused for that first.
  expect_lowering_refused(s, {"bind(C.i, blockIdx.x)", "no loop of it is bound to blockIdx"});
  Schedule t(scale_def(128, 64));
  auto [io, ii] = t.split("C.i", 32);
  t.bind(io, "blockIdx.x");
  t.bind(ii, "threadIdx.y");
  t.bind("C.j", "threadIdx.x");
  expect_lowering_refused(t, {"kernel C would run 64 x 32 x 1 = 2048 threads per block",
                              "more than the 1024 sm_80 allows"});
}

TEST(GpuScheduleErrors, SharedMemoryAboveTheStaticLimit) {
  Schedule s(scale_def(8, 16384));
  const std::string cache = s.cache_read("A", {"C"}, "shared");
  s.bind("C.i", "blockIdx.x");
  auto [jo, ji] = s.split("C.j", 128);
  s.compute_at(cache, "C.i");  // one row of A: 16384 floats = 64 KiB
  s.bind(ji, "threadIdx.x");
  expect_lowering_refused(s, {"set_scope(A_cache, shared)", "65536 bytes of shared memory",
                              "more than the 49152 bytes (48 KiB)"});
}

TEST(GpuScheduleErrors, LocalStageWithThreadBoundLoopsWouldRace) {
  Schedule s(scale_def(64, 64));
  const std::string cache = s.cache_read("A", {"C"}, "local");
  s.bind("C.i", "blockIdx.x");
  s.compute_at(cache, "C.i");
  s.bind("C.j", "threadIdx.x");
  s.bind(s.stage(cache).leaf_loops.at(1), "threadIdx.x");
  expect_lowering_refused(s, {"bind(A_cache.j, threadIdx.x)", "'A_cache' is local",
                              "each thread would fill only its part"});
}

TEST(GpuScheduleErrors, GlobalStageInsideAKernelWouldRace) {
  Schedule s(scale_def(64, 64));
  const std::string cache = s.cache_read("A", {"C"}, "global");
  s.bind("C.i", "blockIdx.x");
  s.compute_at(cache, "C.i");
  s.bind("C.j", "threadIdx.x");
  expect_lowering_refused(s, {"set_scope(A_cache, global)", "every block and thread would race",
                              "\"shared\") or \"local\""});
}

TEST(GpuScheduleErrors, SharedReductionNotBoundToTheKernelsThreadsWouldRace) {
  Schedule s(reduce_epilogue_def());
  s.set_scope("row_max", "shared");
  s.bind("out.i", "blockIdx.x");
  s.compute_at("row_max", "out.i");
  s.bind("out.j", "threadIdx.x");
  expect_lowering_refused(s, {"compute_at(row_max, out.i)", "reduction in shared memory",
                              "none of its loops is bound to threadIdx.x", "race"});
}

TEST(GpuScheduleErrors, KernelWithoutBlockBinding) {
  Schedule s(scale_def(64, 64));
  expect_lowering_refused(s, {"bind(C.i, blockIdx.x)", "stage 'C' is at root",
                              "no loop of it is bound to blockIdx"});
}

TEST(GpuScheduleErrors, LoopOutsideTheBlockLoops) {
  Schedule s(scale_def(64, 64));
  s.bind("C.j", "blockIdx.x");
  expect_lowering_refused(s, {"'C.i' runs outside 'C.j'", "must be its outermost loops"});
}

TEST(GpuScheduleErrors, BindingAReductionLoopNeedsRfactor) {
  Schedule s(matmul_def());
  expect_refused([&] { s.bind("C.k", "threadIdx.x"); },
                 {"schedule error in bind(C.k, threadIdx.x)", "reduction loop of stage 'C'",
                  "rfactor(C.k)"});
  EXPECT_TRUE(s.trace().steps.empty());
}

TEST(GpuScheduleErrors, BindingALoopTwice) {
  Schedule s(matmul_def());
  s.bind("C.i", "blockIdx.x");
  expect_refused([&] { s.bind("C.i", "blockIdx.x"); }, {"already bound to blockIdx.x"});
  expect_refused([&] { s.bind("C.i", "threadIdx.x"); }, {"'C.i' is already bound to blockIdx.x"});
  expect_refused([&] { s.bind("C.j", "blockIdx.x"); },
                 {"'C.i' of stage 'C' is already bound to blockIdx.x", "Fuse C.i and C.j"});
  expect_refused([&] { s.vectorize("C.i"); }, {"already marked blockIdx.x"});
  expect_refused([&] { s.bind("C.j", "warp.x"); }, {"unknown index 'warp.x'", "threadIdx.z"});
}

TEST(GpuScheduleErrors, OutputsStayInGlobalMemory) {
  Schedule s(matmul_def());
  expect_refused([&] { s.set_scope("C", "shared"); },
                 {"set_scope(C, shared)", "output of matmul", "cache_write(C, \"shared\")"});
  expect_refused([&] { s.set_scope("C", "texture"); }, {"unknown scope 'texture'"});
}

TEST(GpuScheduleErrors, BarrierUnderAThreadGuardIsRefused) {
  // The shared stage is computed inside a thread loop shorter than the
  // block: the threads outside it would skip the barrier.
  Schedule s(scale_def(8, 200));
  const std::string cache = s.cache_read("A", {"C"}, "shared");
  s.bind("C.i", "blockIdx.x");
  auto [jo, ji] = s.split("C.j", 100);
  s.bind(ji, "threadIdx.x");
  s.compute_at(cache, ji);
  auto [co, ci] = s.split(s.stage(cache).leaf_loops.at(1), 128);
  s.bind(ci, "threadIdx.x");
  expect_lowering_refused(s, {"__syncthreads() barrier", "C.j.i", "fewer than the block's 128"});
}

}  // namespace
}  // namespace kiln
