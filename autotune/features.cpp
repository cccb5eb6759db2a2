// Feature extraction: one walk over the lowered loop nest with the stack of
// enclosing loops; every Store is described against that stack.
#include "autotune/features.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "dsl/ir_visitor.h"
#include "dsl/substitute.h"
#include "schedule/lower.h"

namespace kiln {

namespace {

/// Loop levels (innermost first) whose working set is a feature.
constexpr int kLevels = 6;

double lg(double x) { return std::log2(1.0 + std::max(0.0, x)); }

struct Loop {
  std::string name;
  double extent;  // 1 when not constant (a tail or symbolic extent)
  ForKind kind;
};

/// The reads and arithmetic of one stored value.
class ValueStats : public IRVisitor {
 public:
  std::vector<const Load*> loads;
  double flops = 0;

 protected:
  void visit(const Load* op) override {
    loads.push_back(op);
    IRVisitor::visit(op);
  }
  void visit(const Add* op) override { flops += op->type.lanes; IRVisitor::visit(op); }
  void visit(const Sub* op) override { flops += op->type.lanes; IRVisitor::visit(op); }
  void visit(const Mul* op) override { flops += op->type.lanes; IRVisitor::visit(op); }
  void visit(const Div* op) override { flops += op->type.lanes; IRVisitor::visit(op); }
  void visit(const Min* op) override { flops += op->type.lanes; IRVisitor::visit(op); }
  void visit(const Max* op) override { flops += op->type.lanes; IRVisitor::visit(op); }
  void visit(const Call* op) override { flops += 8.0 * op->type.lanes; IRVisitor::visit(op); }
};

/// What one store contributes.
struct StoreFeatures {
  double iterations = 0;  // scalar stores executed (vector lanes counted)
  std::vector<double> v;  // the per-store features, see store_feature_names
};

const std::vector<std::string>& store_feature_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n = {"iterations",   "vector_lanes",     "innermost_extent",
                                  "unrolled",     "parallel_extent",  "work_per_thread",
                                  "loop_depth",   "loads",            "vector_loads",
                                  "flops",        "intensity",        "reuse",
                                  "innermost_contiguous", "store_is_vector"};
    for (int l = 1; l <= kLevels; ++l) n.push_back("bytes_level" + std::to_string(l));
    for (int l = 1; l <= 4; ++l) n.push_back("extent_level" + std::to_string(l));
    return n;
  }();
  return names;
}

class Extractor : public IRVisitor {
 public:
  std::vector<StoreFeatures> stores;
  double allocated_bytes = 0;
  int parallel_loops = 0;

 protected:
  void visit(const For* op) override {
    int64_t extent = 0;
    const bool known = as_const_int(op->extent, &extent);
    loops_.push_back({op->name, known ? static_cast<double>(extent) : 1.0, op->for_kind});
    if (op->for_kind == ForKind::Parallel) ++parallel_loops;
    IRVisitor::visit(op);
    loops_.pop_back();
  }
  void visit(const LetStmt* op) override {
    lets_[op->name] = expanded_vars(op->value);
    IRVisitor::visit(op);
    lets_.erase(op->name);
  }
  void visit(const Allocate* op) override {
    double elements = 1;
    for (const Expr& e : op->extents) {
      int64_t x = 0;
      elements *= as_const_int(e, &x) ? static_cast<double>(x) : 1.0;
    }
    allocated_bytes += elements * op->type.bytes();
    IRVisitor::visit(op);
  }
  void visit(const Store* op) override {
    stores.push_back(describe(op));
    IRVisitor::visit(op);
  }

 private:
  /// The loop variables an expression depends on, through let bindings.
  std::set<std::string> expanded_vars(const Expr& e) const {
    std::set<std::string> out;
    for (const std::string& v : free_vars(e)) {
      auto it = lets_.find(v);
      if (it != lets_.end()) {
        out.insert(it->second.begin(), it->second.end());
      } else {
        out.insert(v);
      }
    }
    return out;
  }

  /// Elements one access touches while the `levels` innermost loops run:
  /// the product of the extents of those loops its index depends on.
  double footprint(const std::set<std::string>& vars, int lanes, int levels) const {
    double elements = lanes;
    const int n = static_cast<int>(loops_.size());
    for (int l = 0; l < levels && l < n; ++l) {
      const Loop& loop = loops_[n - 1 - l];
      if (vars.count(loop.name)) elements *= loop.extent;
    }
    return elements;
  }

