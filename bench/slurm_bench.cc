// Evaluations per second and the cost per evaluation of where evaluations run: the local pool,
// the Slurm backend (one job per evaluation), and a prototype of the other model, long-lived
// worker jobs that take evaluations from the shared folder. On a real single-machine Slurm
// cluster that this program starts (tests/testing/slurm_cluster.h; needs root and the Slurm
// packages of scripts/setup.sh). Usage: slurm_bench [EVALUATIONS] (default 40). Prints a
// markdown table for docs/benchmarks.md.
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "core/files.h"
#include "core/json.h"
#include "core/text.h"
#include "testing/command.h"
#include "testing/slurm_cluster.h"

namespace {

using kevolve::testing::KevolveBinary;
using kevolve::testing::RunCommand;

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Seconds between the run_start and run_end events of the run folder below `out`.
double RunSeconds(const std::string& out) {
  auto ls = RunCommand({"/bin/sh", "-c", "ls -d " + out + "/*/"});
  const std::string dir(kevolve::Trim(kevolve::SplitLines(ls.out).at(0)));
  auto text = kevolve::ReadFile(dir + "/events.jsonl");
  double start = 0, end = 0;
  for (const std::string& line : kevolve::SplitLines(text.value_or(""))) {
    auto j = kevolve::ParseJson(line);
    if (!j.ok()) continue;
    if ((*j)["type"] == "run_start") start = (*j)["t"].get<double>() / 1000;
    if ((*j)["type"] == "run_end") end = (*j)["t"].get<double>() / 1000;
  }
  return end - start;
}

// The one run folder below `shared`/kevolve-*/ and its job keys.
std::string SharedRun(const std::string& shared) {
  auto ls = RunCommand({"/bin/sh", "-c", "ls -d " + shared + "/kevolve-*/"});
  std::string d(kevolve::Trim(kevolve::SplitLines(ls.out).at(0)));
  d.pop_back();
  return d;
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 40;
  kevolve::testing::SlurmCluster cluster;
  const std::string error = cluster.Start();
  if (!error.empty()) {
    std::fprintf(stderr, "the Slurm cluster did not start: %s\n", error.c_str());
    return 1;
  }
  const std::string task = cluster.dir() + "/toy";
  const std::string toy = std::string(KEVOLVE_SOURCE_DIR) + "/tests/e2e/tasks/toy";
  RunCommand({"/bin/cp", "-r", toy, task});
  chmod(task.c_str(), 0755);
  const std::string n_text = std::to_string(n);
  std::vector<std::string> common = {"-n", n_text, "--set", "evaluator.slurm.shared_dir=" + cluster.shared_dir(),
                                     "--set", "evaluator.slurm.kevolve=" + KevolveBinary(),
                                     "--set", "evaluator.slurm.poll_seconds=0.5"};
  std::printf("| where | workers | evaluations | seconds | evaluations/s | seconds per evaluation |\n"
              "| --- | ---: | ---: | ---: | ---: | ---: |\n");
  auto row = [&](const char* where, int workers, double seconds) {
    std::printf("| %s | %d | %d | %.2f | %.2f | %.3f |\n", where, workers, n, seconds, n / seconds,
                seconds / n);
    std::fflush(stdout);
  };
  for (int workers : {1, 4}) {
    for (const char* backend : {"local", "slurm"}) {
      const std::string out = cluster.dir() + "/runs-" + backend + std::to_string(workers);
      std::vector<std::string> cmd = {KevolveBinary(), "run", task, "-o", out, "-j",
                                       std::to_string(workers), "--set",
                                       std::string("evaluator.backend=") + backend};
      cmd.insert(cmd.end(), common.begin(), common.end());
      auto r = RunCommand(cmd);
      if (r.exit_code != 0) {
        std::fprintf(stderr, "%s\n", r.err.c_str());
        return 1;
      }
      row(std::string(backend) == "local" ? "local pool" : "Slurm, one job per evaluation",
          workers, RunSeconds(out));
    }
  }
  // The node side alone: `kevolve slurm-job` on every job folder the last Slurm run left, one
  // after another on this machine, no scheduler.
  const std::string run = SharedRun(cluster.shared_dir());
  const std::string reset = "rm -rf " + run + "/jobs/*/result.json " + run + "/jobs/*/started " +
                            run + "/jobs/*/claim";
  const std::string loop = "for d in " + run + "/jobs/*/; do mkdir \"$d/claim\" 2>/dev/null || "
                           "continue; " + KevolveBinary() + " slurm-job " + run +
                           " \"$(basename \"$d\")\" || exit 1; done";
  const int jobs = std::stoi(
      std::string(kevolve::Trim(RunCommand({"/bin/sh", "-c", "ls -d " + run + "/jobs/*/ | wc -l"}).out)));
  RunCommand({"/bin/sh", "-c", reset});
  double t0 = Now();
  RunCommand({"/bin/sh", "-c", loop});
  const double direct = Now() - t0;
  std::printf("| node side alone (kevolve slurm-job in a loop, no scheduler) | 1 | %d | %.2f | %.2f | %.3f |\n",
              jobs, direct, jobs / direct, direct / jobs);
  // Long-lived workers: W jobs, each claiming job folders (mkdir) until none is left.
  for (int workers : {1, 4}) {
    RunCommand({"/bin/sh", "-c", reset});
    t0 = Now();
    for (int w = 0; w < workers; ++w) {
      RunCommand({"/usr/bin/sbatch", "--parsable", "--job-name=kevolve-bench-worker",
                  "--output=/dev/null", "--wrap=" + loop});
    }
    for (;;) {
      auto count = RunCommand({"/bin/sh", "-c", "ls " + run + "/jobs/*/result.json 2>/dev/null | wc -l"});
      if (std::stoi(std::string(kevolve::Trim(count.out))) >= jobs) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    const double seconds = Now() - t0;
    std::printf("| Slurm, long-lived worker jobs (prototype) | %d | %d | %.2f | %.2f | %.3f |\n",
                workers, jobs, seconds, jobs / seconds, seconds / jobs);
    std::fflush(stdout);
  }
  return 0;
}
