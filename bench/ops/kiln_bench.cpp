// kiln's side of the comparison: every case's op with its default schedule
// (and, with `--db`, with the tuning database's best schedule), JIT-compiled once, checked against the reference interpreter before it is
// timed (a fast wrong kernel reports an error, not a figure). Also
// matmul_bias_gelu done the unfused way with kiln: the matmul kernel, then
// a second kernel that adds the bias and applies GELU over C.
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <optional>

#include "autotune/tuner.h"
#include "bench/ops/bench_common.h"
#include "codegen/llvm/host_target.h"
#include "kiln.h"
#include "ops/op_helpers.h"

namespace kiln::bench {
namespace {

struct KilnState {
  std::shared_ptr<const CompiledKernel> kernel;
  std::vector<Buffer> args;  // inputs then outputs
  std::string error;         // non-empty: verification failed
  std::string label;         // the verification's outcome, for the output
};

// Seconds the reference check may take (KILN_BENCH_CHECK_SECONDS, default 30).
double check_seconds() {
  const char* v = std::getenv("KILN_BENCH_CHECK_SECONDS");
  return v && std::atof(v) > 0 ? std::atof(v) : 30;
}

// Op::check in a child process with a time limit. The interpreter
// evaluates a stage's producers again at every point it samples (no
// memoization), which for a row reduction feeding a row-wise stage (a
// softmax's max and sum) takes minutes at 4096 x 4096; a benchmark
// program must not hang on it. Nothing when the check ran out of time.
std::optional<double> check_in_child(const Op& op, const ComputeDef& def,
                                     const std::vector<Buffer>& inputs,
                                     const std::vector<Buffer>& outputs) {
  int fds[2];
  if (pipe(fds) != 0) return op.check(def, inputs, outputs);
  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return op.check(def, inputs, outputs);
  }
  if (pid == 0) {
    close(fds[0]);
    double err = INFINITY;
    try {
      err = op.check(def, inputs, outputs);
    } catch (...) {
    }
    const ssize_t written = write(fds[1], &err, sizeof err);
    _exit(written == sizeof err ? 0 : 1);
  }
  close(fds[1]);
  pollfd p{fds[0], POLLIN, 0};
  std::optional<double> result;
  if (poll(&p, 1, static_cast<int>(check_seconds() * 1000)) == 1) {
    double err = INFINITY;
    if (read(fds[0], &err, sizeof err) == sizeof err) result = err;
  } else {
    kill(pid, SIGKILL);
  }
  close(fds[0]);
  waitpid(pid, nullptr, 0);
  return result;
}

// A trace from the tuning database, or "" for the op's default schedule.
std::unique_ptr<KilnState> prepare_op(const Op& op, const OpSizes& sizes,
                                      const OpOptions& options, const std::string& name,
                                      const std::string& trace_json = "") {
  auto s = std::make_unique<KilnState>();
  const ComputeDef def = op.define(sizes, options);
  s->kernel = compile_jit(lower(trace_json.empty()
                                    ? op.default_schedule(def, host_target())
                                    : Schedule::replay(def, Trace::from_json(trace_json))));
  const std::vector<Buffer> inputs = random_inputs(def, sizes);
  std::vector<Buffer> outputs = zero_outputs(def, sizes);
  for (size_t o = 0; o < outputs.size(); ++o) outputs[o].fill_random(1000 + o, -100, 100);
  s->args = inputs;
  s->args.insert(s->args.end(), outputs.begin(), outputs.end());
  s->kernel->run(s->args);
  const std::optional<double> err = check_in_child(op, def, inputs, outputs);
  char text[96] = "";
  if (!err) {
    std::snprintf(text, sizeof text, "unverified: reference check over %.0f s", check_seconds());
    unverified().insert(name);
  } else if (*err > op.tolerance(def)) {
    s->error = "kiln's result differs from the reference: relative error " + std::to_string(*err);
  } else {
    std::snprintf(text, sizeof text, "verified, max rel err %.1e", *err);
  }
  s->label = text;
  return s;
}

// The benchmark "<op>/<case>/<lib>": the op compiled with trace_json (""
// for its default schedule), verified once, then timed.
void bm_kiln_schedule(benchmark::State& state, const Case& c, const std::string& lib,
                      const std::string& trace_json) {
  KilnState& s = prepared<KilnState>(c.benchmark_name(lib), [&] {
    return prepare_op(*c.kiln_op, c.sizes, c.options, c.benchmark_name(lib), trace_json);
  });
  if (!s.error.empty()) {
    state.SkipWithError(s.error.c_str());
    return;
  }
  for (auto _ : state) s.kernel->run(s.args);
  set_counters(state, c);
  state.SetLabel(trace_json.empty() ? s.label : "tuned, " + s.label);
}

void bm_kiln(benchmark::State& state, const Case& c) { bm_kiln_schedule(state, c, "kiln", ""); }

TuningDatabase& tuning_db() {
  static TuningDatabase db = TuningDatabase::open(tuning_db_path());
  return db;
}

// The database's best schedule for the case on this host at kiln's thread
// count, or "" when the case is not tuned there (or no --db was given).
std::string tuned_trace(const Case& c) {
  if (tuning_db_path().empty()) return "";
  TuningDatabase& db = tuning_db();
  const std::optional<TuningRecord> best =
      tuned_record(db, *c.kiln_op, c.sizes, c.options, host_target(),
                   MeasuredOn::host(num_threads()));
  return best ? best->trace_json : "";
}

// Y[i, j] = gelu(C[i, j] + bias[j]): the pass an unfused pipeline runs
// after the matmul, scheduled as kiln's row-wise ops are (rows in
// parallel, vectorized along them).
std::shared_ptr<const CompiledKernel> bias_gelu_kernel(int64_t m, int64_t n, bool tanh_form) {
  Tensor C = placeholder({Expr(m), Expr(n)}, f32(), "C");
  Tensor bias = placeholder({Expr(n)}, f32(), "bias");
  Tensor Y = compute(
      {Expr(m), Expr(n)},
      [&](Expr i, Expr j) {
        Expr x = C(i, j) + bias(j);
        if (tanh_form) {
          return 0.5f * x * (1.0f + tanh(0.7978845608f * (x + 0.044715f * x * x * x)));
        }
        return 0.5f * x * (1.0f + erf(x * 0.7071067812f));
      },
      "Y", {"i", "j"});
  Schedule s(ComputeDef("bias_gelu", {C, bias}, {Y}));
  schedule_rows(s, "Y", host_target());
  return compile_jit(lower(s));
}

struct UnfusedState {
  std::shared_ptr<const CompiledKernel> matmul, bias_gelu;
  Buffer a, b, bias, c, y;
  std::string error;  // non-empty: the pipeline's result is wrong
};

void bm_kiln_unfused(benchmark::State& state, const Case& c) {
  UnfusedState& s = prepared<UnfusedState>(c.benchmark_name("kiln_unfused"), [&] {
    auto u = std::make_unique<UnfusedState>();
    const int64_t m = c.size("M"), n = c.size("N"), k = c.size("K");
    const Op& mm = find_op("matmul");
    const ComputeDef def = mm.define({{"M", m}, {"N", n}, {"K", k}});
    u->matmul = compile_jit(lower(mm.default_schedule(def, host_target())));
    u->bias_gelu = bias_gelu_kernel(m, n, c.options.count("approximate") &&
                                              c.option("approximate") == "tanh");
    u->a = Buffer(f32(), {m, k});
    u->b = Buffer(f32(), {k, n});
    u->bias = Buffer(f32(), {n});
    u->c = Buffer(f32(), {m, n});
    u->y = Buffer(f32(), {m, n});
    u->a.fill_random(1);
    u->b.fill_random(2);
    u->bias.fill_random(3);
    // Checked as the fused op is: its reference computes the same Y from
    // (A, B, bias).
    u->matmul->run({u->a, u->b, u->c});
    u->bias_gelu->run({u->c, u->bias, u->y});
    const ComputeDef fused = c.kiln_op->define(c.sizes, c.options);
    const double err = c.kiln_op->check(fused, {u->a, u->b, u->bias}, {u->y});
    if (err > c.kiln_op->tolerance(fused)) {
      u->error = "the unfused result differs from the reference: relative error " +
                 std::to_string(err);
    }
    return u;
  });
  if (!s.error.empty()) {
    state.SkipWithError(s.error.c_str());
    return;
  }
  for (auto _ : state) {
    s.matmul->run({s.a, s.b, s.c});
    s.bias_gelu->run({s.c, s.bias, s.y});
  }
  set_counters(state, c);
}

}  // namespace

void register_kiln_benchmarks(const Case& c) {
  register_for(c, c.op, "kiln", bm_kiln);
  const std::string trace = tuned_trace(c);
  if (!trace.empty()) {
    register_for(c, c.op, "kiln_tuned", [trace](benchmark::State& state, const Case& c) {
      bm_kiln_schedule(state, c, "kiln_tuned", trace);
    });
  }
  register_for(c, "matmul_bias_gelu", "kiln_unfused", bm_kiln_unfused);
}

void store_vendor_figure(const Case& c, const std::string& library, double ms, double gflops) {
  const WorkloadKey w = tuning_workload(*c.kiln_op, c.sizes, c.options, host_target(),
                                        MeasuredOn::host(num_threads()));
  TuningDatabase& db = tuning_db();
  db.add_workload(w);
  db.add_vendor_figure({w.key, library, ms, std::isfinite(gflops) ? gflops : 0.0, 0, ""});
}

}  // namespace kiln::bench
