// check_gpu_launch: refuses kernels a CUDA device cannot launch, once
// bounds inference has fixed every extent.
//
// Expects: flattened, simplified IR with GPU-bound loops and scoped
// Allocates (gpu_storage_scopes ran). Each outermost GPU-bound loop opens a
// kernel. Checks, per kernel: every thread-bound loop has a constant
// extent; the block (the largest extent bound to each thread index) fits
// the per-dimension limits (1024, 1024, 64) and the target's threads per
// block; its shared arrays have constant sizes that fit the target's static
// shared memory; its local arrays have constant sizes. Returns s unchanged.
#include <algorithm>
#include <array>
#include <sstream>

#include "base/error.h"
#include "dsl/ir_printer.h"
#include "dsl/ir_visitor.h"
#include "schedule/passes/passes.h"
#include "schedule/schedule_error.h"

namespace kiln {

using namespace schedule_detail;

namespace {

std::string stage_of(const std::string& loop) { return loop.substr(0, loop.find('.')); }

class LaunchChecker : public IRVisitor {
 public:
  explicit LaunchChecker(const Target& t) : target_(t) {}

 protected:
  using IRVisitor::visit;

  void visit(const For* op) override {
    const int dim = gpu_dim(op->for_kind);
    const bool opens_kernel = dim >= 0 && kernel_.empty();
    if (opens_kernel) {
      kernel_ = stage_of(op->name);
      threads_ = {1, 1, 1};
      thread_loops_ = {"", "", ""};
      shared_.clear();
    }
    if (is_gpu_thread(op->for_kind)) {
      int64_t n = 0;
      if (!as_const_int(op->extent, &n)) {
        refuse(TraceStep{"bind", {op->name, for_kind_name(op->for_kind)}, {}},
               str("after bounds inference '", op->name, "' runs ", to_string(op->extent),
                   " iterations, not a constant number, and a block has a fixed number of "
                   "threads; split ", op->name, " by a constant factor and bind the inner loop"));
      }
      if (n > threads_[dim]) {
        threads_[dim] = n;
        thread_loops_[dim] = op->name;
      }
    }
    IRVisitor::visit(op);
    if (opens_kernel) {
      check_block();
      check_shared();
      kernel_.clear();
    }
  }

  void visit(const Allocate* op) override {
    int64_t elements = 1;
    bool constant = true;
    for (const Expr& e : op->extents) {
      int64_t c = 0;
      constant = constant && as_const_int(e, &c);
      elements *= constant ? c : 1;
    }
    if (op->scope == MemoryScope::Shared || op->scope == MemoryScope::Local) {
      const char* scope = op->scope == MemoryScope::Shared ? "shared" : "local";
      if (!constant) {
        std::ostringstream size;
        for (size_t d = 0; d < op->extents.size(); ++d)
          size << (d ? " x " : "") << to_string(op->extents[d]);
        refuse(TraceStep{"set_scope", {op->buffer, scope}, {}},
               str("after bounds inference '", op->buffer, "' covers ", size.str(),
                   " elements, not a constant number, and ", scope, " arrays have a fixed size; "
                   "compute it at a loop of a constant tile (split the consumer by constant "
                   "factors)"));
      }
      if (op->scope == MemoryScope::Shared) shared_.emplace_back(op->buffer, elements * op->type.bytes());
    }
    IRVisitor::visit(op);
  }

 private:
  void check_block() const {
    static const int64_t dim_limit[3] = {1024, 1024, 64};
    static const char* names[3] = {"threadIdx.x", "threadIdx.y", "threadIdx.z"};
    for (int d = 0; d < 3; ++d) {
      if (threads_[d] <= dim_limit[d]) continue;
      refuse(TraceStep{"bind", {thread_loops_[d], names[d]}, {}},
             str("'", thread_loops_[d], "' runs ", threads_[d], " iterations, so kernel ", kernel_,
                 " would have ", threads_[d], " threads along ", names[d], ", more than the ",
                 dim_limit[d], " a CUDA block allows; split it by a factor of at most ",
                 dim_limit[d], " and bind the inner loop"));
    }
    const int64_t total = threads_[0] * threads_[1] * threads_[2];
    if (total <= target_.max_threads_per_block()) return;
    int widest = static_cast<int>(std::max_element(threads_.begin(), threads_.end()) - threads_.begin());
    refuse(TraceStep{"bind", {thread_loops_[widest], names[widest]}, {}},
           str("kernel ", kernel_, " would run ", threads_[0], " x ", threads_[1], " x ",
               threads_[2], " = ", total, " threads per block, more than the ",
               target_.max_threads_per_block(), " sm_", target_.cuda_arch(),
               " allows; split the thread-bound loops by smaller factors"));
  }

  void check_shared() const {
    int64_t total = 0;
    std::string parts;
    for (const auto& [name, bytes] : shared_) {
      total += bytes;
      parts += str(parts.empty() ? "" : ", ", name, " ", bytes);
    }
    if (total <= target_.max_shared_memory_bytes()) return;
    const std::string& biggest =
        std::max_element(shared_.begin(), shared_.end(),
                         [](const auto& a, const auto& b) { return a.second < b.second; })->first;
    refuse(TraceStep{"set_scope", {biggest, "shared"}, {}},
           str("kernel ", kernel_, " needs ", total, " bytes of shared memory (", parts,
               "), more than the ", target_.max_shared_memory_bytes(), " bytes (",
               target_.max_shared_memory_bytes() / 1024, " KiB) a block of sm_",
               target_.cuda_arch(), " may have statically; compute the shared stages at an "
               "inner loop or split their consumer by smaller factors so each tile is smaller"));
  }

  const Target& target_;
  std::string kernel_;
  std::array<int64_t, 3> threads_{1, 1, 1};
  std::array<std::string, 3> thread_loops_;
  std::vector<std::pair<std::string, int64_t>> shared_;
};

}  // namespace

Stmt check_gpu_launch(const Stmt& s, const Target& target) {
  LaunchChecker c(target);
  c.visit_stmt(s);
  return s;
}

}  // namespace kiln
