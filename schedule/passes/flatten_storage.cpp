// flatten_storage: tensors become flat buffers.
//
// Expects: the loop nests of build_loop_nests (after simplify and
// partition_tails): Realize around intermediates, TensorLoad/TensorStore at
// absolute coordinates. Guarantees: no Realize, TensorLoad or TensorStore
// remain; each Realize is an Allocate of the same name with its extents
// and a resolved scope (Stack or Heap); every access is a Load/Store at a
// row-major element index. An intermediate's index is taken relative to its
// Realize's minimums (its storage covers only that region); an argument's
// index is absolute, with strides from its shape (size vars stay symbolic).
#include <map>

#include "base/error.h"
#include "dsl/ir_visitor.h"
#include "schedule/passes/fold.h"
#include "schedule/passes/passes.h"

namespace kiln {
namespace {

/// Intermediates of at most this many bytes, of constant size, live on the
/// stack (the same limit the code generator uses for Auto).
constexpr int64_t kMaxStackBytes = 64 * 1024;

/// How a tensor's coordinates map to its flat buffer.
struct Layout {
  std::vector<Expr> mins;     ///< subtracted from each coordinate
  /// Elements between neighbours, per storage dimension (the logical
  /// dimensions unless `storage` says otherwise).
  std::vector<Expr> strides;
  /// The storage dimensions of a transformed layout; empty: row-major.
  std::vector<StorageDim> storage;
};

/// Row-major strides of a dense box of these extents.
std::vector<Expr> row_major_strides(const std::vector<Expr>& extents) {
  std::vector<Expr> strides(extents.size());
  Expr stride = make_index(1);
  for (size_t d = extents.size(); d-- > 0;) {
    strides[d] = stride;
    stride = fold_mul(stride, extents[d]);
  }
  return strides;
}

/// Stack when the size is a known constant within the limit, else heap;
/// an explicit scope is kept.
MemoryScope resolve_scope(MemoryScope scope, Type t, const std::vector<Expr>& extents) {
  if (scope != MemoryScope::Auto) return scope;
  int64_t bytes = t.bytes();
  for (const Expr& e : extents) {
    int64_t c;
    if (!as_const_int(e, &c)) return MemoryScope::Heap;
    bytes *= c;
    if (bytes > kMaxStackBytes) return MemoryScope::Heap;
  }
  return MemoryScope::Stack;
}

class FlattenStorage : public IRMutator {
 public:
  FlattenStorage(const std::vector<BufferArg>& args,
                 const std::map<std::string, std::vector<StorageDim>>& layouts)
      : layouts_(layouts) {
    for (const BufferArg& a : args) {
      args_[a.name] = Layout{std::vector<Expr>(a.shape.size(), make_index(0)), row_major_strides(a.shape)};
    }
  }

 protected:
  using IRMutator::visit;

  Stmt visit(const Realize* op, const Stmt&) override {
    std::vector<Expr> mins, extents;
    for (const Range& r : op->bounds) {
      mins.push_back(r.min);
      extents.push_back(r.extent);
    }
    // A transformed layout stores the same region in other dimensions
    // (blocks rounded up), allocated and strided as those.
    std::vector<StorageDim> storage;
    if (auto it = layouts_.find(op->op->name); it != layouts_.end()) {
      storage = it->second;
      extents = storage_extents(storage, extents);
    }
    // A stack per name: the same op may be realized again further in.
    std::vector<Layout>& layouts = realized_[op->op->name];
    layouts.push_back(Layout{mins, row_major_strides(extents), storage});
    Stmt body = mutate(op->body);
    layouts.pop_back();
    MemoryScope scope = resolve_scope(op->scope, op->op->dtype, extents);
    return Allocate::make(op->op->name, op->op->dtype, extents, scope, body);
  }

  Stmt visit(const TensorStore* op, const Stmt&) override {
    Expr value = mutate(op->value);
    return Store::make(op->op->name, value, flat_index(op->op->name, op->indices));
  }

  Expr visit(const TensorLoad* op, const Expr&) override {
    return Load::make(op->type, op->op->name, flat_index(op->op->name, op->indices));
  }

 private:
  const Layout& layout(const std::string& name) const {
    auto r = realized_.find(name);
    if (r != realized_.end() && !r->second.empty()) return r->second.back();
    auto a = args_.find(name);
    internal_assert(a != args_.end())
        << "flatten_storage: tensor '" << name << "' is neither realized nor a kernel argument";
    return a->second;
  }

  Expr flat_index(const std::string& name, const std::vector<Expr>& indices) {
    const Layout& l = layout(name);
    internal_assert(l.mins.size() == indices.size())
        << "flatten_storage: " << indices.size() << " indices into '" << name << "' of rank "
        << l.mins.size();
    std::vector<Expr> local;
    for (size_t d = 0; d < indices.size(); d++) {
      local.push_back(fold_sub(mutate(indices[d]), l.mins[d]));
    }
    if (!l.storage.empty()) local = storage_indices(l.storage, local);
    Expr index = make_index(0);
    for (size_t d = 0; d < local.size(); d++) {
      index = fold_add(index, fold_mul(local[d], l.strides[d]));
    }
    return index;
  }

  const std::map<std::string, std::vector<StorageDim>>& layouts_;
  std::map<std::string, Layout> args_;
  std::map<std::string, std::vector<Layout>> realized_;
};

}  // namespace

Stmt flatten_storage(const Stmt& s, const std::vector<BufferArg>& args,
                     const std::map<std::string, std::vector<StorageDim>>& layouts) {
  return FlattenStorage(args, layouts).mutate(s);
}

}  // namespace kiln
