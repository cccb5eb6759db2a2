// The cases of the operator comparison and the pieces every library's
// benchmarks share. Sizes follow the issue: matmul 1024 and 2048, the
// ResNet-50 3x3 convolution, softmax and layernorm at 4096 x 4096,
// matmul_bias_gelu at 1024, and one typical size for every other op.
#include "bench/ops/bench_common.h"

#include <cstdio>
#include <exception>

namespace kiln::bench {
namespace {

struct CaseSpec {
  const char* op;
  const char* name;
  const char* shape;
};

const CaseSpec kCases[] = {
    {"matmul", "1024", "M=1024,N=1024,K=1024"},
    {"matmul", "2048", "M=2048,N=2048,K=2048"},
    {"matmul", "1024_trans_b", "M=1024,N=1024,K=1024,trans_b=1"},
    {"batch_matmul", "16x256", "B=16,M=256,N=256,K=256"},
    {"conv2d", "resnet50_3x3", "N=1,C=64,H=56,W=56,K=64,R=3,S=3,stride=1,pad=1"},
    {"conv2d", "resnet50_3x3_128_s2", "N=1,C=128,H=56,W=56,K=128,R=3,S=3,stride=2,pad=1"},
    {"conv2d", "resnet50_1x1_256_64", "N=1,C=256,H=56,W=56,K=64,R=1,S=1,stride=1,pad=0"},
    {"conv2d", "resnet50_3x3_nhwc", "N=1,C=64,H=56,W=56,K=64,R=3,S=3,stride=1,pad=1,layout=nhwc"},
    {"depthwise_conv2d", "mobilenet_3x3", "N=1,C=128,H=56,W=56,R=3,S=3,stride=1,pad=1"},
    {"pool2d", "resnet50_max_3x3s2", "N=1,C=64,H=112,W=112,R=3,S=3,stride=2,pad=1,mode=max"},
    {"pool2d", "avg_2x2s2", "N=1,C=64,H=112,W=112,R=2,S=2,stride=2,pad=0,mode=avg"},
    {"softmax", "4096x4096", "M=4096,N=4096"},
    {"layernorm", "4096x4096", "M=4096,N=4096"},
    {"rmsnorm", "4096x4096", "M=4096,N=4096"},
    {"relu", "4096x4096", "M=4096,N=4096"},
    {"gelu", "4096x4096_erf", "M=4096,N=4096,approximate=none"},
    {"gelu", "4096x4096_tanh", "M=4096,N=4096,approximate=tanh"},
    {"sigmoid", "4096x4096", "M=4096,N=4096"},
    {"add", "4096x4096_row", "M=4096,N=4096,broadcast=row"},
    {"mul", "4096x4096_row", "M=4096,N=4096,broadcast=row"},
    {"reduce", "4096x4096_sum_rows", "M=4096,N=4096,kind=sum,axis=1"},
    {"reduce", "4096x4096_max_rows", "M=4096,N=4096,kind=max,axis=1"},
    {"transpose", "4096x4096", "M=4096,N=4096"},
    {"matmul_bias_gelu", "1024", "M=1024,N=1024,K=1024"},
};

bool has_option(const Op& op, const std::string& name) {
  for (const OpOption& o : op.options()) {
    if (o.name == name) return true;
  }
  return false;
}

// The op and its resolved sizes and options; false (with the reason in
// *why) when the op is not registered or refuses the shape.
bool resolve(Case& c, std::string* why) {
  try {
    c.kiln_op = &find_op(c.op);
    OpSizes sizes;
    OpOptions options;
    size_t begin = 0;
    while (begin < c.shape.size()) {
      size_t end = c.shape.find(',', begin);
      if (end == std::string::npos) end = c.shape.size();
      const std::string entry = c.shape.substr(begin, end - begin);
      const size_t eq = entry.find('=');
      const std::string name = entry.substr(0, eq), value = entry.substr(eq + 1);
      if (has_option(*c.kiln_op, name)) {
        options[name] = value;
      } else {
        sizes[name] = std::stoll(value);
      }
      begin = end + 1;
    }
    c.sizes = c.kiln_op->resolve_sizes(sizes);
    c.options = c.kiln_op->resolve_options(options);
    c.flops = c.kiln_op->flops(c.sizes, c.options);
    c.bytes = c.kiln_op->bytes(c.sizes, c.options);
    return true;
  } catch (const std::exception& e) {
    *why = e.what();
    return false;
  }
}

}  // namespace

const std::vector<Case>& cases() {
  static const std::vector<Case> list = [] {
    std::vector<Case> out;
    for (const CaseSpec& spec : kCases) {
      Case c;
      c.op = spec.op;
      c.name = spec.name;
      c.shape = spec.shape;
      std::string why;
      if (resolve(c, &why)) {
        out.push_back(c);
      } else {
        std::fprintf(stderr, "skipping %s/%s: %s\n", spec.op, spec.name, why.c_str());
      }
    }
    return out;
  }();
  return list;
}

void register_for(const Case& c, const std::string& op, const std::string& lib,
                  const std::function<void(benchmark::State&, const Case&)>& fn) {
  if (c.op != op) return;
  benchmark::RegisterBenchmark(c.benchmark_name(lib).c_str(),
                               [fn, c](benchmark::State& state) { fn(state, c); })
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
}

void set_counters(benchmark::State& state, const Case& c) {
  using benchmark::Counter;
  state.counters["GFLOP/s"] = Counter(c.flops * 1e-9, Counter::kIsIterationInvariantRate);
  state.counters["GB/s"] = Counter(c.bytes * 1e-9, Counter::kIsIterationInvariantRate);
}

std::string& tuning_db_path() {
  static std::string path;
  return path;
}

std::set<std::string>& unverified() {
  static std::set<std::string> names;
  return names;
}

PreparedSlot& prepared_slot() {
  static PreparedSlot slot;
  return slot;
}

}  // namespace kiln::bench
