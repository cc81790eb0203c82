// The evaluator against hostile candidates (each contained, recorded invalid with the right
// reason, nothing left over, the run goes on), in process and bwrap modes; and its contract:
// placeholders, environment, cascade stages, scratch folders, config errors.
#include "eval/evaluator.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <set>
#include <sstream>

#include "core/files.h"
#include "core/text.h"
#include "eval/eval_test_util.h"

namespace kevolve::eval {
namespace {

using testing::HostileBin;
using testing::HostileConfig;
using testing::HostileDir;
using testing::PidsOfUid;
using testing::PidsWithMarker;
using testing::TempDir;
using testing::UniqueMarker;

bool FolderEmpty(const std::string& path) {
  return std::filesystem::is_empty(std::filesystem::path(path));
}

std::unique_ptr<Evaluator> MakeEvaluator(EvaluatorConfig config, const std::string& scratch) {
  Result<std::unique_ptr<Evaluator>> e =
      Evaluator::Create(config, EvaluatorOptions{HostileDir(), scratch});
  EXPECT_TRUE(e.ok()) << e.status().ToString();
  return e.ok() ? std::move(e).value() : nullptr;
}

// Every hostile test runs in both sandbox modes.
class HostileTest : public ::testing::TestWithParam<SandboxMode> {
 protected:
  void SetUp() override {
    if (GetParam() == SandboxMode::kBwrap && !DetectSandbox().bwrap) {
      GTEST_SKIP() << DetectSandbox().bwrap_problem;
    }
  }

  // With the hostile config's 1.5 s deadline unless `timeout_seconds` says otherwise.
  EvalResult Evaluate(std::vector<std::string> command, const std::string& code = "candidate",
                      double timeout_seconds = 0) {
    EvaluatorConfig config = HostileConfig(std::move(command));
    config.sandbox = SettingFor(GetParam());
    if (timeout_seconds > 0) config.timeout_seconds = timeout_seconds;
    evaluator_ = MakeEvaluator(config, scratch_.path());
    if (evaluator_ == nullptr) return {};
    EvalResult r = evaluator_->Evaluate(code, 42, 0);
    EXPECT_TRUE(FolderEmpty(scratch_.path())) << "scratch folder left behind";
    EXPECT_EQ(r.stages_run, 1);
    // Deadline + grace 0.3 s, and slack for a loaded machine.
    EXPECT_LT(r.duration_ms, config.timeout_seconds * 1000 + 300 + 2000);
    return r;
  }

  // Nothing of slot 0 may be alive once Evaluate has returned.
  void ExpectNothingLeftOfSlot0() {
    if (const auto uid = evaluator_->SlotUid(0)) {
      EXPECT_TRUE(PidsOfUid(*uid).empty());
    }
  }

