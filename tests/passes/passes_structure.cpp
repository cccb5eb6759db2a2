// The loop passes one at a time on small hand-built nests: the shape of
// what they produce (no guard in a steady loop, ramps instead of vectorized
// loops, unrolled copies, flat indices), and that it means the same as
// what went in, checked by running both with a small integer evaluator of
// lowered IR over every size in a range. Then the same shapes through the
// whole pipeline on small schedules.
#include <gtest/gtest.h>

#include <functional>
#include <map>

#include "kiln.h"
#include "dsl/ir_visitor.h"
#include "schedule/passes/passes.h"

namespace kiln {
namespace {

// ------------------------------------------------------------ evaluation

/// Integer lanes (bools are 0 and 1).
using Value = std::vector<int64_t>;

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

/// Runs lowered IR over i64 buffers, counting writes per element, so a
/// pass that loses or repeats an iteration is caught.
class Evaluator {
 public:
  std::map<std::string, int64_t> vars;
  std::map<std::string, std::vector<int64_t>> memory, writes;

  /// Zero-filled buffers of these sizes.
  explicit Evaluator(const std::map<std::string, int64_t>& buffers) {
    for (const auto& kv : buffers) {
      memory[kv.first].assign(kv.second, 0);
      writes[kv.first].assign(kv.second, 0);
    }
  }

  Value eval(const Expr& e) {
    if (const IntImm* op = e.as<IntImm>()) return {op->value};
    if (const Var* op = e.as<Var>()) return var(op->name, op->type.lanes);
    if (const Cast* op = e.as<Cast>()) return eval(op->value);
    if (const Ramp* op = e.as<Ramp>()) {
      int64_t b = scalar(op->base), s = scalar(op->stride);
      Value v;
      for (int i = 0; i < op->lanes; i++) v.push_back(b + i * s);
      return v;
    }
    if (const Broadcast* op = e.as<Broadcast>()) return Value(op->lanes, scalar(op->value));
    if (const Add* op = e.as<Add>()) return zip(op->a, op->b, [](int64_t a, int64_t b) { return a + b; });
    if (const Sub* op = e.as<Sub>()) return zip(op->a, op->b, [](int64_t a, int64_t b) { return a - b; });
    if (const Mul* op = e.as<Mul>()) return zip(op->a, op->b, [](int64_t a, int64_t b) { return a * b; });
    if (const Div* op = e.as<Div>()) return zip(op->a, op->b, floor_div);
    if (const Mod* op = e.as<Mod>()) {
      return zip(op->a, op->b, [](int64_t a, int64_t b) { return a - floor_div(a, b) * b; });
    }
    if (const Min* op = e.as<Min>()) return zip(op->a, op->b, [](int64_t a, int64_t b) { return std::min(a, b); });
    if (const Max* op = e.as<Max>()) return zip(op->a, op->b, [](int64_t a, int64_t b) { return std::max(a, b); });
    if (const LT* op = e.as<LT>()) return zip(op->a, op->b, [](int64_t a, int64_t b) -> int64_t { return a < b; });
    if (const LE* op = e.as<LE>()) return zip(op->a, op->b, [](int64_t a, int64_t b) -> int64_t { return a <= b; });
    if (const GT* op = e.as<GT>()) return zip(op->a, op->b, [](int64_t a, int64_t b) -> int64_t { return a > b; });
    if (const GE* op = e.as<GE>()) return zip(op->a, op->b, [](int64_t a, int64_t b) -> int64_t { return a >= b; });
    if (const EQ* op = e.as<EQ>()) return zip(op->a, op->b, [](int64_t a, int64_t b) -> int64_t { return a == b; });
    if (const And* op = e.as<And>()) return zip(op->a, op->b, [](int64_t a, int64_t b) -> int64_t { return a && b; });
    if (const Or* op = e.as<Or>()) return zip(op->a, op->b, [](int64_t a, int64_t b) -> int64_t { return a || b; });
    if (const Not* op = e.as<Not>()) {
      Value v = eval(op->a);
      for (int64_t& x : v) x = !x;
      return v;
    }
    if (const Select* op = e.as<Select>()) {
      Value c = eval(op->condition), t = eval(op->true_value), f = eval(op->false_value);
      for (size_t i = 0; i < t.size(); i++) t[i] = c[c.size() == 1 ? 0 : i] ? t[i] : f[i];
      return t;
    }
    if (const Call* op = e.as<Call>()) {
      EXPECT_EQ(op->op, Intrinsic::Likely) << "the evaluator knows only likely()";
      return eval(op->args[0]);
    }
    if (const Let* op = e.as<Let>()) {
      Value v = eval(op->value);
      EXPECT_EQ(v.size(), 1u) << "the evaluator binds scalar lets only";
      return with_var(op->name, v[0], [&] { return eval(op->body); });
    }
    if (const Load* op = e.as<Load>()) {
      Value idx = eval(op->index);
      for (int64_t& i : idx) i = element(op->buffer, i);
      return idx;
    }
    ADD_FAILURE() << "evaluator: unexpected " << ir_kind_name(e->kind);
    return {0};
  }

