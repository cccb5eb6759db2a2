// Targets as LLVM sees them: the host, checked target strings and feature
// queries (see host_target.h).
#include "codegen/llvm/host_target.h"

#include <llvm/ADT/StringMap.h>
#include <llvm/MC/MCSubtargetInfo.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/TargetParser/Host.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "base/error.h"
#include "codegen/llvm/codegen_llvm.h"

namespace kiln {

namespace {

/// LLVM's view of a CPU with features; null when the triple is unknown.
std::unique_ptr<llvm::MCSubtargetInfo> subtarget_info(const Target& t) {
  initialize_llvm();
  std::string err;
  const llvm::Target* target = llvm::TargetRegistry::lookupTarget(t.triple, err);
  if (!target) return nullptr;
  return std::unique_ptr<llvm::MCSubtargetInfo>(
      target->createMCSubtargetInfo(t.triple, t.cpu, t.features));
}

/// Refuses a triple or CPU name this LLVM does not know.
void check_llvm_target(const Target& t, const std::string& text) {
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
}

}  // namespace

Target host_target() {
  Target t;
  t.kind = Target::Kind::LLVM;
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

Target parse_target(const std::string& text) {
  TargetText read = read_target_text(text);
  if (read.is_host) return host_target();
  if (read.target.kind == Target::Kind::LLVM) check_llvm_target(read.target, text);
  return read.target;
}

bool target_has_feature(const Target& target, const std::string& name) {
  if (target.kind != Target::Kind::LLVM) return false;
  // Ask LLVM rather than scanning the feature string: a CPU name such as
  // skylake-avx512 implies features the string does not list.
  auto sti = subtarget_info(target);
  return sti && sti->checkFeatures("+" + name);
}

int natural_vector_lanes_f32(const Target& target) {
  if (target.kind != Target::Kind::LLVM) return 1;
  if (target_has_feature(target, "avx512f")) return 16;
  if (target_has_feature(target, "avx")) return 8;
  return 4;
}

}  // namespace kiln
