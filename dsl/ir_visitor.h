#pragma once
/// \file
/// The visitor and the mutator every pass builds on.
///
/// IRVisitor walks the whole tree; override visit() for the node kinds a
/// pass cares about and call the base to keep walking into children.
///
/// IRMutator rebuilds the tree bottom-up. Its default visit() for each node
/// returns the original node when no child changed, so an idle pass costs a
/// walk and no allocation.

#include "dsl/ir.h"

namespace kiln {

class IRVisitor {
 public:
  virtual ~IRVisitor() = default;
  /// Dispatches on the node kind; undefined handles are ignored.
  void visit_expr(const Expr& e);
  void visit_stmt(const Stmt& s);

 protected:
#define KILN_VISIT(N) virtual void visit(const N* op);
  KILN_FOR_EACH_EXPR_NODE(KILN_VISIT)
  KILN_FOR_EACH_STMT_NODE(KILN_VISIT)
#undef KILN_VISIT
};

class IRMutator {
 public:
  virtual ~IRMutator() = default;
  /// Dispatches on the node kind; undefined handles come back undefined.
  virtual Expr mutate(const Expr& e);
  virtual Stmt mutate(const Stmt& s);

 protected:
  // Each visit receives the node and its handle (to return it unchanged).
#define KILN_MUTATE_EXPR(N) virtual Expr visit(const N* op, const Expr& e);
#define KILN_MUTATE_STMT(N) virtual Stmt visit(const N* op, const Stmt& s);
  KILN_FOR_EACH_EXPR_NODE(KILN_MUTATE_EXPR)
  KILN_FOR_EACH_STMT_NODE(KILN_MUTATE_STMT)
#undef KILN_MUTATE_EXPR
#undef KILN_MUTATE_STMT

  /// Mutates each element; returns true when any changed.
  bool mutate_exprs(const std::vector<Expr>& in, std::vector<Expr>* out);
};

}  // namespace kiln