  StoreFeatures describe(const Store* op) {
    ValueStats stats;
    stats.visit_expr(op->value);
    const int lanes = op->value.type().lanes;
    const int bytes = op->value.type().bytes();
    double iterations = lanes, unrolled = 1, parallel = 1;
    for (const Loop& l : loops_) {
      iterations *= l.extent;
      if (l.kind == ForKind::Unrolled) unrolled *= l.extent;
      if (l.kind == ForKind::Parallel) parallel *= l.extent;
    }
    const double innermost = loops_.empty() ? 1 : loops_.back().extent;
    double vector_loads = 0, contiguous = 0;
    std::vector<std::pair<std::set<std::string>, std::pair<int, int>>> accesses;
    for (const Load* load : stats.loads) {
      const int load_lanes = load->type.lanes;
      if (load_lanes > 1) ++vector_loads;
      if (load->index.as<Ramp>()) ++contiguous;
      accesses.push_back({expanded_vars(load->index), {load_lanes, load->type.bytes()}});
    }
    accesses.push_back({expanded_vars(op->index), {lanes, bytes}});

    StoreFeatures s;
    s.iterations = iterations;
    std::vector<double> level_bytes;
    for (int l = 1; l <= kLevels; ++l) {
      double b = 0;
      for (const auto& [vars, lb] : accesses) b += footprint(vars, lb.first, l) * lb.second;
      level_bytes.push_back(b);
    }
    // Reuse: accesses made over the whole nest per distinct byte touched.
    double distinct = 0;
    for (const auto& [vars, lb] : accesses) {
      distinct += footprint(vars, lb.first, static_cast<int>(loops_.size())) * lb.second;
    }
    const double touched = iterations / lanes * static_cast<double>(accesses.size());
    s.v = {lg(iterations),
           static_cast<double>(lanes),
           lg(innermost),
           lg(unrolled),
           lg(parallel),
           lg(iterations / parallel),
           static_cast<double>(loops_.size()),
           static_cast<double>(stats.loads.size()),
           vector_loads,
           lg(stats.flops),
           stats.flops / std::max(1.0, static_cast<double>(accesses.size())),
           lg(touched / std::max(1.0, distinct)),
           contiguous,
           lanes > 1 ? 1.0 : 0.0};
    for (double b : level_bytes) s.v.push_back(lg(b));
    const int n = static_cast<int>(loops_.size());
    for (int l = 0; l < 4; ++l) s.v.push_back(l < n ? lg(loops_[n - 1 - l].extent) : 0.0);
    return s;
  }

  std::vector<Loop> loops_;
  std::map<std::string, std::set<std::string>> lets_;
};

}  // namespace

const std::vector<std::string>& feature_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const std::string& s : store_feature_names()) n.push_back("main." + s);
    for (const char* s : {"stores", "total_iterations", "allocated_bytes", "parallel_loops",
                          "max_parallel_extent", "vector_store_fraction"}) {
      n.push_back(std::string("total.") + s);
    }
    return n;
  }();
  return names;
}

std::vector<double> extract_features(const LoweredFunc& f) {
  Extractor ex;
  ex.visit_stmt(f.body);
  std::vector<double> out;
  const StoreFeatures* main = nullptr;
  double total = 0, vector_iterations = 0, max_parallel = 0;
  for (const StoreFeatures& s : ex.stores) {
    if (!main || s.iterations > main->iterations) main = &s;
    total += s.iterations;
    if (s.v[1] > 1) vector_iterations += s.iterations;
    max_parallel = std::max(max_parallel, s.v[4]);
  }
  if (main) {
    out = main->v;
  } else {
    out.assign(store_feature_names().size(), 0.0);
  }
  out.push_back(static_cast<double>(ex.stores.size()));
  out.push_back(lg(total));
  out.push_back(lg(ex.allocated_bytes));
  out.push_back(ex.parallel_loops);
  out.push_back(max_parallel);
  out.push_back(total > 0 ? vector_iterations / total : 0.0);
  return out;
}

LoweredFunc lower_with_features(const Schedule& s, std::vector<double>* features) {
  Stmt before_unroll;
  LowerOptions options;
  options.on_pass = [&](const std::string& pass, const Stmt& body) {
    if (pass == "vectorize_loops") before_unroll = body;
  };
  LoweredFunc f = lower(s, "", options);
  LoweredFunc view = f;
  if (before_unroll.defined()) view.body = before_unroll;
  *features = extract_features(view);
  return f;
}

}  // namespace kiln
