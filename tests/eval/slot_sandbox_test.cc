// The persistent sandbox of a worker slot (eval/slot_sandbox.h): reused across evaluations, and
// nothing of one candidate reaches the next.
#include "eval/slot_sandbox.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <string>
#include <thread>

#include "eval/evaluator.h"
#include "eval_test_util.h"

namespace kevolve::eval {
namespace {

using testing::HostileConfig;
using testing::PidsWithMarker;
using testing::TempDir;
using testing::UniqueMarker;

#define SKIP_UNLESS_SUPPORTED()                                                          \
  if (!SlotSandbox::Supported(SandboxMode::kProcess, false)) {                           \
    GTEST_SKIP() << "persistent slots need pid-namespace+uid containment (kevolve doctor)"; \
  }

class SlotEvaluatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(mkdir(task_.Sub("task").c_str(), 0755), 0);
    config_ = HostileConfig({"/bin/bash", "{program}"});
    config_.program_filename = "candidate.sh";
  }
  std::unique_ptr<Evaluator> Make(bool persistent) {
    EvaluatorOptions options{task_.Sub("task"), scratch_.path()};
    options.persistent_slots = persistent;
    auto evaluator = Evaluator::Create(config_, options);
    EXPECT_TRUE(evaluator.ok()) << evaluator.status().ToString();
    return evaluator.ok() ? std::move(*evaluator) : nullptr;
  }

  TempDir task_;
  TempDir scratch_;
  EvaluatorConfig config_;
};

// A candidate whose answer carries what it saw of the slot's PID 1 (the agent): its start time
// in clock ticks since boot, the same for every candidate of one sandbox.
constexpr char kReportAgentStart[] = R"(
start=$(cut -d' ' -f22 /proc/1/stat)
echo "{\"protocol\":1,\"valid\":true,\"combined_score\":1,\"metrics\":{\"agent_start\":$start}}"
)";

TEST_F(SlotEvaluatorTest, EvaluationsOfASlotShareOneSandbox) {
  SKIP_UNLESS_SUPPORTED();
  std::unique_ptr<Evaluator> evaluator = Make(true);
  ASSERT_NE(evaluator, nullptr);
  ASSERT_TRUE(evaluator->persistent_slots());
  const EvalResult first = evaluator->Evaluate(kReportAgentStart, 1, 0);
  const EvalResult second = evaluator->Evaluate(kReportAgentStart, 1, 0);
  const EvalResult other_slot = evaluator->Evaluate(kReportAgentStart, 1, 1);
  ASSERT_TRUE(first.valid) << first.reason << first.artifacts.count("stderr");
  ASSERT_TRUE(second.valid) << second.reason;
  ASSERT_TRUE(other_slot.valid) << other_slot.reason;
  EXPECT_EQ(first.metrics.at("agent_start"), second.metrics.at("agent_start"));
  EXPECT_GT(first.metrics.at("agent_start"), 0);

  // Without persistent slots every evaluation gets a sandbox of its own.
  std::unique_ptr<Evaluator> plain = Make(false);
  ASSERT_NE(plain, nullptr);
  EXPECT_FALSE(plain->persistent_slots());
}

// The first candidate leaves everything it can behind: a daemon, files in /dev/shm and its
// scratch folder, System V shared memory, a message queue and semaphores, a POSIX message
// queue, an exported variable.
// The second, in the same slot, looks for each of them and finds none.
TEST_F(SlotEvaluatorTest, NothingOfOneCandidateReachesTheNext) {
  SKIP_UNLESS_SUPPORTED();
  std::unique_ptr<Evaluator> evaluator = Make(true);
  ASSERT_NE(evaluator, nullptr);
  const std::string marker = UniqueMarker("slot-leftover");
  const std::string litter = R"(
export KEVOLVE_LEFT_BEHIND=1
echo left > /dev/shm/left-behind
echo left > left-behind
(setsid bash -c 'exec -a )" + marker + R"( sleep 600' &) 
ipcmk -M 4096 > /dev/null
ipcmk -Q > /dev/null
ipcmk -S 2 > /dev/null
mq=$(/usr/bin/python3 -c 'import ctypes; print(1 if ctypes.CDLL(None).mq_open(b"/kevolve-left", 0o102, 0o600, None) >= 0 else 0)')
sleep 0.2
echo "{\"protocol\":1,\"valid\":true,\"combined_score\":1,\"metrics\":{\"mq_made\":$mq}}"
)";
  const std::string look = R"(
