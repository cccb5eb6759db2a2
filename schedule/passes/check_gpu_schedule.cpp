// check_gpu_schedule: the rules a schedule must follow to become CUDA
// kernels, judged on the whole schedule before lowering (bind and
// set_scope only see one step at a time). The first step of a CUDA
// pipeline; it reads the schedule's data, not IR, and changes nothing.
//
// Each root stage is one kernel; the stages computed inside it (following
// compute_at chains) run in that kernel. The rules:
// - a kernel's stage binds a loop to blockIdx (the grid), and its
//   block-bound loops are its outermost loops;
// - only a kernel's root stage binds blockIdx;
// - a stage computed inside a kernel lives in shared or local memory: one
//   global buffer would be written by every block at once;
// - a local (per-thread) stage cannot bind threadIdx: each thread would
//   fill only its part of its private copy;
// - a shared stage that reduces must bind every thread index the kernel
//   uses: threads differing in an index it does not bind would update the
//   same elements at once;
// - a root intermediate is a kernel of its own, so its values must be in
//   global memory.
// What depends on extents (thread counts, shared memory size) is checked
// after bounds inference, in check_gpu_launch.
#include <algorithm>
#include <set>

#include "base/error.h"
#include "schedule/passes/passes.h"
#include "schedule/schedule_error.h"

