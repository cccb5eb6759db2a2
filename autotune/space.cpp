// The search space: which role each stage plays, which knobs that gives,
// and how knob values are sampled, mutated, crossed and kept plausible.
// The rules that turn knob values into schedule primitives are in
// space_rules.cpp.
#include "autotune/space.h"

#include <algorithm>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "codegen/llvm/host_target.h"
#include "dsl/ir_visitor.h"
#include "dsl/substitute.h"
#include "ops/op.h"

namespace kiln {

namespace {

/// Every tensor read in an expression.
class CollectLoads : public IRVisitor {
 public:
  std::vector<const TensorLoad*> loads;

 protected:
  void visit(const TensorLoad* op) override {
    loads.push_back(op);
    IRVisitor::visit(op);
  }
};

/// Whether some tensor read of a reduction stage ignores one of its spatial
/// axes: then one input element feeds several outputs and tiling pays
/// (matmul's A[i, k] ignores j). A row reduction (max over X[i, k]) reads
/// each element for one output only.
bool has_reuse(const OperationNode& op) {
  if (!op.is_reduction()) return false;
  CollectLoads c;
  c.visit_expr(op.body);
  for (const TensorLoad* load : c.loads) {
    for (const IterVar& axis : op.axis) {
      bool used = false;
      for (const Expr& index : load->indices) used = used || expr_uses_var(index, axis.name());
      if (!used) return true;
    }
  }
  return false;
}

/// The input placeholder of a reduction stage whose reads do not use the
/// spatial axis `row` but do use the last spatial axis: the operand that a
/// register tile streams (matmul's B[k, j] for row axis i).
std::string pack_candidate(const OperationNode& op, size_t row) {
  if (op.axis.size() < 2) return "";
  CollectLoads c;
  c.visit_expr(op.body);
  std::string found;
  for (const TensorLoad* load : c.loads) {
    if (!load->op->is_placeholder()) continue;
    bool uses_row = false, uses_col = false;
    for (const Expr& index : load->indices) {
      uses_row = uses_row || expr_uses_var(index, op.axis[row].name());
      uses_col = uses_col || expr_uses_var(index, op.axis.back().name());
    }
    if (!uses_row && uses_col) {
      if (!found.empty() && found != load->op->name) return "";  // two candidates: ambiguous
      found = load->op->name;
    }
  }
  return found;
}

/// An input of op's rank (at least 2) that op reads directly: the tensor a
/// row-wise stage can prefetch a row ahead; "" when there is none.
std::string prefetch_candidate(const OperationNode& op) {
  for (const OpRef& in : op.inputs()) {
    if (in->is_placeholder() && in->shape.size() == op.axis.size() && op.axis.size() >= 2) {
      return in->name;
    }
  }
  return "";
}

bool is_output(const ComputeDef& def, const std::string& name) {
  for (const Tensor& t : def.outputs()) {
    if (t.name() == name) return true;
  }
  return false;
}

StagePlan plan_of(const OperationNode& op) {
  StagePlan p;
  p.stage = op.name;
  p.is_reduction = op.is_reduction();
  for (const IterVar& a : op.axis) {
    p.spatial.push_back(a.name());
    p.spatial_extent.push_back(constant_extent(a.dom.extent));
  }
  for (const IterVar& a : op.reduce_axis) {
    p.reduce.push_back(a.name());
    p.reduce_extent.push_back(constant_extent(a.dom.extent));
  }
  return p;
}

/// Values up to `extent` (all of them when it is symbolic), never empty.
std::vector<int64_t> capped(std::vector<int64_t> values, int64_t extent) {
  std::vector<int64_t> out;
  for (int64_t v : values) {
    if (extent < 0 || v <= extent) out.push_back(v);
  }
  if (out.empty()) out.push_back(extent > 0 ? extent : values.front());
  return out;
}

/// k chunks: powers of two and a few multiples from 16 to 1024, divisors of
/// the extent in that range, and the whole extent.
std::vector<int64_t> chunk_choices(int64_t extent) {
  std::set<int64_t> c = {16, 32, 64, 128, 192, 256, 384, 512, 768, 1024};
  if (extent > 0) {
    for (int64_t d = 16; d <= std::min<int64_t>(extent, 1024); ++d) {
      if (extent % d == 0 && (d % 8 == 0 || d == extent)) c.insert(d);
    }
    if (extent <= 2048) c.insert(extent);
  }
  return capped(std::vector<int64_t>(c.begin(), c.end()), extent);
}

/// The choice of a knob closest to `want`.
int64_t closest(const Knob& k, int64_t want) {
  int64_t best = k.choices.front();
  for (int64_t c : k.choices) {
    if (std::llabs(c - want) < std::llabs(best - want)) best = c;
  }
  return best;
}

}  // namespace

const char* stage_role_name(StageRole role) {
  switch (role) {
    case StageRole::TiledReduction: return "tiled_reduction";
    case StageRole::TiledEpilogue: return "tiled_epilogue";
    case StageRole::RowWise: return "row_wise";
    case StageRole::Producer: return "producer";
  }
  return "?";
}

void SearchSpace::add_knob(const std::string& name, std::vector<int64_t> choices) {
  internal_assert(!choices.empty()) << "knob " << name << " has no choices";
  knob_index_[name] = knobs_.size();
  knobs_.push_back({name, std::move(choices)});
}

SearchSpace SearchSpace::generate(const ComputeDef& def, const Target& target, int threads) {
  SearchSpace sp;
  sp.def_ = def;
  sp.target_ = target;
  sp.threads_ = std::max(1, threads);
  sp.lanes_ = natural_vector_lanes_f32(target);
  const int lanes = sp.lanes_;

  std::map<std::string, StagePlan> plans;
  std::vector<std::string> order;  // producers before consumers
  for (const OpRef& op : def.stages()) {
    plans[op->name] = plan_of(*op);
    order.push_back(op->name);
  }
  // Outputs first: their role decides what their producers may do.
  for (const std::string& name : order) {
    if (!is_output(def, name)) continue;
    const OpRef op = def.find(name);
    StagePlan& p = plans[name];
    if (has_reuse(*op)) {
      p.role = StageRole::TiledReduction;
      p.pack_tensor = pack_candidate(*op, op->axis.size() - 2);
      continue;
    }
    p.role = StageRole::RowWise;
    if (op->is_reduction()) continue;
    p.prefetch_tensor = prefetch_candidate(*op);
    // An elementwise output over exactly one tiled reduction that nothing
    // else reads: the reduction can be computed inside the output's tile.
    std::vector<OpRef> reds;
    for (const OpRef& in : op->inputs()) {
      if (!in->is_placeholder() && has_reuse(*in)) reds.push_back(in);
    }
    if (reds.size() == 1 && def.consumers(reds[0]).size() == 1 &&
        reds[0]->axis.size() == op->axis.size() && !is_output(def, reds[0]->name)) {
      p.role = StageRole::TiledEpilogue;
      p.reduction = reds[0]->name;
    }
  }
  // Which outputs read each stage, directly or through other stages.
  std::map<std::string, std::set<std::string>> readers_out;
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    const OpRef op = def.find(*it);
    if (is_output(def, *it)) readers_out[*it].insert(*it);
    for (const OpRef& c : def.consumers(op)) {
      readers_out[*it].insert(readers_out[c->name].begin(), readers_out[c->name].end());
    }
  }
  for (const std::string& name : order) {
    if (is_output(def, name)) continue;
    StagePlan& p = plans[name];
    const OpRef op = def.find(name);
    if (has_reuse(*op)) {
      p.role = StageRole::TiledReduction;
      p.pack_tensor = pack_candidate(*op, op->axis.size() - 2);
      continue;
    }
    p.role = StageRole::Producer;
    const std::set<std::string>& outs = readers_out[name];
    if (outs.size() == 1 && plans[*outs.begin()].role == StageRole::RowWise &&
        plans[*outs.begin()].spatial.size() >= 2) {
      p.attach_output = *outs.begin();
      if (!p.is_reduction) p.prefetch_tensor = prefetch_candidate(*op);
    }
  }

