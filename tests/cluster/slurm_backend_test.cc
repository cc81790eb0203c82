// evaluator.backend: slurm against a real Slurm cluster on this machine (munged, slurmctld and
// slurmd started by the fixture with a config it writes; no part of Slurm is faked), driving
// the real kevolve binary: a run end to end and the same run as the local pool; kill -9 and
// resume; a stage past its deadline; a hung job cancelled at its time limit; a job cancelled
// from outside; slurmctld stopped and started again mid-run; SIGTERM; the hostile candidates;
// refusals at start.
#include <dirent.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "cluster/slurm.h"
#include "core/files.h"
#include "core/json.h"
#include "core/text.h"
#include "store/store.h"
#include "testing/command.h"
#include "testing/slurm_cluster.h"

namespace kevolve {
namespace {

using testing::CommandResult;
using testing::KevolveBinary;
using testing::RunCommand;

const std::string kToy = std::string(KEVOLVE_SOURCE_DIR) + "/tests/e2e/tasks/toy";

class SlurmBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string error = cluster_.Start();
    if (!error.empty()) GTEST_FAIL() << "the Slurm test cluster did not start: " << error;
    out_ = cluster_.dir() + "/runs";
  }
  void TearDown() override { cluster_.Stop(); }

  // A copy of the toy task whose evaluator first sleeps `sleep_s` seconds (before scoring),
  // set up for the Slurm backend. `extra` is appended under evaluator: (two-space indent).
  std::string MakeTask(const std::string& name, double sleep_s, const std::string& extra = "") {
    const std::string dir = cluster_.dir() + "/" + name;
    EXPECT_TRUE(MakeDirs(dir).ok());
    chmod(dir.c_str(), 0755);
    auto program = ReadFile(kToy + "/initial_program.py");
    auto evaluate = ReadFile(kToy + "/evaluate");
    EXPECT_TRUE(program.ok() && evaluate.ok());
    std::string script = *evaluate;
    script.insert(script.find('\n') + 1, "sleep " + std::to_string(sleep_s) + "\n");
    EXPECT_TRUE(WriteFileAtomic(dir + "/initial_program.py", *program).ok());
    EXPECT_TRUE(WriteFileAtomic(dir + "/evaluate", script).ok());
    chmod((dir + "/evaluate").c_str(), 0755);
    chmod((dir + "/initial_program.py").c_str(), 0644);
    const std::string yaml =
        "task:\n  initial_program: initial_program.py\n"
        "run:\n  iterations: 10\n  seed: 7\n"
        "evaluator:\n  command: [\"./evaluate\", \"{program}\"]\n  program_filename: program.py\n"
        "  workers: 2\n  timeout_seconds: 10\n  backend: slurm\n"
        "  slurm:\n    shared_dir: " + cluster_.shared_dir() + "\n    kevolve: " + KevolveBinary() +
        "\n    poll_seconds: 0.5\n    time_margin_seconds: 30\n" + extra +
        "database:\n  islands: 2\n  migration_interval: 20\n";
    EXPECT_TRUE(WriteFileAtomic(dir + "/kevolve.yaml", yaml).ok());
    chmod((dir + "/kevolve.yaml").c_str(), 0644);
    return dir;
  }

  std::string RunDir() {
    auto ls = RunCommand({"/bin/sh", "-c", "ls -d " + out_ + "/*/ 2>/dev/null"});
    auto lines = SplitLines(ls.out);
    if (lines.empty()) return "";
    std::string d(Trim(lines[0]));
    if (!d.empty() && d.back() == '/') d.pop_back();
    return d;
  }

  // The run's jobs that squeue shows as queued or running (named kevolve-<run id>-<hash>).
  std::vector<cluster::JobInfo> ActiveJobs() {
    auto r = RunCommand({"/usr/bin/squeue", "-h", "-o", "%i %T %j"});
    std::vector<cluster::JobInfo> jobs;
    for (const std::string& line : SplitLines(r.out)) {
      std::istringstream in(line);
      cluster::JobInfo j;
      std::string name;
      in >> j.id >> j.state >> name;
      if (StartsWith(name, "kevolve-") && cluster::IsActiveState(j.state)) jobs.push_back(j);
    }
    return jobs;
  }

