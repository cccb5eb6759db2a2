#include "schedule/passes/fold.h"

#include <algorithm>

namespace kiln {

Expr fold_add(const Expr& a, const Expr& b) {
  int64_t x, y;
  bool ca = as_const_int(a, &x), cb = as_const_int(b, &y);
  if (ca && cb) return make_const(a.type(), x + y);
  if (ca && x == 0) return b;
  if (cb && y == 0) return a;
  return Add::make(a, b);
}

Expr fold_sub(const Expr& a, const Expr& b) {
  int64_t x, y;
  bool ca = as_const_int(a, &x), cb = as_const_int(b, &y);
  if (ca && cb) return make_const(a.type(), x - y);
  if (cb && y == 0) return a;
  return Sub::make(a, b);
}

Expr fold_mul(const Expr& a, const Expr& b) {
  int64_t x, y;
  bool ca = as_const_int(a, &x), cb = as_const_int(b, &y);
  if (ca && cb) return make_const(a.type(), x * y);
  if (ca && x == 0) return a;
  if (cb && y == 0) return b;
  if (ca && x == 1) return b;
  if (cb && y == 1) return a;
  return Mul::make(a, b);
}

Expr fold_min(const Expr& a, const Expr& b) {
  int64_t x, y;
  if (as_const_int(a, &x) && as_const_int(b, &y)) return make_const(a.type(), std::min(x, y));
  return Min::make(a, b);
}

Expr fold_max(const Expr& a, const Expr& b) {
  int64_t x, y;
  if (as_const_int(a, &x) && as_const_int(b, &y)) return make_const(a.type(), std::max(x, y));
  return Max::make(a, b);
}

}  // namespace kiln
