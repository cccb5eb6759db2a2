// check_code_size: refuses a kernel whose code would be too large to
// compile in reasonable time, before unrolling makes it so.
//
// Expects: vectorized IR, tails split off, Unrolled loops still loops.
// Guarantees: nothing changes; the kernel's size after unrolling (IR nodes,
// each unrolled loop of constant extent n multiplying its body by n) is at
// most kMaxKernelNodes. LLVM's and NVRTC's time grows with the straight
// code they see: a 64^3 matmul with C.i, C.j and C.k unrolled made 2^18
// copies of its body and ran for minutes at 6 GB; five non-dividing splits
// made 239 loops and a 22 s JIT. The count is taken before unrolling, so a
// refused schedule costs nothing.
#include <algorithm>
#include <sstream>
#include <type_traits>

#include "dsl/ir_visitor.h"
#include "schedule/passes/passes.h"
#include "base/error.h"

namespace kiln {
namespace {

/// Saturates instead of overflowing: sizes past the limit only need to
/// stay past it.
int64_t saturating_mul(int64_t a, int64_t b) {
  constexpr int64_t kTop = int64_t(1) << 50;
  if (a == 0 || b == 0) return 0;
  return a > kTop / b ? kTop : std::min(kTop, a * b);
}

class CodeSize : public IRVisitor {
 public:
  int64_t nodes = 0;
  int64_t loops = 0;
  /// Unrolled loops of constant extent, outer to inner, with their extents.
  std::vector<std::pair<std::string, int64_t>> unrolled;

 protected:
  using IRVisitor::visit;
#define KILN_COUNT(N) \
  void visit(const N* op) override { count(op); }
  KILN_FOR_EACH_EXPR_NODE(KILN_COUNT)
  KILN_FOR_EACH_STMT_NODE(KILN_COUNT)
#undef KILN_COUNT

 private:
  template <typename Node>
  void count(const Node* op) {
    nodes = std::min(nodes + copies_, int64_t(1) << 50);
    if constexpr (std::is_same_v<Node, For>) {
      loops = std::min(loops + copies_, int64_t(1) << 50);
      int64_t extent = 0;
      if (op->for_kind == ForKind::Unrolled && as_const_int(op->extent, &extent) && extent > 0) {
        if (unrolled.size() < 8) unrolled.emplace_back(op->name, extent);
        const int64_t saved = copies_;
        copies_ = saturating_mul(copies_, extent);
        IRVisitor::visit(op);
        copies_ = saved;
        return;
      }
    }
    IRVisitor::visit(op);
  }

  int64_t copies_ = 1;
};

}  // namespace

int64_t kernel_code_size(const Stmt& s) {
  CodeSize size;
  size.visit_stmt(s);
  return size.nodes;
}

Stmt check_code_size(const Stmt& s) {
  CodeSize size;
  size.visit_stmt(s);
  if (size.nodes <= kMaxKernelNodes) return s;
  std::ostringstream why;
  why << "the kernel would have " << size.nodes << " IR nodes after unrolling (" << size.loops
      << " loops after splitting tails), more than the " << kMaxKernelNodes
      << " kiln compiles: code that large takes minutes to compile and runs no faster";
  std::ostringstream how;
  if (!size.unrolled.empty()) {
    how << "unrolled loops (outer to inner): ";
    for (size_t i = 0; i < size.unrolled.size(); ++i) {
      how << (i ? ", " : "") << size.unrolled[i].first << " (extent " << size.unrolled[i].second
          << ")";
    }
    how << "; unroll fewer or shorter loops (split a loop and unroll only its inner part)";
  } else {
    how << "split by factors that divide the extents (each non-dividing split copies the "
           "loops inside it for the tail), or split less deeply";
  }
  user_error << why.str() << "; " << how.str();
  return s;
}

}  // namespace kiln
