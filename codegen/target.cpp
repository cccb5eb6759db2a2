// Targets: the host as LLVM sees it, and the textual form users write
// ("llvm -mcpu=znver4 -mattr=+avx512f", "cuda -arch=sm_90").
//
// The host's features come from llvm::sys::getHostCPUFeatures: LLVM 16 calls
// Zen 5 "generic", and a generic CPU without an explicit feature list would
// get SSE2 code.
#include "codegen/target.h"

#include <llvm/ADT/StringMap.h>
#include <llvm/MC/MCSubtargetInfo.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/TargetParser/Host.h>

#include <algorithm>
#include <memory>
#include <sstream>
#include <vector>

#include "codegen/llvm/codegen_llvm.h"
#include "dsl/error.h"

namespace kiln {

namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, sep)) {
    if (!cur.empty()) parts.push_back(cur);
  }
  return parts;
}

/// LLVM's view of a CPU with features; null when the triple is unknown.
std::unique_ptr<llvm::MCSubtargetInfo> subtarget_info(const Target& t) {
  initialize_llvm();
  std::string err;
  const llvm::Target* target = llvm::TargetRegistry::lookupTarget(t.triple, err);
  if (!target) return nullptr;
  return std::unique_ptr<llvm::MCSubtargetInfo>(
      target->createMCSubtargetInfo(t.triple, t.cpu, t.features));
}

Target parse_llvm(const std::string& text, const std::vector<std::string>& options) {
  Target t;
  t.kind = Target::Kind::LLVM;
  t.triple = llvm::sys::getProcessTriple();
  t.cpu = "generic";
  for (const std::string& opt : options) {
    size_t eq = opt.find('=');
    std::string key = opt.substr(0, eq);
    std::string value = eq == std::string::npos ? "" : opt.substr(eq + 1);
    if (eq == std::string::npos || value.empty()) {
      user_error << "bad option '" << opt << "' in target '" << text
                 << "'; options look like -mcpu=NAME, -mattr=+a,-b or -mtriple=TRIPLE";
    }
    if (key == "-mcpu") {
      t.cpu = value;
    } else if (key == "-mattr") {
      for (const std::string& f : split(value, ',')) {
        if (f.size() < 2 || (f[0] != '+' && f[0] != '-')) {
          user_error << "bad feature '" << f << "' in target '" << text
                     << "'; write features as +name or -name, e.g. -mattr=+avx512f,-avx512bw";
        }
      }
      t.features = value;
    } else if (key == "-mtriple") {
      t.triple = value;
    } else {
      user_error << "unknown option '" << key << "' in target '" << text
                 << "'; llvm targets accept -mcpu=, -mattr= and -mtriple=";
    }
  }
  initialize_llvm();
  std::string err;
  if (!llvm::TargetRegistry::lookupTarget(t.triple, err)) {
    user_error << "unknown target triple '" << t.triple << "' in target '" << text
               << "'; this kiln's LLVM supports the host triple " << llvm::sys::getProcessTriple();
  }
  // The CPU is checked against a generic subtarget: one built with an
  // unknown CPU makes LLVM print its own warning (twice).
  Target generic = t;
  generic.cpu = "generic";
  generic.features = "";
  auto sti = subtarget_info(generic);
  if (t.cpu != "generic" && !sti->isCPUStringValid(t.cpu)) {
    user_error << "unknown CPU '" << t.cpu << "' in target '" << text
               << "'; use a name LLVM 16 knows (e.g. znver4, skylake-avx512, x86-64-v4) or 'host'";
  }
  return t;
}

Target parse_cuda(const std::string& text, const std::vector<std::string>& options) {
  Target t;
  t.kind = Target::Kind::CUDA;
  t.triple = "nvptx64-nvidia-cuda";
  for (const std::string& opt : options) {
    const std::string prefix = "-arch=sm_";
    int sm = 0;
    if (opt.compare(0, prefix.size(), prefix) == 0) {
      try {
        size_t used = 0;
        std::string digits = opt.substr(prefix.size());
        sm = std::stoi(digits, &used);
        if (used != digits.size()) sm = 0;
      } catch (...) {
        sm = 0;
      }
    }
    if (sm <= 0) {
      user_error << "bad option '" << opt << "' in target '" << text
                 << "'; cuda targets accept -arch=sm_XX, e.g. 'cuda -arch=sm_90'";
    }
    t.sm = sm;
  }
  return t;
}

}  // namespace

Target Target::host() {
  Target t;
  t.kind = Kind::LLVM;
  t.triple = llvm::sys::getProcessTriple();
  t.cpu = llvm::sys::getHostCPUName().str();
  llvm::StringMap<bool> host_features;
  std::vector<std::string> list;
  if (llvm::sys::getHostCPUFeatures(host_features)) {
    for (const auto& kv : host_features) {
      list.push_back((kv.second ? "+" : "-") + kv.first().str());
    }
  }
  // Sorted, so the same machine always gives the same string (it is part
  // of compile-cache and tuning-database keys).
  std::sort(list.begin(), list.end());
  std::string features;
  for (const std::string& f : list) features += (features.empty() ? "" : ",") + f;
  t.features = features;
  return t;
}

Target Target::parse(const std::string& s) {
  std::vector<std::string> words = split(s, ' ');
  if (words.empty()) {
    user_error << "empty target; use 'host', 'llvm -mcpu=NAME -mattr=+a,-b' or 'cuda -arch=sm_XX'";
  }
  std::vector<std::string> options(words.begin() + 1, words.end());
  if (words[0] == "host" || (words[0] == "llvm" && options.empty())) {
    if (!options.empty()) {
      user_error << "target 'host' takes no options, got '" << s
                 << "'; write 'llvm -mcpu=... -mattr=...' to describe another CPU";
    }
    return host();
  }
  if (words[0] == "llvm") return parse_llvm(s, options);
  if (words[0] == "cuda") return parse_cuda(s, options);
  user_error << "unknown target kind '" << words[0] << "' in '" << s
             << "'; use 'host', 'llvm' or 'cuda'";
  return Target();
}

std::string Target::str() const {
  if (kind == Kind::CUDA) return sm > 0 ? "cuda -arch=sm_" + std::to_string(sm) : "cuda";
  std::string s = "llvm -mcpu=" + cpu;
  if (!features.empty()) s += " -mattr=" + features;
  if (triple != llvm::sys::getProcessTriple()) s += " -mtriple=" + triple;
  return s;
}

bool Target::has_feature(const std::string& name) const {
  if (kind != Kind::LLVM) return false;
  // Ask LLVM rather than scanning the feature string: a CPU name such as
  // skylake-avx512 implies features the string does not list.
  auto sti = subtarget_info(*this);
  return sti && sti->checkFeatures("+" + name);
}

int Target::natural_vector_lanes_f32() const {
  if (kind != Kind::LLVM) return 1;
  if (has_feature("avx512f")) return 16;
  if (has_feature("avx")) return 8;
  return 4;
}

}  // namespace kiln