  void run(const Stmt& s) {
    if (!s.defined()) return;
    if (const For* op = s.as<For>()) {
      int64_t min = scalar(op->min), extent = scalar(op->extent);
      for (int64_t i = min; i < min + extent; i++) with_var(op->name, i, [&] { run(op->body); return 0; });
    } else if (const Block* op = s.as<Block>()) {
      for (const Stmt& x : op->stmts) run(x);
    } else if (const IfThenElse* op = s.as<IfThenElse>()) {
      run(scalar(op->condition) ? op->then_case : op->else_case);
    } else if (const LetStmt* op = s.as<LetStmt>()) {
      Value v = eval(op->value);
      if (v.size() == 1) {
        with_var(op->name, v[0], [&] { run(op->body); return 0; });
      } else {
        vector_lets_[op->name] = v;
        run(op->body);
        vector_lets_.erase(op->name);
      }
    } else if (const Store* op = s.as<Store>()) {
      Value v = eval(op->value), idx = eval(op->index);
      ASSERT_EQ(v.size(), idx.size());
      for (size_t i = 0; i < idx.size(); i++) {
        element(op->buffer, idx[i]) = v[i];
        element(op->buffer, idx[i], &writes)++;
      }
    } else if (const Allocate* op = s.as<Allocate>()) {
      int64_t n = 1;
      for (const Expr& e : op->extents) n *= scalar(e);
      memory[op->buffer].assign(n, 0);
      writes[op->buffer].assign(n, 0);
      run(op->body);
    } else {
      ADD_FAILURE() << "evaluator: unexpected " << ir_kind_name(s->kind);
    }
  }

 private:
  int64_t scalar(const Expr& e) {
    Value v = eval(e);
    EXPECT_EQ(v.size(), 1u) << "expected a scalar: " << e;
    return v[0];
  }

  Value var(const std::string& name, int lanes) {
    auto vl = vector_lets_.find(name);
    if (vl != vector_lets_.end()) return vl->second;
    auto it = vars.find(name);
    EXPECT_NE(it, vars.end()) << "unbound " << name;
    return Value(lanes, it == vars.end() ? 0 : it->second);
  }

  template <typename F>
  Value zip(const Expr& a, const Expr& b, F f) {
    Value x = eval(a), y = eval(b);
    EXPECT_EQ(x.size(), y.size());
    for (size_t i = 0; i < x.size() && i < y.size(); i++) x[i] = f(x[i], y[i]);
    return x;
  }

  template <typename F>
  auto with_var(const std::string& name, int64_t v, F f) -> decltype(f()) {
    auto it = vars.find(name);
    bool had = it != vars.end();
    int64_t old = had ? it->second : 0;
    vars[name] = v;
    auto r = f();
    if (had) {
      vars[name] = old;
    } else {
      vars.erase(name);
    }
    return r;
  }

  int64_t& element(const std::string& buffer, int64_t i,
                   std::map<std::string, std::vector<int64_t>>* in = nullptr) {
    std::vector<int64_t>& b = (in ? *in : memory)[buffer];
    if (i < 0 || i >= static_cast<int64_t>(b.size())) {
      ADD_FAILURE() << "access " << buffer << "[" << i << "] out of [0, " << b.size() << ")";
      static int64_t sink;
      return sink;
    }
    return b[i];
  }