  for (const std::string& name : order) {
    const StagePlan& p = plans[name];
    sp.plans_.push_back(p);
    const std::string k = name + ".";
    switch (p.role) {
      case StageRole::TiledReduction: {
        const size_t n = p.spatial.size();
        const int64_t N = p.spatial_extent[n - 1];
        if (is_output(def, name)) sp.add_knob(k + "style", {0, 1});
        if (n >= 2) {
          std::vector<int64_t> axes;
          for (size_t d = 0; d + 1 < n; ++d) axes.push_back(static_cast<int64_t>(d));
          sp.add_knob(k + "row_axis", axes);
        }
        sp.add_knob(k + "vec", {lanes / 2, lanes, 2 * lanes});
        sp.add_knob(k + "tile_cols",
                    capped({16, 32, 48, 64, 80, 96, 112, 128}, N > 0 ? std::max<int64_t>(N, 16) : -1));
        int64_t rows_extent = -1;
        if (n >= 2) rows_extent = p.spatial_extent[n - 2];
        std::vector<int64_t> rows;
        for (int64_t r = 1; r <= 16; ++r) rows.push_back(r);
        sp.add_knob(k + "tile_rows", capped(rows, rows_extent));
        sp.add_knob(k + "k_chunk", chunk_choices(p.reduce_extent.empty() ? -1 : p.reduce_extent[0]));
        sp.add_knob(k + "order", {0, 1, 2});
        sp.add_knob(k + "row_block", {4, 8, 16, 32, 64});
        sp.add_knob(k + "unroll", {1, 0});
        if (!p.pack_tensor.empty()) sp.add_knob(k + "pack", {0, 1});
        break;
      }
      case StageRole::TiledEpilogue:
        sp.add_knob(k + "style", {1, 0});
        [[fallthrough]];
      case StageRole::RowWise:
        sp.add_knob(k + "vec", {lanes, lanes / 2, 2 * lanes, 1});
        sp.add_knob(k + "unroll", {1, 2, 4});
        sp.add_knob(k + "rows_per_task", {1, 2, 4, 8, 16, 32});
        // Non-temporal stores for an output the kernel writes once.
        if (is_output(def, name) && p.reduce.empty()) sp.add_knob(k + "stream", {0, 1});
        // The next row fetched while this one is computed.
        if (!p.prefetch_tensor.empty()) sp.add_knob(k + "prefetch", {0, 1});
        break;
      case StageRole::Producer: {
        std::vector<int64_t> place;
        if (!p.is_reduction) place.push_back(kPlaceInline);
        if (!p.attach_output.empty()) place.push_back(kPlaceAt);
        place.push_back(kPlaceRoot);
        sp.add_knob(k + "place", place);
        sp.add_knob(k + "vec", {lanes, 1});
        // Computed at the output's row: the next row fetched meanwhile.
        if (!p.prefetch_tensor.empty()) sp.add_knob(k + "prefetch", {0, 1});
        // A row reduction vectorizes through rfactor: partial results per
        // lane over chunks of the row, then one short reduction.
        if (p.is_reduction && p.reduce.size() == 1 &&
            (p.reduce_extent[0] < 0 || p.reduce_extent[0] >= 2 * lanes)) {
          std::vector<int64_t> widths = {0};
          for (int64_t w : capped({2 * lanes, 4 * lanes, 8 * lanes}, p.reduce_extent[0])) {
            widths.push_back(w);
          }
          sp.add_knob(k + "rfactor", widths);
        }
        break;
      }
    }
  }
  return sp;
}

