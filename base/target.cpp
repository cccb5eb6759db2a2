// Target strings: reading "llvm -mcpu=... -mattr=...", "cuda -arch=sm_XX"
// and "host", and writing a Target back in the same form.
#include "base/target.h"

#include <sstream>
#include <vector>

#include "base/error.h"

#ifndef KILN_BUILD_HOST_TRIPLE
#error "KILN_BUILD_HOST_TRIPLE must name LLVM's host triple (CMakeLists.txt sets it)"
#endif

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

Target read_llvm(const std::string& text, const std::vector<std::string>& options) {
  Target t;
  t.kind = Target::Kind::LLVM;
  t.triple = build_host_triple();
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
  return t;
}

Target read_cuda(const std::string& text, const std::vector<std::string>& options) {
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

std::string build_host_triple() { return KILN_BUILD_HOST_TRIPLE; }

TargetText read_target_text(const std::string& text) {
  std::vector<std::string> words = split(text, ' ');
  if (words.empty()) {
    user_error << "empty target; use 'host', 'llvm -mcpu=NAME -mattr=+a,-b' or 'cuda -arch=sm_XX'";
  }
  std::vector<std::string> options(words.begin() + 1, words.end());
  TargetText read;
  if (words[0] == "host" || (words[0] == "llvm" && options.empty())) {
    if (!options.empty()) {
      user_error << "target 'host' takes no options, got '" << text
                 << "'; write 'llvm -mcpu=... -mattr=...' to describe another CPU";
    }
    read.is_host = true;
  } else if (words[0] == "llvm") {
    read.target = read_llvm(text, options);
  } else if (words[0] == "cuda") {
    read.target = read_cuda(text, options);
  } else {
    user_error << "unknown target kind '" << words[0] << "' in '" << text
               << "'; use 'host', 'llvm' or 'cuda'";
  }
  return read;
}

std::string Target::str() const {
  if (kind == Kind::CUDA) return sm > 0 ? "cuda -arch=sm_" + std::to_string(sm) : "cuda";
  std::string s = "llvm -mcpu=" + cpu;
  if (!features.empty()) s += " -mattr=" + features;
  if (triple != build_host_triple()) s += " -mtriple=" + triple;
  return s;
}

std::string short_target(const std::string& target) {
  const size_t arch = target.find(" -arch=");
  if (target.rfind("cuda", 0) == 0 && arch != std::string::npos)
    return "cuda " + target.substr(arch + 7);
  const size_t p = target.find("-mcpu=");
  if (p == std::string::npos) return target;
  const size_t end = target.find(' ', p);
  return target.substr(p + 6, end == std::string::npos ? std::string::npos : end - p - 6);
}

}  // namespace kiln
