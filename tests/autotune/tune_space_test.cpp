// The generated search space: sampled candidates are accepted by the
// schedule API and lower (for every registered op and for definitions that
// exercise each stage role), compiled samples compute the right answer at
// awkward sizes, and the space contains ops/matmul's hand-written schedule.
#include <gtest/gtest.h>

#include <random>

#include "autotune/space.h"
#include "codegen/llvm/host_target.h"
#include "kiln.h"
#include "ops/op.h"

namespace kiln {
namespace {

/// Samples `count` candidates, builds and lowers each; returns how many the
/// schedule API refused. Any accepted candidate that fails to lower fails
/// the test.
int sample_and_lower(const SearchSpace& space, int count, uint64_t seed) {
  std::mt19937_64 rng(seed);
  int refused = 0;
  for (int n = 0; n < count; ++n) {
    KnobValues v = space.sample(rng);
    EXPECT_TRUE(space.plausible(v)) << SearchSpace::describe(v);
    Schedule s(space.def());
    try {
      s = space.build(v);
    } catch (const ScheduleError&) {
      ++refused;
      continue;
    }
    try {
      lower(s);
    } catch (const std::exception& e) {
      ADD_FAILURE() << space.def().name() << ": accepted candidate fails to lower: " << e.what()
                    << "\nknobs: " << SearchSpace::describe(v) << "\n"
                    << s.trace().to_json();
      return refused;
    }
  }
  return refused;
}

/// Compiles `count` sampled candidates (with `forced` knobs set as given)
/// and checks each against the reference interpreter.
void sample_and_check(const SearchSpace& space, const std::vector<Buffer>& inputs, int count,
                      uint64_t seed, const KnobValues& forced = {}) {
  const ComputeDef& def = space.def();
  const std::vector<Buffer> expected = interpret(def, inputs);
  std::mt19937_64 rng(seed);
  int checked = 0;
  for (int n = 0; n < count * 3 && checked < count; ++n) {
    KnobValues v = space.sample(rng);
    for (const auto& [knob, value] : forced) v[knob] = value;
    Schedule s(def);
    try {
      s = space.build(v);
    } catch (const ScheduleError&) {
      continue;
    }
    std::vector<Buffer> args = inputs;
    std::vector<Buffer> outputs;
    for (const Buffer& e : expected) outputs.emplace_back(e.dtype(), e.shape());
    args.insert(args.end(), outputs.begin(), outputs.end());
    compile_jit(lower(s))->run(args);
    for (size_t o = 0; o < outputs.size(); ++o) {
      EXPECT_LE(max_relative_error(outputs[o], expected[o], 0.1), 1e-4)
          << def.name() << " knobs: " << SearchSpace::describe(v);
    }
    ++checked;
  }
  EXPECT_EQ(checked, count) << def.name() << ": too many candidates refused";
}

std::vector<Buffer> random_buffers(const ComputeDef& def) {
  std::vector<Buffer> inputs;
  for (size_t a = 0; a < def.inputs().size(); ++a) {
    const Tensor& t = def.inputs()[a];
    Buffer b(t.dtype(), concrete_shape(t.shape(), {}));
    b.fill_random(100 + a);
    inputs.push_back(b);
  }
  return inputs;
}

// C = relu(A * B + bias): an elementwise output over a tiled reduction.
ComputeDef dense_relu_def(int64_t M, int64_t N, int64_t K) {
  Tensor A = placeholder({M, K}, f32(), "A");
  Tensor B = placeholder({K, N}, f32(), "B");
  Tensor bias = placeholder({N}, f32(), "bias");
  IterVar k = reduce_axis(K, "k");
  Tensor P = compute({M, N}, [&](Expr i, Expr j) { return sum(A(i, k) * B(k, j), k); }, "P",
                     {"i", "j"});
  Tensor C = compute({M, N}, [&](Expr i, Expr j) { return max(P(i, j) + bias(j), 0.0f); }, "C",
                     {"i", "j"});
  return ComputeDef("dense_relu", {A, B, bias}, {C});
}

// Softmax in four stages: row max, exponentials, row sum, normalize.
ComputeDef softmax_like_def(int64_t M, int64_t N) {
  Tensor X = placeholder({M, N}, f32(), "X");
  IterVar k = reduce_axis(N, "k");
  Tensor mx = compute({M}, [&](Expr i) { return max(X(i, k), k); }, "row_max", {"i"});
  Tensor e = compute({M, N}, [&](Expr i, Expr j) { return exp(X(i, j) - mx(i)); }, "e",
                     {"i", "j"});
  IterVar k2 = reduce_axis(N, "k2");
  Tensor s = compute({M}, [&](Expr i) { return sum(e(i, k2), k2); }, "row_sum", {"i"});
  Tensor out = compute({M, N}, [&](Expr i, Expr j) { return e(i, j) / s(i); }, "out",
                       {"i", "j"});
  return ComputeDef("softmax_like", {X}, {out});
}

// A batched matmul: an outer spatial axis the rules must fuse or keep outer.
ComputeDef batch_matmul_def(int64_t Bn, int64_t M, int64_t N, int64_t K) {
  Tensor A = placeholder({Bn, M, K}, f32(), "A");
  Tensor B = placeholder({Bn, K, N}, f32(), "B");
  IterVar k = reduce_axis(K, "k");
  Tensor C = compute({Bn, M, N},
                     [&](Expr b, Expr i, Expr j) { return sum(A(b, i, k) * B(b, k, j), k); }, "C",
                     {"b", "i", "j"});
  return ComputeDef("batch_matmul", {A, B}, {C});
}

TEST(TuneSpace, RolesFollowTheDefinition) {
  SearchSpace mm = SearchSpace::generate(find_op("matmul").define({}), host_target(), 2);
  ASSERT_EQ(mm.plans().size(), 1u);
  EXPECT_EQ(mm.plans()[0].role, StageRole::TiledReduction);

  SearchSpace dr = SearchSpace::generate(dense_relu_def(64, 64, 64), host_target(), 2);
  ASSERT_EQ(dr.plans().size(), 2u);
  EXPECT_EQ(dr.plans()[0].role, StageRole::TiledReduction);
  EXPECT_EQ(dr.plans()[1].role, StageRole::TiledEpilogue);
  EXPECT_EQ(dr.plans()[1].reduction, "P");

  SearchSpace sm = SearchSpace::generate(softmax_like_def(8, 32), host_target(), 2);
  ASSERT_EQ(sm.plans().size(), 4u);
  for (int s = 0; s < 3; ++s) {
    EXPECT_EQ(sm.plans()[s].role, StageRole::Producer) << sm.plans()[s].stage;
    EXPECT_EQ(sm.plans()[s].attach_output, "out");
  }
  EXPECT_EQ(sm.plans()[3].role, StageRole::RowWise);
}

TEST(TuneSpace, ContainsTheHandWrittenMatmulSchedule) {
  const Op& op = find_op("matmul");
  const Target target = host_target();
  for (int64_t size : {1024, 100}) {
    ComputeDef def = op.define({{"M", size}, {"N", size}, {"K", size}});
    SearchSpace space = SearchSpace::generate(def, target, 2);
    KnobValues v = space.default_values();
    EXPECT_TRUE(space.plausible(v));
    EXPECT_EQ(space.build(v).trace(), op.default_schedule(def, target).trace())
        << "size " << size << "\nspace: " << space.build(v).trace().to_json()
        << "\ndefault: " << op.default_schedule(def, target).trace().to_json();
  }
}

TEST(TuneSpace, SamplesOfEveryRegisteredOpLower) {
  for (const Op* op : all_ops()) {
    ComputeDef def = op->define({});
    SearchSpace space = SearchSpace::generate(def, host_target(), 2);
    const int refused = sample_and_lower(space, 200, 11);
    EXPECT_LE(refused, 20) << op->name() << ": the schedule API refused " << refused
                           << " of 200 candidates";
  }
}

TEST(TuneSpace, SamplesOfEachRoleLower) {
  for (const ComputeDef& def : {dense_relu_def(96, 128, 64), softmax_like_def(64, 256),
                                batch_matmul_def(3, 40, 64, 32)}) {
    SearchSpace space = SearchSpace::generate(def, host_target(), 2);
    const int refused = sample_and_lower(space, 200, 12);
    EXPECT_LE(refused, 20) << def.name() << ": the schedule API refused " << refused
                           << " of 200 candidates";
  }
}

TEST(TuneSpace, SampledSchedulesComputeTheRightAnswerAtAwkwardSizes) {
  for (const ComputeDef& def : {find_op("matmul").define({{"M", 37}, {"N", 45}, {"K", 29}}),
                                dense_relu_def(13, 50, 7), softmax_like_def(5, 37),
                                batch_matmul_def(2, 9, 33, 5)}) {
    SearchSpace space = SearchSpace::generate(def, host_target(), 2);
    sample_and_check(space, random_buffers(def), 6, 13);
  }
}

TEST(TuneSpace, RowWisePrefetchComputesTheRightAnswer) {
  // layernorm's output reads X directly: a knob fetches its next row.
  const ComputeDef def = find_op("layernorm").define({{"M", 7}, {"N", 101}});
  SearchSpace space = SearchSpace::generate(def, host_target(), 2);
  bool has_knob = false;
  for (const Knob& k : space.knobs()) has_knob = has_knob || k.name == "Y.prefetch";
  ASSERT_TRUE(has_knob);
  sample_and_check(space, random_buffers(def), 6, 17, {{"Y.prefetch", 1}});
  // Vectorized rows carry the prefetch in their trace.
  std::mt19937_64 rng(3);
  int built = 0;
  for (int n = 0; n < 20 && built < 3; ++n) {
    KnobValues v = space.sample(rng);
    v["Y.prefetch"] = 1;
    v["Y.vec"] = 16;
    try {
      const std::string trace = space.build(v).trace().to_json("layernorm");
      EXPECT_NE(trace.find("\"prefetch\""), std::string::npos) << SearchSpace::describe(v);
      ++built;
    } catch (const ScheduleError&) {
    }
  }
  EXPECT_EQ(built, 3);

  // softmax's exponentials (E, computed at the output's row) read X.
  const ComputeDef sm = find_op("softmax").define({{"M", 5}, {"N", 37}});
  SearchSpace sm_space = SearchSpace::generate(sm, host_target(), 2);
  has_knob = false;
  for (const Knob& k : sm_space.knobs()) has_knob = has_knob || k.name == "E.prefetch";
  ASSERT_TRUE(has_knob);
  const KnobValues forced = {{"E.prefetch", 1}, {"E.place", kPlaceAt}, {"E.vec", 16}};
  sample_and_check(sm_space, random_buffers(sm), 6, 19, forced);
  int with_prefetch = 0;
  for (int n = 0; n < 20; ++n) {
    KnobValues v = sm_space.sample(rng);
    for (const auto& [knob, value] : forced) v[knob] = value;
    try {
      const std::string trace = sm_space.build(v).trace().to_json("softmax");
      with_prefetch += trace.find("\"prefetch\"") != std::string::npos;
    } catch (const ScheduleError&) {
    }
  }
  EXPECT_GT(with_prefetch, 0);
}

TEST(TuneSpace, PackedOperandInEveryLoopOrderComputesTheRightAnswer) {
  const ComputeDef def = find_op("matmul").define({{"M", 37}, {"N", 45}, {"K", 29}});
  const SearchSpace space = SearchSpace::generate(def, host_target(), 2);
  ASSERT_EQ(space.plans()[0].pack_tensor, "B");
  const std::vector<Buffer> inputs = random_buffers(def);
  const std::vector<Buffer> expected = interpret(def, inputs);
  for (int64_t order : {0, 1, 2}) {
    for (int64_t k_chunk : {16, 29}) {
      KnobValues v = space.default_values();
      v["C.pack"] = 1;
      v["C.order"] = order;
      v["C.k_chunk"] = k_chunk;
      v["C.row_block"] = 4;
      const Schedule s = space.build(v);
      Buffer c(f32(), {37, 45});
      compile_jit(lower(s))->run({inputs[0], inputs[1], c});
      EXPECT_LE(max_relative_error(c, expected[0], 0.1), 1e-4) << SearchSpace::describe(v);
    }
  }
}

TEST(TuneSpace, MutationAndCrossoverStayInTheSpace) {
  SearchSpace space = SearchSpace::generate(find_op("matmul").define({}), host_target(), 2);
  std::mt19937_64 rng(5);
  KnobValues a = space.sample(rng), b = space.sample(rng);
  int changed = 0;
  for (int n = 0; n < 50; ++n) {
    KnobValues m = space.mutate(a, rng);
    KnobValues c = space.crossover(a, b, rng);
    changed += m != a;
    for (const KnobValues* v : {&m, &c}) {
      EXPECT_TRUE(space.plausible(*v));
      for (const Knob& k : space.knobs()) {
        ASSERT_TRUE(v->count(k.name)) << k.name;
        EXPECT_NE(std::find(k.choices.begin(), k.choices.end(), v->at(k.name)), k.choices.end())
            << k.name << "=" << v->at(k.name);
      }
    }
  }
  EXPECT_GE(changed, 40);
  EXPECT_EQ(SearchSpace::from_json(SearchSpace::to_json(a)), a);
}

}  // namespace
}  // namespace kiln
