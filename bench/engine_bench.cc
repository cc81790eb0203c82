// Engine overhead: controller CPU time per evaluated program, excluding the evaluator (an
// in-process scoring function stands in for it, so everything measured is the controller's own
// work: selection, the mutator, edit application, dedup, the SQLite commit, population insert).
//
// Usage: engine_bench [programs_before=10000,100000] [measured=2000]
// For each size, a run is first grown to that many programs, then `measured` more evaluations
// are timed with the thread's CPU clock.
#include <time.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "config/load.h"
#include "core/files.h"
#include "engine/engine.h"
#include "testing/fake_backend.h"

namespace {

using namespace kevolve;

// A realistic evolvable program: ~2 KB, a dozen tunable constants.
std::string InitialProgram() {
  std::ostringstream code;
  code << "#include <cmath>\n// helper code outside the block\n";
  for (int i = 0; i < 20; ++i) code << "static int helper_" << i << "(int x) { return x * " << i << "; }\n";
  code << "// EVOLVE-BLOCK-START\ndouble Score(double x, double y) {\n";
  for (int i = 0; i < 12; ++i) {
    code << "  const double w" << i << " = " << (i + 1) * 0.5 << ";  // weight " << i << "\n";
  }
  code << "  double s = 0.0;\n";
  for (int i = 0; i < 12; ++i) code << "  s += w" << i << " * std::pow(x, " << i % 3 << ") * y;\n";
  code << "  if (s < 0.0) s = -s;\n  return s;\n}\n// EVOLVE-BLOCK-END\n";
  return code.str();
}

EvalResult Score(const std::string& code) {
  // Cheap but code-dependent: the sum of the digits stands in for a measured score. Length is
  // penalized so programs stay the size of the initial one (duplicated lines would otherwise
  // grow them without bound, and the benchmark would measure ever longer strings instead of
  // the controller).
  static const double kInitialSize = static_cast<double>(InitialProgram().size());
  EvalResult r;
  r.valid = true;
  r.failure = Failure::kNone;
  double s = 0;
  for (char c : code) {
    if (c >= '0' && c <= '9') s += c - '0';
  }
  r.combined_score = s - 2.0 * std::abs(static_cast<double>(code.size()) - kInitialSize);
  r.metrics["digits"] = s;
  r.features["len"] = static_cast<double>(code.size() % 100) / 100.0;
  return r;
}

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

int Measure(int64_t before, int64_t measured) {
  const std::string root = "/tmp/kevolve-engine-bench";
  (void)RemoveTree(root);
  (void)MakeDirs(root + "/task");
  (void)WriteFileAtomic(root + "/task/initial_program.cc", InitialProgram());
  auto config = ParseConfig("run: {output_dir: " + root + "/runs, seed: 1}\n"
                            "database: {islands: 4, migration_interval: 50, island_capacity: 1000,"
                            " features: [{name: len, min: 0, max: 1, bins: 10}]}\n",
                            "bench.yaml", root + "/task");
  if (!config.ok()) {
    std::fprintf(stderr, "%s\n", config.status().ToString().c_str());
    return 1;
  }
  config->run.iterations = before;
  engine::EngineEnv env;
  env.make_backend = [](const Config&, const engine::RunPaths&)
      -> Result<std::unique_ptr<engine::EvalBackend>> {
    return std::unique_ptr<engine::EvalBackend>(new testing::FakeBackend(Score, 2));
  };
  env.make_proposer = [](const Config& c) { return engine::MakeMutatorProposer(c.mutator); };
  std::atomic<bool> no_stop{false};
  engine::RunPaths paths;
  {
    auto engine = engine::Engine::Start(*config, env);
    if (!engine.ok() || !(*engine)->Run(no_stop).ok()) {
      std::fprintf(stderr, "growing the run failed\n");
      return 1;
    }
    paths = (*engine)->paths();
  }
  // Resume (replaying the whole database) and time the next `measured` evaluations.
  const double replay_start = ThreadCpuSeconds();
  auto engine = engine::Engine::Resume(paths, env, before + measured);
  if (!engine.ok()) {
    std::fprintf(stderr, "%s\n", engine.status().ToString().c_str());
    return 1;
  }
  const double replay_s = ThreadCpuSeconds() - replay_start;
  const double start = ThreadCpuSeconds();
  if (!(*engine)->Run(no_stop).ok()) return 1;
  const double cpu_s = ThreadCpuSeconds() - start;
  const auto done = (*engine)->progress().evaluations - before;
  auto best_code = ReadFile((*engine)->paths().best(config->task.initial_program));
  std::printf("programs_in_db=%ld measured_evaluations=%ld controller_cpu_ms_per_program=%.3f "
              "resume_replay_cpu_s=%.2f best_program_bytes=%zu\n",
              static_cast<long>(before), static_cast<long>(done),
              1000.0 * cpu_s / static_cast<double>(done), replay_s,
              best_code.ok() ? best_code->size() : size_t{0});
  std::fflush(stdout);
  (void)RemoveTree(root);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int64_t> sizes = {10000, 100000};
  if (argc > 1) {
    sizes.clear();
    std::stringstream ss(argv[1]);
    std::string item;
    while (std::getline(ss, item, ',')) sizes.push_back(std::atoll(item.c_str()));
  }
  const int64_t measured = argc > 2 ? std::atoll(argv[2]) : 2000;
  for (int64_t size : sizes) {
    if (int rc = Measure(size, measured); rc != 0) return rc;
  }
  return 0;
}
