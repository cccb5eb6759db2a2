// Target without LLVM, for building kiln's CUDA path on a GPU machine that
// has no LLVM 16 (scripts/cuda_device_check.sh): the host is a generic
// x86-64, and CUDA targets parse as in codegen/target.cpp.
#include <sstream>
#include <vector>

#include "codegen/target.h"
#include "dsl/error.h"

namespace kiln {

Target Target::host() {
  Target t;
  t.triple = "x86_64-pc-linux-gnu";
  t.cpu = "generic";
  return t;
}

Target Target::parse(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  if (words.empty() || words[0] != "cuda") return host();
  Target t;
  t.kind = Kind::CUDA;
  t.triple = "nvptx64-nvidia-cuda";
  for (size_t i = 1; i < words.size(); ++i) {
    const std::string prefix = "-arch=sm_";
    if (words[i].compare(0, prefix.size(), prefix) != 0) user_error << "bad option '" << words[i] << "'";
    t.sm = std::stoi(words[i].substr(prefix.size()));
  }
  return t;
}

std::string Target::str() const {
  if (kind == Kind::CUDA) return sm > 0 ? "cuda -arch=sm_" + std::to_string(sm) : "cuda";
  return "llvm -mcpu=" + cpu;
}

bool Target::has_feature(const std::string&) const { return false; }

int Target::natural_vector_lanes_f32() const { return kind == Kind::LLVM ? 4 : 1; }

}  // namespace kiln
