// kiln_fuzz: runs one fuzz target without libFuzzer.
//
//   kiln_fuzz TARGET --regress DIR        every file in DIR once (CI)
//   kiln_fuzz TARGET --seconds S [--corpus DIR] [--artifacts DIR] [--seed N]
//
// The fuzzing mode mutates the corpus's files (bit flips, interesting
// bytes and numbers, JSON tokens, deletions, duplications, splices) and
// runs each mutant; it has no coverage feedback, so it finds what random
// mutation of good inputs reaches. A crash, abort or an input that runs
// past --timeout seconds writes the input to ARTIFACTS/crash-TARGET-N (or
// hang-...) from the signal handler and exits 1.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "fuzz/fuzz_target.h"

namespace fs = std::filesystem;
using kiln::fuzz::FuzzTarget;

namespace {

// What the signal handler needs, set before each input runs.
const uint8_t* g_input = nullptr;
size_t g_input_size = 0;
char g_artifact_prefix[4096] = "crash";
const char* g_target = "";

void write_all(int fd, const void* p, size_t n) {
  const char* c = static_cast<const char*>(p);
  while (n > 0) {
    const ssize_t w = write(fd, c, n);
    if (w <= 0) return;
    c += w;
    n -= static_cast<size_t>(w);
  }
}

void say(const char* s) { write_all(2, s, strlen(s)); }

/// Saves the input that was running (async-signal-safe calls only).
void save_input(const char* kind) {
  char path[4200];
  snprintf(path, sizeof path, "%s/%s-%s-%d", g_artifact_prefix, kind, g_target,
           static_cast<int>(getpid()));
  const int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd >= 0) {
    write_all(fd, g_input, g_input_size);
    close(fd);
  }
  say("kiln_fuzz: the input is saved as ");
  say(path);
  say("\n");
}

void on_fatal_signal(int sig) {
  say(sig == SIGALRM ? "kiln_fuzz: an input ran past the time limit\n"
                     : "kiln_fuzz: an input crashed or aborted kiln\n");
  save_input(sig == SIGALRM ? "hang" : "crash");
  _exit(1);
}

void install_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_fatal_signal;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL, SIGALRM}) sigaction(sig, &sa, nullptr);
}

std::vector<uint8_t> read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

std::vector<std::vector<uint8_t>> load_corpus(const fs::path& dir) {
  std::vector<fs::path> files;
  if (fs::is_directory(dir)) {
    for (const auto& e : fs::directory_iterator(dir)) {
      if (e.is_regular_file()) files.push_back(e.path());
    }
  }
  std::sort(files.begin(), files.end());
  std::vector<std::vector<uint8_t>> corpus;
  for (const fs::path& f : files) corpus.push_back(read_bytes(f));
  return corpus;
}

/// Random edits of a good input: what a careless or hostile user would
/// write next to it.
class Mutator {
 public:
  explicit Mutator(uint64_t seed) : rng_(seed) {}

  std::vector<uint8_t> mutate(std::vector<uint8_t> in, const std::vector<std::vector<uint8_t>>& corpus) {
    const int edits = 1 + pick(4);
    for (int e = 0; e < edits; ++e) edit(in, corpus);
    if (in.size() > (1u << 20)) in.resize(1u << 20);
    return in;
  }

 private:
  size_t pick(size_t n) { return n == 0 ? 0 : std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }

  void insert(std::vector<uint8_t>& in, const std::string& s) {
    const size_t at = pick(in.size() + 1);
    in.insert(in.begin() + static_cast<long>(at), s.begin(), s.end());
  }

  void edit(std::vector<uint8_t>& in, const std::vector<std::vector<uint8_t>>& corpus) {
    static const char* kTokens[] = {
        "-1", "0", "1", "2147483648", "4294967296", "9223372036854775807", "-9223372036854775808",
        "4611686018427387904", "1e309", "-1e309", "NaN", "1.5", "null", "true", "\"\"", "{}", "[]",
        "[[[[[[[[", "{\"", "\":", ",", "\"steps\"", "\"split\"", "\"factor\"", "\"name\"",
        "\"shape\"", "\"op\"", "\"M\"", "=", "M=", ",N=", "\\u0000", "\\\"", "\n", "\xff\xfe",
        "\"record\"", "\"workload\"", "\"median_ms\"", "\"gflops\"", "\"trace\"", "\"uuid\"",
        "C.i", "C.k", "blur_y.y", "rfactor", "compute_at", "unroll", "vectorize", "cuda"};
    switch (pick(8)) {
      case 0:
        if (!in.empty()) in[pick(in.size())] ^= static_cast<uint8_t>(1u << pick(8));
        break;
      case 1:
        if (!in.empty()) in[pick(in.size())] = static_cast<uint8_t>(pick(256));
        break;
      case 2:
      case 3: insert(in, kTokens[pick(sizeof kTokens / sizeof *kTokens)]); break;
      case 4:
        if (!in.empty()) {
          const size_t at = pick(in.size()), n = 1 + pick(std::min<size_t>(16, in.size() - at));
          in.erase(in.begin() + static_cast<long>(at), in.begin() + static_cast<long>(at + n));
        }
        break;
      case 5:
        if (!in.empty()) {
          const size_t at = pick(in.size()), n = 1 + pick(std::min<size_t>(64, in.size() - at));
          std::vector<uint8_t> chunk(in.begin() + static_cast<long>(at), in.begin() + static_cast<long>(at + n));
          in.insert(in.begin() + static_cast<long>(pick(in.size() + 1)), chunk.begin(), chunk.end());
        }
        break;
      case 6:
        if (!corpus.empty()) {
          const std::vector<uint8_t>& other = corpus[pick(corpus.size())];
          const size_t cut = pick(in.size() + 1), from = pick(other.size() + 1);
          in.resize(cut);
          in.insert(in.end(), other.begin() + static_cast<long>(from), other.end());
        }
        break;
      case 7:
        // Digits replaced by a long run, the way sizes overflow.
        for (uint8_t& c : in) {
          if (c >= '0' && c <= '9' && pick(4) == 0) c = static_cast<uint8_t>('0' + pick(10));
        }
        insert(in, std::string(1 + pick(24), static_cast<char>('1' + pick(9))));
        break;
    }
  }

