// `kiln package` on the command line: a package builds from a spec file, a
// bad spec is one clear message with exit code 1, and bad flags exit 2.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

namespace {

namespace fs = std::filesystem;

struct CliRun {
  int rc;
  std::string out, err;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

CliRun kiln(const std::string& args, const fs::path& dir) {
  const fs::path out = dir / "stdout.txt", err = dir / "stderr.txt";
  const int rc = std::system((std::string(KILN_CLI_PATH) + " " + args + " > " + out.string() + " 2> " +
                              err.string()).c_str());
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, slurp(out), slurp(err)};
}

fs::path fresh_dir(const std::string& name) {
  fs::path dir = fs::path(KILN_BINARY_DIR) / "test_outputs" / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

TEST(PackageCli, BuildsAPackageAndReportsDefaultSchedules) {
  const fs::path dir = fresh_dir("package_cli_ok");
  std::ofstream(dir / "spec.json")
      << R"({"name": "cli_ops", "ops": [{"op": "softmax", "shape": {"M": "M", "N": 33}}]})";
  CliRun r = kiln("package --spec " + (dir / "spec.json").string() + " --out " + (dir / "pkg").string() +
                   " --db " + (dir / "empty.db").string(),
               dir);
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.out.find("package cli_ops: 1 functions, 1 kernels"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("cli_ops_softmax [M=M,N=33]: default schedule (free sizes are not tuned)"),
            std::string::npos)
      << r.out;
  EXPECT_TRUE(fs::is_regular_file(dir / "pkg" / "libcli_ops.so"));
  EXPECT_FALSE(fs::exists(dir / "pkg" / "build")) << "the scratch directory is removed";

  r = kiln("package --json --spec " + (dir / "spec.json").string() + " --out " + (dir / "pkg2").string() +
               " --db " + (dir / "empty.db").string(),
           dir);
  ASSERT_EQ(r.rc, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["package"], "cli_ops");
  ASSERT_EQ(j["kernels"].size(), 1u);
  EXPECT_EQ(j["kernels"][0]["sizes"], "M=M,N=33");
  EXPECT_EQ(j["kernels"][0]["schedule_source"], "default");
  EXPECT_GT(j["kernels"][0]["compile_ms"].get<double>(), 0.0);
}

TEST(PackageCli, WritesOnlyIntoANewEmptyOrKilnMadeDirectory) {
  // Before: --out DIR deleted DIR/build and overwrote DIR/README.md.
  const fs::path dir = fresh_dir("package_cli_out");
  std::ofstream(dir / "spec.json")
      << R"({"name": "out_ops", "ops": [{"op": "relu", "shape": {"M": 5, "N": 7}}]})";
  const std::string spec = " --spec " + (dir / "spec.json").string() + " --db " + (dir / "empty.db").string();
  const fs::path project = dir / "project";
  fs::create_directories(project / "build");
  std::ofstream(project / "README.md") << "my project\n";
  std::ofstream(project / "build" / "keep.o") << "mine";
  CliRun r = kiln("package" + spec + " --out " + project.string(), dir);
  EXPECT_EQ(r.rc, 1) << r.out;
  EXPECT_EQ(r.err.rfind("kiln: --out '", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("is not empty and was not made by kiln package"), std::string::npos) << r.err;
  EXPECT_EQ(slurp(project / "README.md"), "my project\n");
  EXPECT_EQ(slurp(project / "build" / "keep.o"), "mine");
  EXPECT_FALSE(fs::exists(project / "manifest.json"));
  EXPECT_FALSE(fs::exists(project / ".kiln-package"));

  // A file is not a directory.
  r = kiln("package" + spec + " --out " + (project / "README.md").string(), dir);
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.err.find("exists and is not a directory"), std::string::npos) << r.err;

  // An empty directory is claimed with the marker; rebuilding into it works.
  const fs::path empty = dir / "empty";
  fs::create_directories(empty);
  r = kiln("package" + spec + " --out " + empty.string(), dir);
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_TRUE(fs::exists(empty / ".kiln-package"));
  EXPECT_TRUE(fs::is_regular_file(empty / "libout_ops.so"));
  r = kiln("package" + spec + " --out " + empty.string(), dir);
  EXPECT_EQ(r.rc, 0) << r.err;
}

TEST(PackageCli, BadSpecIsOneMessageAndExitCodeOne) {
  const fs::path dir = fresh_dir("package_cli_bad");
  std::ofstream(dir / "spec.json") << R"({"name": "p", "ops": [{"op": "softmax", "shape": {"M": -3}}]})";
  CliRun r = kiln("package --spec " + (dir / "spec.json").string() + " --out " + (dir / "pkg").string(), dir);
  EXPECT_EQ(r.rc, 1);
  EXPECT_EQ(r.err.rfind("kiln: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("ops[0] (softmax): "), std::string::npos) << r.err;

  r = kiln("package --spec " + (dir / "missing.json").string() + " --out " + (dir / "pkg").string(), dir);
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.err.find("cannot read spec file"), std::string::npos) << r.err;

  std::ofstream(dir / "tpu.json") << R"({"name": "p", "target": "tpu", "ops": [{"op": "softmax"}]})";
  r = kiln("package --spec " + (dir / "tpu.json").string() + " --out " + (dir / "pkg").string(), dir);
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.err.find("tpu"), std::string::npos) << r.err;
}

TEST(PackageCli, BadFlagsExitTwo) {
  const fs::path dir = fresh_dir("package_cli_flags");
  EXPECT_EQ(kiln("package --out " + (dir / "pkg").string(), dir).rc, 2);  // no --spec
  CliRun r = kiln("package --spec s.json --out x --time-budget 5", dir);  // budget without tuning
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("--tune-missing"), std::string::npos) << r.err;
}

}  // namespace