  // No job of the run is queued or running. A job whose evaluation has ended may show as
  // COMPLETING for a moment after kevolve exits (Slurm ending its step), hence the short wait.
  bool NoJobLeft(int timeout_s = 10) {
    return WaitFor([&] { return ActiveJobs().empty(); }, timeout_s);
  }

  std::vector<Json> Events(const std::string& run_dir) {
    std::vector<Json> out;
    auto text = ReadFile(run_dir + "/events.jsonl");
    if (!text.ok()) return out;
    for (const std::string& line : SplitLines(*text)) {
      auto j = ParseJson(line);
      if (j.ok()) out.push_back(*j);
    }
    return out;
  }

  std::vector<Program> Programs(const std::string& run_dir) {
    auto store = Store::Open(run_dir + "/run.db", Store::Mode::kReadOnly);
    if (!store.ok()) return {};
    auto programs = (*store)->LoadPrograms();
    return programs.ok() ? *programs : std::vector<Program>{};
  }

  // Waits for `pid` to exit; its exit code, or -1 after `timeout_s`.
  static int WaitExit(int pid, int timeout_s) {
    for (int i = 0; i < timeout_s * 20; ++i) {
      int status = 0;
      if (waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -2;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return -1;
  }

  template <typename Pred>
  static bool WaitFor(Pred pred, int timeout_s) {
    for (int i = 0; i < timeout_s * 20; ++i) {
      if (pred()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  testing::SlurmCluster cluster_;
  std::string out_;
};

TEST_F(SlurmBackendTest, ARunThroughSlurmIsTheSameRunAsTheLocalPool) {
  const std::string task = MakeTask("toy", 0, "");
  const std::vector<std::string> common = {"-n", "12", "--seed", "11", "--set",
                                           "run.reproducible=true"};
  auto with = [&](std::vector<std::string> argv, const std::string& out) {
    argv.insert(argv.end(), common.begin(), common.end());
    argv.push_back("-o");
    argv.push_back(out);
    return RunCommand(argv);
  };
  CommandResult slurm = with({KevolveBinary(), "run", task}, out_);
  ASSERT_EQ(slurm.exit_code, 0) << slurm.err;
  EXPECT_NE(slurm.err.find("12 evaluations, 2 Slurm jobs at once (job name kevolve-"),
            std::string::npos)
      << slurm.err;
  CommandResult local = with({KevolveBinary(), "run", task, "--set", "evaluator.backend=local"},
                             cluster_.dir() + "/local");
  ASSERT_EQ(local.exit_code, 0) << local.err;
  const std::string run_dir = RunDir();
  auto local_ls = RunCommand({"/bin/sh", "-c", "ls -d " + cluster_.dir() + "/local/*/"});
  std::string local_dir(Trim(SplitLines(local_ls.out).at(0)));
  const std::vector<Program> a = Programs(run_dir), b = Programs(local_dir);
  ASSERT_EQ(a.size(), 13u);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].code_hash, b[i].code_hash) << "program " << i + 1;
    EXPECT_EQ(a[i].result.valid, b[i].result.valid) << "program " << i + 1;
    EXPECT_DOUBLE_EQ(a[i].result.combined_score, b[i].result.combined_score) << "program " << i + 1;
    EXPECT_EQ(a[i].result.metrics, b[i].result.metrics) << "program " << i + 1;
  }
  EXPECT_TRUE(NoJobLeft());
  auto status = RunCommand({KevolveBinary(), "status", run_dir});
  EXPECT_NE(status.out.find("slurm jobs:   0 queued, 0 running, 13 finished"), std::string::npos)
      << status.out << status.err;
  bool probed = false;
  for (const Json& e : Events(run_dir)) probed = probed || e["type"] == "slurm_probe";
  EXPECT_TRUE(probed);
}

TEST_F(SlurmBackendTest, KillNineThenResumeLosesNothingAndEvaluatesNothingTwice) {
  const std::string task = MakeTask("slow", 1.5, "");
  const int pid = testing::StartCommand({KevolveBinary(), "run", task, "-n", "14", "-o", out_});
  std::string run_dir;
  ASSERT_TRUE(WaitFor(
      [&] {
        run_dir = RunDir();
        return !run_dir.empty() && Programs(run_dir).size() >= 4 && ActiveJobs().size() >= 1;
      },
      120));
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  waitpid(pid, nullptr, 0);
  const std::vector<Program> before = Programs(run_dir);
  ASSERT_LT(before.size(), 15u);
  EXPECT_FALSE(ActiveJobs().empty()) << "the killed controller's jobs should still be there";

  CommandResult resume = RunCommand({KevolveBinary(), "resume", run_dir});
  ASSERT_EQ(resume.exit_code, 0) << resume.err;
  const std::vector<Program> after = Programs(run_dir);
  ASSERT_EQ(after.size(), 15u);
  for (size_t i = 0; i < before.size(); ++i) {
    EXPECT_EQ(after[i].code_hash, before[i].code_hash) << "committed program " << i + 1 << " lost";
    EXPECT_DOUBLE_EQ(after[i].result.combined_score, before[i].result.combined_score);
  }
  EXPECT_TRUE(NoJobLeft()) << "a job of the run outlived it";
  // Every evaluation job ever submitted, by both controllers: no evaluation twice.
  std::map<std::string, int> submitted;
  int settled = 0;
  for (const Json& e : Events(run_dir)) {
    if (e["type"] != "slurm_job") continue;
    if (e["state"] == "submitted") ++submitted[e["key"].get<std::string>()];
    if (e["state"] == "adopted" || e["state"] == "harvested") ++settled;
  }
  for (const auto& [key, count] : submitted) EXPECT_EQ(count, 1) << "evaluated twice: " << key;
  std::set<std::string> hashes;
  for (const Program& p : after) EXPECT_TRUE(hashes.insert(p.code_hash).second);
  RecordProperty("settled_from_the_killed_run", settled);
}

TEST_F(SlurmBackendTest, AStagePastItsDeadlineIsATimeoutAndLeavesNoJob) {
  const std::string task = MakeTask("hang", 600, "  grace_seconds: 1\n");
  CommandResult run = RunCommand(
      {KevolveBinary(), "run", task, "-n", "0", "-o", out_, "--set", "evaluator.timeout_seconds=2"});
  EXPECT_EQ(run.exit_code, 3) << run.err;
  EXPECT_NE(run.err.find("no result within 2 s"), std::string::npos) << run.err;
  EXPECT_TRUE(NoJobLeft());
}

// The node's kevolve stops (SIGSTOP: a hung node): the job runs on without a result until the
// controller cancels it at the job's time limit and records a timeout.
TEST_F(SlurmBackendTest, AHungJobIsCancelledAtItsTimeLimitAndRecordedAsATimeout) {
  const std::string task = MakeTask("hung", 600, "");
  const int pid = testing::StartCommand(
      {KevolveBinary(), "run", task, "-n", "0", "-o", out_, "--set", "evaluator.timeout_seconds=3",
       "--set", "evaluator.grace_seconds=1", "--set", "evaluator.slurm.time_margin_seconds=0"});
  // The node's `kevolve slurm-job <run folder> <key>` process.
  int node_pid = 0;
  ASSERT_TRUE(WaitFor(
      [&] {
        DIR* proc = opendir("/proc");
        while (dirent* d = readdir(proc)) {
          const int p = atoi(d->d_name);
          if (p <= 0) continue;
          auto cmd = ReadFile("/proc/" + std::string(d->d_name) + "/cmdline");
          if (cmd.ok() && cmd->find(std::string("slurm-job\0", 10) + cluster_.shared_dir()) !=
                              std::string::npos &&
              cmd->find("--probe") == std::string::npos) {
            node_pid = p;
          }
        }
        closedir(proc);
        return node_pid > 0;
      },
      60));
  ASSERT_EQ(kill(node_pid, SIGSTOP), 0);
  const auto start = std::chrono::steady_clock::now();
  const int code = WaitExit(pid, 90);
  const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(code, 3);
  EXPECT_LT(waited, 60) << "cancelled long after the time limit (4 s + slack)";
  const std::string run_dir = RunDir();
  const std::vector<Program> programs = Programs(run_dir);
  ASSERT_EQ(programs.size(), 1u);
  EXPECT_EQ(programs[0].result.failure, Failure::kTimeout);
  EXPECT_NE(programs[0].result.reason.find("ran past its time limit"), std::string::npos)
      << programs[0].result.reason;
  EXPECT_TRUE(NoJobLeft(30));  // the stopped process is killed after KillWait
}

TEST_F(SlurmBackendTest, AJobCancelledFromOutsideIsSubmittedAgain) {
  const std::string task = MakeTask("cancelled", 4, "");
  const int pid = testing::StartCommand(
      {KevolveBinary(), "run", task, "--set", "run.iterations=0", "-o", out_});
  std::vector<cluster::JobInfo> jobs;
  ASSERT_TRUE(WaitFor(
      [&] {
        jobs = ActiveJobs();
        return jobs.size() == 1 && jobs[0].state == "RUNNING" && !RunDir().empty() &&
               ReadFile(RunDir() + "/events.jsonl").value_or("").find("\"submitted\"") !=
                   std::string::npos;
      },
      60));
  ASSERT_EQ(RunCommand({"/usr/bin/scancel", std::to_string(jobs[0].id)}).exit_code, 0);
  EXPECT_EQ(WaitExit(pid, 90), 0);
  const std::string run_dir = RunDir();
  ASSERT_EQ(Programs(run_dir).size(), 1u);
  EXPECT_TRUE(Programs(run_dir)[0].result.valid);
  int lost = 0;
  for (const Json& e : Events(run_dir)) {
    if (e["type"] == "slurm_job_lost") {
      ++lost;
      EXPECT_EQ(e["state"], "CANCELLED");
      EXPECT_EQ(e["retry"], 1);
    }
  }
  EXPECT_EQ(lost, 1);
  EXPECT_TRUE(NoJobLeft());
}

// The node is set DOWN under a running job (what slurmctld does when a node stops answering)
// and brought back: Slurm requeues the job (or ends it NODE_FAIL); either way it is a lost job,
// submitted again at once, the event says which, and the run goes on.
TEST_F(SlurmBackendTest, ANodeLostMidJobIsAnEventAndTheEvaluationIsDoneAgain) {
  const std::string task = MakeTask("nodelost", 4, "");
  const int pid = testing::StartCommand(
      {KevolveBinary(), "run", task, "--set", "run.iterations=0", "-o", out_});
  std::vector<cluster::JobInfo> jobs;
  ASSERT_TRUE(WaitFor(
      [&] {
        jobs = ActiveJobs();
        return jobs.size() == 1 && jobs[0].state == "RUNNING" && !RunDir().empty() &&
               ReadFile(RunDir() + "/events.jsonl").value_or("").find("\"submitted\"") !=
                   std::string::npos;
      },
      60));
  std::this_thread::sleep_for(std::chrono::seconds(1));  // squeue has seen it running
  auto down = RunCommand({"/usr/bin/scontrol", "update", "nodename=" + cluster_.node(),
                          "state=down", "reason=kevolve-test-node-lost"});
  ASSERT_EQ(down.exit_code, 0) << down.err;
  std::this_thread::sleep_for(std::chrono::seconds(3));
  // The fixture's ReturnToService=2 brings the node back when its slurmd registers again;
  // where it has not yet, bring it back by hand (refused when it is back already).
  (void)RunCommand({"/usr/bin/scontrol", "update", "nodename=" + cluster_.node(), "state=resume"});
  EXPECT_EQ(WaitExit(pid, 90), 0)
      << RunCommand({"/usr/bin/squeue", "--states=all", "-o", "%i %T %r %N"}).out
      << RunCommand({"/usr/bin/sinfo", "-N", "-o", "%N %T %E"}).out
      << ReadFile(RunDir() + "/events.jsonl").value_or("");
  const std::string run_dir = RunDir();
  ASSERT_EQ(Programs(run_dir).size(), 1u);
  EXPECT_TRUE(Programs(run_dir)[0].result.valid) << Programs(run_dir)[0].result.reason;
  int events = 0;
  for (const Json& e : Events(run_dir)) {
    if (e["type"] != "slurm_job_lost") continue;
    ++events;
    EXPECT_TRUE(e["state"] == "REQUEUED" || e["state"] == "NODE_FAIL") << e.dump();
    EXPECT_EQ(e["retry"], 1);
  }
  EXPECT_EQ(events, 1) << ReadFile(run_dir + "/events.jsonl").value_or("");
  EXPECT_TRUE(NoJobLeft());
}

TEST_F(SlurmBackendTest, SlurmctldStoppedAndStartedAgainMidRunLosesNothing) {
  const std::string task = MakeTask("outage", 1, "");
  const int pid = testing::StartCommand({KevolveBinary(), "run", task, "-n", "8", "-o", out_});
  ASSERT_TRUE(WaitFor([&] { return !RunDir().empty() && Programs(RunDir()).size() >= 2; }, 60));
  cluster_.StopController();
  // Longer than a Slurm tool waits for slurmctld (MessageTimeout, 10 s), so calls fail.
  std::this_thread::sleep_for(std::chrono::seconds(15));
  ASSERT_EQ(cluster_.StartController(), "");
  EXPECT_EQ(WaitExit(pid, 120), 0);
  const std::string run_dir = RunDir();
  EXPECT_EQ(Programs(run_dir).size(), 9u);
  bool down = false, back = false;
  for (const Json& e : Events(run_dir)) {
    down = down || e["type"] == "slurm_unavailable";
    back = back || e["type"] == "slurm_available";
  }
  EXPECT_TRUE(down && back) << "the outage and the recovery are events";
  EXPECT_TRUE(NoJobLeft());
}

TEST_F(SlurmBackendTest, SigtermCancelsTheRunsJobs) {
  const std::string task = MakeTask("sigterm", 30, "");
  const int pid = testing::StartCommand({KevolveBinary(), "run", task, "-n", "4", "-o", out_});
  ASSERT_TRUE(WaitFor([&] { return !ActiveJobs().empty() && !RunDir().empty(); }, 60));
  // Past the probe: the initial program's job is out.
  ASSERT_TRUE(WaitFor(
      [&] {
        return ReadFile(RunDir() + "/events.jsonl").value_or("").find("\"submitted\"") !=
               std::string::npos;
      },
      60));
  ASSERT_EQ(kill(pid, SIGTERM), 0);
  EXPECT_EQ(WaitExit(pid, 60), 130);
  EXPECT_TRUE(WaitFor([&] { return ActiveJobs().empty(); }, 10)) << "jobs outlived the run";
}

// Processes whose command line holds `marker` (as the e2e test counts them).
int ProcessesWith(const std::string& marker) {
  int count = 0;
  DIR* proc = opendir("/proc");
  while (dirent* d = readdir(proc)) {
    if (atoi(d->d_name) <= 0 || atoi(d->d_name) == getpid()) continue;
    auto cmd = ReadFile("/proc/" + std::string(d->d_name) + "/cmdline");
    if (cmd.ok() && cmd->find(marker) != std::string::npos) ++count;
  }
  closedir(proc);
  return count;
}

// The hostile task of the e2e tests (infinite loops, a segfault, an output flood, an orphan
// grandchild, a fork bomb, garbage output) through Slurm: every candidate gets the verdict it
// gets from the local pool (same seed, ticket order), and nothing of them is left.
TEST_F(SlurmBackendTest, HostileCandidatesGetTheSameVerdictsThroughSlurmAsLocally) {
  // A copy, with its own orphan's name, so that the e2e test's process counts (which may run
  // at the same time) and these never see each other's evaluations.
  const std::string hostile = cluster_.dir() + "/hostile";
  ASSERT_EQ(RunCommand({"/bin/cp", "-r", std::string(KEVOLVE_SOURCE_DIR) + "/tests/e2e/tasks/hostile",
                        hostile}).exit_code, 0);
  ASSERT_EQ(RunCommand({"/bin/sed", "-i", "s/kevolve-e2e-orphan/kevolve-slurm-orphan/",
                        hostile + "/evaluate"}).exit_code, 0);
  chmod(hostile.c_str(), 0755);
  const std::vector<std::string> common = {"-n", "40", "-j", "4", "--set", "run.reproducible=true"};
  std::vector<std::string> slurm = {KevolveBinary(), "run", hostile, "-o", out_, "--set",
                                    "evaluator.backend=slurm", "--set",
                                    "evaluator.slurm.shared_dir=" + cluster_.shared_dir(),
                                    "--set", "evaluator.slurm.kevolve=" + KevolveBinary(),
                                    "--set", "evaluator.slurm.poll_seconds=0.5"};
  slurm.insert(slurm.end(), common.begin(), common.end());
  std::vector<std::string> local = {KevolveBinary(), "run", hostile, "-o", cluster_.dir() + "/local"};
  local.insert(local.end(), common.begin(), common.end());
  CommandResult a = RunCommand(slurm);
  ASSERT_EQ(a.exit_code, 0) << a.err;
  CommandResult b = RunCommand(local);
  ASSERT_EQ(b.exit_code, 0) << b.err;
  const std::vector<Program> through_slurm = Programs(RunDir());
  auto ls = RunCommand({"/bin/sh", "-c", "ls -d " + cluster_.dir() + "/local/*/"});
  std::string local_dir(Trim(SplitLines(ls.out).at(0)));
  const std::vector<Program> here = Programs(local_dir);
  ASSERT_EQ(through_slurm.size(), 41u);
  ASSERT_EQ(here.size(), 41u);
  std::set<std::string> kinds;
  for (size_t i = 0; i < here.size(); ++i) {
    EXPECT_EQ(through_slurm[i].code_hash, here[i].code_hash) << "program " << i + 1;
    EXPECT_EQ(FailureName(through_slurm[i].result.failure), FailureName(here[i].result.failure))
        << "program " << i + 1 << ": " << through_slurm[i].result.reason << " / "
        << here[i].result.reason;
    kinds.insert(FailureName(through_slurm[i].result.failure));
  }
  for (const char* kind : {"timeout", "crash", "output_limit", "bad_output"}) {
    EXPECT_TRUE(kinds.count(kind)) << kind << " never happened";
  }
  EXPECT_EQ(ProcessesWith("kevolve-slurm-orphan"), 0) << "a grandchild outlived its evaluation";
  EXPECT_EQ(ProcessesWith(hostile + "/evaluate"), 0);
  EXPECT_TRUE(NoJobLeft());
}

TEST_F(SlurmBackendTest, WhatTheNodesCannotDoIsRefusedAtStartWithTheReason) {
  const std::string task = MakeTask("refused", 0, "");
  CommandResult no_dir = RunCommand({KevolveBinary(), "run", task, "-n", "1", "-o", out_, "--set",
                                     "evaluator.slurm.shared_dir=/nonexistent/shared"});
  EXPECT_EQ(no_dir.exit_code, 3);
  EXPECT_NE(no_dir.err.find("evaluator.slurm.shared_dir '/nonexistent/shared' is not a folder"),
            std::string::npos)
      << no_dir.err;
  CommandResult bad_partition = RunCommand({KevolveBinary(), "run", task, "-n", "1", "-o", out_,
                                            "--set", "evaluator.slurm.partition=nosuch"});
  EXPECT_EQ(bad_partition.exit_code, 2);
  EXPECT_NE(bad_partition.err.find("invalid partition"), std::string::npos) << bad_partition.err;
  // The nodes cannot run the kevolve named (as when it is not on the shared file system).
  CommandResult no_binary = RunCommand({KevolveBinary(), "run", task, "-n", "1", "-o", out_,
                                        "--set", "evaluator.slurm.kevolve=/nonexistent/kevolve"});
  EXPECT_EQ(no_binary.exit_code, 3);
  EXPECT_NE(no_binary.err.find("without an answer"), std::string::npos) << no_binary.err;
  EXPECT_NE(no_binary.err.find("/nonexistent/kevolve"), std::string::npos) << no_binary.err;
  EXPECT_TRUE(NoJobLeft());
}

// A GPU task whose nodes cannot start CUDA (this machine has no GPU): refused at start by the
// probe job, with what CUDA said on the node, not checked on the controller's machine (a login
// node without GPUs must be able to run a GPU task's controller).
TEST_F(SlurmBackendTest, AGpuTaskIsCheckedOnTheNodeNotHere) {
  auto here = RunCommand({KevolveBinary(), "doctor", "--cuda-here"});
  ASSERT_EQ(here.exit_code, 0) << here.err;
  if (here.out.find("\"started\":true") != std::string::npos) {
    GTEST_SKIP() << "CUDA starts on this machine: " << here.out;
  }
  const std::string task = MakeTask("gpu", 0, "");
  CommandResult run = RunCommand({KevolveBinary(), "run", task, "-n", "1", "-o", out_, "--set",
                                  "evaluator.gpu=true"});
  EXPECT_EQ(run.exit_code, 3) << run.err;
  EXPECT_NE(run.err.find("on node " + cluster_.node() + ", the start-up probe found"),
            std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find("CUDA does not start inside the sandbox"), std::string::npos) << run.err;
  EXPECT_TRUE(NoJobLeft());
}

}  // namespace
}  // namespace kevolve