int64_t SearchSpace::value(const KnobValues& v, const std::string& name) const {
  auto it = v.find(name);
  if (it != v.end()) return it->second;
  auto k = knob_index_.find(name);
  internal_assert(k != knob_index_.end()) << "unknown knob " << name;
  return knobs_[k->second].choices.front();
}

bool SearchSpace::plausible(const KnobValues& v) const {
  // 32 vector registers with AVX-512, 16 without; keep a few for the loads
  // of B and the broadcast of A.
  const int64_t registers = lanes_ >= 16 ? 28 : 13;
  for (const StagePlan& p : plans_) {
    if (p.role != StageRole::TiledReduction) continue;
    const std::string k = p.stage + ".";
    const int64_t rows = value(v, k + "tile_rows"), cols = value(v, k + "tile_cols");
    const int64_t vec = value(v, k + "vec");
    if (cols % vec != 0 && cols > vec) return false;
    if (rows * ((cols + lanes_ - 1) / lanes_) > registers) return false;
  }
  return true;
}

KnobValues SearchSpace::default_values() const {
  KnobValues v;
  for (const Knob& k : knobs_) v[k.name] = k.choices.front();
  for (const StagePlan& p : plans_) {
    const std::string k = p.stage + ".";
    auto set = [&](const std::string& name, int64_t want) {
      auto it = knob_index_.find(k + name);
      if (it != knob_index_.end()) v[k + name] = closest(knobs_[it->second], want);
    };
    if (p.role == StageRole::TiledReduction) {
      set("style", 0);
      set("row_axis", static_cast<int64_t>(p.spatial.size()) - 2);
      set("vec", lanes_);
      set("tile_cols", (lanes_ >= 16 ? 4 : 2) * lanes_);
      set("tile_rows", 6);
      set("k_chunk", 256);
      set("order", 0);
      set("unroll", 1);
    }
  }
  return v;
}

