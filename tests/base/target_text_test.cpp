// base/target.h: target strings read without LLVM, printed back, and the
// LLVM-checked parse_target/host_target of codegen agreeing with them.
#include <gtest/gtest.h>

#include <string>

#include "base/error.h"
#include "base/target.h"
#include "codegen/llvm/host_target.h"

namespace kiln {
namespace {

std::string refusal(const std::string& text) {
  try {
    read_target_text(text);
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

TEST(TargetText, HostAndBareLlvmMeanTheHost) {
  EXPECT_TRUE(read_target_text("host").is_host);
  EXPECT_TRUE(read_target_text("llvm").is_host);
  EXPECT_FALSE(read_target_text("llvm -mcpu=znver4").is_host);
  EXPECT_FALSE(read_target_text("cuda").is_host);
}

TEST(TargetText, OptionsAreReadAsWritten) {
  const Target t = read_target_text("llvm  -mcpu=nosuchcpu -mattr=+avx2,-avx512f").target;
  EXPECT_EQ(t.kind, Target::Kind::LLVM);
  EXPECT_EQ(t.cpu, "nosuchcpu");  // names are LLVM's to check (parse_target)
  EXPECT_EQ(t.features, "+avx2,-avx512f");
  EXPECT_EQ(t.triple, build_host_triple());
  const Target c = read_target_text("cuda -arch=sm_90").target;
  EXPECT_EQ(c.kind, Target::Kind::CUDA);
  EXPECT_EQ(c.sm, 90);
  EXPECT_EQ(read_target_text("llvm -mtriple=aarch64-linux-gnu").target.triple,
            "aarch64-linux-gnu");
}

TEST(TargetText, StrReadsBack) {
  for (const std::string text :
       {"llvm -mcpu=znver4 -mattr=+avx512f", "llvm -mcpu=generic", "cuda -arch=sm_80", "cuda",
        "llvm -mcpu=generic -mtriple=aarch64-linux-gnu"}) {
    const Target t = read_target_text(text).target;
    EXPECT_EQ(t.str(), text);
    const Target back = read_target_text(t.str()).target;
    EXPECT_EQ(back.kind, t.kind);
    EXPECT_EQ(back.cpu, t.cpu);
    EXPECT_EQ(back.features, t.features);
    EXPECT_EQ(back.triple, t.triple);
    EXPECT_EQ(back.sm, t.sm);
  }
}

TEST(TargetText, BadSyntaxIsRefusedNamingThePart) {
  EXPECT_NE(refusal("").find("empty target"), std::string::npos);
  EXPECT_NE(refusal("tpu").find("unknown target kind 'tpu'"), std::string::npos);
  EXPECT_NE(refusal("llvm -mcpu").find("bad option '-mcpu'"), std::string::npos);
  EXPECT_NE(refusal("llvm -mattr=avx2").find("bad feature 'avx2'"), std::string::npos);
  EXPECT_NE(refusal("llvm -O3=yes").find("unknown option '-O3'"), std::string::npos);
  EXPECT_NE(refusal("cuda -arch=sm_9x").find("bad option '-arch=sm_9x'"), std::string::npos);
  EXPECT_NE(refusal("cuda -arch=sm_0").find("bad option"), std::string::npos);
}

// The host target's triple is the one base/ prints without -mtriple, so
// host keys in tuning databases read the same as before base/ existed.
TEST(TargetText, TheHostTargetUsesTheBuildTriple) {
  const Target host = host_target();
  EXPECT_EQ(host.triple, build_host_triple());
  EXPECT_EQ(host.str().find("-mtriple"), std::string::npos) << host.str();
  EXPECT_EQ(parse_target("host").str(), host.str());
  EXPECT_EQ(parse_target(host.str()).str(), host.str());
}

TEST(TargetText, ParseTargetChecksWhatOnlyLlvmKnows) {
  EXPECT_NO_THROW(read_target_text("llvm -mcpu=nosuchcpu"));
  try {
    parse_target("llvm -mcpu=nosuchcpu");
    ADD_FAILURE() << "an unknown CPU was accepted";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown CPU 'nosuchcpu'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse_target("llvm -mtriple=nosuch-arch-none"), UserError);
}

}  // namespace
}  // namespace kiln
