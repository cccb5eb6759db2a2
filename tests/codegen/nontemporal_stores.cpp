// Non-temporal (streaming) stores of an output: the same numbers as the
// reference whether the output's rows are aligned or not (rows of 101
// floats put most vector stores off a 64-byte boundary; a borrowed buffer
// one float past an aligned address shifts every one), with and without the
// thread pool; the machine code streams (vmovntps) and fences (sfence); the
// trace replays.
#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <vector>

#include "codegen/llvm/host_target.h"
#include "kiln.h"

namespace kiln {
namespace {

/// out[i, j] = a[i, j] * 3 - b[j], rows in parallel, 16 lanes, streamed.
Schedule streamed(int64_t rows, int64_t cols, bool parallel) {
  Tensor a = placeholder({rows, cols}, f32(), "a");
  Tensor b = placeholder({cols}, f32(), "b");
  Tensor out = compute({rows, cols}, [&](Expr i, Expr j) { return a(i, j) * 3.0f - b(j); },
                       "out", {"i", "j"});
  Schedule s(ComputeDef("streamed", {a, b}, {out}));
  auto [jo, ji] = s.split("out.j", 16);
  s.vectorize(ji);
  if (parallel) s.parallel("out.i");
  s.store_nontemporal("out");
  return s;
}

double max_abs_diff(const Buffer& x, const Buffer& y) {
  double d = 0;
  for (int64_t i = 0; i < x.numel(); ++i) {
    d = std::max(d, std::abs(double(x.data_as<float>()[i]) - y.data_as<float>()[i]));
  }
  return d;
}

TEST(NontemporalStores, MatchTheReferenceAlignedOrNot) {
  set_num_threads(2);
  for (bool parallel : {false, true}) {
    for (auto [rows, cols] : std::vector<std::pair<int64_t, int64_t>>{{1, 1}, {7, 101}, {33, 128}, {5, 257}}) {
      Schedule s = streamed(rows, cols, parallel);
      auto kernel = compile_jit(lower(s));
      Buffer a(f32(), {rows, cols}), b(f32(), {cols});
      a.fill_random(1);
      b.fill_random(2);
      // The same schedule with ordinary stores gives the bits to expect
      // (LLVM may contract a * 3 - b into an FMA, so the interpreter's
      // separately rounded result may differ in the last place).
      Schedule plain_schedule(s.def());
      for (const TraceStep& step : s.trace().steps) {
        if (step.primitive != "store_nontemporal") plain_schedule.apply(step);
      }
      Buffer want(f32(), {rows, cols});
      compile_jit(lower(plain_schedule))->run({a, b, want});
      ASSERT_LE(max_abs_diff(want, interpret(s.def(), {a, b}).at(0)), 1e-5);

      Buffer out(f32(), {rows, cols});
      kernel->run({a, b, out});
      EXPECT_EQ(max_abs_diff(out, want), 0) << rows << " x " << cols << ", aligned output";

      // One float past a 64-byte boundary: no store of the output is aligned.
      std::vector<float> storage(rows * cols + 32);
      float* shifted = storage.data() + 1;
      while (reinterpret_cast<uintptr_t>(shifted - 1) % 64 != 0) ++shifted;
      Buffer view = Buffer::borrow(shifted, f32(), {rows, cols});
      kernel->run({a, b, view});
      EXPECT_EQ(max_abs_diff(view, want), 0) << rows << " x " << cols << ", misaligned output";
    }
  }
}

TEST(NontemporalStores, MachineCodeStreamsAndFences) {
  const std::string assembly = emit_assembly(lower(streamed(64, 256, true)), host_target());
  EXPECT_TRUE(std::regex_search(assembly, std::regex(R"(vmovntps\s+%zmm)"))) << assembly.substr(0, 4000);
  EXPECT_NE(assembly.find("sfence"), std::string::npos);
  // Without the primitive: no streaming store.
  Schedule plain(streamed(64, 256, true).def());
  const std::string plain_asm = emit_assembly(lower(plain), host_target());
  EXPECT_EQ(plain_asm.find("vmovnt"), std::string::npos);
}

TEST(NontemporalStores, TraceReplays) {
  Schedule s = streamed(9, 40, true);
  Schedule replayed = Schedule::replay(s.def(), Trace::from_json(s.trace().to_json("streamed")));
  EXPECT_TRUE(replayed.stores_nontemporal("out"));
  EXPECT_NE(s.trace().to_json("streamed").find("\"store_nontemporal\""), std::string::npos);
}

}  // namespace
}  // namespace kiln
