// End-to-end: the real kevolve binary on real task folders, with real child processes and a
// real SQLite file.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <set>
#include <thread>

#include "core/files.h"
#include "core/json.h"
#include "config/load.h"
#include "core/text.h"
#include "store/store.h"
#include "testing/command.h"

namespace kevolve {
namespace {

using testing::KevolveBinary;
using testing::RunCommand;

const std::string kToy = std::string(KEVOLVE_SOURCE_DIR) + "/tests/e2e/tasks/toy";
const std::string kBinPacking = std::string(KEVOLVE_SOURCE_DIR) + "/examples/bin_packing";
const std::string kOpenEvolveToy = std::string(KEVOLVE_SOURCE_DIR) + "/tests/e2e/tasks/openevolve_toy";

class E2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // A fresh folder per run of the test: several builds may run these tests at once.
    auto dir = MakeTempDir(::testing::TempDir(),
                           std::string("e2e_") +
                               ::testing::UnitTest::GetInstance()->current_test_info()->name() +
                               "-");
    ASSERT_TRUE(dir.ok()) << dir.status().ToString();
    out_ = *dir;
  }
  void TearDown() override { (void)RemoveTree(out_); }

  // The single run folder under out_.
  std::string RunDir() {
    auto runs = RunCommand({"/bin/sh", "-c", "ls -d " + out_ + "/*/"});
    auto lines = SplitLines(runs.out);
    EXPECT_EQ(lines.size(), 1u) << runs.out;
    return lines.empty() ? "" : std::string(Trim(lines[0]));
  }

  std::string out_;
};

