// The cost of an evaluation beyond the evaluator's own work: kevolve's CPU (and the sandbox's,
// in the kernel and in the processes it starts) per evaluation of a trivial evaluator, for each
// way of running it (docs/benchmarks.md, "Cost of an evaluation").
//
// Usage: eval_bench [evaluations=300] [COMMAND WORD...]
// KEVOLVE_BENCH_WAY=direct|process|slot|bwrap measures that way only (to trace one).
// KEVOLVE_BENCH_TASK=DIR evaluates in that task folder ({task} in a word) instead of an empty one,
// e.g. tests/e2e/tasks/openevolve_toy with kevolve's Python host (docs/openevolve.md), whose
// folder KEVOLVE_BENCH_TOOLS names (build/release/src/app/kevolve-tools: what evaluations see).
// COMMAND defaults to /usr/bin/printf with a protocol-1 answer (one exec, no work). {program}
// in a word is the candidate's path, as in evaluator.command.
//
// "Of it own" is the part spent in this process's threads (kevolve's side).
// For each way (no sandbox; process mode with a sandbox per evaluation; process mode with the
// slot's persistent sandbox; bwrap), `evaluations` candidates are evaluated one after another on
// worker slot 0. CPU is this process's own (every thread) plus that of every process it started
// and reaped, the slot's agent included (the evaluator is destroyed, and so its agents reaped,
// before the count is taken). "Beyond" subtracts the same command run directly. Kernel work done
// outside any process (a network namespace is freed by a kernel worker) is not in these counts:
// the machine-wide column is the whole machine's busy time over the same span, other load
// included.
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "core/files.h"
#include "eval/evaluator.h"

extern char** environ;

namespace {

using namespace kevolve;

double Ms(const struct timeval& t) {
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_usec) / 1e3;
}

struct Sample {
  double self_ms = 0, children_ms = 0, wall_ms = 0, machine_ms = 0;
};

double MachineBusyMs() {
  std::ifstream stat("/proc/stat");
  std::string cpu;
  long long user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0;
  stat >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq;
  return static_cast<double>(user + nice + system + irq + softirq) * 1000.0 /
         static_cast<double>(sysconf(_SC_CLK_TCK));
}

Sample Now() {
  Sample s;
  struct rusage self = {}, children = {};
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &children);
  s.self_ms = Ms(self.ru_utime) + Ms(self.ru_stime);
  s.children_ms = Ms(children.ru_utime) + Ms(children.ru_stime);
  struct timespec t = {};
  clock_gettime(CLOCK_MONOTONIC, &t);
  s.wall_ms = static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
  s.machine_ms = MachineBusyMs();
  return s;
}

struct Cost {
  double cpu_ms = 0, wall_ms = 0, machine_ms = 0;  // per evaluation
  double self_ms = 0;  // of cpu_ms, this process's own (kevolve's threads)
};

Cost PerEvaluation(const Sample& a, const Sample& b, int n) {
  Cost c;
  c.cpu_ms = (b.self_ms - a.self_ms + b.children_ms - a.children_ms) / n;
  c.self_ms = (b.self_ms - a.self_ms) / n;
  c.wall_ms = (b.wall_ms - a.wall_ms) / n;
  c.machine_ms = (b.machine_ms - a.machine_ms) / n;
  return c;
}

std::vector<std::string> Substituted(const std::vector<std::string>& command,
                                     const std::string& program, const std::string& task) {
  std::vector<std::string> argv;
  for (std::string word : command) {
    for (size_t at; (at = word.find("{program}")) != std::string::npos;) {
      word.replace(at, 9, program);
    }
    for (size_t at; (at = word.find("{task}")) != std::string::npos;) word.replace(at, 6, task);
    argv.push_back(word);
  }
  return argv;
}

