// The runner process's loop: hello, then setup/measure/quit messages until
// the socket closes. See runner_service.h for the protocol.
#include "autotune/runner_service.h"

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>

#include "autotune/runner_device.h"
#include "autotune/runner_wire.h"
#include "autotune/worker_process.h"
#include "base/error.h"
#include "ops/op.h"

namespace kiln {
namespace {

/// The workload a setup message describes, on the host and the device.
struct Session {
  const Op* op = nullptr;
  OpSizes sizes;
  ComputeDef def;
  MeasureArgs host;  ///< inputs, and outputs filled with garbage
  std::vector<Buffer> expected;
  bool has_expected = false;
  std::vector<std::unique_ptr<RunnerBuffer>> args;  ///< on the device
};

class Runner {
 public:
  Runner(int fd, std::unique_ptr<RunnerDevice> device) : fd_(fd), device_(std::move(device)) {}

  int serve() {
    if (!hello()) return 0;
    for (;;) {
      WireMessage m;
      std::string why;
      const WireRead r = receive_message(fd_, -1, &m, &why);
      if (r == WireRead::Closed) return 0;  // the tuner is done or gone
      if (r != WireRead::Ok) {
        std::fprintf(stderr, "kiln-runner: bad message from the tuner: %s\n", why.c_str());
        return 2;
      }
      const std::string kind = m.kind();
      if (kind == "quit") return 0;
      nlohmann::json reply;
      if (kind == "setup") {
        reply = setup(m);
      } else if (kind == "measure") {
        reply = measure(m);
      } else {
        std::fprintf(stderr, "kiln-runner: unknown message '%s'\n", kind.c_str());
        return 2;
      }
      if (!send_message(fd_, {reply, {}}, &why)) return 0;
      if (reply.value("context_lost", false)) return 0;  // nothing more can run here
    }
  }

 private:
  bool hello() {
    nlohmann::json j = {{"kind", "hello"}};
    try {
      std::string name;
      int sm = 0, driver = 0;
      device_->describe(&name, &sm, &driver);
      j["device"] = name;
      j["sm"] = sm;
      j["driver"] = driver;
    } catch (const std::exception& e) {
      j["error"] = e.what();
    }
    std::string why;
    return send_message(fd_, {j, {}}, &why);
  }

  nlohmann::json setup(const WireMessage& m) {
    nlohmann::json reply = {{"kind", "ready"}};
    try {
      session_.reset();
      auto s = std::make_unique<Session>();
      s->op = &find_op(m.meta.at("op").get<std::string>());
      s->sizes = s->op->resolve_sizes(m.meta.at("sizes").get<OpSizes>());
      const OpOptions options = s->op->resolve_options(m.meta.at("options").get<OpOptions>());
      s->def = s->op->define(s->sizes, options);
      s->host = make_measure_args(s->def, s->sizes);
      s->has_expected = !m.blobs.empty();
      if (s->has_expected) {
        if (m.blobs.size() != s->host.outputs.size())
          user_error << "setup has " << m.blobs.size() << " reference outputs for "
                     << s->host.outputs.size() << " outputs";
        for (size_t o = 0; o < m.blobs.size(); ++o) {
          Buffer e(s->host.outputs[o].dtype(), s->host.outputs[o].shape());
          if (m.blobs[o].size() != e.size_bytes())
            user_error << "reference output " << o << " has " << m.blobs[o].size()
                       << " bytes, not " << e.size_bytes();
          std::memcpy(e.data(), m.blobs[o].data(), e.size_bytes());
          s->expected.push_back(std::move(e));
        }
      }
      for (const Buffer& b : s->host.args) {
        s->args.push_back(device_->allocate(b.size_bytes()));
        s->args.back()->upload(b.data(), b.size_bytes());
      }
      session_ = std::move(s);
    } catch (const std::exception& e) {
      reply["error"] = e.what();
    }
    return reply;
  }

  nlohmann::json measure(const WireMessage& m) {
    nlohmann::json r = {{"kind", "result"}, {"status", "error"}};
    if (!session_) {
      r["error"] = "the runner has no workload (no setup before measure)";
      return r;
    }
    const std::string fault = m.meta.value("fault", "");
    if (fault == "crash") ::raise(SIGSEGV);
    if (fault == "hang") {
      for (;;) ::pause();
    }
    const auto t0 = std::chrono::steady_clock::now();
    GpuLaunchPlan plan;
    std::unique_ptr<RunnerProgram> program;
    try {
      if (m.blobs.size() != 1) user_error << "measure needs one blob (the module image)";
      plan = plan_from_json(m.meta.at("plan"), m.blobs[0]);
      if (plan.num_args != static_cast<int>(session_->args.size()))
        user_error << "the plan takes " << plan.num_args << " arguments; the workload has "
                   << session_->args.size();
      program = device_->load(plan);
    } catch (const std::exception& e) {
      r["status"] = "compile_error";
      r["error"] = e.what();
      return r;
    }
    const auto t1 = std::chrono::steady_clock::now();
    try {
      run(m.meta, plan, *program, r);
      if (trace_) {
        const auto t2 = std::chrono::steady_clock::now();
        std::fprintf(stderr, "kiln-runner: load %.1f ms, check and time %.1f ms: %s %.4f ms x %d\n",
                     std::chrono::duration<double, std::milli>(t1 - t0).count(),
                     std::chrono::duration<double, std::milli>(t2 - t1).count(),
                     r.value("status", "").c_str(), r.value("median_ms", 0.0),
                     r.value("repeats", 0));
      }
    } catch (const std::exception& e) {
      r["status"] = "crash";
      r["error"] = e.what();
      r["context_lost"] = !device_->usable();
    }
    return r;
  }

