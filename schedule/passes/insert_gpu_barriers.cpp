// insert_gpu_barriers: __syncthreads() where threads of a block exchange
// data through shared memory.
//
// Expects: the final lowered IR for a CUDA target (Allocates with scopes,
// GPU-bound loops). Guarantees: between a write of a shared buffer and a
// later read of it, and between a read and a later overwrite, there is a
// gpu_barrier() that every thread of the block reaches.
//
// Statements are visited in program order with the shared buffers written
// and read since the last barrier. Block and thread loops are not loops on
// the GPU, and Allocate and LetStmt only scope their bodies, so state flows
// through them. Any other statement is a unit: a barrier goes before it when
// it conflicts with what is pending, and its inside is handled on its own.
// A serial loop whose body both writes and reads a shared buffer also ends
// each iteration with a barrier, so the next iteration's writes cannot
// overtake a slower thread's reads.
#include <algorithm>
#include <set>

#include "base/error.h"
#include "dsl/ir_printer.h"
#include "dsl/ir_visitor.h"
#include "dsl/substitute.h"
#include "schedule/passes/passes.h"

namespace kiln {
namespace {

using Names = std::set<std::string>;

bool intersects(const Names& a, const Names& b) {
  for (const std::string& x : a) {
    if (b.count(x)) return true;
  }
  return false;
}

/// The shared buffers a statement reads and writes.
class Accesses : public IRVisitor {
 public:
  explicit Accesses(const Names& shared) : shared_(shared) {}
  Names reads, writes;

 protected:
  using IRVisitor::visit;
  void visit(const Load* op) override {
    if (shared_.count(op->buffer)) reads.insert(op->buffer);
    IRVisitor::visit(op);
  }
  void visit(const Store* op) override {
    if (shared_.count(op->buffer)) writes.insert(op->buffer);
    IRVisitor::visit(op);
  }

 private:
  const Names& shared_;
};

Stmt barrier() { return Evaluate::make(Call::make(i32(), Intrinsic::GPUBarrier, {})); }

class BarrierInserter {
 public:
  struct Pending {
    Names written, read;
  };
  explicit BarrierInserter(Names shared) : shared_(std::move(shared)) {}

  Stmt process(const Stmt& s, Pending& p) {
    if (!s.defined()) return s;
    if (const Block* b = s.as<Block>()) {
      std::vector<Stmt> out;
      for (const Stmt& child : b->stmts) out.push_back(process(child, p));
      return Block::make(out);
    }
    if (const Allocate* a = s.as<Allocate>()) {
      return Allocate::make(a->buffer, a->type, a->extents, a->scope, process(a->body, p));
    }
    if (const LetStmt* l = s.as<LetStmt>()) {
      return LetStmt::make(l->name, l->value, process(l->body, p));
    }
    if (const For* f = s.as<For>(); f && gpu_dim(f->for_kind) >= 0) {
      const bool opens_kernel = block_dims_.empty();
      if (opens_kernel) block_dims_ = thread_extents(s);
      Stmt r;
      if (is_gpu_thread(f->for_kind) && !spans_block(f)) {
        r = unit(s, p);  // some threads skip it: a barrier cannot go inside
      } else {
        if (is_gpu_thread(f->for_kind)) thread_vars_.push_back(f->name);
        Stmt body = process(f->body, p);
        if (is_gpu_thread(f->for_kind)) thread_vars_.pop_back();
        r = For::make(f->name, f->min, f->extent, f->for_kind, body);
      }
      if (opens_kernel) block_dims_.clear();
      return r;
    }
    return unit(s, p);
  }

 private:
  Stmt unit(const Stmt& s, Pending& p) {
    Accesses acc(shared_);
    acc.visit_stmt(s);
    if (acc.reads.empty() && acc.writes.empty()) return s;
    Stmt inner = inside(s);
    bool sync = intersects(acc.reads, p.written) || intersects(acc.writes, p.read);
    if (sync) p = Pending{};
    p.written.insert(acc.writes.begin(), acc.writes.end());
    p.read.insert(acc.reads.begin(), acc.reads.end());
    return sync ? Block::make({barrier(), inner}) : inner;
  }

