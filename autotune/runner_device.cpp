// The runner's devices: the CUDA driver (runtime/cuda_driver.h) and the
// fake one described in runner_device.h.
#include "autotune/runner_device.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <map>
#include <thread>

#include "base/error.h"
#include "runtime/cuda_driver.h"

namespace kiln {
namespace {

// --- CUDA -----------------------------------------------------------------

class CudaBuffer : public RunnerBuffer {
 public:
  explicit CudaBuffer(size_t bytes) : memory_(bytes) {}
  uint64_t address() const override { return memory_.ptr(); }
  void upload(const void* host, size_t bytes) override { memory_.upload(host, bytes); }
  void download(void* host, size_t bytes) const override { memory_.download(host, bytes); }

 private:
  cuda::DeviceMemory memory_;
};

class CudaProgram : public RunnerProgram {
 public:
  explicit CudaProgram(const GpuLaunchPlan& plan) : plan_(plan), loaded_(plan_) {}
  void launch(const std::vector<uint64_t>& buffers) override { loaded_.launch(buffers); }

 private:
  GpuLaunchPlan plan_;  // LoadedPlan keeps a reference to it
  LoadedPlan loaded_;
};

class CudaDevice : public RunnerDevice {
 public:
  void describe(std::string* name, int* sm, int* driver) override {
    const cuda::DeviceInfo d = cuda::device_info();
    *name = d.name;
    *sm = d.sm;
    *driver = d.driver_version;
  }
  std::unique_ptr<RunnerBuffer> allocate(size_t bytes) override {
    return std::make_unique<CudaBuffer>(bytes);
  }
  std::unique_ptr<RunnerProgram> load(const GpuLaunchPlan& plan) override {
    return std::make_unique<CudaProgram>(plan);
  }
  void synchronize() override { cuda::synchronize(); }
  std::vector<double> time(RunnerProgram& program, const std::vector<uint64_t>& buffers,
                           int repeats) override {
    std::vector<double> ms;
    cuda::EventTimer timer;
    for (int i = 0; i < repeats; ++i) {
      timer.start();
      program.launch(buffers);
      ms.push_back(timer.stop());
    }
    return ms;
  }
  bool usable() override {
    try {
      cuda::synchronize();  // a lost context keeps failing
      return true;
    } catch (const std::exception&) {
      return false;
    }
  }
};

// --- fake -----------------------------------------------------------------

class FakeDevice;

class FakeBuffer : public RunnerBuffer {
 public:
  FakeBuffer(FakeDevice& device, size_t bytes);
  ~FakeBuffer() override;
  uint64_t address() const override { return address_; }
  void upload(const void* host, size_t bytes) override {
    internal_assert(bytes <= data_.size()) << "fake upload past the buffer";
    std::memcpy(data_.data(), host, bytes);
  }
  void download(void* host, size_t bytes) const override {
    internal_assert(bytes <= data_.size()) << "fake download past the buffer";
    std::memcpy(host, data_.data(), bytes);
  }
  std::vector<char>& data() { return data_; }

 private:
  FakeDevice& device_;
  uint64_t address_;
  std::vector<char> data_;
};

class FakeDevice : public RunnerDevice {
 public:
  void describe(std::string* name, int* sm, int* driver) override {
    *name = "kiln fake GPU";
    *sm = 90;
    *driver = 13000;
  }
  std::unique_ptr<RunnerBuffer> allocate(size_t bytes) override {
    return std::make_unique<FakeBuffer>(*this, bytes);
  }
  std::unique_ptr<RunnerProgram> load(const GpuLaunchPlan& plan) override;
  void synchronize() override {
    if (lost_) user_error << "CUDA kernel execution failed: an illegal memory access was "
                          << "encountered (fake trap)";
  }
  std::vector<double> time(RunnerProgram& program, const std::vector<uint64_t>& buffers,
                           int repeats) override {
    std::vector<double> ms;
    for (int i = 0; i < repeats; ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      program.launch(buffers);
      synchronize();
      ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                       .count());
    }
    return ms;
  }
  bool usable() override { return !lost_; }

  uint64_t enroll(FakeBuffer* b) {
    buffers_[next_] = b;
    return next_++;
  }
  void forget(uint64_t address) { buffers_.erase(address); }
  FakeBuffer& at(uint64_t address) {
    auto it = buffers_.find(address);
    internal_assert(it != buffers_.end()) << "fake launch on an unknown buffer " << address;
    return *it->second;
  }
  void lose_context() { lost_ = true; }

 private:
  std::map<uint64_t, FakeBuffer*> buffers_;
  uint64_t next_ = 0x1000;
  bool lost_ = false;
};

FakeBuffer::FakeBuffer(FakeDevice& device, size_t bytes)
    : device_(device), address_(device.enroll(this)), data_(bytes) {}
FakeBuffer::~FakeBuffer() { device_.forget(address_); }

class FakeProgram : public RunnerProgram {
 public:
  FakeProgram(FakeDevice& device, const GpuLaunchPlan& plan) : device_(device), plan_(plan) {}
  void launch(const std::vector<uint64_t>& buffers) override {
    for (const GpuLaunch& l : plan_.launches) run(l, buffers);
  }

 private:
  void run(const GpuLaunch& l, const std::vector<uint64_t>& buffers) {
    const std::string& k = l.kernel;
    if (k == "segv") ::raise(SIGSEGV);
    if (k == "hang") {
      for (;;) ::pause();
    }
    if (k == "trap") {
      device_.lose_context();
      return;
    }
    if (k.rfind("sleep_", 0) == 0) {
      std::this_thread::sleep_for(std::chrono::microseconds(std::stoll(k.substr(6))));
      return;
    }
    if (k.rfind("fill_", 0) == 0) {
      const float v = std::stof(k.substr(5));
      for (int b : l.buffers) {
        std::vector<char>& data = device_.at(buffers.at(static_cast<size_t>(b))).data();
        for (size_t i = 0; i + sizeof v <= data.size(); i += sizeof v)
          std::memcpy(data.data() + i, &v, sizeof v);
      }
      return;
    }
    user_error << "CUDA kernel launch failed: the fake device has no kernel '" << k << "'";
  }

  FakeDevice& device_;
  GpuLaunchPlan plan_;
};

std::unique_ptr<RunnerProgram> FakeDevice::load(const GpuLaunchPlan& plan) {
  if (plan.image.find("fake_compile_error") != std::string::npos)
    user_error << "CUDA module load (PTX JIT) failed: fake compile error";
  return std::make_unique<FakeProgram>(*this, plan);
}

}  // namespace

std::unique_ptr<RunnerDevice> make_runner_device(const std::string& kind) {
  if (kind == "cuda") return std::make_unique<CudaDevice>();
  if (kind == "fake") return std::make_unique<FakeDevice>();
  user_error << "unknown runner device '" << kind << "' (use cuda or fake)";
  return nullptr;
}

}  // namespace kiln
