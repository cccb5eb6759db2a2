// Cutting a lowered CUDA function into kernel launches: every statement at
// the top of the body (below the global Allocates of root intermediates) is
// one kernel; its launch configuration comes from its GPU-bound loops.
#include "codegen/cuda/gpu_program.h"

#include <algorithm>
#include <set>

#include "base/error.h"
#include "dsl/ir_visitor.h"
#include "dsl/simplify.h"

namespace kiln {
namespace {

/// Launch dimensions, buffers and size vars of one kernel body.
class KernelScan : public IRVisitor {
 public:
  explicit KernelScan(GpuKernel* k) : k_(k) {}
  std::set<std::string> buffers, written, vars;

 protected:
  using IRVisitor::visit;
  void visit(const For* op) override {
    const int d = gpu_dim(op->for_kind);
    if (is_gpu_block(op->for_kind)) {
      internal_assert(!k_->grid[d].defined() || k_->grid[d].same_as(op->extent))
          << "kernel " << k_->name << " binds two loops to " << for_kind_name(op->for_kind);
      k_->grid[d] = op->extent;
    } else if (is_gpu_thread(op->for_kind)) {
      int64_t n = 0;
      internal_assert(as_const_int(op->extent, &n))
          << "thread loop " << op->name << " of non-constant extent; check_gpu_launch must refuse it";
      k_->block[d] = std::max(k_->block[d], n);
    }
    IRVisitor::visit(op);
  }
  void visit(const Load* op) override {
    buffers.insert(op->buffer);
    IRVisitor::visit(op);
  }
  void visit(const Store* op) override {
    buffers.insert(op->buffer);
    written.insert(op->buffer);
    IRVisitor::visit(op);
  }
  void visit(const Var* op) override { vars.insert(op->name); }
  void visit(const Allocate* op) override {
    allocated.insert(op->buffer);
    IRVisitor::visit(op);
  }

 public:
  std::set<std::string> allocated;

 private:
  GpuKernel* k_;
};

class Splitter {
 public:
  explicit Splitter(GpuProgram* p) : p_(p) {}

  void walk(const Stmt& s) {
    if (!s.defined()) return;
    if (const Block* b = s.as<Block>()) {
      for (const Stmt& c : b->stmts) walk(c);
      return;
    }
    if (const Allocate* a = s.as<Allocate>(); a && a->scope == MemoryScope::Heap) {
      Expr n = make_index(1);
      for (const Expr& e : a->extents) n = n * e;
      p_->temps.push_back(GpuTemp{a->buffer, a->type, simplify(n)});
      walk(a->body);
      return;
    }
    add_kernel(s);
  }

 private:
  void add_kernel(const Stmt& s) {
    GpuKernel k;
    k.body = s;
    KernelScan scan(&k);
    scan.visit_stmt(s);
    std::string stage = "kernel";
    if (const For* f = s.as<For>()) stage = f->name.substr(0, f->name.find('.'));
    k.name = p_->func.name + "_" + stage;
    for (const GpuKernel& other : p_->kernels) {
      if (other.name == k.name) k.name += "_" + std::to_string(p_->kernels.size());
    }
    for (int d = 0; d < 3; ++d) {
      if (!k.grid[d].defined()) k.grid[d] = make_index(1);
    }
    auto add_buffer = [&](const std::string& name) {
      if (!scan.buffers.count(name) || scan.allocated.count(name)) return;
      k.buffers.push_back(name);
      if (scan.written.count(name)) k.written.push_back(name);
    };
    for (const BufferArg& a : p_->func.args) add_buffer(a.name);
    for (const GpuTemp& t : p_->temps) add_buffer(t.name);
    for (const std::string& v : p_->func.size_vars) {
      if (scan.vars.count(v)) k.size_vars.push_back(v);
    }
    // Grid sizes are evaluated on the host from the size vars.
    for (const Expr& g : k.grid) {
      KernelScan gv(&k);
      gv.visit_expr(g);
      for (const std::string& v : gv.vars) {
        internal_assert(std::count(p_->func.size_vars.begin(), p_->func.size_vars.end(), v))
            << "grid size of kernel " << k.name << " uses " << v << ", which is not a size var";
      }
    }
    p_->kernels.push_back(std::move(k));
  }

  GpuProgram* p_;
};

}  // namespace

GpuProgram split_gpu_kernels(const LoweredFunc& f) {
  GpuProgram p;
  p.func = f;
  Splitter(&p).walk(f.body);
  return p;
}

GpuProgram lower_gpu(const Schedule& sch, const Target& target, const std::string& name) {
  internal_assert(target.kind == Target::Kind::CUDA) << "lower_gpu for target " << target.str();
  LowerOptions options;
  options.target = target;
  return split_gpu_kernels(lower(sch, name, options));
}

}  // namespace kiln
