// Parallel loops in generated code: outlined closures capturing variables,
// size vars and buffers; 1 and 2 threads; nested parallel loops; heap and
// stack buffers inside a parallel body.
#include "codegen_test_util.h"
#include "runtime/thread_pool.h"

namespace kiln {
namespace {

using namespace cgtest;

/// Restores the thread count a test changes.
class ThreadCount {
 public:
  ThreadCount() : saved_(num_threads()) {}
  ~ThreadCount() { set_num_threads(saved_); }

 private:
  int saved_;
};

std::vector<Buffer> random_rows(int64_t m, int64_t k) {
  Buffer a(f32(), {m, k});
  for (int64_t i = 0; i < m * k; i++) a.data_as<float>()[i] = static_cast<float>((i * 37 % 101) - 50) / 8;
  return {a};
}

class ParallelRows : public ::testing::TestWithParam<int> {};

// S[i] = scale * sum_j A[i, j], rows in parallel.
TEST_P(ParallelRows, SumsIntoDistinctOutputs) {
  ThreadCount restore;
  set_num_threads(GetParam());
  Expr M = var("M"), K = var("K");
  Expr i = var("i"), j = var("j");
  Expr scale = Var::make(f32(), "scale");
  Stmt row = Block::make({
      Store::make("S", f32c(0), i),
      loop("j", idx(0), K,
           Store::make("S", Add::make(Load::make(f32(), "S", i), Load::make(f32(), "A", Add::make(Mul::make(i, K), j))), i)),
      Store::make("S", Mul::make(Load::make(f32(), "S", i), scale), i),
  });
  Stmt body = LetStmt::make("scale", f32c(2.0), loop("i", idx(0), M, row, ForKind::Parallel));
  auto kernel = compile_jit(make_func("parallel_rows", {input("A", f32(), {M, K}), output("S", f32(), {M})},
                                      {"M", "K"}, body));
  const int64_t m = 37, k = 53;
  Buffer a = random_rows(m, k)[0];
  Buffer s(f32(), {m});
  kernel->run({a, s});
  for (int64_t r = 0; r < m; r++) {
    float want = 0;
    for (int64_t c = 0; c < k; c++) want += a.data_as<float>()[r * k + c];
    EXPECT_FLOAT_EQ(s.data_as<float>()[r], 2 * want) << "row " << r;
  }
}

// O[i, j] = 2 A[i, j] with both loops parallel (the inner runs serially on
// whichever thread reaches it), and a heap buffer per row that reverses it.
TEST_P(ParallelRows, NestedParallelAndHeapBufferInBody) {
  ThreadCount restore;
  set_num_threads(GetParam());
  Expr M = var("M"), K = var("K");
  Expr i = var("i"), j = var("j");
  Expr at = Add::make(Mul::make(i, K), j);
  Stmt nested = loop("i", idx(0), M,
                     loop("j", idx(0), K, Store::make("O", Mul::make(Load::make(f32(), "A", at), f32c(2)), at),
                          ForKind::Parallel),
                     ForKind::Parallel);
  Stmt reversed = loop(
      "i", idx(0), M,
      Allocate::make("row", f32(), {K}, MemoryScope::Heap,
                     Block::make({loop("j", idx(0), K, Store::make("row", Load::make(f32(), "A", at), j)),
                                  loop("j", idx(0), K,
                                       Store::make("R", Load::make(f32(), "row", Sub::make(Sub::make(K, idx(1)), j)), at))})),
      ForKind::Parallel);
  auto kernel = compile_jit(make_func(
      "nested_parallel", {input("A", f32(), {M, K}), output("O", f32(), {M, K}), output("R", f32(), {M, K})},
      {"M", "K"}, Block::make({nested, reversed})));
  const int64_t m = 13, k = 29;
  Buffer a = random_rows(m, k)[0];
  Buffer o(f32(), {m, k}), r(f32(), {m, k});
  kernel->run({a, o, r});
  for (int64_t x = 0; x < m; x++) {
    for (int64_t y = 0; y < k; y++) {
      EXPECT_EQ(o.data_as<float>()[x * k + y], 2 * a.data_as<float>()[x * k + y]);
      EXPECT_EQ(r.data_as<float>()[x * k + y], a.data_as<float>()[x * k + (k - 1 - y)]);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Threads, ParallelRows, ::testing::Values(1, 2));

// A parallel loop with a non-zero min over a vector body and a stack buffer
// (allocated in the closure's frame, one per invocation).
TEST(CodegenParallel, OffsetMinVectorBodyStackBuffer) {
  Expr N = var("N");
  Expr i = var("i");
  Expr lanes8 = ramp(Mul::make(i, idx(8)), 8);
  Stmt body = loop(
      "i", idx(1), Sub::make(Div::make(N, idx(8)), idx(1)),
      Allocate::make("t", f32(), {idx(8)}, MemoryScope::Auto,
                     Block::make({Store::make("t", Add::make(Load::make(f32().with_lanes(8), "A", lanes8),
                                                              Broadcast::make(f32c(1), 8)),
                                              ramp(idx(0), 8)),
                                  Store::make("O", Load::make(f32().with_lanes(8), "t", ramp(idx(0), 8)), lanes8)})),
      ForKind::Parallel);
  auto kernel = compile_jit(make_func("parallel_offset", {input("A", f32(), {N}), output("O", f32(), {N})}, {"N"}, body));
  const int64_t n = 64;
  Buffer a(f32(), {n}), o(f32(), {n});
  for (int64_t k = 0; k < n; k++) {
    a.data_as<float>()[k] = static_cast<float>(k);
    o.data_as<float>()[k] = -1;
  }
  kernel->run({a, o});
  for (int64_t k = 0; k < n; k++) {
    float want = k >= 8 ? k + 1.0f : -1.0f;  // i in [1, N/8 - 1 + 1): lanes 8..63
    EXPECT_EQ(o.data_as<float>()[k], want) << k;
  }
}

}  // namespace
}  // namespace kiln
