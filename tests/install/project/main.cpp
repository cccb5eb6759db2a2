// Built outside kiln's tree against the installed headers and library: a
// small scaled-sum kernel written in the DSL, scheduled, JIT-compiled, run
// and checked element by element.
#include <cmath>
#include <cstdio>

#include <kiln.h>

int main() {
  using namespace kiln;
  Expr n = size_var("n");
  Tensor x = placeholder({n}, f32(), "x");
  Tensor y = placeholder({n}, f32(), "y");
  Tensor z = compute({n}, [&](Expr i) { return 2.0f * x(i) + y(i); }, "z", {"i"});
  Schedule s(ComputeDef("axpy", {x, y}, {z}));
  auto parts = s.split("z.i", 8);
  s.vectorize(parts.second);

  auto kernel = compile_jit(lower(s));
  const int64_t size = 37;
  Buffer bx(f32(), {size}), by(f32(), {size}), bz(f32(), {size});
  bx.fill_random(1);
  by.fill_random(2);
  kernel->run({bx, by, bz});
  for (int64_t i = 0; i < size; ++i) {
    const float want = 2.0f * bx.data_as<float>()[i] + by.data_as<float>()[i];
    if (std::abs(bz.data_as<float>()[i] - want) > 1e-6f) {
      std::printf("wrong z[%lld]: %g, want %g\n", static_cast<long long>(i),
                  bz.data_as<float>()[i], want);
      return 1;
    }
  }
  std::printf("installed kiln works: z = 2x + y for n = %lld\n", static_cast<long long>(size));
  return 0;
}
