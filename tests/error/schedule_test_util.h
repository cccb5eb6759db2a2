#pragma once
// Shared by the schedule error tests: small definitions with the shapes the
// refusals need, and expect_refused(), which checks that a primitive throws
// a ScheduleError with the expected text and leaves the schedule untouched.
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "dsl/compute.h"
#include "base/error.h"
#include "dsl/ir_printer.h"
#include "schedule/schedule.h"

namespace kiln {
namespace testing_schedule {

/// C[i, j] = sum_k A[i, k] * B[k, j], 13 x 17 x 11.
inline ComputeDef matmul_def() {
  Tensor A = placeholder({13, 11}, f32(), "A");
  Tensor B = placeholder({11, 17}, f32(), "B");
  IterVar k = reduce_axis(11, "k");
  Tensor C = compute({13, 17}, [&](Expr i, Expr j) { return sum(A(i, k.var) * B(k.var, j), k); }, "C",
                     {"i", "j"});
  return ComputeDef("matmul", {A, B}, {C});
}

/// The same matmul with symbolic sizes M, N, K.
inline ComputeDef symbolic_matmul_def() {
  Expr M = size_var("M"), N = size_var("N"), K = size_var("K");
  Tensor A = placeholder({M, K}, f32(), "A");
  Tensor B = placeholder({K, N}, f32(), "B");
  IterVar k = reduce_axis(K, "k");
  Tensor C = compute({M, N}, [&](Expr i, Expr j) { return sum(A(i, k.var) * B(k.var, j), k); }, "C",
                     {"i", "j"});
  return ComputeDef("matmul", {A, B}, {C});
}

/// Halide's two-stage blur: blur_x feeds blur_y (the output).
inline ComputeDef blur_def() {
  Tensor in = placeholder({21, 25}, f32(), "input");
  Tensor bx = compute({21, 23},
                      [&](Expr y, Expr x) { return in(y, x) + in(y, x + 1) + in(y, x + 2); },
                      "blur_x", {"y", "x"});
  Tensor by = compute({19, 23},
                      [&](Expr y, Expr x) { return bx(y, x) + bx(y + 1, x) + bx(y + 2, x); },
                      "blur_y", {"y", "x"});
  return ComputeDef("blur", {in}, {by});
}

/// row_max[i] = max_k X[i, k]; out[i, j] = exp(X[i, j] - row_max[i]).
inline ComputeDef reduce_epilogue_def() {
  Tensor X = placeholder({9, 29}, f32(), "X");
  IterVar k = reduce_axis(29, "k");
  Tensor mx = compute({9}, [&](Expr i) { return max(X(i, k.var), k); }, "row_max", {"i"});
  Tensor out = compute({9, 29}, [&](Expr i, Expr j) { return exp(X(i, j) - mx(i)); }, "out",
                       {"i", "j"});
  return ComputeDef("reduce_epilogue", {X}, {out});
}

/// A chain A -> P -> Q -> R of elementwise stages (R is the output).
inline ComputeDef chain_def() {
  Tensor A = placeholder({7, 10}, f32(), "A");
  Tensor P = compute({7, 10}, [&](Expr i, Expr j) { return A(i, j) * 2.0f; }, "P", {"i", "j"});
  Tensor Q = compute({7, 10}, [&](Expr i, Expr j) { return P(i, j) + 1.0f; }, "Q", {"i", "j"});
  Tensor R = compute({7, 10}, [&](Expr i, Expr j) { return Q(i, j) * Q(i, j); }, "R",
                     {"i", "j"});
  return ComputeDef("chain", {A}, {R});
}

/// B is read by both C and D (two outputs).
inline ComputeDef two_readers_def() {
  Tensor A = placeholder({8, 6}, f32(), "A");
  Tensor B = compute({8, 6}, [&](Expr i, Expr j) { return A(i, j) * 2.0f; }, "B", {"i", "j"});
  Tensor C = compute({8, 6}, [&](Expr i, Expr j) { return B(i, j) + 1.0f; }, "C", {"i", "j"});
  Tensor D = compute({8, 6}, [&](Expr i, Expr j) { return B(i, j) - A(i, j); }, "D", {"i", "j"});
  return ComputeDef("two_readers", {A}, {C, D});
}

/// Everything a schedule holds, as text: stage data, the definition's
/// stages and the trace. Ops appear by identity (same objects) or, without
/// op_identity, by their printed definition (same structure).
inline std::string snapshot(const Schedule& sch, bool op_identity = true) {
  std::ostringstream os;
  auto op_text = [&](const OpRef& op) {
    std::ostringstream o;
    if (op_identity) {
      o << op.get();
    } else {
      o << op->dtype.str() << " " << to_string(op->body);
    }
    return o.str();
  };
  for (const OpRef& op : sch.def().stages()) os << "op " << op->name << " " << op_text(op) << "\n";
  for (const StageSchedule& st : sch.stages()) {
    os << "stage " << st.name << " " << op_text(st.op) << " attach " << int(st.attach) << " "
       << st.attach_stage << " " << st.attach_loop << "\n  root";
    for (const std::string& l : st.root_loops) os << " " << l;
    os << "\n  leaf";
    for (const std::string& l : st.leaf_loops) os << " " << l;
    for (const LoopRelation& r : st.relations) {
      os << "\n  rel " << int(r.kind) << " " << r.parent << " " << r.outer << " " << r.inner
         << " " << r.fused << " " << r.factor << " " << r.by_nparts;
    }
    for (const auto& [loop, kind] : st.loop_axis_kind) os << "\n  axis " << loop << int(kind);
    for (const auto& [loop, kind] : st.loop_kinds) os << "\n  kind " << loop << int(kind);
    for (const StorageDim& d : st.storage_layout)
      os << "\n  layout " << d.axis << " " << int(d.part) << " " << d.factor;
    for (const PrefetchSpec& p : st.prefetches)
      os << "\n  prefetch " << p.tensor << " " << p.at << " " << p.from << " " << p.offset;
    os << "\n";
  }
  os << sch.trace().to_json(sch.def().name());
  return os.str();
}

/// Runs `action` on sch and expects a ScheduleError whose detailed message
/// contains `needle`, whose short message is its first line and names the
/// primitive, and which left the schedule and its trace unchanged.
template <typename F>
void expect_refused(Schedule& sch, const std::string& primitive, F action,
                    const std::string& needle) {
  std::string before = snapshot(sch);
  try {
    action(sch);
    ADD_FAILURE() << primitive << ": accepted; expected a refusal containing \"" << needle
                  << "\"";
  } catch (const ScheduleError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find(needle), std::string::npos)
        << "message lacks \"" << needle << "\":\n" << what;
    EXPECT_EQ(what.substr(0, what.find('\n')), e.short_message());
    EXPECT_EQ(e.short_message().rfind("kiln: schedule error in " + primitive + "(", 0), 0u)
        << e.short_message();
    EXPECT_EQ(snapshot(sch), before) << primitive << " changed the schedule while refusing";
  }
}

}  // namespace testing_schedule
}  // namespace kiln
