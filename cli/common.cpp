#include "cli/common.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <new>
#include <set>
#include <sstream>

namespace kiln::cli {
namespace {

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

std::string known_names(const Op& op) {
  std::ostringstream os;
  for (const OpParam& p : op.params()) os << (os.tellp() > 0 ? ", " : "") << p.name;
  for (const OpOption& o : op.options()) os << (os.tellp() > 0 ? ", " : "") << o.name;
  return os.str();
}

bool has_option(const Op& op, const std::string& name) {
  for (const OpOption& o : op.options()) {
    if (o.name == name) return true;
  }
  return false;
}

bool has_param(const Op& op, const std::string& name) {
  for (const OpParam& p : op.params()) {
    if (p.name == name) return true;
  }
  return false;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> parse_assignments(const std::string& text) {
  const std::string example = "e.g. --shape M=1024,N=1024,K=1024";
  if (trim(text).empty()) user_error << "--shape is empty; " << example;
  std::vector<std::pair<std::string, std::string>> out;
  std::set<std::string> seen;
  std::stringstream ss(text);
  std::string entry;
  while (std::getline(ss, entry, ',')) {
    entry = trim(entry);
    const size_t eq = entry.find('=');
    if (eq == std::string::npos) {
      user_error << "--shape entry '" << entry << "' has no '='; write NAME=VALUE, " << example;
    }
    const std::string name = trim(entry.substr(0, eq)), value = trim(entry.substr(eq + 1));
    if (name.empty() || value.empty()) {
      user_error << "--shape entry '" << entry << "' needs a name and a value, " << example;
    }
    if (!seen.insert(name).second) user_error << "--shape gives " << name << " twice";
    out.emplace_back(name, value);
  }
  return out;
}

Workload make_workload(const std::string& op_name, const std::string& shape,
                       const std::string& dtype) {
  Workload w;
  w.op = &find_op(op_name);
  OpSizes sizes;
  OpOptions options;
  if (!shape.empty()) {
    for (const auto& [name, value] : parse_assignments(shape)) {
      if (has_option(*w.op, name)) {
        options[name] = value;
        continue;
      }
      if (!has_param(*w.op, name)) {
        user_error << "unknown parameter '" << name << "' for op " << op_name
                   << "; valid parameters: " << known_names(*w.op);
      }
      char* end = nullptr;
      errno = 0;
      const long long v = std::strtoll(value.c_str(), &end, 10);
      if (*end != '\0' || errno == ERANGE) {
        user_error << "--shape entry " << name << "=" << value << ": '" << value
                   << "' is not an integer; parameter " << name << " of op " << op_name
                   << " takes a positive integer";
      }
      sizes[name] = v;
    }
  }
  if (!dtype.empty()) options["dtype"] = dtype;
  w.sizes = w.op->resolve_sizes(sizes);
  w.options = w.op->resolve_options(options);
  w.def = w.op->define(w.sizes, w.options);
  return w;
}

Schedule load_schedule(const Workload& w, const Target& target, const std::string& source) {
  if (source.empty() || source == "default") {
    if (target.kind == Target::Kind::CUDA) return w.op->default_gpu_schedule(w.def, target);
    return w.op->default_schedule(w.def, target);
  }
  if (!std::ifstream(source).good()) {
    user_error << "schedule file '" << source << "' cannot be read; --schedule takes 'default' "
               << "or a trace JSON file such as the one `kiln show " << w.op->name()
               << " --stage trace` prints";
  }
  return Schedule::replay(w.def, Trace::load(source));
}

nlohmann::json shape_json(const Workload& w) {
  nlohmann::json shape = nlohmann::json::object();
  for (const OpParam& p : w.op->params()) shape[p.name] = w.sizes.at(p.name);
  return shape;
}

std::string shape_string(const Workload& w) {
  std::ostringstream os;
  for (const OpParam& p : w.op->params()) {
    os << (os.tellp() > 0 ? "," : "") << p.name << "=" << w.sizes.at(p.name);
  }
  return os.str();
}

int run_guarded(const Action& action) {
  auto report = [](const std::string& what) {
    // kiln's own messages already start with "kiln: ".
    std::cerr << (what.rfind("kiln:", 0) == 0 ? "" : "kiln: ") << what << "\n";
    return 1;
  };
  try {
    return action();
  } catch (const Error& e) {
    return report(e.what());
  } catch (const std::bad_alloc&) {
    return report("out of memory; try smaller sizes in --shape");
  } catch (const std::exception& e) {
    return report(std::string("unexpected error: ") + e.what());
  }
}

double now_ms() {
  using namespace std::chrono;
  return duration<double, std::milli>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace kiln::cli

namespace kiln::cli {

void check_output_writable(const std::string& option, const std::string& path) {
  if (path.empty()) return;
  namespace fs = std::filesystem;
  const fs::path p(path);
  std::error_code ec;
  const char* example = option == "--save" ? "best.json" : "report.html";
  if (fs::is_directory(p, ec))
    user_error << option << " '" << path << "' is a directory; name a file, e.g. " << (p / example).string();
  const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  if (!fs::is_directory(dir, ec))
    user_error << option << " '" << path << "': the directory '" << dir.string() << "' does not exist";
  const bool exists = fs::exists(p, ec);
  if (::access((exists ? p : dir).c_str(), W_OK) != 0) {
    user_error << option << " '" << path << "': " << (exists ? "the file" : "the directory '" + dir.string() + "'")
               << " is not writable";
  }
}

}  // namespace kiln::cli
