// A schedule is data: its trace survives JSON, and replaying it on a fresh
// definition reproduces the same stage schedules. Bad trace files are
// refused with a message naming the step and the field.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "dsl/ir_equal.h"
#include "tests/error/schedule_test_util.h"

namespace kiln {
namespace {
using namespace testing_schedule;

/// A schedule that uses every primitive at least once.
Schedule busy_matmul() {
  Schedule sch(matmul_def());
  sch.cache_read("A", {"C"});
  sch.cache_write("C");
  sch.split("C_local.k", 4);
  EXPECT_EQ(sch.rfactor("C_local.k.i"), "C_local_rf");
  sch.tile("C_local.i", "C_local.j", 4, 8);
  sch.split_nparts("C_local_rf.k_o", 2);
  sch.fuse("C_local.i.o", "C_local.j.o");
  sch.reorder({"C_local.k_i", "C_local.i.o_j.o"});
  sch.vectorize("C_local.j.i");
  sch.unroll("C_local_rf.k_o.i");
  sch.parallel("C_local_rf.i");
  sch.compute_at("A_cache", "C_local_rf.k_i");
  sch.compute_at("C_local", "C.i");
  sch.compute_root("A_cache");
  sch.compute_inline("A_cache");
  return sch;
}

Schedule busy_chain() {
  Schedule sch(chain_def());
  sch.compute_inline("Q");
  sch.compute_at("P", "R.j");
  sch.transform_layout("P", {"j/2", "i", "j%2"});
  sch.split("R.i", 3);
  sch.parallel("R.i.o");
  return sch;
}

TEST(TraceRoundTrip, JsonHasTheDocumentedFields) {
  Schedule sch(matmul_def());
  sch.split("C.i", 4);
  sch.tile("C.i.i", "C.j", 2, 8);
  sch.cache_read("B", {"C"});
  std::string text = sch.trace().to_json("matmul");
  nlohmann::json j = nlohmann::json::parse(text);
  EXPECT_EQ(j["kiln_trace"], 1);
  EXPECT_EQ(j["op"], "matmul");
  ASSERT_EQ(j["steps"].size(), 3u);
  EXPECT_EQ(j["steps"][0], nlohmann::json::parse(
                               R"({"primitive": "split", "loop": "C.i", "factor": 4})"));
  EXPECT_EQ(j["steps"][1],
            nlohmann::json::parse(
                R"({"primitive": "tile", "x": "C.i.i", "y": "C.j", "fx": 2, "fy": 8})"));
  EXPECT_EQ(j["steps"][2], nlohmann::json::parse(
                               R"({"primitive": "cache_read", "tensor": "B", "readers": ["C"]})"));
}

TEST(TraceRoundTrip, JsonRoundTripAndReplayReproduceTheSchedule) {
  for (const auto& [def, sch] : {std::make_pair(matmul_def(), busy_matmul()),
                                 std::make_pair(chain_def(), busy_chain())}) {
    std::string text = sch.trace().to_json(def.name());
    Trace back = Trace::from_json(text);
    EXPECT_EQ(back, sch.trace()) << text;
    EXPECT_EQ(back.to_json(def.name()), text);
    Schedule replayed = Schedule::replay(def, back);
    EXPECT_EQ(snapshot(replayed, false), snapshot(sch, false)) << text;
    EXPECT_EQ(structural_hash(replayed.def()), structural_hash(sch.def()));
  }
}

TEST(TraceRoundTrip, EveryPrimitiveSurvivesJson) {
  Trace trace = busy_matmul().trace();
  std::set<std::string> primitives;
  for (const TraceStep& s : trace.steps) primitives.insert(s.primitive);
  EXPECT_EQ(primitives.size(), 14u);
  for (const TraceStep& s : trace.steps) {
    Trace one;
    one.steps.push_back(s);
    EXPECT_EQ(Trace::from_json(one.to_json()), one) << s.primitive;
  }
}

TEST(TraceRoundTrip, ReplayOfUnknownLoopNamesIt) {
  Trace trace = Trace::from_json(R"({"kiln_trace": 1, "op": "matmul", "steps": [
      {"primitive": "split", "loop": "C.i", "factor": 4},
      {"primitive": "vectorize", "loop": "C.i.x"}]})");
  try {
    Schedule::replay(matmul_def(), trace);
    ADD_FAILURE() << "replay accepted an unknown loop";
  } catch (const ScheduleError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("schedule error in vectorize(C.i.x): stage 'C' has no loop 'C.i.x'"),
              std::string::npos)
        << what;
    EXPECT_NE(what.find("while replaying trace step 1 of matmul"), std::string::npos) << what;
    EXPECT_EQ(e.short_message(), what.substr(0, what.find('\n')));
  }
}