  std::map<std::string, Value> vector_lets_;
};

/// Runs both statements with the same sizes and expects identical memory
/// and write counts.
void expect_same_effect(const Stmt& before, const Stmt& after, const std::map<std::string, int64_t>& sizes,
                        const std::map<std::string, int64_t>& buffers,
                        const std::function<void(Evaluator&)>& fill = nullptr) {
  Evaluator a(buffers), b(buffers);
  a.vars = b.vars = sizes;
  if (fill) {
    fill(a);
    fill(b);
  }
  a.run(before);
  b.run(after);
  std::string where;
  for (const auto& kv : sizes) where += kv.first + "=" + std::to_string(kv.second) + " ";
  EXPECT_EQ(a.memory, b.memory) << where << "\nbefore:\n" << before << "\nafter:\n" << after;
  EXPECT_EQ(a.writes, b.writes) << where << "\nbefore:\n" << before << "\nafter:\n" << after;
}

// ------------------------------------------------------------- structure

/// Counts nodes of some kinds.
class Census : public IRVisitor {
 public:
  int ifs = 0, fors = 0, vectorized = 0, unrolled = 0, ramps = 0, vector_loads = 0, stores = 0;
  std::vector<const For*> loops;

 protected:
  using IRVisitor::visit;
  void visit(const IfThenElse* op) override { ifs++; IRVisitor::visit(op); }
  void visit(const For* op) override {
    fors++;
    loops.push_back(op);
    if (op->for_kind == ForKind::Vectorized) vectorized++;
    if (op->for_kind == ForKind::Unrolled) unrolled++;
    IRVisitor::visit(op);
  }
  void visit(const Ramp* op) override { ramps++; IRVisitor::visit(op); }
  void visit(const Load* op) override {
    if (op->type.is_vector()) vector_loads++;
    IRVisitor::visit(op);
  }
  void visit(const Store* op) override { stores++; IRVisitor::visit(op); }
};

Census census(const Stmt& s) {
  Census c;
  c.visit_stmt(s);
  return c;
}

Expr v(const std::string& name) { return make_var(name); }
Expr i64c(int64_t x) { return make_index(x); }

/// The top-level loops of a statement (a Block of them or one).
std::vector<const For*> top_loops(const Stmt& s) {
  std::vector<const For*> out;
  if (const Block* b = s.as<Block>()) {
    for (const Stmt& x : b->stmts) {
      if (const For* f = x.as<For>()) out.push_back(f);
    }
  } else if (const For* f = s.as<For>()) {
    out.push_back(f);
  }
  return out;
}

/// for o in [0, ceil(N/8)): for i in [0, 8) (kind): if likely(o*8 + i < N) out[o*8+i] = 3*(o*8+i) + 1
Stmt split_tail_nest(ForKind inner_kind) {
  Expr x = v("o") * i64c(8) + v("i");
  Stmt store = Store::make("out", x * i64c(3) + i64c(1), x);
  Stmt guarded = IfThenElse::make(likely(x < v("N")), store);
  Stmt inner = For::make("i", i64c(0), i64c(8), inner_kind, guarded);
  return For::make("o", i64c(0), (v("N") + i64c(7)) / i64c(8), ForKind::Serial, inner);
}

// -------------------------------------------------------- partition_tails

TEST(PartitionTails, SplitTailBecomesSteadyLoopAndEpilogue) {
  Stmt before = split_tail_nest(ForKind::Vectorized);
  Stmt after = partition_tails(before);
  std::vector<const For*> loops = top_loops(after);
  ASSERT_EQ(loops.size(), 2u) << after;
  EXPECT_EQ(loops[0]->name, "o");
  EXPECT_EQ(loops[1]->name, "o");
  EXPECT_EQ(census(loops[0]->body).ifs, 0) << "steady loop keeps a guard:\n" << after;
  EXPECT_EQ(census(loops[1]->body).ifs, 1) << after;
  // The vectorized loop keeps its constant extent in both pieces.
  for (const For* o : loops) {
    const For* inner = o->body.as<For>();
    ASSERT_NE(inner, nullptr) << after;
    EXPECT_EQ(inner->for_kind, ForKind::Vectorized);
    EXPECT_TRUE(is_const(inner->extent, 8));
  }
  for (int64_t n = 0; n <= 26; n++) {
    expect_same_effect(before, after, {{"N", n}}, {{"out", 32}});
    // The steady part covers exactly the whole blocks.
    Evaluator e({});
    e.vars = {{"N", n}};
    EXPECT_EQ(e.eval(loops[0]->extent), Value{n / 8}) << "N=" << n << "\n" << after;
  }
}

TEST(PartitionTails, LowerAndUpperBoundsGiveThreePieces) {
  // A stage computed at a loop reads a window that starts before 0 and runs
  // past N: the guard has both sides.
  Expr x = v("x") - i64c(2);
  Stmt store = Store::make("out", x, v("x"));
  Stmt guarded = IfThenElse::make(likely(x >= i64c(0)) && likely(x * i64c(2) + i64c(1) < v("N")), store);
  Stmt before = For::make("x", i64c(0), v("N") + i64c(4), ForKind::Parallel, guarded);
  Stmt after = partition_tails(before);
  std::vector<const For*> loops = top_loops(after);
  ASSERT_EQ(loops.size(), 3u) << after;
  for (const For* f : loops) EXPECT_EQ(f->for_kind, ForKind::Parallel);
  EXPECT_EQ(census(loops[1]->body).ifs, 0) << after;
  for (int64_t n = 0; n <= 13; n++) expect_same_effect(before, after, {{"N", n}}, {{"out", 20}});
}

TEST(PartitionTails, TermsOfOtherShapesStay) {
  // Floor division of the loop variable is not linear: the guard is kept
  // whole; the linear term next to it is solved and dropped.
  Stmt store = Store::make("out", v("x"), v("x"));
  Stmt nonlinear = IfThenElse::make(likely(v("x") / i64c(3) < v("N")), store);
  Stmt before = For::make("x", i64c(0), i64c(20), ForKind::Serial, nonlinear);
  EXPECT_TRUE(partition_tails(before).same_as(before));

  Stmt mixed = IfThenElse::make(likely(v("x") / i64c(3) < v("N")) && likely(v("x") < v("M")), store);
  before = For::make("x", i64c(0), i64c(20), ForKind::Serial, mixed);
  Stmt after = partition_tails(before);
  std::vector<const For*> loops = top_loops(after);
  ASSERT_EQ(loops.size(), 2u) << after;
  Census steady = census(loops[0]->body);
  EXPECT_EQ(steady.ifs, 1) << after;
  EXPECT_EQ(to_string(loops[0]->body).find("M"), std::string::npos) << after;
  for (int64_t n = 0; n <= 8; n++) {
    for (int64_t m = -1; m <= 22; m += 3) {
      expect_same_effect(before, after, {{"N", n}, {"M", m}}, {{"out", 20}});
    }
  }
}

TEST(PartitionTails, VectorizedAndUnrolledLoopsAreNotSplit) {
  Stmt store = Store::make("out", v("i"), v("i"));
  Stmt guarded = IfThenElse::make(likely(v("i") < v("N")), store);
  for (ForKind k : {ForKind::Vectorized, ForKind::Unrolled}) {
    Stmt before = For::make("i", i64c(0), i64c(8), k, guarded);
    EXPECT_TRUE(partition_tails(before).same_as(before));
  }
}

TEST(PartitionTails, SeesThroughLetsAndNestedLoops) {
  // 2-D tiles: both outer loops split; the four corners' innermost loops
  // keep guards only where a tail is.
  Expr y = v("yo") * i64c(4) + v("yi");
  Stmt body = LetStmt::make(
      "x", v("xo") * i64c(3) + v("xi"),
      IfThenElse::make(likely(y < v("H")) && likely(v("x") < v("W")),
                       Store::make("out", y * i64c(100) + v("x"), y * i64c(16) + v("x"))));
  Stmt nest = For::make("xi", i64c(0), i64c(3), ForKind::Serial, body);
  nest = For::make("yi", i64c(0), i64c(4), ForKind::Serial, nest);
  nest = For::make("xo", i64c(0), (v("W") + i64c(2)) / i64c(3), ForKind::Serial, nest);
  Stmt before = For::make("yo", i64c(0), (v("H") + i64c(3)) / i64c(4), ForKind::Serial, nest);
  Stmt after = partition_tails(before);
  std::vector<const For*> ys = top_loops(after);
  ASSERT_EQ(ys.size(), 2u) << after;
  std::vector<const For*> steady_xs = top_loops(ys[0]->body);
  ASSERT_EQ(steady_xs.size(), 2u) << after;
  EXPECT_EQ(census(steady_xs[0]->body).ifs, 0) << after;
  for (int64_t h = 0; h <= 9; h++) {
    for (int64_t w = 0; w <= 10; w++) expect_same_effect(before, after, {{"H", h}, {"W", w}}, {{"out", 16 * 16}});
  }
}

// -------------------------------------------------------- flatten_storage

TEST(FlattenStorage, IntermediateIndexIsRelativeToItsRealize) {
  Tensor a = placeholder({size_var("M"), size_var("N")}, i64(), "A");
  Tensor t = compute({size_var("M"), size_var("N")}, [&](Expr i, Expr j) { return a(i, j); }, "T");
  // T is realized over [2, 5) x [1, 5): element (i, j) at (i - 2) * 4 + (j - 1).
  Stmt store = TensorStore::make(t.op(), {v("i"), v("j")}, TensorLoad::make(a.op(), {v("i"), v("j")}));
  Stmt before = Realize::make(t.op(), {{i64c(2), i64c(3)}, {i64c(1), i64c(4)}}, MemoryScope::Auto, store);
  std::vector<BufferArg> args = {{"A", i64(), a.op()->shape, false}};
  Stmt after = flatten_storage(before, args);
  const Allocate* alloc = after.as<Allocate>();
  ASSERT_NE(alloc, nullptr) << after;
  EXPECT_EQ(alloc->buffer, "T");
  EXPECT_EQ(alloc->scope, MemoryScope::Stack);
  ASSERT_EQ(alloc->extents.size(), 2u);
  EXPECT_TRUE(is_const(alloc->extents[0], 3) && is_const(alloc->extents[1], 4)) << after;
  const Store* st = alloc->body.as<Store>();
  ASSERT_NE(st, nullptr) << after;
  const Load* ld = st->value.as<Load>();
  ASSERT_NE(ld, nullptr) << after;
  EXPECT_EQ(ld->buffer, "A");
  for (int64_t i = 2; i < 5; i++) {
    for (int64_t j = 1; j < 5; j++) {
      Evaluator e({});
      e.vars = {{"i", i}, {"j", j}, {"N", 7}, {"M", 9}};
      EXPECT_EQ(e.eval(st->index), Value{(i - 2) * 4 + (j - 1)});
      // The argument is indexed absolutely, with the size var as stride.
      EXPECT_EQ(e.eval(ld->index), Value{i * 7 + j});
    }
  }
}

TEST(FlattenStorage, LargeOrSymbolicStorageGoesToTheHeap) {
  Tensor t = compute({i64c(200), i64c(200)}, [&](Expr i, Expr j) { return i + j; }, "T");
  Stmt store = TensorStore::make(t.op(), {v("i"), v("j")}, v("i"));
  auto scope_of = [&](std::vector<Range> bounds, MemoryScope scope) {
    Stmt s = flatten_storage(Realize::make(t.op(), std::move(bounds), scope, store), {});
    return s.as<Allocate>()->scope;
  };
  EXPECT_EQ(scope_of({{i64c(0), i64c(200)}, {i64c(0), i64c(200)}}, MemoryScope::Auto), MemoryScope::Heap);
  EXPECT_EQ(scope_of({{i64c(0), i64c(64)}, {i64c(0), i64c(128)}}, MemoryScope::Auto), MemoryScope::Stack);
  EXPECT_EQ(scope_of({{i64c(0), v("N")}, {i64c(0), i64c(2)}}, MemoryScope::Auto), MemoryScope::Heap);
  EXPECT_EQ(scope_of({{i64c(0), i64c(2)}, {i64c(0), i64c(2)}}, MemoryScope::Heap), MemoryScope::Heap);
}

// -------------------------------------------------------- vectorize_loops

TEST(VectorizeLoops, UnitStrideAccessesBecomeRamps) {
  Expr x = v("b") * i64c(8) + v("i");
  Stmt store = Store::make("out", Load::make(i64(), "in", x) * i64c(2) + v("b"), x);
  Stmt before = For::make("i", i64c(0), i64c(8), ForKind::Vectorized, store);
  Stmt after = vectorize_loops(before);
  Census c = census(after);
  EXPECT_EQ(c.fors, 0) << after;
  const Store* st = after.as<Store>();
  ASSERT_NE(st, nullptr) << after;
  const Ramp* r = st->index.as<Ramp>();
  ASSERT_NE(r, nullptr) << after;
  EXPECT_TRUE(is_const(r->stride, 1)) << after;
  EXPECT_EQ(r->lanes, 8);
  EXPECT_EQ(c.vector_loads, 1) << after;
  auto fill = [](Evaluator& e) {
    for (int k = 0; k < 32; k++) e.memory["in"][k] = k * k - 7;
  };
  for (int64_t b = 0; b < 4; b++) expect_same_effect(before, after, {{"b", b}}, {{"in", 32}, {"out", 32}}, fill);
}

TEST(VectorizeLoops, ReductionTileKeepsItsInnerLoop) {
  // C[j] = C[j] + A[k] * B[k*4 + j] for k in [0, 5), j vectorized by 4.
  Expr c_at = v("j"), b_at = v("k") * i64c(4) + v("j");
  Stmt update = Store::make("C", Load::make(i64(), "C", c_at) + Load::make(i64(), "A", v("k")) *
                                     Load::make(i64(), "B", b_at), c_at);
  Stmt init = Store::make("C", i64c(0), c_at);
  Stmt before = For::make("j", i64c(0), i64c(4), ForKind::Vectorized,
                          Block::make({init, For::make("k", i64c(0), i64c(5), ForKind::Serial, update)}));
  Stmt after = vectorize_loops(before);
  Census c = census(after);
  EXPECT_EQ(c.vectorized, 0) << after;
  ASSERT_EQ(c.fors, 1) << after;
  EXPECT_EQ(c.loops[0]->name, "k");
  EXPECT_GE(c.vector_loads, 2) << after;  // C and B; A stays scalar
  auto fill = [](Evaluator& e) {
    for (int k = 0; k < 20; k++) e.memory["B"][k] = 3 * k - 11;
    for (int k = 0; k < 5; k++) e.memory["A"][k] = k + 2;
  };
  expect_same_effect(before, after, {}, {{"A", 5}, {"B", 20}, {"C", 4}}, fill);
}

TEST(VectorizeLoops, LetsSelectsAndStridesMapLaneWise) {
  // let t = in[2*i + 1] in out[7 - i] = select(i < 3, t, t * N) + (i % 3)
  Expr t = v("t");
  Stmt store = Store::make("out", select(v("i") < i64c(3), t, t * v("N")) + v("i") % i64c(3),
                           i64c(7) - v("i"));
  Stmt before = For::make("i", i64c(0), i64c(8), ForKind::Vectorized,
                          LetStmt::make("t", Load::make(i64(), "in", v("i") * i64c(2) + i64c(1)), store));
  Stmt after = vectorize_loops(before);
  EXPECT_EQ(census(after).fors, 0) << after;
  auto fill = [](Evaluator& e) {
    for (int k = 0; k < 17; k++) e.memory["in"][k] = 5 * k - 20;
  };
  expect_same_effect(before, after, {{"N", 3}}, {{"in", 17}, {"out", 8}}, fill);
}

TEST(VectorizeLoops, LaneDependentConditionFallsBackToSerial) {
  Stmt guarded = IfThenElse::make(likely(v("i") < v("N")), Store::make("out", v("i"), v("i")));
  Stmt before = For::make("i", i64c(0), i64c(8), ForKind::Vectorized, guarded);
  Stmt after = vectorize_loops(before);
  const For* f = after.as<For>();
  ASSERT_NE(f, nullptr) << after;
  EXPECT_EQ(f->for_kind, ForKind::Serial);
  for (int64_t n = 0; n <= 9; n++) expect_same_effect(before, after, {{"N", n}}, {{"out", 8}});

  // A store every lane would make to one element (an accumulation) stays serial too.
  Stmt acc = Store::make("s", Load::make(i64(), "s", i64c(0)) + v("i"), i64c(0));
  before = For::make("i", i64c(0), i64c(8), ForKind::Vectorized, acc);
  after = vectorize_loops(before);
  ASSERT_NE(after.as<For>(), nullptr) << after;
  EXPECT_EQ(after.as<For>()->for_kind, ForKind::Serial);
  expect_same_effect(before, after, {}, {{"s", 1}});

  // So does an update of a buffer at an address lanes can share.
  Stmt hist = Store::make("h", Load::make(i64(), "h", v("i") / i64c(3)) + v("i"), v("i") / i64c(3));
  before = For::make("i", i64c(0), i64c(8), ForKind::Vectorized, hist);
  after = vectorize_loops(before);
  ASSERT_NE(after.as<For>(), nullptr) << after;
  expect_same_effect(before, after, {}, {{"h", 3}});

  // A non-constant extent cannot be a vector width.
  before = For::make("i", i64c(0), v("N"), ForKind::Vectorized, Store::make("out", v("i"), v("i")));
  after = vectorize_loops(before);
  ASSERT_NE(after.as<For>(), nullptr) << after;
  EXPECT_EQ(after.as<For>()->for_kind, ForKind::Serial);
}

// ----------------------------------------------------------- unroll_loops

TEST(UnrollLoops, ConstantExtentBecomesCopies) {
  Stmt store = Store::make("out", v("u") * i64c(10) + v("w"), v("w") * i64c(3) + v("u"));
  Stmt inner = For::make("u", i64c(0), i64c(3), ForKind::Unrolled, store);
  Stmt before = For::make("w", v("m"), i64c(4), ForKind::Unrolled, inner);
  Stmt after = unroll_loops(before);
  Census c = census(after);
  EXPECT_EQ(c.fors, 0) << after;
  EXPECT_EQ(c.stores, 12) << after;
  expect_same_effect(before, after, {{"m", 1}}, {{"out", 20}});
}

TEST(UnrollLoops, NonConstantExtentStaysASerialLoop) {
  Stmt before = For::make("u", i64c(0), v("N"), ForKind::Unrolled, Store::make("out", v("u"), v("u")));
  Stmt after = unroll_loops(before);
  const For* f = after.as<For>();
  ASSERT_NE(f, nullptr) << after;
  EXPECT_EQ(f->for_kind, ForKind::Serial);
  expect_same_effect(before, after, {{"N", 5}}, {{"out", 5}});
}

// ------------------------------------------------- through the pipeline

/// The IR after each pass of lowering sch.
std::map<std::string, Stmt> lower_passes(const Schedule& sch) {
  std::map<std::string, Stmt> out;
  LowerOptions options;
  options.on_pass = [&](const std::string& pass, const Stmt& s) { out[pass] = s; };
  lower(sch, "", options);
  return out;
}

/// The innermost loops (those with no loop inside).
std::vector<const For*> innermost_loops(const Stmt& s) {
  std::vector<const For*> out;
  for (const For* f : census(s).loops) {
    if (census(f->body).fors == 0) out.push_back(f);
  }
  return out;
}

ComputeDef matmul_def(Expr M, Expr N, Expr K) {
  Tensor A = placeholder({M, K}, f32(), "A");
  Tensor B = placeholder({K, N}, f32(), "B");
  IterVar k = reduce_axis(K, "k");
  Tensor C = compute({M, N}, [&](Expr i, Expr j) { return sum(A(i, k) * B(k, j), k); }, "C", {"i", "j"});
  return ComputeDef("matmul", {A, B}, {C});
}

TEST(PassesPipeline, SplitVectorizedMatmulHasAGuardFreeVectorSteadyState) {
  Schedule sch(matmul_def(size_var("M"), size_var("N"), size_var("K")));
  auto jo_ji = sch.split("C.j", 8);
  sch.reorder({"C.i", jo_ji.first, "C.k", jo_ji.second});
  sch.vectorize(jo_ji.second);
  std::map<std::string, Stmt> ir = lower_passes(sch);
  // Some innermost loop of the partitioned nest runs without any guard.
  bool guard_free = false;
  for (const For* f : innermost_loops(ir.at("partition_tails"))) {
    if (f->name == jo_ji.second && census(f->body).ifs == 0) guard_free = true;
  }
  EXPECT_TRUE(guard_free) << ir.at("partition_tails");
  Census final_ir = census(ir.at("simplify_final"));
  EXPECT_EQ(final_ir.vectorized, 0) << ir.at("simplify_final");
  EXPECT_GT(final_ir.ramps, 0) << ir.at("simplify_final");
  EXPECT_GT(final_ir.vector_loads, 0) << ir.at("simplify_final");
}

TEST(PassesPipeline, UnrolledLoopLeavesCopies) {
  Schedule sch(matmul_def(5, 6, 7));
  auto ko_ki = sch.split("C.k", 4);
  sch.unroll(ko_ki.second);
  std::map<std::string, Stmt> ir = lower_passes(sch);
  EXPECT_GT(census(ir.at("vectorize_loops")).unrolled, 0) << ir.at("vectorize_loops");
  EXPECT_EQ(census(ir.at("unroll_loops")).unrolled, 0) << ir.at("unroll_loops");
}

}  // namespace
}  // namespace kiln
