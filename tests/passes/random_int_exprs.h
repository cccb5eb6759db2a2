#pragma once
// Random integer expressions over a few ranged variables, and a tiny
// evaluator with kiln's semantics (floor division, wrap to the type's
// width), for the randomized simplifier and interval tests.
#include <functional>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "dsl/interval.h"
#include "dsl/ir.h"
#include "dsl/ir_operators.h"

namespace kiln {
namespace randexpr {

using Env = std::map<std::string, int64_t>;

struct RandomCase {
  Expr expr;
  Scope scope;                                   ///< x, y, z ranged
  std::map<std::string, std::pair<int64_t, int64_t>> ranges;  ///< the same, as numbers
  Type type;
};

/// "w" is never in the scope: the simplifier must treat it as unknown.
inline const char* kUnranged = "w";

inline int64_t wrap(Type t, int64_t v) {
  if (t.is_bool()) return v != 0;
  if (t.bits >= 64) return v;
  int shift = 64 - t.bits;
  return static_cast<int64_t>(static_cast<uint64_t>(v) << shift) >> shift;
}

inline int64_t fdiv(int64_t a, int64_t b) {
  if (b == -1) return static_cast<int64_t>(0 - static_cast<uint64_t>(a));
  int64_t q = a / b;
  if (a % b != 0 && ((a < 0) != (b < 0))) --q;
  return q;
}

inline int64_t fmod(int64_t a, int64_t b) {
  if (b == -1) return 0;
  int64_t r = a % b;
  if (r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
}

/// The value of a scalar signed-integer or bool expression.
inline int64_t eval(const Expr& e, const Env& env) {
  Type t = e.type();
  auto u = [](int64_t v) { return static_cast<uint64_t>(v); };
  if (const IntImm* op = e.as<IntImm>()) return op->value;
  if (const Var* op = e.as<Var>()) return env.at(op->name);
  if (const Cast* op = e.as<Cast>()) return wrap(t, eval(op->value, env));
  if (const Add* op = e.as<Add>()) return wrap(t, static_cast<int64_t>(u(eval(op->a, env)) + u(eval(op->b, env))));
  if (const Sub* op = e.as<Sub>()) return wrap(t, static_cast<int64_t>(u(eval(op->a, env)) - u(eval(op->b, env))));
  if (const Mul* op = e.as<Mul>()) return wrap(t, static_cast<int64_t>(u(eval(op->a, env)) * u(eval(op->b, env))));
  if (const Div* op = e.as<Div>()) return wrap(t, fdiv(eval(op->a, env), eval(op->b, env)));
  if (const Mod* op = e.as<Mod>()) return wrap(t, fmod(eval(op->a, env), eval(op->b, env)));
  if (const Min* op = e.as<Min>()) return std::min(eval(op->a, env), eval(op->b, env));
  if (const Max* op = e.as<Max>()) return std::max(eval(op->a, env), eval(op->b, env));
  if (const EQ* op = e.as<EQ>()) return eval(op->a, env) == eval(op->b, env);
  if (const NE* op = e.as<NE>()) return eval(op->a, env) != eval(op->b, env);
  if (const LT* op = e.as<LT>()) return eval(op->a, env) < eval(op->b, env);
  if (const LE* op = e.as<LE>()) return eval(op->a, env) <= eval(op->b, env);
  if (const GT* op = e.as<GT>()) return eval(op->a, env) > eval(op->b, env);
  if (const GE* op = e.as<GE>()) return eval(op->a, env) >= eval(op->b, env);
  if (const And* op = e.as<And>()) return eval(op->a, env) && eval(op->b, env);
  if (const Or* op = e.as<Or>()) return eval(op->a, env) || eval(op->b, env);
  if (const Not* op = e.as<Not>()) return !eval(op->a, env);
  if (const Select* op = e.as<Select>()) {
    return eval(op->condition, env) ? eval(op->true_value, env) : eval(op->false_value, env);
  }
  if (const Call* op = e.as<Call>()) {
    int64_t a = eval(op->args[0], env);
    if (op->op == Intrinsic::Likely) return a;
    if (op->op == Intrinsic::Abs) return wrap(t, a < 0 ? static_cast<int64_t>(0 - u(a)) : a);
  }
  if (const Let* op = e.as<Let>()) {
    Env inner = env;
    inner[op->name] = eval(op->value, env);
    return eval(op->body, inner);
  }
  ADD_FAILURE() << "eval: unexpected node " << ir_kind_name(e->kind);
  return 0;
}

inline Expr random_expr(std::mt19937& rng, Type t, int depth);

inline Expr random_condition_of(std::mt19937& rng, Type t, int depth) {
  Expr a = random_expr(rng, t, depth), b = random_expr(rng, t, depth);
  switch (rng() % 6) {
    case 0: return LT::make(a, b);
    case 1: return LE::make(a, b);
    case 2: return GT::make(a, b);
    case 3: return GE::make(a, b);
    case 4: return EQ::make(a, b);
    default: return NE::make(a, b);
  }
}

inline Expr random_expr(std::mt19937& rng, Type t, int depth) {
  auto constant = [&](int lo, int hi) {
    return IntImm::make(t, lo + static_cast<int>(rng() % static_cast<unsigned>(hi - lo + 1)));
  };
  auto nonzero = [&]() {
    int v = 1 + static_cast<int>(rng() % 9);
    if (rng() % 5 == 0) v = -v;
    return IntImm::make(t, v);
  };
  if (depth <= 0 || rng() % 5 == 0) {
    unsigned k = rng() % 10;
    if (k < 7) {
      const char* names[] = {"x", "y", "z", kUnranged};
      return Var::make(t, names[k % 4]);
    }
    return constant(-9, 9);
  }
  auto sub = [&]() { return random_expr(rng, t, depth - 1); };
  switch (rng() % 14) {
    case 0:
    case 1: return Add::make(sub(), sub());
    case 2: return Sub::make(sub(), sub());
    case 3: return Mul::make(sub(), constant(-4, 9));
    case 4: return Mul::make(sub(), sub());
    case 5: return Div::make(sub(), nonzero());
    case 6: return Mod::make(sub(), nonzero());
    case 7: return Min::make(sub(), sub());
    case 8: return Max::make(sub(), sub());
    case 9: return Select::make(random_condition_of(rng, t, depth - 1), sub(), sub());
    case 10: {  // the split pattern: a*c + b
      Expr c = IntImm::make(t, 1 + static_cast<int>(rng() % 8));
      return Add::make(Mul::make(sub(), c), sub());
    }
    case 11: return Div::make(Add::make(Mul::make(sub(), IntImm::make(t, 8)), sub()), IntImm::make(t, 8));
    case 12: return Mod::make(Add::make(Mul::make(sub(), IntImm::make(t, 4)), sub()), IntImm::make(t, 4));
    default: return Sub::make(Add::make(sub(), constant(-9, 9)), sub());
  }
}

inline RandomCase random_case(std::mt19937& rng, Type t) {
  RandomCase c;
  c.type = t;
  for (const char* name : {"x", "y", "z"}) {
    int64_t lo = static_cast<int64_t>(rng() % 17) - 8;
    int64_t hi = lo + static_cast<int64_t>(rng() % 13);
    c.ranges[name] = {lo, hi};
    c.scope[name] = Interval{IntImm::make(t, lo), IntImm::make(t, hi)};
  }
  c.expr = random_expr(rng, t, 1 + static_cast<int>(rng() % 4));
  return c;
}

inline Env random_point(std::mt19937& rng, const RandomCase& c) {
  Env env;
  for (const auto& [name, r] : c.ranges) {
    unsigned k = rng() % 4;
    env[name] = k == 0 ? r.first : k == 1 ? r.second
                                          : r.first + static_cast<int64_t>(rng() % (r.second - r.first + 1));
  }
  int64_t w = static_cast<int64_t>(rng() % 81) - 40;
  env[kUnranged] = wrap(c.type, rng() % 8 == 0 ? w * 1000003 : w);
  return env;
}

/// A comparison of a random expression with another, or with a constant
/// near its range, so that some are provable.
inline Expr random_condition(std::mt19937& rng, const RandomCase& c, Type t) {
  if (rng() % 2) return random_condition_of(rng, t, 2);
  Expr k = IntImm::make(t, static_cast<int>(rng() % 61) - 30);
  return rng() % 2 ? LT::make(c.expr, k) : GE::make(c.expr, k);
}

/// Calls f at every point of the ranges, with a few values of the unranged var.
inline void for_each_point(const RandomCase& c, const std::function<void(const Env&)>& f) {
  const auto& x = c.ranges.at("x");
  const auto& y = c.ranges.at("y");
  const auto& z = c.ranges.at("z");
  for (int64_t w : {-40, -1, 0, 7, 39}) {
    for (int64_t a = x.first; a <= x.second; ++a) {
      for (int64_t b = y.first; b <= y.second; ++b) {
        for (int64_t d = z.first; d <= z.second; ++d) {
          f(Env{{"x", a}, {"y", b}, {"z", d}, {kUnranged, w}});
          if (::testing::Test::HasFatalFailure()) return;
        }
      }
    }
  }
}

inline std::string str(const Env& env) {
  std::ostringstream os;
  for (const auto& [name, v] : env) os << name << "=" << v << " ";
  return os.str();
}

}  // namespace randexpr
}  // namespace kiln