/// Expects from_json(text) to throw UserError containing needle.
void expect_bad_trace(const std::string& text, const std::string& needle) {
  try {
    Trace::from_json(text);
    ADD_FAILURE() << "accepted: " << text;
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

std::string with_steps(const std::string& steps) {
  return R"({"kiln_trace": 1, "op": "matmul", "steps": [)" + steps + "]}";
}

TEST(TraceRoundTrip, BadJsonIsRefusedNamingStepAndField) {
  const std::string ok = R"({"primitive": "vectorize", "loop": "C.j"})";
  expect_bad_trace(with_steps(ok + "," + ok + "," + ok + R"(, {"primitive": "split", "loop": "C.i"})"),
                   "kiln: trace step 3 (split): missing integer field 'factor'");
  expect_bad_trace(with_steps(R"({"primitive": "split", "loop": "C.i", "factor": 2.5})"),
                   "trace step 0 (split): field 'factor' must be an integer, got 2.5");
  expect_bad_trace(with_steps(R"({"primitive": "split", "loop": 3, "factor": 2})"),
                   "trace step 0 (split): field 'loop' must be a string");
  expect_bad_trace(with_steps(R"({"primitive": "split", "loop": "C.i", "factr": 2})"),
                   "trace step 0 (split): unknown field 'factr'; split takes loop, factor");
  expect_bad_trace(with_steps(R"({"primitive": "reorder", "loops": "C.i"})"),
                   "trace step 0 (reorder): field 'loops' must be an array of strings");
  expect_bad_trace(with_steps(R"({"primitive": "cache_read", "tensor": "A", "readers": [1]})"),
                   "field 'readers' must hold only strings");
  expect_bad_trace(with_steps(R"({"primitive": "spilt", "loop": "C.i"})"),
                   "trace step 0: unknown primitive 'spilt'");
  expect_bad_trace(with_steps(R"({"loop": "C.i"})"), "trace step 0: missing string field 'primitive'");
  expect_bad_trace(with_steps(R"([1])"), "trace step 0: not a JSON object");
  expect_bad_trace(R"({"kiln_trace": 2, "steps": []})", "trace format version 2 is not supported");
  expect_bad_trace(R"({"steps": []})", "trace has no field 'kiln_trace'");
  expect_bad_trace(R"({"kiln_trace": 1})", "trace has no array field 'steps'");
  expect_bad_trace(R"({"kiln_trace": 1, "steps": [)", "trace is not valid JSON");
}

TEST(TraceRoundTrip, MalformedStepsAreRefusedWhenWritten) {
  Trace trace;
  trace.steps.push_back({"split", {"C.i"}, {}});
  EXPECT_THROW(trace.to_json(), UserError);
  trace.steps[0] = {"nope", {}, {}};
  EXPECT_THROW(trace.to_json(), UserError);
}

TEST(TraceRoundTrip, LoadReadsAFileAndNamesItInErrors) {
  std::string path = testing::TempDir() + "kiln_trace_roundtrip.json";
  Trace trace = busy_chain().trace();
  {
    std::ofstream out(path);
    out << trace.to_json("chain");
  }
  EXPECT_EQ(Trace::load(path), trace);
  {
    std::ofstream out(path);
    out << with_steps(R"({"primitive": "fuse", "outer": "C.i"})");
  }
  try {
    Trace::load(path);
    ADD_FAILURE() << "loaded a bad trace";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("kiln: trace file '" + path +
                                         "': trace step 0 (fuse): missing string field 'inner'"),
              std::string::npos)
        << e.what();
  }
  std::remove(path.c_str());
  EXPECT_THROW(Trace::load(path), UserError);
}

}  // namespace
}  // namespace kiln
