// Package specs and plans: what a spec may say, the refusals of what it may
// not (each naming the entry and the fix), how entries group into
// functions and order their kernels, and the generated sources' text.
#include <gtest/gtest.h>


#include "base/error.h"
#include "codegen/llvm/host_target.h"
#include "package/c_api.h"
#include "package/dlpack_header.h"
#include "package/plan.h"
#include "package/python_loader.h"
#include "package/spec.h"
#include "package/torch_extension.h"

namespace kiln {
namespace {

std::string refusal(const std::string& spec) {
  try {
    parse_package_spec(spec, "spec.json");
  } catch (const UserError& e) {
    return e.what();
  }
  return "(accepted)";
}

std::string plan_refusal(const std::string& spec) {
  try {
    plan_package(parse_package_spec(spec, "spec.json"), host_target());
  } catch (const UserError& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(PackageSpec, ParsesFixedFreeAndDefaultSizes) {
  PackageSpec s = parse_package_spec(
      R"({"name": "myops", "ops": [{"op": "matmul", "shape": {"M": 64, "N": "N"}}]})");
  EXPECT_EQ(s.name, "myops");
  EXPECT_EQ(s.target, "llvm");
  ASSERT_EQ(s.entries.size(), 1u);
  const PackageEntry& e = s.entries[0];
  EXPECT_EQ(e.function, "matmul");
  EXPECT_EQ(e.fixed.at("M"), 64);
  EXPECT_EQ(e.fixed.at("K"), 1024);  // the op's default
  EXPECT_EQ(e.fixed.count("N"), 0u);
  EXPECT_EQ(e.free, std::vector<std::string>{"N"});
  EXPECT_EQ(e.options.at("dtype"), "f32");
}

TEST(PackageSpec, RefusesWhatItCannotBuild) {
  EXPECT_NE(refusal("{").find("spec.json is not valid JSON"), std::string::npos);
  EXPECT_NE(refusal(R"({"name": "my-ops", "ops": [{"op": "matmul"}]})").find("must be a C identifier"),
            std::string::npos);
  EXPECT_NE(refusal(R"({"name": "p", "ops": []})").find("\"ops\" must be a non-empty array"),
            std::string::npos);
  EXPECT_NE(refusal(R"({"name": "p", "ops": [{"op": "matmull"}]})").find("ops[0]: unknown op 'matmull'"),
            std::string::npos);
  EXPECT_NE(refusal(R"({"name": "p", "ops": [{"op": "matmul", "shape": {"Q": 1}}]})")
                .find("ops[0] (matmul): unknown parameter 'Q'; matmul accepts: M, N, K"),
            std::string::npos);
  EXPECT_NE(refusal(R"({"name": "p", "ops": [{"op": "matmul", "shape": {"M": "rows"}}]})")
                .find("free size M must be written \"M\": \"M\""),
            std::string::npos);
  EXPECT_NE(refusal(R"({"name": "p", "ops": [{"op": "matmul", "shape": {"M": 0}}]})").find("ops[0] (matmul): "),
            std::string::npos);
  EXPECT_NE(refusal(R"({"name": "p", "ops": [{"op": "matmul", "shape": {"M": 1.5}}]})")
                .find("M must be an integer (a fixed size) or the string \"M\""),
            std::string::npos);
  EXPECT_NE(refusal(R"({"name": "p", "ops": [{"op": "matmul"}], "extra": 1})").find("unknown field \"extra\""),
            std::string::npos);
  EXPECT_NE(refusal(R"({"name": "p", "ops": [{"op": "conv2d", "shape": {"stride": "stride"}}]})")
                .find("stride is a structural parameter of conv2d and cannot be free"),
            std::string::npos);
}

TEST(PackagePlan, GroupsEntriesAndPutsSpecializationsFirst) {
  PackagePlan plan = plan_package(parse_package_spec(R"({"name": "p", "ops": [
      {"op": "matmul", "shape": {"M": "M", "N": "N", "K": 8}},
      {"op": "matmul", "shape": {"M": 4, "N": "N", "K": 8}},
      {"op": "matmul", "shape": {"M": 4, "N": 4, "K": 8}},
      {"op": "matmul", "name": "mm2", "shape": {"M": 2, "N": 2, "K": 2}}]})"),
                                  host_target());
  ASSERT_EQ(plan.functions.size(), 2u);
  const PackageFunction& mm = plan.functions[0];
  EXPECT_EQ(mm.name, "p_matmul");
  ASSERT_EQ(mm.kernels.size(), 3u);
  EXPECT_EQ(kernel_sizes_text(mm, mm.kernels[0]), "M=4,N=4,K=8");
  EXPECT_EQ(kernel_sizes_text(mm, mm.kernels[1]), "M=4,N=N,K=8");
  EXPECT_EQ(kernel_sizes_text(mm, mm.kernels[2]), "M=M,N=N,K=8");
  EXPECT_EQ(mm.kernels[0].symbol, "p__matmul_0");
  EXPECT_EQ(plan.functions[1].name, "p_mm2");
  // Sizes are read from the inputs, in the op's parameter order.
  ASSERT_EQ(mm.bindings.size(), 3u);
  EXPECT_EQ(mm.bindings[0].var, "M");
  EXPECT_EQ(mm.bindings[2].var, "K");
  EXPECT_EQ(mm.bindings[2].arg, 0);
  EXPECT_EQ(mm.bindings[2].dim, 1);
}

TEST(PackagePlan, RefusesAmbiguousEntries) {
  EXPECT_NE(plan_refusal(R"({"name": "p", "ops": [{"op": "matmul", "shape": {"M": 4}},
                                                  {"op": "matmul", "shape": {"M": 4}}]})")
                .find("ops[1] (matmul) repeats the sizes of ops[0]"),
            std::string::npos);
  EXPECT_NE(plan_refusal(R"({"name": "p", "ops": [{"op": "conv2d", "shape": {"stride": 1}},
                                                  {"op": "conv2d", "shape": {"stride": 2}}]})")
                .find("differ in options or structural parameters (dtype=f32,layout=nchw,dilation=1,pad=1,stride=2 "
                      "vs dtype=f32,layout=nchw,dilation=1,pad=1,stride=1)"),
            std::string::npos);
  EXPECT_NE(plan_refusal(R"({"name": "p", "ops": [{"op": "matmul", "name": "x"},
                                                  {"op": "softmax", "name": "x"}]})")
                .find("makes function p_x, which ops[0] (matmul) already makes"),
            std::string::npos);
}

