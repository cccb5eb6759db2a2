// Reading a package spec. Everything a user can get wrong in the JSON is
// reported here, with the entry's position and op, before any compiling.
#include "package/spec.h"

#include "runtime/read_file.h"
#include "package/names.h"

#include <cctype>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "base/error.h"

namespace kiln {

namespace {

using nlohmann::json;

/// A UserError's message without its "kiln: " prefix, to re-throw it with
/// the entry it came from.
std::string bare_message(const UserError& e) {
  std::string m = e.what();
  return m.rfind("kiln: ", 0) == 0 ? m.substr(6) : m;
}

const OpParam* find_param(const Op& op, const std::string& name) {
  for (const OpParam& p : op.params()) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

bool has_option(const Op& op, const std::string& name) {
  for (const OpOption& o : op.options()) {
    if (o.name == name) return true;
  }
  return false;
}

std::string accepted_names(const Op& op) {
  std::string s;
  for (const OpParam& p : op.params()) s += (s.empty() ? "" : ", ") + p.name;
  for (const OpOption& o : op.options()) s += (s.empty() ? "" : ", ") + o.name;
  return s;
}

void check_keys(const json& obj, const std::set<std::string>& allowed, const std::string& where) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (allowed.count(it.key())) continue;
    std::string list;
    for (const std::string& a : allowed) list += (list.empty() ? "" : ", ") + ("\"" + a + "\"");
    user_error << where << ": unknown field \"" << it.key() << "\"; accepted fields: " << list;
  }
}

PackageEntry parse_entry(const json& e, int index, const std::string& origin) {
  const std::string where = origin + ": ops[" + std::to_string(index) + "]";
  if (!e.is_object()) {
    user_error << where << " is not an object; write {\"op\": \"matmul\", \"shape\": {\"M\": 64}}";
  }
  check_keys(e, {"op", "shape", "name"}, where);
  if (!e.contains("op") || !e["op"].is_string()) {
    user_error << where << " needs \"op\": the op's name as a string (`kiln ops` lists them)";
  }
  PackageEntry entry;
  entry.index = index;
  try {
    entry.op = &find_op(e["op"].get<std::string>());
  } catch (const UserError& err) {
    user_error << where << ": " << bare_message(err);
  }
  const Op& op = *entry.op;
  const std::string here = where + " (" + op.name() + ")";

  entry.function = op.name();
  if (!e.contains("name") && !function_name_problem(op.name()).empty()) {
    user_error << here << ": the op's name cannot name a function of a package ("
               << function_name_problem(op.name()) << "); give the entry a \"name\"";
  }
  if (e.contains("name")) {
    if (!e["name"].is_string()) user_error << here << ": \"name\" must be a string";
    const std::string why = function_name_problem(e["name"].get<std::string>());
    if (!why.empty()) {
      user_error << here << ": \"name\" '" << e["name"].get<std::string>() << "' " << why
                 << "; it names the C function, the PyTorch op and the Python function";
    }
    entry.function = e["name"].get<std::string>();
  }

  OpSizes given;
  OpOptions options;
  std::set<std::string> free;
  const json shape = e.contains("shape") ? e["shape"] : json::object();
  if (!shape.is_object()) {
    user_error << here << ": \"shape\" must be an object such as {\"M\": 64, \"N\": \"N\"}";
  }
  for (auto it = shape.begin(); it != shape.end(); ++it) {
    const std::string& key = it.key();
    const json& v = it.value();
    if (has_option(op, key)) {
      if (!v.is_string()) user_error << here << ": option " << key << " takes a string";
      options[key] = v.get<std::string>();
      continue;
    }
    const OpParam* p = find_param(op, key);
    if (!p) {
      user_error << here << ": unknown parameter '" << key << "'; " << op.name()
                 << " accepts: " << accepted_names(op);
    }
    if (v.is_number_integer()) {
      given[key] = v.get<int64_t>();
    } else if (v.is_string()) {
      if (!p->symbolic) {
        user_error << here << ": " << key << " is a structural parameter of " << op.name()
                   << " and cannot be free; give it a number";
      }
      if (v.get<std::string>() != key) {
        user_error << here << ": free size " << key << " must be written \"" << key << "\": \""
                   << key << "\" (got \"" << v.get<std::string>()
                   << "\"); a free size keeps its parameter's name";
      }
      free.insert(key);
    } else {
      user_error << here << ": " << key << " must be an integer (a fixed size) or the string \""
                 << key << "\" (a free size)";
    }
  }
  try {
    entry.fixed = op.resolve_sizes(given);
    entry.options = op.resolve_options(options);
  } catch (const UserError& err) {
    user_error << here << ": " << bare_message(err);
  }
  for (const std::string& f : free) {
    entry.fixed.erase(f);
    entry.free.push_back(f);
  }
  return entry;
}

}  // namespace

bool is_c_identifier_name(const std::string& s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

PackageSpec parse_package_spec(const std::string& json_text, const std::string& origin) {
  json root;
  try {
    root = json::parse(json_text);
  } catch (const json::exception& e) {  // bad syntax, or a number out of range (1e309)
    user_error << origin << " is not valid JSON: " << e.what();
  }
  if (!root.is_object()) {
    user_error << origin << " must be a JSON object with \"name\" and \"ops\"";
  }
  check_keys(root, {"name", "target", "ops"}, origin);
  PackageSpec spec;
  if (!root.contains("name") || !root["name"].is_string()) {
    user_error << origin << ": \"name\" must be a C identifier such as \"myops\"; it prefixes "
               << "every function of the package and names lib<name>.so";
  }
  if (const std::string why = package_name_problem(root["name"].get<std::string>());
      !why.empty()) {
    user_error << origin << ": \"name\" '" << root["name"].get<std::string>() << "' " << why
               << "; it prefixes every function of the package and names lib<name>.so and "
               << "the Python module";
  }
  spec.name = root["name"].get<std::string>();
  spec.target = "llvm";
  if (root.contains("target")) {
    if (!root["target"].is_string()) user_error << origin << ": \"target\" must be a string";
    spec.target = root["target"].get<std::string>();
  }
  if (!root.contains("ops") || !root["ops"].is_array() || root["ops"].empty()) {
    user_error << origin << ": \"ops\" must be a non-empty array of {\"op\": ..., \"shape\": ...}";
  }
  for (size_t i = 0; i < root["ops"].size(); i++) {
    spec.entries.push_back(parse_entry(root["ops"][i], static_cast<int>(i), origin));
  }
  return spec;
}

PackageSpec load_package_spec(const std::string& path) {
  if (!std::ifstream(path)) user_error << "cannot read spec file '" << path << "'";
  return parse_package_spec(read_file_bounded(path, kMaxSpecFileBytes, "spec file"), path);
}

}  // namespace kiln