  /// Check then time `program`; fills r. Throws on a device error.
  void run(const nlohmann::json& meta, const GpuLaunchPlan& plan, RunnerProgram& program,
           nlohmann::json& r) {
    Session& s = *session_;
    std::vector<std::unique_ptr<RunnerBuffer>> temps;
    std::vector<uint64_t> ptrs;
    for (const auto& a : s.args) ptrs.push_back(a->address());
    for (int64_t bytes : plan.temp_bytes) {
      temps.push_back(device_->allocate(static_cast<size_t>(bytes)));
      ptrs.push_back(temps.back()->address());
    }
    const size_t first_output = s.host.inputs.size();
    if (meta.value("check", true)) {
      // Outputs start as garbage, so a kernel that skips elements fails.
      for (size_t o = 0; o < s.host.outputs.size(); ++o)
        s.args[first_output + o]->upload(s.host.outputs[o].data(), s.host.outputs[o].size_bytes());
      program.launch(ptrs);
      device_->synchronize();
      MeasureArgs got;
      got.inputs = s.host.inputs;
      for (size_t o = 0; o < s.host.outputs.size(); ++o) {
        got.outputs.emplace_back(s.host.outputs[o].dtype(), s.host.outputs[o].shape());
        s.args[first_output + o]->download(got.outputs.back().data(), got.outputs.back().size_bytes());
      }
      MeasureOptions mo;
      mo.expected = s.has_expected ? &s.expected : nullptr;
      MeasureWire w;
      const bool ok = check_first_run(*s.op, s.def, got, mo, w);
      r["max_rel_err"] = w.max_rel_err;
      if (!ok) {
        r["status"] = "invalid";
        r["error"] = std::string(w.error);
        return;
      }
    }
    if (meta.value("timing", true)) {
      // Without a set count, enough launches to fill about budget_ms (a
      // short timing first): ten 5 us launches are mostly noise.
      int repeat = meta.value("repeat", 0);
      if (repeat <= 0) {
        program.launch(ptrs);  // warm-up
        std::vector<double> first = device_->time(program, ptrs, 3);
        std::sort(first.begin(), first.end());
        const double budget = meta.value("budget_ms", 150.0);
        repeat = static_cast<int>(std::clamp(budget / std::max(first[1], 1e-3), 10.0, 200.0));
      } else {
        program.launch(ptrs);
      }
      std::vector<double> ms = device_->time(program, ptrs, repeat);
      std::sort(ms.begin(), ms.end());
      r["median_ms"] = ms[ms.size() / 2];
      r["min_ms"] = ms.front();
      r["repeats"] = static_cast<int>(ms.size());
    }
    r["status"] = "ok";
  }

  int fd_;
  /// KILN_RUNNER_TRACE set: each measurement's phases go to stderr.
  bool trace_ = std::getenv("KILN_RUNNER_TRACE") != nullptr;
  std::unique_ptr<RunnerDevice> device_;
  std::unique_ptr<Session> session_;
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "kiln-runner: %s\nusage: kiln-runner --socket-fd N --parent-pid P "
               "[--device cuda|fake]\n(kiln-runner measures GPU kernels for `kiln tune`, which "
               "starts it; it is not meant to be run by hand)\n",
               why);
  std::exit(2);
}

}  // namespace

int runner_main(int argc, char** argv) {
  int fd = -1;
  long parent = -1;
  std::string device = "cuda";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) usage(("missing a value after " + a).c_str());
    const std::string v = argv[++i];
    char* end = nullptr;
    if (a == "--socket-fd") {
      fd = static_cast<int>(std::strtol(v.c_str(), &end, 10));
    } else if (a == "--parent-pid") {
      parent = std::strtol(v.c_str(), &end, 10);
    } else if (a == "--device") {
      device = v;
      continue;
    } else {
      usage(("unknown option " + a).c_str());
    }
    if (!end || *end) usage(("not a number: " + v).c_str());
  }
  if (fd < 0 || parent <= 0) usage("--socket-fd and --parent-pid are required");
  // Die with the tuner, even if it is killed with SIGKILL; and do not start
  // at all when it is already gone (the death signal is not sent then).
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != static_cast<pid_t>(parent)) return 3;
  ::signal(SIGPIPE, SIG_IGN);
  try {
    Runner runner(fd, make_runner_device(device));
    return runner.serve();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kiln-runner: %s\n", e.what());
    return 2;
  }
}

}  // namespace kiln