// The command run directly, n times: the evaluator's own work.
Cost Direct(const std::vector<std::string>& command, const std::string& dir,
            const std::string& task, int n) {
  const std::string program = dir + "/program.py";
  (void)WriteFileAtomic(program, "a = 1\n");
  const std::vector<std::string> words = Substituted(command, program, task);
  std::vector<char*> argv;
  for (const std::string& w : words) argv.push_back(const_cast<char*>(w.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  const Sample a = Now();
  for (int i = 0; i < n; ++i) {
    pid_t pid = 0;
    if (posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ) != 0) {
      std::fprintf(stderr, "cannot run %s\n", argv[0]);
      std::exit(1);
    }
    int status = 0;
    waitpid(pid, &status, 0);
  }
  const Sample b = Now();
  posix_spawn_file_actions_destroy(&actions);
  return PerEvaluation(a, b, n);
}

Cost Through(const std::vector<std::string>& command, const std::string& task,
             const std::string& scratch, SandboxSetting mode, bool persistent, int n,
             int* valid) {
  EvaluatorConfig config;
  config.command = command;
  config.program_filename = "program.py";
  config.sandbox = mode;
  config.timeout_seconds = 10;
  eval::EvaluatorOptions options{task, scratch};
  options.persistent_slots = persistent;
  if (const char* tools = std::getenv("KEVOLVE_BENCH_TOOLS")) options.tools_dir = tools;
  const Sample a = Now();
  {
    Result<std::unique_ptr<eval::Evaluator>> evaluator = eval::Evaluator::Create(config, options);
    if (!evaluator.ok()) {
      std::fprintf(stderr, "%s\n", evaluator.status().ToString().c_str());
      std::exit(1);
    }
    if ((*evaluator)->persistent_slots() != persistent) {
      std::fprintf(stderr, "persistent slots are not available here for %s\n",
                   std::string(WordOf(mode)).c_str());
      std::exit(1);
    }
    for (int i = 0; i < n; ++i) {
      const EvalResult r = (*evaluator)->Evaluate("a = " + std::to_string(i) + "\n", 1, 0);
      *valid += r.valid ? 1 : 0;
      if (!r.valid && i == 0) std::fprintf(stderr, "invalid: %s\n", r.reason.c_str());
    }
  }  // agents stopped and reaped: their children's CPU is counted now
  return PerEvaluation(a, Now(), n);
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 300;
  std::vector<std::string> command = {"/usr/bin/printf",
                                      "{\"protocol\":1,\"valid\":true,\"combined_score\":1}\\n"};
  if (argc > 2) command.assign(argv + 2, argv + argc);
  const std::string root = MakeTempDir("/tmp", "kevolve-eval-bench-").value_or("");
  chmod(root.c_str(), 0755);
  const char* task_env = std::getenv("KEVOLVE_BENCH_TASK");
  const std::string task = task_env != nullptr ? AbsolutePath(task_env) : root + "/task";
  const std::string scratch = root + "/scratch";
  (void)MakeDirs(scratch);
  if (task_env == nullptr) {
    (void)MakeDirs(task);
    chmod(task.c_str(), 0755);
  }

  std::printf("evaluator:");
  for (const std::string& w : command) std::printf(" %s", w.c_str());
  std::printf("\n%d evaluations each, one after another on one worker slot\n\n", n);
  std::printf("%-34s %12s %14s %10s %12s %14s\n", "how", "cpu ms/eval", "beyond direct",
              "of it own", "wall ms/eval", "machine ms/eval");
  const char* only = std::getenv("KEVOLVE_BENCH_WAY");
  const auto wanted = [only](const char* way) { return only == nullptr || std::string(only) == way; };
  const Cost direct = wanted("direct") ? Direct(command, root, task, n) : Cost{};
  std::printf("%-34s %12.2f %14s %10.2f %12.2f %14.2f\n", "direct (no sandbox)", direct.cpu_ms,
              "-", direct.self_ms, direct.wall_ms, direct.machine_ms);
  struct Way {
    const char* key;
    const char* name;
    SandboxSetting mode;
    bool persistent;
  };
  for (const Way& way :
       {Way{"process", "process, sandbox per evaluation", SandboxSetting::kProcess, false},
        Way{"slot", "process, persistent slot", SandboxSetting::kProcess, true},
        Way{"bwrap", "bwrap, sandbox per evaluation", SandboxSetting::kBwrap, false}}) {
    if (!wanted(way.key)) continue;
    int valid = 0;
    const Cost c = Through(command, task, scratch, way.mode, way.persistent, n, &valid);
    std::printf("%-34s %12.2f %14.2f %10.2f %12.2f %14.2f%s\n", way.name, c.cpu_ms,
                c.cpu_ms - direct.cpu_ms, c.self_ms, c.wall_ms, c.machine_ms,
                valid == n ? "" : "  (some evaluations were invalid)");
  }
  (void)RemoveTree(root);
  return 0;
}