shm=$(ls -A /dev/shm | wc -l)
here=$(ls -A | grep -v candidate.sh | wc -l)
ipc=$(( $(ipcs -m | grep -c '^0x') + $(ipcs -q | grep -c '^0x') + $(ipcs -s | grep -c '^0x') ))
# Every process of the namespace but PID 1 (the agent) and this shell and its children.
others=0
for p in /proc/[0-9]*; do
  pid=${p#/proc/}
  [ "$pid" = 1 ] && continue
  grep -q -- ')" + marker + R"(' $p/cmdline 2>/dev/null && others=$((others + 1))
done
procs=$(ls -d /proc/[0-9]* | wc -l)
mq=$(/usr/bin/python3 -c 'import ctypes; print(1 if ctypes.CDLL(None).mq_open(b"/kevolve-left", 0o2) >= 0 else 0)')
env_left=${KEVOLVE_LEFT_BEHIND:-0}
echo "{\"protocol\":1,\"valid\":true,\"combined_score\":1,\"metrics\":{\"shm\":$shm,\"here\":$here,\"ipc\":$ipc,\"others\":$others,\"procs\":$procs,\"env\":$env_left,\"mq\":$mq}}"
)";
  const EvalResult left = evaluator->Evaluate(litter, 1, 0);
  ASSERT_TRUE(left.valid) << left.reason;
  // The daemon died with the candidate, before the result came back.
  EXPECT_TRUE(PidsWithMarker(marker).empty());
  const EvalResult seen = evaluator->Evaluate(look, 1, 0);
  ASSERT_TRUE(seen.valid) << seen.reason;
  EXPECT_EQ(seen.metrics.at("shm"), 0) << "a file in /dev/shm survived";
  EXPECT_EQ(seen.metrics.at("here"), 0) << "the scratch folder was not new";
  EXPECT_EQ(seen.metrics.at("ipc"), 0) << "System V IPC objects survived";
  EXPECT_EQ(seen.metrics.at("others"), 0) << "the daemon survived";
  EXPECT_EQ(seen.metrics.at("env"), 0) << "the environment carried over";
  // Under Landlock mq_open is refused outright (the queue is a file outside the allowed
  // folders); without it the candidate's own IPC namespace takes the queue along.
  EXPECT_EQ(seen.metrics.at("mq"), 0) << "a POSIX message queue survived";
  if (left.metrics.at("mq_made") == 0) {
    EXPECT_GT(DetectSandbox().landlock_abi, 0) << "mq_open failed without Landlock";
  }
  // PID 1, the shell, and the few commands of its pipelines at most.
  EXPECT_LE(seen.metrics.at("procs"), 5);
}

// The deadline ends a candidate in the slot, and the slot serves the next one at once.
TEST_F(SlotEvaluatorTest, ATimedOutCandidateLeavesTheSlotUsable) {
  SKIP_UNLESS_SUPPORTED();
  config_.timeout_seconds = 0.5;
  config_.grace_seconds = 0.2;
  std::unique_ptr<Evaluator> evaluator = Make(true);
  ASSERT_NE(evaluator, nullptr);
  const EvalResult hung = evaluator->Evaluate("trap '' TERM\nwhile :; do :; done\n", 1, 0);
  EXPECT_EQ(hung.failure, Failure::kTimeout) << hung.reason;
  EXPECT_LT(hung.duration_ms, 2'500);
  const EvalResult next = evaluator->Evaluate(kReportAgentStart, 1, 0);
  EXPECT_TRUE(next.valid) << next.reason;
  EXPECT_LT(next.duration_ms, 1'000);
}

// A slot whose agent was killed reports the run as killed and is not used again; the evaluator
// starts a new one.
TEST(SlotSandboxTest, AKilledAgentEndsItsRunAndTheSlot) {
  SKIP_UNLESS_SUPPORTED();
  TempDir work;
  const std::string agent = KEVOLVE_SLOT_AGENT_BUILD_PATH;
  Result<std::unique_ptr<SlotSandbox>> slot = SlotSandbox::Start(agent);
  ASSERT_TRUE(slot.ok()) << slot.status().ToString();
  SandboxSpec spec;
  spec.argv = {"/bin/echo", "hello"};
  spec.workdir = work.path();
  spec.env = {"PATH=/usr/bin:/bin"};
  spec.timeout_ms = 5'000;
  Result<ProcessOutcome> hello = (*slot)->Run(spec);
  ASSERT_TRUE(hello.ok()) << hello.status().ToString();
  EXPECT_EQ(hello->exit_code, 0);
  EXPECT_EQ(hello->stdout_text, "hello\n");

  spec.argv = {"/bin/sleep", "30"};
  const pid_t agent_pid = (*slot)->pid();
  std::thread killer([agent_pid] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    kill(agent_pid, SIGKILL);
  });
  Result<ProcessOutcome> killed = (*slot)->Run(spec);
  killer.join();
  ASSERT_TRUE(killed.ok()) << killed.status().ToString();
  EXPECT_EQ(killed->term_signal, SIGKILL);
  EXPECT_LT(killed->wall_ms, 3'000);
  EXPECT_FALSE((*slot)->alive());
}

TEST(SlotSandboxTest, AnAgentThatCannotStartSaysWhy) {
  SKIP_UNLESS_SUPPORTED();
  Result<std::unique_ptr<SlotSandbox>> slot = SlotSandbox::Start("/nonexistent/kevolve-slot");
  ASSERT_FALSE(slot.ok());
  EXPECT_NE(slot.status().message().find("did not start"), std::string::npos)
      << slot.status().ToString();
}

// A command that cannot be run is a setup error naming it, as with a sandbox per evaluation.
TEST(SlotSandboxTest, ACommandThatCannotRunIsASetupError) {
  SKIP_UNLESS_SUPPORTED();
  TempDir work;
  Result<std::unique_ptr<SlotSandbox>> slot =
      SlotSandbox::Start(KEVOLVE_SLOT_AGENT_BUILD_PATH);
  ASSERT_TRUE(slot.ok()) << slot.status().ToString();
  SandboxSpec spec;
  spec.argv = {work.Sub("missing")};
  spec.workdir = work.path();
  Result<ProcessOutcome> run = (*slot)->Run(spec);
  ASSERT_FALSE(run.ok());
  EXPECT_NE(run.status().message().find("cannot run"), std::string::npos)
      << run.status().ToString();
  EXPECT_TRUE((*slot)->alive());
}

}  // namespace
}  // namespace kevolve::eval
