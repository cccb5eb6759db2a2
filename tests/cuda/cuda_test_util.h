#pragma once
// Shared by the CUDA tests: compiling generated source with NVRTC and
// assembling the PTX with the toolkit's ptxas (a subprocess), and the skip
// rules. Without NVRTC or ptxas a test reports itself skipped, never passed;
// tests that launch kernels skip with "no CUDA device" when there is none.
#include <gtest/gtest.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "codegen/cuda/codegen_cuda.h"
#include "codegen/cuda/cuda_kernel.h"
#include "codegen/cuda/nvrtc.h"
#include "base/error.h"
#include "codegen/llvm/host_target.h"
#include "runtime/cuda_driver.h"

namespace kiln {
namespace cuda_test {

/// The ptxas to run, or "" when none was found at configure time.
inline std::string ptxas_path() {
#ifdef KILN_PTXAS_PATH
  return KILN_PTXAS_PATH;
#else
  return "";
#endif
}

/// Skips the current test when NVRTC cannot be loaded.
#define KILN_REQUIRE_NVRTC()                                               \
  do {                                                                     \
    std::string why_;                                                      \
    if (!::kiln::nvrtc_available(&why_)) GTEST_SKIP() << why_;             \
  } while (0)

/// Skips the current test when no GPU can run kernels.
#define KILN_REQUIRE_DEVICE()                                              \
  do {                                                                     \
    std::string why_;                                                      \
    if (!::kiln::cuda::device_available(&why_))                            \
      GTEST_SKIP() << "no CUDA device: " << why_;                          \
  } while (0)

/// Assembles PTX for sm_<arch> with ptxas; returns "" on success, else
/// ptxas's output. Fails the test when ptxas is missing.
inline std::string assemble(const std::string& ptx, int arch, const std::string& tag) {
  const std::string ptxas = ptxas_path();
  if (ptxas.empty()) return "ptxas was not found when kiln was configured";
  const std::string dir = ::testing::TempDir();
  std::string name;
  for (char c : tag) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  const std::string file = dir + "/kiln_" + name + "_sm" + std::to_string(arch) + ".ptx";
  const std::string log = file + ".log";
  std::ofstream(file) << ptx;
  const std::string cmd = ptxas + " -arch=sm_" + std::to_string(arch) + " " + file +
                          " -o /dev/null > " + log + " 2>&1";
  const int rc = std::system(cmd.c_str());
  std::ifstream in(log);
  std::string out((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::remove(file.c_str());
  std::remove(log.c_str());
  return rc == 0 ? "" : "ptxas exit " + std::to_string(rc) + ": " + out;
}

/// Generates the source of sch for sm_<arch>, compiles it with NVRTC and
/// assembles the PTX; expects both to succeed. Returns the source.
inline std::string expect_compiles(const Schedule& sch, int arch, const std::string& tag) {
  const Target target = parse_target("cuda -arch=sm_" + std::to_string(arch));
  const GpuProgram program = lower_gpu(sch, target);
  const std::string source = codegen_cuda(program, target);
  std::string ptx;
  try {
    ptx = compile_cuda_to_ptx(source, arch);
  } catch (const Error& e) {
    ADD_FAILURE() << tag << " sm_" << arch << ": " << e.what() << "\nsource:\n" << source;
    return source;
  }
  EXPECT_NE(ptx.find(".target sm_" + std::to_string(arch)), std::string::npos) << tag;
  EXPECT_EQ(assemble(ptx, arch, tag), "") << tag << "\nsource:\n" << source;
  return source;
}

}  // namespace cuda_test
}  // namespace kiln