void SearchSpace::repair(KnobValues& v, std::mt19937_64& rng) const {
  // Implausible tiles: re-sample the tile shape of each tiled stage.
  for (int attempt = 0; attempt < 64 && !plausible(v); ++attempt) {
    for (const StagePlan& p : plans_) {
      if (p.role != StageRole::TiledReduction) continue;
      for (const char* name : {"tile_rows", "tile_cols", "vec"}) {
        const Knob& k = knobs_[knob_index_.at(p.stage + "." + name)];
        v[k.name] = k.choices[rng() % k.choices.size()];
      }
    }
  }
  if (!plausible(v)) {
    const KnobValues d = default_values();
    for (const StagePlan& p : plans_) {
      if (p.role != StageRole::TiledReduction) continue;
      for (const char* name : {"tile_rows", "tile_cols", "vec"}) {
        v[p.stage + "." + name] = d.at(p.stage + "." + name);
      }
    }
  }
  // A stage computed at an output's row loop needs every reader inside
  // that loop: the output itself, or stages computed there or inlined
  // into such readers. Consumers come later in plans_, so walk backwards.
  std::map<std::string, bool> inside;  // stage -> runs inside its output's row loop
  for (auto it = plans_.rbegin(); it != plans_.rend(); ++it) {
    const StagePlan& p = *it;
    if (p.role != StageRole::Producer) continue;
    bool readers_inside = !p.attach_output.empty();
    for (const OpRef& c : def_.consumers(def_.find(p.stage))) {
      if (c->name != p.attach_output && !inside[c->name]) readers_inside = false;
    }
    const std::string knob = p.stage + ".place";
    if (value(v, knob) == kPlaceAt && !readers_inside) v[knob] = kPlaceRoot;
    const int64_t place = value(v, knob);
    // Inlined, it runs wherever its readers run.
    inside[p.stage] = place == kPlaceAt || (place == kPlaceInline && readers_inside);
  }
}

KnobValues SearchSpace::sample(std::mt19937_64& rng) const {
  KnobValues v;
  for (const Knob& k : knobs_) v[k.name] = k.choices[rng() % k.choices.size()];
  repair(v, rng);
  return v;
}

KnobValues SearchSpace::mutate(const KnobValues& base, std::mt19937_64& rng) const {
  KnobValues v = base;
  std::vector<const Knob*> open;
  for (const Knob& k : knobs_) {
    if (k.choices.size() > 1) open.push_back(&k);
  }
  if (open.empty()) return v;
  const int changes = (rng() % 10 < 3) ? 2 : 1;
  for (int c = 0; c < changes; ++c) {
    const Knob& k = *open[rng() % open.size()];
    const int64_t old = value(v, k.name);
    for (int attempt = 0; attempt < 8 && value(v, k.name) == old; ++attempt) {
      v[k.name] = k.choices[rng() % k.choices.size()];
    }
  }
  repair(v, rng);
  return v;
}

KnobValues SearchSpace::crossover(const KnobValues& a, const KnobValues& b,
                                  std::mt19937_64& rng) const {
  KnobValues v;
  // Whole stages come from one parent: a tile's knobs only make sense together.
  std::map<std::string, bool> from_a;
  for (const Knob& k : knobs_) {
    const std::string stage = k.name.substr(0, k.name.find('.'));
    if (!from_a.count(stage)) from_a[stage] = rng() % 2 == 0;
    v[k.name] = value(from_a[stage] ? a : b, k.name);
  }
  repair(v, rng);
  return v;
}

std::vector<double> SearchSpace::knob_vector(const KnobValues& v) const {
  std::vector<double> out;
  for (const Knob& k : knobs_) {
    auto it = v.find(k.name);
    out.push_back(it == v.end() ? -1.0 : static_cast<double>(it->second));
  }
  return out;
}

std::string SearchSpace::describe(const KnobValues& v) {
  std::ostringstream os;
  bool first = true;
  for (const auto& [name, value] : v) {
    os << (first ? "" : " ") << name << "=" << value;
    first = false;
  }
  return os.str();
}

std::string SearchSpace::to_json(const KnobValues& v) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (const auto& [name, value] : v) j[name] = value;
  return j.dump();
}

KnobValues SearchSpace::from_json(const std::string& text) {
  KnobValues v;
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return v;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.value().is_number_integer()) v[it.key()] = it.value().get<int64_t>();
  }
  return v;
}

}  // namespace kiln