TEST_F(E2eTest, RunStatusBestOnTheToyTask) {
  auto run = RunCommand({KevolveBinary(), "run", kToy, "-n", "40", "-o", out_});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("evaluations: 40"), std::string::npos) << run.out;
  // A short header, not the whole config (which is config.yaml in the run folder), and why the
  // run ended.
  EXPECT_NE(run.err.find("kevolve: task toy, strategy evolve, 40 evaluations"), std::string::npos)
      << run.err;
  EXPECT_EQ(run.err.find("effective config:"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("iteration budget spent (run.iterations: 40 evaluations)"),
            std::string::npos)
      << run.err;
  const std::string dir = RunDir();
  EXPECT_NE(run.err.find("run folder: " + std::string(Trim(dir)).substr(0, dir.size() - 1)),
            std::string::npos)
      << run.err;
  EXPECT_TRUE(PathExists(dir + "/config.yaml"));

  auto status = RunCommand({KevolveBinary(), "status", dir, "--json"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  auto j = ParseJson(status.out);
  ASSERT_TRUE(j.ok()) << status.out;
  EXPECT_EQ((*j)["evaluations"], 40);
  EXPECT_EQ((*j)["target"], 40);
  EXPECT_GT((*j)["best"]["score"].get<double>(), -38.25);  // better than the initial program

  auto best = RunCommand({KevolveBinary(), "best", dir});
  ASSERT_EQ(best.exit_code, 0) << best.err;
  EXPECT_NE(best.out.find("EVOLVE-BLOCK-START"), std::string::npos);
  auto text_status = RunCommand({KevolveBinary(), "status", dir});
  EXPECT_NE(text_status.out.find("held out:   distance"), std::string::npos) << text_status.out;
}

TEST_F(E2eTest, KillDashNineThenResumeLosesNothingCommitted) {
  const int pid = testing::StartCommand(
      {KevolveBinary(), "run", kToy, "-n", "400", "-o", out_, "--set", "evaluator.workers=2"});
  // Wait until some programs are committed, then kill the controller without warning.
  std::string dir;
  int64_t committed_before_kill = 0;
  for (int i = 0; i < 600 && committed_before_kill < 30; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    auto ls = RunCommand({"/bin/sh", "-c", "ls -d " + out_ + "/*/ 2>/dev/null"});
    if (ls.out.empty()) continue;
    dir = std::string(Trim(SplitLines(ls.out)[0]));
    auto store = Store::Open(dir + "/run.db", Store::Mode::kReadOnly);
    if (!store.ok()) continue;
    auto summary = (*store)->Summarize();
    if (summary.ok()) committed_before_kill = summary->programs;
  }
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  int wstatus = 0;
  waitpid(pid, &wstatus, 0);
  ASSERT_GE(committed_before_kill, 30);
  {
    auto store = Store::Open(dir + "/run.db");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    ASSERT_TRUE((*store)->CheckIntegrity().ok());
    auto programs = (*store)->LoadPrograms();
    ASSERT_TRUE(programs.ok());
    EXPECT_GE(static_cast<int64_t>(programs->size()), committed_before_kill);
    EXPECT_LT(programs->size(), 401u) << "the run finished before it was killed";
  }

  auto resume = RunCommand({KevolveBinary(), "resume", dir});
  ASSERT_EQ(resume.exit_code, 0) << resume.err;
  auto store = Store::Open(dir + "/run.db");
  ASSERT_TRUE(store.ok());
  auto programs = (*store)->LoadPrograms();
  ASSERT_TRUE(programs.ok());
  ASSERT_EQ(programs->size(), 401u);  // the initial program + 400, none lost, none extra
  std::set<std::string> hashes;
  for (size_t i = 0; i < programs->size(); ++i) {
    EXPECT_EQ((*programs)[i].id, static_cast<int64_t>(i + 1));
    EXPECT_TRUE(hashes.insert((*programs)[i].code_hash).second) << "evaluated twice: " << i + 1;
  }
  auto state = (*store)->LoadState();
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->at("evaluations"), "400");
}

// Counts live processes whose command line contains `marker`. The pattern brackets the first
// character so the scanning shell's own command line does not match it.
int ProcessesWith(const std::string& marker) {
  const std::string pattern = "[" + marker.substr(0, 1) + "]" + marker.substr(1);
  auto ps = RunCommand({"/bin/sh", "-c",
                        "for f in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < $f 2>/dev/null; "
                        "echo; done | grep -c -- '" + pattern + "' || true"});
  return std::atoi(ps.out.c_str());
}

TEST_F(E2eTest, HostileCandidatesAreContainedAndTheRunGoesOn) {
  const std::string hostile = std::string(KEVOLVE_SOURCE_DIR) + "/tests/e2e/tasks/hostile";
  // One worker: the parents, and so the modes the mutator draws, then follow from the seed
  // alone (with two, the order evaluations finish in steers them, and a loaded machine drew
  // no crash in 40).
  auto run = RunCommand({KevolveBinary(), "run", hostile, "-n", "40", "-j", "1", "-o", out_});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto status = RunCommand({KevolveBinary(), "status", RunDir(), "--json"});
  auto j = ParseJson(status.out);
  ASSERT_TRUE(j.ok()) << status.out;
  EXPECT_EQ((*j)["evaluations"], 40);
  const Json& failures = (*j)["failures"];
  // Mode 1 and 5 time out, 2 crashes, 3 floods, 6 prints garbage (the mutator draws the mode
  // from its annotated choices; over these 40 evaluations each kind shows up).
  for (const char* kind : {"timeout", "crash", "output_limit", "bad_output"}) {
    EXPECT_TRUE(failures.contains(kind)) << kind << " missing in " << failures.dump();
  }
  EXPECT_EQ(ProcessesWith("kevolve-e2e-orphan"), 0) << "a grandchild outlived its evaluation";
  EXPECT_EQ(ProcessesWith("tests/e2e/tasks/hostile/evaluate"), 0);
}

TEST_F(E2eTest, UnknownConfigKeyIsAUsageErrorThatSuggestsTheKey) {
  const std::string task = out_ + "/task";
  ASSERT_TRUE(MakeDirs(task).ok());
  ASSERT_TRUE(WriteFileAtomic(task + "/kevolve.yaml", "run:\n  iteratons: 5\n").ok());
  auto run = RunCommand({KevolveBinary(), "run", task});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("kevolve.yaml:2"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("did you mean 'run.iterations'"), std::string::npos) << run.err;
}

// A folder in OpenEvolve's layout (initial_program.py, evaluator.py with a two-stage cascade
// returning a dict and an EvaluationResult, config.yaml in OpenEvolve's schema) runs as it is;
// the built-in mutator stands in for its model.
TEST_F(E2eTest, AnOpenEvolveTaskRunsUnchanged) {
  if (access("/usr/bin/python3", X_OK) != 0) GTEST_SKIP() << "no /usr/bin/python3";
  auto run = RunCommand({KevolveBinary(), "run", kOpenEvolveToy, "-n", "20", "-o", out_, "--set",
                         "llm.models=[]"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.err.find("is an OpenEvolve task"), std::string::npos) << run.err;
  // One warning lists every key without a kevolve meaning.
  EXPECT_NE(run.err.find("warning: config.yaml keys with no kevolve meaning, not used: "
                         "checkpoint_interval, max_code_length, llm.retry_delay, "
                         "prompt.num_top_programs, prompt.use_template_stochasticity, "
                         "database.feature_dimensions"),
            std::string::npos)
      << run.err;
  auto status = RunCommand({KevolveBinary(), "status", RunDir(), "--json"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  auto j = ParseJson(status.out);
  ASSERT_TRUE(j.ok()) << status.out;
  EXPECT_EQ((*j)["evaluations"], 20);
  // The initial program (a = 1) scores 1/7 in stage 1, below its threshold 0.2.
  EXPECT_GE((*j)["best"]["score"].get<double>(), 1.0 / 7 - 1e-9);
}

TEST_F(E2eTest, PrintConfigShowsTheMappedConfigAsKevolveYaml) {
  auto printed = RunCommand({KevolveBinary(), "run", kOpenEvolveToy, "--print-config"});
  ASSERT_EQ(printed.exit_code, 0) << printed.err;
  EXPECT_NE(printed.out.find("kevolve_pyeval.py"), std::string::npos) << printed.out;
  // What it prints is a kevolve.yaml that kevolve reads back to the same config.
  auto parsed = ParseConfig(printed.out, "printed", kOpenEvolveToy);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->run.iterations, 40);
  ASSERT_EQ(parsed->evaluator.stages.size(), 2u);
  EXPECT_DOUBLE_EQ(parsed->evaluator.stages[0].threshold, 0.2);
}

TEST_F(E2eTest, AnOpenEvolveConfigWithATypoNamesTheFileAndKey) {
  const std::string task = out_ + "/task";
  ASSERT_TRUE(MakeDirs(task).ok());
  ASSERT_TRUE(WriteFileAtomic(task + "/evaluator.py", "def evaluate(p):\n    return {}\n").ok());
  ASSERT_TRUE(WriteFileAtomic(task + "/config.yaml", "max_iterations: 5\ndatabase:\n  num_island: 2\n").ok());
  auto run = RunCommand({KevolveBinary(), "run", task});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("config.yaml:3: 'database.num_island' is not a key of OpenEvolve's "
                         "config; did you mean 'database.num_islands'?"),
            std::string::npos)
      << run.err;
}

// A GPU task on a machine where CUDA cannot start inside the sandbox: one clear error before the
// run folder exists, not a run of failed evaluations. (On a GPU machine the probe starts CUDA, and
// this is the GPU tests' business.)
TEST_F(E2eTest, AGpuTaskWhereCudaCannotStartIsRefusedBeforeTheRun) {
  auto here = RunCommand({KevolveBinary(), "doctor", "--cuda-here"});
  ASSERT_EQ(here.exit_code, 0) << here.err;
  if (here.out.find("\"started\":true") != std::string::npos) {
    GTEST_SKIP() << "CUDA starts on this machine: " << here.out;
  }
  auto run = RunCommand({KevolveBinary(), "run", kToy, "-n", "5", "-o", out_, "--set",
                         "evaluator.gpu=true"});
  EXPECT_EQ(run.exit_code, 3) << run.err;
  EXPECT_NE(run.err.find("evaluator.gpu is true but CUDA does not start inside the sandbox"),
            std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find("set evaluator.gpu: false"), std::string::npos) << run.err;
  EXPECT_TRUE(RunCommand({"/bin/sh", "-c", "ls -d " + out_ + "/*/"}).out.empty())
      << "a run folder was created";
  auto eval = RunCommand({KevolveBinary(), "eval", kToy, kToy + "/initial_program.py", "--set",
                          "evaluator.gpu=true"});
  EXPECT_EQ(eval.exit_code, 3) << eval.err;
}

TEST_F(E2eTest, DoctorSaysWhetherCudaStartsInEachSandboxMode) {
  auto r = RunCommand({KevolveBinary(), "doctor", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = ParseJson(r.out);
  ASSERT_TRUE(j.ok()) << r.out;
  ASSERT_TRUE((*j).contains("cuda")) << r.out;
  for (const char* where : {"here", "process"}) {
    ASSERT_TRUE((*j)["cuda"].contains(where)) << r.out;
    const Json& seen = (*j)["cuda"][where];
    EXPECT_TRUE(seen["started"].is_boolean()) << seen.dump();
    // Either CUDA started and lists its GPUs, or it says why not.
    EXPECT_TRUE(seen["started"].get<bool>() ? seen["gpus"].is_array()
                                            : !seen["error"].get<std::string>().empty())
        << seen.dump();
  }
  // Inside the sandbox it says the same as outside, where nothing in the sandbox stops CUDA.
  EXPECT_EQ((*j)["cuda"]["here"]["started"], (*j)["cuda"]["process"]["started"]) << r.out;
}

// A bad value is refused before anything runs, with one line that names its key, in the same
// words whichever command meets it (config/ owns the rule; eval and doctor do not say it again).
TEST_F(E2eTest, ABadValueIsOneLineNamingItsKeyForEveryCommand) {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"evaluator.sandbox=bwarp",
       "'evaluator.sandbox' must be auto, process or bwrap, got 'bwarp' (did you mean 'bwrap'?)"},
      {"evaluator.timeout_seconds=0",
       "'evaluator.timeout_seconds' must be a finite number > 0, got 0"}};
  for (const auto& [set, rule] : bad) {
    for (const std::vector<std::string>& command :
         {std::vector<std::string>{"run", kToy, "-o", out_},
          std::vector<std::string>{"eval", kToy, kToy + "/initial_program.py"},
          std::vector<std::string>{"doctor", kToy}}) {
      std::vector<std::string> argv = {KevolveBinary()};
      argv.insert(argv.end(), command.begin(), command.end());
      argv.insert(argv.end(), {"--set", set});
      const auto r = RunCommand(argv);
      EXPECT_EQ(r.exit_code, 2) << command[0] << " " << set << ": " << r.err;
      EXPECT_NE(r.err.find(rule), std::string::npos) << command[0] << ": " << r.err;
      EXPECT_EQ(SplitLines(r.err).size(), 1u) << command[0] << ": " << r.err;
    }
  }
}

TEST_F(E2eTest, EvalPrintsTheResultOfOneProgram) {
  auto r = RunCommand({KevolveBinary(), "eval", kToy, kToy + "/initial_program.py"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = ParseJson(r.out);
  ASSERT_TRUE(j.ok()) << r.out;
  EXPECT_EQ((*j)["valid"], true);
  EXPECT_DOUBLE_EQ((*j)["combined_score"].get<double>(), -38.25);
}

TEST_F(E2eTest, BinPackingExampleImprovesOnBestFit) {
  auto run = RunCommand({KevolveBinary(), "run", kBinPacking, "-n", "30", "-o", out_});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto status = RunCommand({KevolveBinary(), "status", RunDir(), "--json"});
  auto j = ParseJson(status.out);
  ASSERT_TRUE(j.ok()) << status.out;
  EXPECT_EQ((*j)["evaluations"], 30);
  // Best fit scores -4.133 on the training instances; the best program is at least that good.
  EXPECT_GE((*j)["best"]["score"].get<double>(), -4.1334);
  EXPECT_TRUE((*j)["best"]["hidden_metrics"].contains("heldout_excess_bins_pct"));
}

}  // namespace
}  // namespace kevolve