  TempDir scratch_;
  std::unique_ptr<Evaluator> evaluator_;
};

TEST_P(HostileTest, AnInfiniteLoopTimesOut) {
  const EvalResult r = Evaluate({"./loop.sh"});
  EXPECT_FALSE(r.valid);
  EXPECT_EQ(r.failure, Failure::kTimeout);
  EXPECT_EQ(r.reason,
            "no result within 1.5 s (evaluator.timeout_seconds); the process tree was killed");
  ExpectNothingLeftOfSlot0();
}

TEST_P(HostileTest, SleepingForeverTimesOut) {
  const EvalResult r = Evaluate({"./sleep_forever.sh"});
  EXPECT_EQ(r.failure, Failure::kTimeout);
  ExpectNothingLeftOfSlot0();
}

TEST_P(HostileTest, AShellForkBombIsContained) {
  const EvalResult r = Evaluate({"./fork_bomb.sh"});
  EXPECT_FALSE(r.valid);
  EXPECT_EQ(r.failure, Failure::kTimeout) << r.reason;
  ExpectNothingLeftOfSlot0();
}

TEST_P(HostileTest, AForkLoopIsContained) {
  const EvalResult r = Evaluate({HostileBin("fork_loop")});
  EXPECT_FALSE(r.valid);
  EXPECT_EQ(r.failure, Failure::kTimeout) << r.reason;
  ExpectNothingLeftOfSlot0();
}

// Touching 256 MiB takes a second or more on a loaded 2-core machine: these two get a 5 s
// deadline, so that the memory limit ends them, as it must, and not the clock.
TEST_P(HostileTest, UncheckedUnboundedMallocCrashesWithAMemoryReason) {
  const EvalResult r = Evaluate({HostileBin("malloc_forever"), "{program}"}, "candidate", 5);
  EXPECT_EQ(r.failure, Failure::kCrash) << r.reason;
  EXPECT_TRUE(StartsWith(r.reason, "killed by SIGSEGV; peak memory ")) << r.reason;
  EXPECT_NE(r.reason.find("of the 256 MiB limit (evaluator.limits.memory_mb)"), std::string::npos)
      << r.reason;
}

TEST_P(HostileTest, CheckedUnboundedMallocExitsWithAMemoryReason) {
  const EvalResult r =
      Evaluate({HostileBin("malloc_forever"), "{program}", "checked"}, "candidate", 5);
  EXPECT_EQ(r.failure, Failure::kExitCode) << r.reason;
  EXPECT_NE(r.reason.find("exited with code 1"), std::string::npos) << r.reason;
  EXPECT_NE(r.reason.find("256 MiB limit"), std::string::npos) << r.reason;
  EXPECT_EQ(r.artifacts.at("stderr"), "malloc: out of memory");
}

TEST_P(HostileTest, FloodingStdoutHitsTheOutputLimit) {
  const EvalResult r = Evaluate({"./flood.sh"});
  EXPECT_EQ(r.failure, Failure::kOutputLimit);
  EXPECT_EQ(r.reason, "stdout passed its cap of 65536 bytes (evaluator.limits.output_bytes); "
                      "the process tree was killed");
  EXPECT_LT(r.duration_ms, 1500);  // killed at the cap, not at the deadline
}

TEST_P(HostileTest, ASegfaultIsACrashNamedSigsegv) {
  const EvalResult r = Evaluate({HostileBin("segfault")});
  EXPECT_EQ(r.failure, Failure::kCrash);
  EXPECT_EQ(r.reason, "killed by SIGSEGV: about to crash");
  EXPECT_EQ(r.artifacts.at("stderr"), "about to crash");
}

TEST_P(HostileTest, AnAbortIsACrashNamedSigabrt) {
  const EvalResult r = Evaluate({HostileBin("abort_now")});
  EXPECT_EQ(r.failure, Failure::kCrash);
  EXPECT_TRUE(StartsWith(r.reason, "killed by SIGABRT: terminate called")) << r.reason;
}

TEST_P(HostileTest, ABackgroundGrandchildIsGoneWhenEvaluateReturns) {
  const std::string marker = UniqueMarker("grandchild");
  const EvalResult r = Evaluate({"./background_child.sh", "{program}"}, marker);
  ASSERT_TRUE(r.valid) << r.reason;
  EXPECT_GT(r.metrics.at("background_pid"), 0);
  EXPECT_TRUE(PidsWithMarker(marker).empty());
  ExpectNothingLeftOfSlot0();
}

TEST_P(HostileTest, ADoubleForkedDaemonIsGoneWhenEvaluateReturns) {
  const std::string marker = UniqueMarker("daemon");
  const EvalResult r = Evaluate({HostileBin("daemonize"), "{program}"}, marker);
  ASSERT_TRUE(r.valid) << r.reason;
  EXPECT_TRUE(PidsWithMarker(marker).empty());
  ExpectNothingLeftOfSlot0();
}

TEST_P(HostileTest, ANonZeroExitKeepsTheStderrTail) {
  const EvalResult r = Evaluate({"./exit_code.sh"});
  EXPECT_EQ(r.failure, Failure::kExitCode);
  EXPECT_EQ(r.reason,
            "exited with code 3: program.cc:7:3: error: 'frobnicate' was not declared in this scope");
  EXPECT_EQ(r.artifacts.at("stderr"),
            "program.cc:1:1: note: starting\n"
            "program.cc:7:3: error: 'frobnicate' was not declared in this scope");
}

TEST_P(HostileTest, AMessyScratchFolderIsStillRemoved) {
  const EvalResult r = Evaluate({"./messy_scratch.sh"});
  EXPECT_TRUE(r.valid) << r.reason;
  EXPECT_TRUE(PathExists("/usr/bin"));  // the symlink to / was removed, not followed
}

TEST_P(HostileTest, TheEvaluatorSeesNoSecretsAndOnlyItsEnvironment) {
  ::setenv("OPENAI_API_KEY", "secret", 1);
  ::setenv("KEVOLVE_TEST_UNLISTED", "x", 1);
  const EvalResult r =
      Evaluate({"./env_probe.sh", "{program}", "{workdir}", "{stage}", "{seed}", "{task}"});
  ASSERT_TRUE(r.valid) << r.reason;
  EXPECT_EQ(r.metrics.at("leaked"), 0);
  std::set<std::string> names;
  std::istringstream words(r.artifacts.at("names"));
  for (std::string w; words >> w;) names.insert(w);
  names.erase("PWD");    // bash sets these itself
  names.erase("SHLVL");
  names.erase("_");
  std::set<std::string> expected = {"HOME", "TMPDIR", "KEVOLVE_PROTOCOL", "KEVOLVE_STAGE",
                                    "KEVOLVE_STAGE_NAME", "KEVOLVE_SEED", "KEVOLVE_WORKDIR",
                                    "KEVOLVE_PROGRAM", "KEVOLVE_TASK_DIR", "KEVOLVE_SANDBOX",
                                    "KEVOLVE_CONTAINMENT"};
  for (const char* allowed : {"PATH", "LANG", "LC_ALL", "TERM", "CUDA_HOME"}) {
    if (std::getenv(allowed) != nullptr) expected.insert(allowed);
  }
  EXPECT_EQ(names, expected) << r.artifacts.at("names");
}

TEST_P(HostileTest, PlaceholdersAreSubstituted) {
  const EvalResult r =
      Evaluate({"./env_probe.sh", "{program}", "{workdir}", "{stage}", "{seed}", "{task}"},
               "the_code");
  ASSERT_TRUE(r.valid) << r.reason;
  const std::string workdir = r.artifacts.at("workdir");
  EXPECT_TRUE(StartsWith(workdir, scratch_.path() + "/eval-")) << workdir;
  EXPECT_EQ(r.artifacts.at("program"), workdir + "/program.cc");
  EXPECT_EQ(r.artifacts.at("pwd"), workdir);
  EXPECT_EQ(r.artifacts.at("home"), workdir);
  EXPECT_EQ(r.artifacts.at("task"), HostileDir());
  EXPECT_EQ(r.artifacts.at("code"), "the_code");
  EXPECT_EQ(r.artifacts.at("stage_name"), "stage1");
  EXPECT_EQ(r.metrics.at("stage"), 1);
  EXPECT_EQ(r.metrics.at("seed"), 42);
  EXPECT_DOUBLE_EQ(r.combined_score, 42);
  if (const auto uid = evaluator_->SlotUid(0)) {
    EXPECT_EQ(r.metrics.at("uid"), *uid);
  }
}

INSTANTIATE_TEST_SUITE_P(Modes, HostileTest,
                         ::testing::Values(SandboxMode::kProcess, SandboxMode::kBwrap),
                         [](const auto& p) { return std::string(SandboxModeName(p.param)); });

TEST(EvaluatorTest, TheRunGoesOnAfterEveryKindOfHostileCandidate) {
  // One evaluator, as in a run: the candidate is a shell script and the evaluator runs it.
  TempDir scratch;
  auto evaluator = MakeEvaluator(HostileConfig({"/bin/bash", "{program}"}), scratch.path());
  ASSERT_NE(evaluator, nullptr);
  const std::pair<std::string, Failure> hostile[] = {
      {"loop.sh", Failure::kTimeout},       {"fork_bomb.sh", Failure::kTimeout},
      {"flood.sh", Failure::kOutputLimit},  {"exit_code.sh", Failure::kExitCode},
      {"ignore_term.sh", Failure::kTimeout}};
  for (const auto& [script, failure] : hostile) {
    Result<std::string> code = ReadFile(HostileDir() + "/" + script);
    ASSERT_TRUE(code.ok());
    const EvalResult r = evaluator->Evaluate(*code, 1, 0);
    EXPECT_EQ(r.failure, failure) << script << ": " << r.reason;
  }
  const EvalResult good =
      evaluator->Evaluate("echo '{\"protocol\":1,\"valid\":true,\"combined_score\":5}'", 1, 0);
  ASSERT_TRUE(good.valid) << good.reason;
  EXPECT_DOUBLE_EQ(good.combined_score, 5);
  EXPECT_TRUE(FolderEmpty(scratch.path()));
  if (const auto uid = evaluator->SlotUid(0)) {
    EXPECT_TRUE(PidsOfUid(*uid).empty());
  }
}

TEST(EvaluatorTest, DevicesArePinnedPerSlot) {
  TempDir scratch;
  EvaluatorConfig config =
      HostileConfig({"./env_probe.sh", "{program}", "{workdir}", "{stage}", "{seed}", "{task}"});
  config.devices = {"3", "5"};
  auto evaluator = MakeEvaluator(config, scratch.path());
  ASSERT_NE(evaluator, nullptr);
  EXPECT_EQ(evaluator->Evaluate("x", 1, 0).artifacts.at("cuda"), "3");
  EXPECT_EQ(evaluator->Evaluate("x", 1, 1).artifacts.at("cuda"), "5");
  EXPECT_EQ(evaluator->Evaluate("x", 1, 2).artifacts.at("cuda"), "3");
}

TEST(EvaluatorTest, EachSlotHasItsOwnUid) {
  TempDir scratch;
  auto evaluator = MakeEvaluator(HostileConfig({"./loop.sh"}), scratch.path());
  ASSERT_NE(evaluator, nullptr);
  if (!DetectSandbox().can_switch_uid) {
    EXPECT_FALSE(evaluator->SlotUid(0).has_value());
    return;
  }
  EXPECT_NE(*evaluator->SlotUid(0), *evaluator->SlotUid(1));
  EXPECT_EQ(*evaluator->SlotUid(1), *evaluator->SlotUid(0) + 1);
  EXPECT_GE(*evaluator->SlotUid(0), 100'000u);
}

// As root, a task below a folder others cannot enter (a checkout in /root) would fail every
// evaluation: the slot uids cannot reach it. Refused at start, naming the folder and the fix.
TEST(EvaluatorTest, ATaskTheSlotUidsCannotReachIsRefusedAtStart) {
  if (!DetectSandbox().can_switch_uid) GTEST_SKIP() << "evaluations run as this uid here";
  TempDir scratch;
  TempDir home;
  const std::string task = home.Sub("checkout/task");
  ASSERT_TRUE(MakeDirs(task).ok());
  ASSERT_TRUE(WriteFileAtomic(task + "/evaluate", "#!/bin/sh\necho '{}'\n").ok());
  chmod((task + "/evaluate").c_str(), 0755);
  chmod(home.path().c_str(), 0700);  // a private home
  EvaluatorConfig config = HostileConfig({"./evaluate"});
  auto refused = Evaluator::Create(config, EvaluatorOptions{task, scratch.path()});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("is below '" + home.path() + "' (mode 0700), which "
                                            "others cannot enter"),
            std::string::npos)
      << refused.status().message();
  EXPECT_NE(refused.status().message().find("chmod o+x '" + home.path() + "'"), std::string::npos);
  chmod(home.path().c_str(), 0711);  // searchable: the fix the message names
  auto accepted = Evaluator::Create(config, EvaluatorOptions{task, scratch.path()});
  EXPECT_TRUE(accepted.ok()) << accepted.status().ToString();
}

TEST(EvaluatorTest, ACandidateThatCannotBeRunIsASandboxFailure) {
  // The command is the program itself, written without the execute bit.
  TempDir scratch;
  auto evaluator = MakeEvaluator(HostileConfig({"{program}"}), scratch.path());
  ASSERT_NE(evaluator, nullptr);
  const EvalResult r = evaluator->Evaluate("#!/bin/sh\necho hi\n", 1, 0);
  EXPECT_EQ(r.failure, Failure::kSandbox);
  EXPECT_TRUE(StartsWith(r.reason, "the evaluator could not be started: cannot run '")) << r.reason;
  EXPECT_TRUE(FolderEmpty(scratch.path()));
}

}  // namespace
}  // namespace kevolve::eval
