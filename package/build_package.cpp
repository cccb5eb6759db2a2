// The package build, step by step. Kernels are compiled from their traces
// (replayed on their definitions), so what manifest.json records is exactly
// what was compiled.
#include "package/build_package.h"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "codegen/llvm/host_target.h"
#include "codegen/llvm/jit.h"
#include "base/error.h"
#include "package/c_api.h"
#include "package/cuda_launch.h"
#include "package/dlpack_header.h"
#include "package/link.h"
#include "package/manifest.h"
#include "package/python_loader.h"
#include "package/select_schedules.h"
#include "package/torch_extension.h"
#include "schedule/lower.h"
#include "schedule/schedule.h"

namespace kiln {

namespace fs = std::filesystem;

namespace {

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  if (!out) user_error << "cannot write '" << path.string() << "'; check the --out directory";
}

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

Target package_target(const PackageSpec& spec, const PackageOptions& opt) {
  const std::string text = opt.target.empty() ? spec.target : opt.target;
  const Target parsed = parse_target(text);
  // "llvm" alone means this machine, with its CPU features.
  return text == "llvm" || text == "host" ? host_target() : parsed;
}

/// The file that marks a directory as kiln's to overwrite.
constexpr const char* kPackageMarker = ".kiln-package";

/// Makes `out` ready to receive a package, or refuses: kiln writes only into
/// a new or empty directory, or one an earlier `kiln package` made (it holds
/// the marker), so `--out .` inside a project never overwrites the user's
/// README.md or build/.
void claim_output_directory(const fs::path& out) {
  std::error_code ec;
  const fs::file_status st = fs::symlink_status(out, ec);
  if (fs::exists(st)) {
    if (!fs::is_directory(fs::status(out, ec))) {
      user_error << "--out '" << out.string() << "' exists and is not a directory; give a new or "
                 << "empty directory";
    }
    const bool marked = fs::exists(out / kPackageMarker, ec);
    const bool empty = fs::is_empty(out, ec) && !ec;
    if (!marked && !empty) {
      user_error << "--out '" << out.string() << "' is not empty and was not made by kiln package "
                 << "(it has no " << kPackageMarker << " file); kiln writes packages only into a "
                 << "new or empty directory, or one it made, so it never overwrites your files: "
                 << "give a new directory (e.g. --out " << (out / "kiln_package").string() << ")";
    }
  }
  fs::create_directories(out, ec);
  if (ec || !fs::is_directory(out)) {
    user_error << "cannot create the output directory '" << out.string() << "' (" << ec.message()
               << ")";
  }
  write_file(out / kPackageMarker,
             "This directory was written by `kiln package`; a later `kiln package --out` may "
             "overwrite it.\n");
}

/// A private scratch directory under the system's temporary directory for
/// object files and link logs, removed when the build ends or fails.
class ScratchDirectory {
 public:
  ScratchDirectory() {
    std::string pattern = (fs::temp_directory_path() / "kiln-package-XXXXXX").string();
    if (!mkdtemp(pattern.data())) {
      user_error << "cannot create a scratch directory in " << fs::temp_directory_path().string()
                 << "; set TMPDIR to a writable directory";
    }
    path_ = pattern;
  }
  ~ScratchDirectory() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  ScratchDirectory(const ScratchDirectory&) = delete;
  ScratchDirectory& operator=(const ScratchDirectory&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

}  // namespace

PackageResult build_package(const PackageSpec& spec, const PackageOptions& opt) {
  if (opt.out_dir.empty()) user_error << "no output directory; give --out DIR";
  auto progress = [&](const std::string& line) {
    if (opt.progress) opt.progress(line);
  };
  // Absolute: the link step runs tools from other directories. Claimed
  // before tuning, so a refused --out costs nothing.
  const fs::path out = fs::absolute(opt.out_dir);
  claim_output_directory(out);
  PackageResult result;
  const Target target = package_target(spec, opt);
  result.plan = plan_package(spec, target);
  PackagePlan& plan = result.plan;

  ScheduleSelection selection;
  selection.db_path = opt.db_path;
  selection.tune_missing = opt.tune_missing;
  selection.time_budget_s = opt.time_budget_s;
  selection.threads = opt.threads;
  selection.progress = opt.progress;
  result.notes = select_schedules(plan, selection);

  const ScratchDirectory scratch;
  const fs::path include = out / "include", src = out / "src", torch = out / "torch",
                 python = out / "python", work = scratch.path();
  std::error_code ec;
  for (const fs::path& d : {include, src, torch, python}) fs::create_directories(d, ec);
  if (ec) user_error << "cannot create directories in '" << out.string() << "' (" << ec.message() << ")";

  // CPU kernels become object files; CUDA kernels PTX that the wrapper
  // embeds (and ptx/ shows).
  const bool gpu = target.kind == Target::Kind::CUDA;
  std::vector<std::string> objects;
  std::map<std::string, CudaKernelCode> cuda;
  if (gpu) fs::create_directories(out / "ptx", ec);
  for (const PackageFunction& fn : plan.functions) {
    for (const PackageKernel& k : fn.kernels) {
      progress("compiling " + fn.name + " [" + kernel_sizes_text(fn, k) + "] (" +
               schedule_source_name(k.source) + " schedule)");
      const auto t0 = std::chrono::steady_clock::now();
      if (gpu) {
        CudaKernelCode code = compile_cuda_kernel(k, target);
        write_file(out / "ptx" / (k.symbol + ".ptx"), code.ptx);
        cuda[k.symbol] = std::move(code);
      } else {
        const LoweredFunc f = lower(Schedule::replay(k.def, k.trace), k.symbol);
        const std::string obj = (work / (k.symbol + ".o")).string();
        compile_aot(f, target, obj, (work / (k.symbol + ".h")).string());
        objects.push_back(obj);
      }
      result.compile_ms[k.symbol] = ms_since(t0);
    }
  }

  write_file(include / (plan.name + ".h"), package_c_header(plan));
  write_file(include / "dlpack.h", package_dlpack_header());
  const fs::path wrapper = src / (plan.name + "_wrapper.c");
  write_file(wrapper, package_c_wrapper(plan, cuda));

  progress("linking lib" + plan.name + ".so and lib" + plan.name + ".a");
  LinkInputs link;
  link.name = plan.name;
  link.out_dir = out.string();
  link.include_dir = include.string();
  link.wrapper_source = wrapper.string();
  link.objects = objects;
  link.exported = package_exported_symbols(plan);
  link.work_dir = work.string();
  link_package(link);
  result.library = (out / ("lib" + plan.name + ".so")).string();

  write_file(torch / (plan.name + "_torch.cpp"), torch_extension_source(plan));
  write_file(torch / "setup.py", torch_setup_py(plan));
  write_file(python / (plan.name + ".py"), python_loader_source(plan));
  write_file(out / "manifest.json", package_manifest(plan, result.compile_ms).dump(2) + "\n");
  write_file(out / "README.md", package_readme(plan));
  // The objects live on in lib<name>.a; the scratch directory goes with
  // `scratch`.
  return result;
}

}  // namespace kiln