  std::mt19937_64 rng_;
};

void run_one(const FuzzTarget& t, const std::vector<uint8_t>& input, int timeout_s) {
  g_input = input.data();
  g_input_size = input.size();
  alarm(static_cast<unsigned>(timeout_s));
  t.run(input.data(), input.size());
  alarm(0);
}

int usage(const char* why) {
  std::fprintf(stderr, "kiln_fuzz: %s\nusage: kiln_fuzz TARGET (--regress DIR | --seconds S "
               "[--corpus DIR] [--artifacts DIR] [--seed N]) [--timeout S]\ntargets:\n", why);
  for (const FuzzTarget& t : kiln::fuzz::fuzz_targets()) std::fprintf(stderr, "  %-13s %s\n", t.name, t.about);
  return 2;
}

void print_schedule_stats() {
  const kiln::fuzz::ScheduleStats& s = kiln::fuzz::schedule_stats();
  if (s.compiled == 0 && s.refused_lowering == 0) return;
  std::printf("kiln_fuzz: schedules: %lld compiled, run twice with guard pages and checked; "
              "%lld refused steps skipped; %lld refused by lowering (code size); %lld compiles "
              "stopped at the budget; slowest lower + compile %.0f ms\n",
              static_cast<long long>(s.compiled), static_cast<long long>(s.refused_steps),
              static_cast<long long>(s.refused_lowering), static_cast<long long>(s.over_budget),
              s.max_compile_ms);
  if (!s.slowest.empty()) {
    std::printf("kiln_fuzz: the slowest (%lld IR nodes after unrolling): %s\n",
                static_cast<long long>(s.slowest_nodes), s.slowest.c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage("no target");
  const std::string name = argv[1];
  const FuzzTarget* target = nullptr;
  for (const FuzzTarget& t : kiln::fuzz::fuzz_targets()) {
    if (name == t.name) target = &t;
  }
  if (!target) return usage(("unknown target '" + name + "'").c_str());
  std::string regress, corpus_dir, artifacts = ".";
  double seconds = 0;
  int timeout_s = 20;
  uint64_t seed = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) return usage(("'" + a + "' needs a value").c_str());
    const std::string v = argv[++i];
    if (a == "--regress") regress = v;
    else if (a == "--corpus") corpus_dir = v;
    else if (a == "--artifacts") artifacts = v;
    else if (a == "--seconds") seconds = std::atof(v.c_str());
    else if (a == "--timeout") timeout_s = std::max(1, std::atoi(v.c_str()));
    else if (a == "--seed") seed = std::strtoull(v.c_str(), nullptr, 10);
    else return usage(("unknown option '" + a + "'").c_str());
  }
  if (regress.empty() && seconds <= 0) return usage("give --regress DIR or --seconds S");
  fs::create_directories(artifacts);
  std::snprintf(g_artifact_prefix, sizeof g_artifact_prefix, "%s", artifacts.c_str());
  g_target = target->name;
  install_handlers();

  if (!regress.empty()) {
    if (!fs::is_directory(regress)) return usage(("no directory '" + regress + "'").c_str());
    const std::vector<std::vector<uint8_t>> inputs = load_corpus(regress);
    for (const std::vector<uint8_t>& in : inputs) run_one(*target, in, timeout_s);
    std::printf("kiln_fuzz: %s: %zu saved inputs from %s, no crash, hang or escaped exception\n",
                target->name, inputs.size(), regress.c_str());
    print_schedule_stats();
    return 0;
  }

  std::vector<std::vector<uint8_t>> corpus = load_corpus(corpus_dir);
  if (corpus.empty()) corpus.push_back({});
  Mutator mutator(seed);
  std::mt19937_64 pick(seed ^ 0x9e3779b97f4a7c15ull);
  const auto start = std::chrono::steady_clock::now();
  int64_t runs = 0;
  for (const std::vector<uint8_t>& in : corpus) run_one(*target, in, timeout_s), ++runs;
  double next_progress = 60;
  while (true) {
    const double now = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (now >= seconds) break;
    // Totals now and then, so a run that ends on a crash still says how
    // far it got.
    if (now >= next_progress) {
      std::printf("kiln_fuzz: %s: %lld inputs after %.0f s\n", target->name,
                  static_cast<long long>(runs), now);
      print_schedule_stats();
      std::fflush(stdout);
      next_progress += 60;
    }
    const std::vector<uint8_t>& base = corpus[pick() % corpus.size()];
    run_one(*target, mutator.mutate(base, corpus), timeout_s);
    ++runs;
  }
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("kiln_fuzz: %s: %lld inputs in %.0f s (seed %llu, %zu corpus files), no crash, hang "
              "or escaped exception\n",
              target->name, static_cast<long long>(runs), took, static_cast<unsigned long long>(seed),
              corpus.size());
  if (target->run != kiln::fuzz::schedules) {
    std::printf("kiln_fuzz: %s: %lld inputs accepted by the reader, %lld refused with a message\n",
                target->name, static_cast<long long>(kiln::fuzz::accepted_inputs()),
                static_cast<long long>(runs - kiln::fuzz::accepted_inputs()));
  }
  print_schedule_stats();
  return 0;
}