TEST(PackageSources, HeaderWrapperAndBindingsNameEveryFunction) {
  PackagePlan plan = plan_package(
      parse_package_spec(R"({"name": "q", "ops": [{"op": "matmul", "shape": {"M": 3, "N": "N", "K": 5}}]})"),
      host_target());
  const std::string h = package_c_header(plan);
  EXPECT_NE(h.find("int q_matmul(const DLTensor* A, const DLTensor* B, DLTensor* C);"), std::string::npos) << h;
  EXPECT_NE(h.find("int q_matmul_output_shapes(const DLTensor* A, const DLTensor* B, int64_t* C_shape);"),
            std::string::npos);
  EXPECT_NE(h.find("#define Q_ERROR_LAYOUT 5"), std::string::npos);
  EXPECT_NE(h.find("const char* q_last_error(void);"), std::string::npos);
  const std::string c = package_c_wrapper(plan);
  EXPECT_NE(c.find("int q__matmul_0(const float*, const float*, float*, int64_t);"), std::string::npos) << c;
  EXPECT_NE(c.find("if (s[0] == INT64_C(3) && s[2] == INT64_C(5)) {"), std::string::npos) << c;
  EXPECT_EQ(c.find("@P@"), std::string::npos);
  const std::string t = torch_extension_source(plan);
  EXPECT_NE(t.find("TORCH_LIBRARY(q, m)"), std::string::npos);
  EXPECT_NE(t.find("m.def(\"matmul(Tensor A, Tensor B) -> Tensor\", matmul);"), std::string::npos) << t;
  const std::string py = python_loader_source(plan);
  EXPECT_NE(py.find("def matmul(A, B):"), std::string::npos) << py;
  EXPECT_NE(py.find("libq.so"), std::string::npos);
  const std::vector<std::string> exported = package_exported_symbols(plan);
  EXPECT_EQ(exported.size(), 5u);
}

TEST(PackageSources, DlpackHeaderHasTheReferenceGuard) {
  // runtime/dlpack.h, embedded at build time, under the reference header's
  // guard (so PyTorch's ATen/dlpack.h and ours define the structs once).
  const std::string& h = package_dlpack_header();
  EXPECT_EQ(h.rfind("#ifndef DLPACK_DLPACK_H_", 0), 0u) << h;
  EXPECT_EQ(h.find("#pragma once"), std::string::npos) << h;
  EXPECT_NE(h.find("typedef struct DLManagedTensor DLManagedTensor;"), std::string::npos) << h;
}

}  // namespace
}  // namespace kiln

namespace kiln {
namespace {

TEST(PackageNames, NamesThatBreakTheGeneratedCodeAreRefusedWithTheReason) {
  auto spec = [](const std::string& package, const std::string& function) {
    return R"({"name": ")" + package + R"(", "ops": [{"op": "relu", "shape": {"M": 4, "N": 4}, "name": ")" +
           function + R"("}]})";
  };
  auto refused = [](const std::string& json) -> std::string {
    try {
      parse_package_spec(json, "spec.json");
    } catch (const UserError& e) {
      return e.what();
    }
    return "";
  };
  const std::pair<std::string, std::string> bad_functions[] = {
      {"return", "keyword of C, C++ or Python"},    {"def", "keyword"},
      {"class", "keyword"},                         {"delete", "keyword"},
      {"np", "Python loader or the C header"},      {"_check", "starts with '_'"},
      {"last_error", "already defines"},            {"set_num_threads", "already defines"},
      {"load_torch", "already defines"},            {"relu_output_shapes", "ends with '_output_shapes'"},
      {"relu_sizes", "ends with '_sizes'"},         {std::string(65, 'f'), "at most 64"},
      {"9lives", "starts with a digit"},            {"my-relu", "must be a C identifier"},
  };
  for (const auto& [name, why] : bad_functions) {
    SCOPED_TRACE("function " + name);
    const std::string e = refused(spec("myops", name));
    EXPECT_NE(e.find(why), std::string::npos) << e;
    EXPECT_NE(e.find("ops[0]"), std::string::npos) << e;
  }
  const std::pair<std::string, std::string> bad_packages[] = {
      {"numpy", "module the package imports"}, {"torch", "module the package imports"},
      {"ctypes", "module the package imports"}, {"kiln", "kiln's own library"},
      {"dlpack", "kiln's own library"},         {"while", "keyword"},
      {"_ops", "starts with '_'"},              {std::string(80, 'p'), "80 characters long"},
  };
  for (const auto& [name, why] : bad_packages) {
    SCOPED_TRACE("package " + name);
    const std::string e = refused(spec(name, "my_relu"));
    EXPECT_NE(e.find(why), std::string::npos) << e;
  }
  // Names that are fine stay fine.
  EXPECT_EQ(refused(spec("myops", "relu_fast")), "");
  EXPECT_EQ(refused(spec("ops2", "output_shapes_of")), "");
}

}  // namespace
}  // namespace kiln