  /// The largest extent bound to each thread index in a kernel: its block.
  static std::vector<int64_t> thread_extents(const Stmt& kernel) {
    struct Scan : IRVisitor {
      std::vector<int64_t> dims = std::vector<int64_t>(3, 1);
      using IRVisitor::visit;
      void visit(const For* op) override {
        int64_t n = 0;
        if (is_gpu_thread(op->for_kind) && as_const_int(op->extent, &n))
          dims[gpu_dim(op->for_kind)] = std::max(dims[gpu_dim(op->for_kind)], n);
        IRVisitor::visit(op);
      }
    } scan;
    scan.visit_stmt(kernel);
    return scan.dims;
  }

  /// Whether every thread of the block runs the loop's body (the code
  /// generator guards a thread loop shorter than the block).
  bool spans_block(const For* f) const {
    int64_t n = 0;
    return as_const_int(f->extent, &n) && n >= block_dims_.at(gpu_dim(f->for_kind));
  }

  /// The statement with its own inside synchronized.
  Stmt inside(const Stmt& s) {
    if (const For* f = s.as<For>(); f && is_gpu_thread(f->for_kind)) {
      // A thread loop shorter than the block: its body must need no barrier.
      Pending fresh;
      thread_vars_.push_back(f->name);
      Stmt body = process(f->body, fresh);
      thread_vars_.pop_back();
      if (!body.same_as(f->body) && contains_barrier(body, Stmt())) {
        user_error << "a __syncthreads() barrier for shared memory would sit inside the loop "
                   << f->name << ", bound to " << for_kind_name(f->for_kind) << " with "
                   << to_string(f->extent) << " iterations, fewer than the block's "
                   << block_dims_.at(gpu_dim(f->for_kind)) << " threads along it, so some "
                   << "threads would skip it and the block would hang; bind loops of the "
                   << "block's full size, or compute the shared stages outside " << f->name;
      }
      return For::make(f->name, f->min, f->extent, f->for_kind, body);
    }
    if (const For* f = s.as<For>()) {
      Pending fresh;
      Stmt body = process(f->body, fresh);
      Accesses acc(shared_);
      acc.visit_stmt(f->body);
      if (intersects(acc.writes, acc.reads)) {
        // The next iteration's writes must wait for this one's reads.
        body = Block::make({body, barrier()});
      }
      return For::make(f->name, f->min, f->extent, f->for_kind, body);
    }
    if (const IfThenElse* i = s.as<IfThenElse>()) {
      Pending a, b;
      Stmt then_case = process(i->then_case, a);
      Stmt else_case = process(i->else_case, b);
      bool added = !then_case.same_as(i->then_case) || !else_case.same_as(i->else_case);
      if (added && contains_barrier(then_case, else_case)) check_uniform(i->condition);
      return IfThenElse::make(i->condition, then_case, else_case);
    }
    return s;
  }

  static bool contains_barrier(const Stmt& a, const Stmt& b) {
    struct Finder : IRVisitor {
      bool found = false;
      using IRVisitor::visit;
      void visit(const Evaluate* op) override {
        const Call* c = op->value.as<Call>();
        found |= c && c->op == Intrinsic::GPUBarrier;
      }
    } f;
    f.visit_stmt(a);
    f.visit_stmt(b);
    return f.found;
  }

  void check_uniform(const Expr& cond) const {
    for (const std::string& v : thread_vars_) {
      if (!expr_uses_var(cond, v)) continue;
      user_error << "a __syncthreads() barrier for shared memory would sit under the condition "
                 << to_string(cond) << ", which depends on the thread-bound loop " << v
                 << ", so some threads of a block would skip it and the block would hang; "
                 << "compute the shared stages at a loop outside that condition (a loop whose "
                 << "split tail does not reach it), or split by factors that divide the extent";
    }
  }

  Names shared_;
  std::vector<std::string> thread_vars_;
  std::vector<int64_t> block_dims_;  ///< of the kernel being processed; empty outside
};

}  // namespace

Stmt insert_gpu_barriers(const Stmt& s) {
  // Every shared buffer, known before the walk: a statement may touch a
  // buffer allocated inside it (a loop that opens the stage's storage).
  struct SharedNames : IRVisitor {
    Names names;
    using IRVisitor::visit;
    void visit(const Allocate* op) override {
      if (op->scope == MemoryScope::Shared) names.insert(op->buffer);
      IRVisitor::visit(op);
    }
  } shared;
  shared.visit_stmt(s);
  BarrierInserter::Pending p;
  BarrierInserter b(shared.names);
  return b.process(s, p);
}

}  // namespace kiln
