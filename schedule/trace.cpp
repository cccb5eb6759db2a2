// Traces as JSON. Each primitive has a fixed list of fields (its parameter
// names); a step is written with exactly those fields and read back only
// when it has exactly those, so a typo in a hand-edited trace is reported
// instead of ignored. Steps are numbered from 0, as in the "steps" array.
#include "schedule/trace.h"

#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "runtime/read_file.h"
#include "base/error.h"

namespace kiln {

namespace {

using nlohmann::json;
using nlohmann::ordered_json;

constexpr int kTraceVersion = 1;

/// How a field maps onto a TraceStep: one name, the remaining names, or one integer.
enum class FieldType { Name, Names, Int };

struct Field {
  const char* key;
  FieldType type;
};

struct PrimitiveFields {
  const char* primitive;
  std::vector<Field> fields;  ///< in parameter order
};

const std::vector<PrimitiveFields>& primitive_table() {
  static const std::vector<PrimitiveFields> table = {
      {"split", {{"loop", FieldType::Name}, {"factor", FieldType::Int}}},
      {"split_nparts", {{"loop", FieldType::Name}, {"nparts", FieldType::Int}}},
      {"fuse", {{"outer", FieldType::Name}, {"inner", FieldType::Name}}},
      {"reorder", {{"loops", FieldType::Names}}},
      {"tile",
       {{"x", FieldType::Name}, {"y", FieldType::Name}, {"fx", FieldType::Int},
        {"fy", FieldType::Int}}},
      {"vectorize", {{"loop", FieldType::Name}}},
      {"unroll", {{"loop", FieldType::Name}}},
      {"parallel", {{"loop", FieldType::Name}}},
      {"compute_at", {{"stage", FieldType::Name}, {"loop", FieldType::Name}}},
      {"compute_inline", {{"stage", FieldType::Name}}},
      {"compute_root", {{"stage", FieldType::Name}}},
      {"cache_read", {{"tensor", FieldType::Name}, {"readers", FieldType::Names}}},
      {"cache_write", {{"stage", FieldType::Name}}},
      {"rfactor", {{"loop", FieldType::Name}}},
      {"store_nontemporal", {{"stage", FieldType::Name}}},
      {"prefetch",
       {{"tensor", FieldType::Name}, {"at", FieldType::Name}, {"from", FieldType::Name},
        {"offset", FieldType::Int}}},
      {"bind", {{"loop", FieldType::Name}, {"thread", FieldType::Name}}},
      {"set_scope", {{"stage", FieldType::Name}, {"scope", FieldType::Name}}},
      {"transform_layout", {{"stage", FieldType::Name}, {"layout", FieldType::Names}}},
  };
  return table;
}

const PrimitiveFields* find_primitive(const std::string& name) {
  for (const PrimitiveFields& p : primitive_table()) {
    if (name == p.primitive) return &p;
  }
  return nullptr;
}

std::string primitive_names() {
  std::string out;
  for (const PrimitiveFields& p : primitive_table()) out += (out.empty() ? "" : ", ") + std::string(p.primitive);
  return out;
}

std::string field_names(const PrimitiveFields& p) {
  std::string out;
  for (const Field& f : p.fields) out += (out.empty() ? "" : ", ") + std::string(f.key);
  return out;
}

const char* type_word(FieldType t) {
  switch (t) {
    case FieldType::Name: return "string";
    case FieldType::Names: return "array of strings";
    case FieldType::Int: return "integer";
  }
  return "?";
}

ordered_json step_to_json(const TraceStep& step, size_t index) {
  const PrimitiveFields* p = find_primitive(step.primitive);
  if (!p) {
    user_error << "trace step " << index << ": unknown primitive '" << step.primitive
               << "'; the primitives are " << primitive_names();
  }
  ordered_json j;
  j["primitive"] = step.primitive;
  size_t name = 0, value = 0;
  for (const Field& f : p->fields) {
    switch (f.type) {
      case FieldType::Name:
        if (name >= step.names.size()) break;
        j[f.key] = step.names[name++];
        break;
      case FieldType::Names:
        j[f.key] = std::vector<std::string>(step.names.begin() + name, step.names.end());
        name = step.names.size();
        break;
      case FieldType::Int:
        if (value >= step.ints.size()) break;
        j[f.key] = step.ints[value++];
        break;
    }
    if (!j.contains(f.key)) {
      user_error << "trace step " << index << " (" << step.primitive << "): no value for '"
                 << f.key << "'; " << step.primitive << " takes " << field_names(*p);
    }
  }
  if (name != step.names.size() || value != step.ints.size()) {
    user_error << "trace step " << index << " (" << step.primitive << "): " << step.names.size()
               << " name(s) and " << step.ints.size() << " integer(s) do not fit "
               << step.primitive << ", which takes " << field_names(*p);
  }
  return j;
}

TraceStep step_from_json(const json& j, size_t index) {
  if (!j.is_object()) user_error << "trace step " << index << ": not a JSON object";
  if (!j.contains("primitive") || !j["primitive"].is_string()) {
    user_error << "trace step " << index << ": missing string field 'primitive'";
  }
  TraceStep step;
  step.primitive = j["primitive"].get<std::string>();
  const PrimitiveFields* p = find_primitive(step.primitive);
  if (!p) {
    user_error << "trace step " << index << ": unknown primitive '" << step.primitive
               << "'; the primitives are " << primitive_names();
  }
  auto where = [&] { return "trace step " + std::to_string(index) + " (" + step.primitive + ")"; };
  for (auto it = j.begin(); it != j.end(); ++it) {
    bool known = it.key() == "primitive";
    for (const Field& f : p->fields) known = known || it.key() == f.key;
    if (!known) {
      user_error << where() << ": unknown field '" << it.key() << "'; " << step.primitive
                 << " takes " << field_names(*p);
    }
  }
  for (const Field& f : p->fields) {
    if (!j.contains(f.key)) {
      user_error << where() << ": missing " << type_word(f.type) << " field '" << f.key << "'";
    }
    const json& v = j[f.key];
    switch (f.type) {
      case FieldType::Name:
        if (!v.is_string()) user_error << where() << ": field '" << f.key << "' must be a string";
        step.names.push_back(v.get<std::string>());
        break;
      case FieldType::Names:
        if (!v.is_array()) {
          user_error << where() << ": field '" << f.key << "' must be an array of strings";
        }
        for (const json& e : v) {
          if (!e.is_string()) {
            user_error << where() << ": field '" << f.key << "' must hold only strings";
          }
          step.names.push_back(e.get<std::string>());
        }
        break;
      case FieldType::Int:
        if (!v.is_number_integer() ||
            (v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(INT64_MAX))) {
          user_error << where() << ": field '" << f.key << "' must be an integer, got "
                     << v.dump();
        }
        step.ints.push_back(v.get<int64_t>());
        break;
    }
  }
  return step;
}

}  // namespace

std::string Trace::to_json(const std::string& op) const {
  ordered_json j;
  j["kiln_trace"] = kTraceVersion;
  j["op"] = op;
  j["steps"] = ordered_json::array();
  for (size_t i = 0; i < steps.size(); ++i) j["steps"].push_back(step_to_json(steps[i], i));
  return j.dump(2);
}

Trace Trace::from_json(const std::string& text) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {  // bad syntax, or a number out of range (1e309)
    user_error << "trace is not valid JSON: " << e.what();
  }
  if (!j.is_object()) user_error << "trace is not a JSON object";
  if (!j.contains("kiln_trace")) {
    user_error << "trace has no field 'kiln_trace' (the format version, " << kTraceVersion << ")";
  }
  if (!j["kiln_trace"].is_number_integer() || j["kiln_trace"].get<int64_t>() != kTraceVersion) {
    user_error << "trace format version " << j["kiln_trace"].dump()
               << " is not supported; this kiln reads version " << kTraceVersion;
  }
  if (j.contains("op") && !j["op"].is_string()) user_error << "trace field 'op' must be a string";
  if (!j.contains("steps") || !j["steps"].is_array()) {
    user_error << "trace has no array field 'steps'";
  }
  Trace trace;
  const json& steps = j["steps"];
  if (steps.size() > kMaxTraceSteps) {
    user_error << "trace has " << steps.size() << " steps; at most " << kMaxTraceSteps
               << " (kiln's own schedules take fewer than 100)";
  }
  for (size_t i = 0; i < steps.size(); ++i) trace.steps.push_back(step_from_json(steps[i], i));
  return trace;
}

Trace Trace::load(const std::string& path) {
  if (!std::ifstream(path)) user_error << "cannot open trace file '" << path << "'";
  const std::string text = read_file_bounded(path, kMaxTraceFileBytes, "trace file");
  try {
    return from_json(text);
  } catch (const UserError& e) {
    // from_json's messages start with "kiln: "; say which file they are about.
    std::string message = e.what();
    const std::string prefix = "kiln: ";
    if (message.compare(0, prefix.size(), prefix) == 0) message = message.substr(prefix.size());
    user_error << "trace file '" << path << "': " << message;
  }
  return Trace();  // not reached: user_error throws
}

}  // namespace kiln
