// The tuner's reference outputs, made in a worker. See reference.h.
#include "autotune/reference.h"

#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

#include "autotune/verify.h"
#include "autotune/worker_process.h"

namespace kiln {
namespace {

/// Memory shared with forked workers (MAP_SHARED): what a worker writes
/// there, the parent reads after it ends, whatever way it ends.
class SharedMemory {
 public:
  explicit SharedMemory(size_t bytes) : bytes_(bytes == 0 ? 1 : bytes) {
    void* p = ::mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    data_ = p == MAP_FAILED ? nullptr : static_cast<char*>(p);
  }
  ~SharedMemory() {
    if (data_) ::munmap(data_, bytes_);
  }
  SharedMemory(const SharedMemory&) = delete;
  SharedMemory& operator=(const SharedMemory&) = delete;
  char* data() const { return data_; }

 private:
  size_t bytes_;
  char* data_ = nullptr;
};

/// Where output o starts in the shared block, after a 64-byte header whose
/// first int says the kernel finished and its outputs were copied.
std::vector<size_t> output_offsets(const std::vector<Buffer>& outputs, size_t* total) {
  std::vector<size_t> at;
  size_t offset = 64;
  for (const Buffer& b : outputs) {
    at.push_back(offset);
    offset += (b.size_bytes() + 63) / 64 * 64;
  }
  *total = offset;
  return at;
}

}  // namespace

Reference make_reference(const CompiledKernel* kernel, const Op& op, const ComputeDef& def,
                         const OpSizes& sizes, double timeout_s, const std::string& fault) {
  Reference ref;
  if (!kernel) return ref;
  try {
    std::vector<Buffer> outputs = zero_outputs(def, sizes);
    size_t total = 0;
    const std::vector<size_t> at = output_offsets(outputs, &total);
    SharedMemory shared(total);
    if (!shared.data()) {
      ref.verdict.status = "error";
      ref.verdict.error = "cannot map " + std::to_string(total) + " bytes for the reference";
      return ref;
    }
    auto* finished = reinterpret_cast<std::atomic<int>*>(shared.data());
    MeasureWire wire;
    auto body = [&](MeasureWire& w) {
      if (fault == "crash") ::raise(SIGSEGV);
      if (fault == "hang") {
        for (;;) ::pause();
      }
      const MeasureArgs a = make_measure_args(def, sizes);
      kernel->run(a.args);
      for (size_t o = 0; o < a.outputs.size(); ++o)
        std::memcpy(shared.data() + at[o], a.outputs[o].data(), a.outputs[o].size_bytes());
      finished->store(1, std::memory_order_release);
      const Verification v = verify_outputs(op, def, a.inputs, a.outputs);
      w.max_rel_err = v.max_rel_err;
      if (v.ok()) {
        w.ok = 1;
        return;
      }
      w.invalid = 1;
      std::snprintf(w.error, sizeof w.error,
                    "max relative error %.3g against the reference exceeds the tolerance %.0e",
                    v.max_rel_err, v.tolerance);
    };
    const WorkerEnd end = run_in_worker(body, timeout_s, "reference worker", &wire);
    ref.verdict = measure_result(end, wire, /*no_worker_status=*/"error");
    const bool kernel_finished = finished->load(std::memory_order_acquire) == 1;
    if (kernel_finished && (ref.verdict.status == "ok" || ref.verdict.status == "timeout")) {
      for (size_t o = 0; o < outputs.size(); ++o)
        std::memcpy(outputs[o].data(), shared.data() + at[o], outputs[o].size_bytes());
      ref.outputs = std::move(outputs);
      ref.checked = ref.verdict.status == "ok";
    }
  } catch (const std::exception& e) {
    ref.verdict.status = "error";
    ref.verdict.error = e.what();
  }
  return ref;
}

}  // namespace kiln