namespace kiln {

using namespace schedule_detail;

namespace {

/// The root stage whose kernel computes st (st itself when at root).
const StageSchedule* kernel_of(const Schedule& sch, const StageSchedule* st) {
  for (size_t hops = 0; st && st->attach == AttachKind::At && hops <= sch.stages().size(); ++hops)
    st = find_stage(sch, st->attach_stage);
  return st;
}

/// The first bound loop of st with a kind matching pred, or "".
template <typename Pred>
std::string first_bound(const StageSchedule& st, Pred pred) {
  for (const std::string& leaf : st.leaf_loops) {
    if (pred(st.kind_of(leaf))) return leaf;
  }
  return "";
}

void check_kernel_root(const Schedule& sch, const StageSchedule& st) {
  bool has_spatial = false;
  for (const std::string& leaf : st.leaf_loops)
    has_spatial |= st.loop_axis_kind.at(leaf) == AxisKind::Spatial;
  std::string block = first_bound(st, is_gpu_block);
  if (block.empty()) {
    if (!has_spatial) return;  // a 0-d result: one thread of one block
    const std::string& outer = st.leaf_loops.front();
    refuse(TraceStep{"bind", {outer, "blockIdx.x"}, {}},
           str("stage '", st.name, "' is at root, so it is a CUDA kernel of its own, and no loop "
               "of it is bound to blockIdx; bind its outer spatial loop to blockIdx.x (e.g. "
               "split ", outer, " by 256, bind the outer half to blockIdx.x and the inner half "
               "to threadIdx.x)"),
           {loop_listing(st, outer)});
  }
  // Block-bound loops come first: a loop outside them would run the whole
  // grid once per iteration, which one launch cannot express.
  bool seen_other = false;
  std::string other;
  for (const std::string& leaf : st.leaf_loops) {
    bool b = is_gpu_block(st.kind_of(leaf));
    if (!b && !seen_other) {
      seen_other = true;
      other = leaf;
    }
    if (b && seen_other) {
      refuse(TraceStep{"bind", {leaf, for_kind_name(st.kind_of(leaf))}, {}},
             str("'", other, "' runs outside '", leaf, "', which is bound to ",
                 for_kind_name(st.kind_of(leaf)), "; the blockIdx-bound loops of kernel ",
                 st.name, " must be its outermost loops. Reorder ", other, " inside them, or "
                 "bind it to a block index too"),
             {loop_listing(st, other)});
    }
  }
  if (st.scope == MemoryScope::Shared || st.scope == MemoryScope::Local) {
    const char* scope = st.scope == MemoryScope::Shared ? "shared" : "local";
    refuse(TraceStep{"set_scope", {st.name, scope}, {}},
           str("'", st.name, "' is at root, a kernel of its own, so its values must outlive it "
               "in global memory; compute it at a loop of its consumer (compute_at) to keep it "
               "in ", scope, " memory, or set_scope(", st.name, ", \"global\")"),
           {stage_listing(sch.stages(), st.name)});
  }
}

void check_attached(const Schedule& sch, const StageSchedule& st,
                    const std::set<ForKind>& kernel_threads) {
  std::string block = first_bound(st, is_gpu_block);
  if (!block.empty()) {
    refuse(TraceStep{"bind", {block, for_kind_name(st.kind_of(block))}, {}},
           str("'", st.name, "' is computed at ", st.attach_loop, ", inside a kernel, so it "
               "cannot bind blockIdx; only a kernel's root stage binds blocks. Bind ", block,
               " to a threadIdx index, or leave it serial"),
           {loop_listing(st, block)});
  }
  std::string thread = first_bound(st, is_gpu_thread);
  if (st.scope == MemoryScope::Heap) {
    refuse(TraceStep{"set_scope", {st.name, "global"}, {}},
           str("'", st.name, "' is computed at ", st.attach_loop, ", inside kernel ",
               kernel_of(sch, &st)->name, ", but its storage is one global buffer: every block "
               "and thread would race on it. Use set_scope(", st.name, ", \"shared\") or \"local\""),
           {stage_listing(sch.stages(), st.name)});
  }
  if (st.scope == MemoryScope::Local && !thread.empty()) {
    refuse(TraceStep{"bind", {thread, for_kind_name(st.kind_of(thread))}, {}},
           str("'", st.name, "' is local (one copy per thread), but its loop ", thread,
               " is bound to ", for_kind_name(st.kind_of(thread)), ": each thread would fill only "
               "its part of its own copy and the others would read garbage. Leave the loop "
               "serial, or set_scope(", st.name, ", \"shared\") to fill it cooperatively"),
           {loop_listing(st, thread)});
  }
  const bool shared =
      st.scope == MemoryScope::Shared || (st.scope == MemoryScope::Auto && !thread.empty());
  if (!shared || !st.op->is_reduction()) return;
  for (ForKind k : kernel_threads) {
    if (!first_bound(st, [k](ForKind x) { return x == k; }).empty()) continue;
    refuse(TraceStep{"compute_at", {st.name, st.attach_loop}, {}},
           str("'", st.name, "' is a reduction in shared memory computed inside kernel ",
               kernel_of(sch, &st)->name, ", but none of its loops is bound to ", for_kind_name(k),
               ": threads that differ only in ", for_kind_name(k), " would race on the same ",
               st.name, " elements. Bind a spatial loop of ", st.name, " to ", for_kind_name(k),
               ", or set_scope(", st.name, ", \"local\")"),
           {loop_listing(st)});
  }
}

}  // namespace

void check_gpu_schedule(const Schedule& sch) {
  // The thread indices each kernel uses, over all its stages.
  std::map<std::string, std::set<ForKind>> threads;
  for (const StageSchedule& st : sch.stages()) {
    if (st.attach == AttachKind::Inline) continue;
    const StageSchedule* root = kernel_of(sch, &st);
    internal_assert(root) << "stage '" << st.name << "' attached to an unknown stage";
    for (const auto& [loop, kind] : st.loop_kinds) {
      if (is_gpu_thread(kind) && st.has_leaf(loop)) threads[root->name].insert(kind);
    }
  }
  for (const StageSchedule& st : sch.stages()) {
    switch (st.attach) {
      case AttachKind::Inline: break;
      case AttachKind::Root: check_kernel_root(sch, st); break;
      case AttachKind::At: check_attached(sch, st, threads[kernel_of(sch, &st)->name]); break;
    }
  }
}

}  // namespace kiln
