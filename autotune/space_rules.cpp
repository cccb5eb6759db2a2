// The rules of the search space: knob values -> schedule primitives.
// Outputs are scheduled first (their loops are where producers go), then
// reductions tiled at root, then producers from the last to the first, so
// a stage's readers are placed before the stage is computed at a loop.
//
// Factors are clamped to constant extents (a 6-row tile of a 4-row matrix
// is a 4-row tile), so small sizes get the same structure without mostly
// empty loops.
#include <algorithm>

#include "autotune/space.h"
#include "base/error.h"

namespace kiln {

namespace {

int64_t fit(int64_t factor, int64_t extent) {
  return extent > 0 ? std::max<int64_t>(1, std::min(factor, extent)) : factor;
}

/// The root loops of a stage's spatial axes (in order) and reduction axes,
/// read from the schedule: cache_write's local stage has its own names.
void root_loops(const Schedule& s, const std::string& stage, std::vector<std::string>* spatial,
                std::vector<std::string>* reduce) {
  const StageSchedule& st = s.stage(stage);
  spatial->clear();
  reduce->clear();
  for (const std::string& loop : st.root_loops) {
    (st.loop_axis_kind.at(loop) == AxisKind::Spatial ? spatial : reduce)->push_back(loop);
  }
}

const StagePlan* find_plan(const std::vector<StagePlan>& plans, const std::string& stage) {
  for (const StagePlan& p : plans) {
    if (p.stage == stage) return &p;
  }
  return nullptr;
}

}  // namespace

std::string SearchSpace::parallelize(Schedule& s, const std::string& stage,
                                     const std::string& stop) const {
  if (threads_ <= 1) return "";
  std::vector<std::string> leaves = s.stage(stage).leaf_loops;
  size_t p = 0;
  auto spatial = [&](size_t i) {
    return s.stage(stage).loop_axis_kind.at(leaves[i]) == AxisKind::Spatial;
  };
  while (p < leaves.size() && !spatial(p)) ++p;
  if (p == leaves.size()) return "";
  std::string loop = leaves[p];
  // Too few iterations leave threads idle: fuse with the next loop.
  int64_t extent = 0;
  while (constant_loop_extent(s.stage(stage), loop, &extent) && extent < 2 * threads_ &&
         p + 1 < leaves.size() && spatial(p + 1) && leaves[p + 1] != stop &&
         loop != stop) {
    loop = s.fuse(loop, leaves[p + 1]);
    leaves = s.stage(stage).leaf_loops;
  }
  s.parallel(loop);
  return loop;
}

void SearchSpace::apply_tiled_direct(Schedule& s, const StagePlan& p, const KnobValues& v) const {
  const std::string k = p.stage + ".";
  const size_t n = p.spatial.size();
  const int64_t vec = value(v, k + "vec"), cols = value(v, k + "tile_cols");
  const int64_t rows = value(v, k + "tile_rows"), order = value(v, k + "order");
  const bool unroll = value(v, k + "unroll") != 0;
  const int64_t r = n >= 2 ? value(v, k + "row_axis") : -1;
  std::vector<std::string> spatial, reduce;
  root_loops(s, p.stage, &spatial, &reduce);
  // Packing: a copy of the streamed operand, made per k chunk and panel,
  // contiguous where the original strides across rows of a wide matrix.
  const bool pack = knob_index_.count(k + "pack") && value(v, k + "pack") != 0;
  const std::string packed = pack ? s.cache_read(p.pack_tensor, {p.stage}) : "";

  const int64_t N = p.spatial_extent[n - 1];
  auto [jo, ji] = s.split(spatial[n - 1], fit(cols, N));
  auto [jio, jii] = s.split(ji, fit(vec, N));
  std::string io, ii, ko, ki;
  if (r >= 0) std::tie(io, ii) = s.split(spatial[r], fit(rows, p.spatial_extent[r]));
  if (!reduce.empty()) {
    std::tie(ko, ki) = s.split(reduce[0], fit(value(v, k + "k_chunk"), p.reduce_extent[0]));
  }
  std::vector<std::string> nest;  // outer to inner
  for (size_t d = 0; d + 1 < n; ++d) {
    if (static_cast<int64_t>(d) != r) nest.push_back(spatial[d]);
  }
  auto push = [&](const std::string& loop) {
    if (!loop.empty()) nest.push_back(loop);
  };
  if (order == 1 && !io.empty()) {
    // Blocks of tile rows outside the column panels: a block of A stays
    // in cache while the panels of B stream past it.
    auto [bo, bi] = s.split(io, value(v, k + "row_block"));
    push(bo), push(jo), push(ko), push(bi);
  } else if (order == 2) {
    push(ko), push(jo), push(io);
  } else {
    push(jo), push(ko), push(io);
  }
  push(ki);
  for (size_t d = 1; d < reduce.size(); ++d) push(reduce[d]);
  push(ii), push(jio), push(jii);
  s.reorder(nest);
  if (N < 0 || N >= vec) s.vectorize(jii);
  if (unroll) {
    if (!ii.empty()) s.unroll(ii);
    s.unroll(jio);
  }
  // The copy goes inside the parallel panel loop, at the chunk loop when
  // the chunk loop is inside it (else at the panel loop itself).
  const std::string at = order == 2 || ko.empty() ? jo : ko;
  parallelize(s, p.stage, pack ? at : "");
  if (pack) {
    s.compute_at(packed, at);
    std::vector<std::string> copy, unused;
    root_loops(s, packed, &copy, &unused);
    if (N < 0 || N >= vec) s.vectorize(s.split(copy.back(), fit(vec, N)).second);
  }
}

void SearchSpace::apply_tiled_local(Schedule& s, const StagePlan& out, const std::string& reduction,
                                    const KnobValues& v) const {
  // Tile knobs belong to the reduction as the definition names it (for
  // cache_write, the output itself).
  const StagePlan& red = *find_plan(plans_, out.reduction.empty() ? out.stage : out.reduction);
  const std::string k = red.stage + ".";
  const size_t n = out.spatial.size();
  const int64_t vec = value(v, k + "vec"), cols = value(v, k + "tile_cols");
  const int64_t rows = value(v, k + "tile_rows"), order = value(v, k + "order");
  const bool unroll = value(v, k + "unroll") != 0;
  const int64_t r = n >= 2 ? value(v, k + "row_axis") : -1;
  const int64_t N = out.spatial_extent[n - 1];

  // The output: tiles, the outer tile loops in parallel, a vector copy-out.
  std::vector<std::string> spatial, reduce;
  root_loops(s, out.stage, &spatial, &reduce);
  auto [vo, vi] = s.split(spatial[n - 1], fit(cols, N));
  std::string ro, ri;
  if (r >= 0) std::tie(ro, ri) = s.split(spatial[r], fit(rows, out.spatial_extent[r]));
  std::vector<std::string> nest;
  for (size_t d = 0; d + 1 < n; ++d) {
    if (static_cast<int64_t>(d) != r) nest.push_back(spatial[d]);
  }
  std::string attach;
  if (ro.empty()) {
    nest.push_back(vo);
    attach = vo;
  } else if (order == 1) {
    nest.insert(nest.end(), {ro, vo});
    attach = vo;
  } else {
    nest.insert(nest.end(), {vo, ro});
    attach = ro;
  }
  if (!ri.empty()) nest.push_back(ri);
  nest.push_back(vi);
  s.reorder(nest);
  parallelize(s, out.stage, attach);
  if (N < 0 || N >= vec) s.vectorize(s.split(vi, fit(vec, N)).second);
  s.compute_at(reduction, attach);

  // The local tile: the reduction outside, the register tile inside it.
  // Rows and columns are split by the tile first: the outer halves run
  // once per tile, and the inner halves have constant extents the schedule
  // can check for unrolling now.
  root_loops(s, reduction, &spatial, &reduce);
  std::vector<std::string> tile;
  for (size_t d = 0; d + 1 < spatial.size(); ++d) {
    if (static_cast<int64_t>(d) != r) tile.push_back(spatial[d]);
  }
  std::string lro, lri;
  if (r >= 0) {
    std::tie(lro, lri) = s.split(spatial[r], fit(rows, out.spatial_extent[r]));
    tile.push_back(lro);
  }
  auto [lvo, lvi] = s.split(spatial.back(), fit(cols, N));
  tile.push_back(lvo);
  tile.insert(tile.end(), reduce.begin(), reduce.end());
  if (!lri.empty()) tile.push_back(lri);
  std::string jo, ji;
  if (N < 0 || N >= vec) {
    std::tie(jo, ji) = s.split(lvi, fit(vec, N));
    tile.insert(tile.end(), {jo, ji});
  } else {
    tile.push_back(lvi);
  }
  s.reorder(tile);
  if (unroll) {
    if (!lri.empty()) s.unroll(lri);
    if (!jo.empty()) s.unroll(jo);
  }
  if (!ji.empty()) s.vectorize(ji);
}

std::string SearchSpace::apply_row_wise(Schedule& s, const StagePlan& p, const KnobValues& v) const {
  const std::string k = p.stage + ".";
  const int64_t vec = value(v, k + "vec"), unroll = value(v, k + "unroll");
  const int64_t rows_per_task = value(v, k + "rows_per_task");
  std::vector<std::string> spatial, reduce;
  root_loops(s, p.stage, &spatial, &reduce);
  const size_t n = spatial.size();

  // Rows: every axis but the last, fused into one loop.
  std::string rows;
  int64_t row_count = 1;
  for (size_t d = 0; d + 1 < n; ++d) {
    rows = rows.empty() ? spatial[d] : s.fuse(rows, spatial[d]);
    row_count = p.spatial_extent[d] > 0 && row_count > 0 ? row_count * p.spatial_extent[d] : -1;
  }
  const int64_t N = p.spatial_extent[n - 1];
  std::string vo, vi, uo, ui;
  if (vec > 1 && (N < 0 || N >= vec)) {
    std::tie(vo, vi) = s.split(spatial[n - 1], vec);
    if (unroll > 1 && (N < 0 || N >= vec * unroll)) std::tie(uo, ui) = s.split(vo, unroll);
  }
  std::string attach = rows;
  std::string task;  // the loop run in parallel
  if (!rows.empty() && rows_per_task > 1 && (row_count < 0 || row_count > rows_per_task)) {
    auto [to, ti] = s.split(rows, rows_per_task);
    task = to;
    attach = ti;
  }
  // The vector lanes innermost, below the reduction (a reduction output is
  // vectorized across its outputs), unrolled vectors just outside them.
  if (!vi.empty()) {
    std::vector<std::string> nest;
    nest.push_back(uo.empty() ? vo : uo);
    nest.insert(nest.end(), reduce.begin(), reduce.end());
    if (!ui.empty()) nest.push_back(ui);
    nest.push_back(vi);
    s.reorder(nest);
  }
  if (threads_ > 1) {
    if (!task.empty()) {
      s.parallel(task);
    } else {
      parallelize(s, p.stage, attach == rows ? "" : attach);
    }
  }
  if (!ui.empty()) s.unroll(ui);
  if (knob_index_.count(k + "stream") && value(v, k + "stream") == 1) s.store_nontemporal(p.stage);
  if (!vi.empty()) s.vectorize(vi);
  // At the loop over vector pieces of a row, the same piece of the next row.
  if (knob_index_.count(k + "prefetch") && value(v, k + "prefetch") == 1 && !vi.empty() &&
      !attach.empty()) {
    s.prefetch(p.prefetch_tensor, uo.empty() ? vo : uo, attach, 1);
  }
  return attach;
}

std::string SearchSpace::attach_loop(const StagePlan& p, const KnobValues& v,
                                     const std::map<std::string, std::string>& row_loops) const {
  // The stages that read p once inlined stages are looked through.
  std::vector<std::string> readers, pending = {p.stage};
  while (!pending.empty()) {
    const std::string cur = pending.back();
    pending.pop_back();
    for (const OpRef& c : def_.consumers(def_.find(cur))) {
      auto knob = knob_index_.find(c->name + ".place");
      if (knob != knob_index_.end() && value(v, c->name + ".place") == kPlaceInline) {
        pending.push_back(c->name);
      } else {
        readers.push_back(c->name);
      }
    }
  }
  // compute_at needs a loop of a reader; the output's row loop when the
  // output reads p, else the outer loop of a reader computed at that row.
  for (const std::string& r : readers) {
    if (r == p.attach_output) return row_loops.count(r) ? row_loops.at(r) : "";
  }
  for (const std::string& r : readers) {
    if (row_loops.count(r)) return row_loops.at(r);
  }
  return "";
}

void SearchSpace::apply_producer(Schedule& s, const StagePlan& p, const KnobValues& v,
                                 std::map<std::string, std::string>& row_loops) const {
  const std::string k = p.stage + ".";
  const int64_t place = value(v, k + "place");
  if (place == kPlaceInline) {
    s.compute_inline(p.stage);
    return;
  }
  const size_t n = p.spatial.size();
  const int64_t vec = value(v, k + "vec");
  std::vector<std::string> spatial, reduce;
  root_loops(s, p.stage, &spatial, &reduce);
  const int64_t rf_width = knob_index_.count(k + "rfactor") ? value(v, k + "rfactor") : 0;
  if (rf_width > 0) apply_rfactor(s, p, reduce[0], rf_width);
  if (place == kPlaceAt) {
    const std::string loop = attach_loop(p, v, row_loops);
    if (loop.empty()) {
      parallelize(s, p.stage, "");
    } else {
      s.compute_at(p.stage, loop);
      row_loops[p.stage] = s.stage(p.stage).leaf_loops.front();
    }
  } else {
    parallelize(s, p.stage, "");
  }
  // Vectorize the last axis of an elementwise stage (a reduction's last
  // loop is its reduction, which a vector would race on).
  const int64_t N = p.spatial_extent[n - 1];
  if (p.is_reduction || vec <= 1 || (N > 0 && N < vec)) return;
  const StageSchedule& st = s.stage(p.stage);
  const std::vector<std::string>& leaves = st.leaf_loops;
  if (leaves.back() != spatial[n - 1]) return;  // fused into the parallel loop
  // A one-axis stage at the root: that axis is the parallel loop itself.
  if (st.loop_kinds.count(spatial[n - 1]) && st.loop_kinds.at(spatial[n - 1]) == ForKind::Parallel)
    return;
  const auto [pieces, lanes] = s.split(spatial[n - 1], vec);
  s.vectorize(lanes);
  // At the loop over vector pieces, the same piece of the output's next row.
  const std::string row = s.stage(p.stage).attach_loop;
  if (place == kPlaceAt && !row.empty() && knob_index_.count(k + "prefetch") &&
      value(v, k + "prefetch") == 1) {
    s.prefetch(p.prefetch_tensor, pieces, row, 1);
  }
}

void SearchSpace::apply_rfactor(Schedule& s, const StagePlan& p, const std::string& k_loop,
                                int64_t width) const {
  // k -> (k.o, k.i of `width`); the new stage keeps one partial result per
  // k.i, computed with k.i as an unrolled vector loop innermost; the stage
  // itself then reduces `width` partials per point.
  const std::string rf = s.rfactor(s.split(k_loop, width).second);
  const StageSchedule& st = s.stage(rf);
  std::vector<std::string> outer, reduce, lane;
  for (const std::string& loop : st.leaf_loops) {
    const bool own_axis = std::find(p.spatial.begin(), p.spatial.end(),
                                    loop.substr(rf.size() + 1)) != p.spatial.end();
    if (st.loop_axis_kind.at(loop) == AxisKind::Reduce) {
      reduce.push_back(loop);
    } else {
      (own_axis ? outer : lane).push_back(loop);
    }
  }
  internal_assert(lane.size() == 1) << "rfactor of " << k_loop << " made " << lane.size()
                                    << " new axes";
  std::vector<std::string> nest = outer;
  nest.insert(nest.end(), reduce.begin(), reduce.end());
  nest.push_back(lane[0]);
  s.reorder(nest);
  auto [lo, li] = s.split(lane[0], std::min<int64_t>(lanes_, width));
  s.unroll(lo);
  s.vectorize(li);
  s.compute_at(rf, s.stage(p.stage).leaf_loops.front());
}

Schedule SearchSpace::build(const KnobValues& v) const {
  Schedule s(def_);
  std::map<std::string, std::string> row_loops;
  auto style = [&](const StagePlan& p) {
    auto it = knob_index_.find(p.stage + ".style");
    return it == knob_index_.end() ? 0 : value(v, p.stage + ".style");
  };
  // Reductions computed inside an epilogue's tile are scheduled with it.
  std::vector<std::string> in_tile;
  for (const StagePlan& p : plans_) {
    if (p.role == StageRole::TiledEpilogue && style(p) == 1) in_tile.push_back(p.reduction);
  }
  auto tiled_inside = [&](const std::string& stage) {
    return std::find(in_tile.begin(), in_tile.end(), stage) != in_tile.end();
  };

  for (const StagePlan& p : plans_) {
    switch (p.role) {
      case StageRole::TiledReduction:
        if (style(p) == 1) {
          apply_tiled_local(s, p, s.cache_write(p.stage), v);
        } else if (!tiled_inside(p.stage)) {
          apply_tiled_direct(s, p, v);
        }
        break;
      case StageRole::TiledEpilogue:
        if (style(p) == 1) {
          apply_tiled_local(s, p, p.reduction, v);
        } else {
          row_loops[p.stage] = apply_row_wise(s, p, v);
        }
        break;
      case StageRole::RowWise: row_loops[p.stage] = apply_row_wise(s, p, v); break;
      case StageRole::Producer: break;
    }
  }
  for (auto it = plans_.rbegin(); it != plans_.rend(); ++it) {
    if (it->role == StageRole::Producer) apply_producer(s, *it, v, row_loops);
  }
  return s;
}

}  // namespace kiln
