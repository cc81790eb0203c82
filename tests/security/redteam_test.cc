// The red-team suite: every hostile candidate of docs/security.md, in both sandbox modes. Each
// must be contained, recorded with the right failure and reason, leave no process or file
// behind, not touch the task or anything outside its scratch folder, and not slow the run.
//
// The hostile code is the evaluator command itself: a candidate runs inside its evaluator's
// process tree with the same rights, so this is the worst case for the sandbox. A case whose
// threat `kevolve doctor` reports as not defended on this machine (AssessThreat) is skipped
// with that reason, so a skip here is what doctor says, never a silent pass.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <optional>
#include <thread>

#include "core/files.h"
#include "core/text.h"
#include "eval/defences.h"
#include "eval/disk_usage.h"
#include "eval/eval_test_util.h"
#include "eval/evaluator.h"
#include "eval/pool.h"
#include "security/arena.h"

namespace kevolve::eval {
namespace {

using testing::Arena;
using testing::HostileBin;
using testing::PidsOfUid;
using testing::PidsWithMarker;
using testing::TcpListener;
using testing::UniqueMarker;

constexpr double kForgedScore = 1'000'000;

// What one case runs and expects. The command is built per test from the arena (paths, ports).
struct World {
  const Arena& arena;
  const TcpListener& tcp;
  const std::string& marker;
};

struct Case {
  const char* name;
  Threat threat;
  std::function<std::vector<std::string>(const World&)> command;
  Failure failure;
  std::vector<std::string> reasons;  // the reason contains one of these (none: not checked)
  std::string program = "candidate";
  double timeout_seconds = 1.5;
  // Checked after the common checks, with the result.
  std::function<void(const World&, const EvalResult&)> check = nullptr;
  // The case relies on `kill -KILL -1` from the evaluator being confined to the evaluation.
  bool needs_confined_kill = false;
  // Where bwrap ends it differently (its /tmp and /dev/shm are capped tmpfs: writes fail).
  std::optional<Failure> failure_under_bwrap = std::nullopt;
  // Where process mode under Landlock ends it differently (a place bwrap hides or caps cannot
  // be opened at all), with the reasons then (none: the ones above).
  std::optional<Failure> failure_under_landlock = std::nullopt;
  std::vector<std::string> reasons_under_landlock = {};
};

std::vector<std::string> Words(std::initializer_list<std::string> words) { return words; }

std::string Bin(const std::string& name) { return HostileBin(name); }

std::string FileOf(const std::string& name) {
  return ReadFile(std::string(KEVOLVE_SOURCE_DIR) + "/tests/security/hostile/" + name)
      .value_or("missing " + name);
}

// Where write_outside.sh tries to create files: system, home, the task's parent and the scratch
// root (beside other evaluations' folders).
std::vector<std::string> OutsideTargets(const World& s) {
  const std::string file = "kevolve-pwned-" + s.marker;
  return {"/etc/" + file, "/usr/" + file,     "/root/" + file,
          "/var/" + file, s.arena.Path(file), s.arena.scratch() + "/" + file};
}

const std::vector<std::string> kDenied = {"Read-only file system", "Permission denied",
                                          "No such file or directory"};

// Runaway, resource and crash cases: what every mode on every machine must contain.
void AddResourceCases(std::vector<Case>& c) {
  c.push_back({"infinite_loop",
               Threat::kRunaway,
               [](auto&) { return Words({"./loop.sh"}); },
               Failure::kTimeout,
               {"no result within 1.5 s (evaluator.timeout_seconds)"}});
  c.push_back({"sleep_forever",
               Threat::kRunaway,
               [](auto&) { return Words({"./sleep_forever.sh"}); },
               Failure::kTimeout,
               {"no result within"}});
  c.push_back({"ignore_sigterm",
               Threat::kRunaway,
               [](auto&) { return Words({"./ignore_term.sh"}); },
               Failure::kTimeout,
               {"no result within"}});
  c.push_back({"shell_fork_bomb",
               Threat::kForkBomb,
               [](auto&) { return Words({"./fork_bomb.sh"}); },
               Failure::kTimeout,
               {"no result within"}});
  c.push_back({"fork_loop",
               Threat::kForkBomb,
               [](auto&) { return Words({Bin("fork_loop")}); },
               Failure::kTimeout,
               {"no result within"}});
  c.push_back({"unbounded_allocation",
               Threat::kMemory,
               [](auto&) {
                 return Words({Bin("malloc_forever"), "{program}"});
               },
               Failure::kCrash,
               {"of the 256 MiB limit (evaluator.limits.memory_mb)"},
               "candidate",
               // Touching 256 MiB takes a second or more on a loaded 2-core machine: the limit
               // must end it, not the deadline.
               5.0});
  c.push_back({"stdout_flood",
               Threat::kOutputFlood,
               [](auto&) { return Words({"./flood.sh"}); },
               Failure::kOutputLimit,
               {"stdout passed its cap of 65536 bytes"}});
  c.push_back({"stderr_flood",
               Threat::kOutputFlood,
               [](auto&) {
                 return Words({"./flood.sh", "x", "stderr"});
               },
               Failure::kOutputLimit,
               {"stderr passed its cap of 65536 bytes"}});
  c.push_back({"segfault",
               Threat::kCrash,
               [](auto&) { return Words({Bin("segfault")}); },
               Failure::kCrash,
               {"killed by SIGSEGV: about to crash"}});
  c.push_back({"abort",
               Threat::kCrash,
               [](auto&) { return Words({Bin("abort_now")}); },
               Failure::kCrash,
               {"killed by SIGABRT"}});
  c.push_back({"close_stdout_early",
               Threat::kCrash,
               [](auto&) { return Words({"./close_stdout.sh"}); },
               Failure::kBadOutput,
               {"stdout is empty"}});
  c.push_back({"close_stdout_and_hang",
               Threat::kRunaway,
               [](auto&) {
                 return Words({"./close_stdout.sh", "hang"});
               },
               Failure::kTimeout,
               {"no result within"}});
  c.push_back({"daemon_answers_late",
               Threat::kLeftovers,
               [](const World& s) {
                 return Words({"./daemon_answers_late.sh", s.marker});
               },
               Failure::kBadOutput,
               {"stdout is empty"}});
}

// Writing where it must not, filling the disk.
void AddFileCases(std::vector<Case>& c) {
  c.push_back({"write_outside_scratch", Threat::kWriteOutside,
               [](const World& s) {
                 std::vector<std::string> argv = {"./write_outside.sh"};
                 for (const std::string& t : OutsideTargets(s)) argv.push_back(t);
                 return argv;
               },
               Failure::kExitCode, kDenied, "candidate", 1.5,
               [](const World& s, const EvalResult&) {
                 for (const std::string& t : OutsideTargets(s)) {
                   EXPECT_FALSE(PathExists(t)) << t;
                   (void)RemoveTree(t);
                 }
               }});
  c.push_back({"litter_temp_folders",
               Threat::kTempLitter,
               [](const World& s) {
                 return Words({"./litter_tmp.sh", s.marker});
               },
               Failure::kNone,
               {},
               "candidate",
               1.5,
               [](const World& s, const EvalResult&) {
                 for (const char* dir : {"/tmp/", "/var/tmp/", "/dev/shm/"}) {
                   EXPECT_FALSE(PathExists(dir + s.marker)) << dir << s.marker;
                   EXPECT_FALSE(PathExists(dir + s.marker + ".d")) << dir << s.marker << ".d";
                 }
               }});
  c.push_back({"fill_disk_in_scratch",
               Threat::kFillDisk,
               [](auto&) { return Words({"./fill_disk.sh"}); },
               Failure::kOutputLimit,
               {"wrote more than 32 MiB to disk (evaluator.limits.disk_mb)"},
               "candidate",
               10});
  c.push_back({"fill_disk_in_tmp",
               Threat::kFillDisk,
               [](auto&) {
                 return Words({"./fill_disk.sh", "/tmp"});
               },
               Failure::kOutputLimit,
               {"evaluator.limits.disk_mb"},
               "candidate",
               10,
               nullptr,
               false,
               Failure::kExitCode});
  c.back().failure_under_landlock = Failure::kExitCode;  // /tmp is not writable
  c.back().reasons_under_landlock = {"Permission denied"};
  c.push_back({"fill_memory_in_dev_shm",
               Threat::kFillDisk,
               [](auto&) {
                 return Words({"./fill_disk.sh", "/dev/shm"});
               },
               Failure::kOutputLimit,
               {"evaluator.limits.disk_mb"},
               "candidate",
               10,
               nullptr,
               false,
               Failure::kExitCode});
  c.push_back({"fill_inodes",
               Threat::kFillDisk,
               [](auto&) { return Words({Bin("many_files")}); },
               Failure::kOutputLimit,
               {"created more than 2048 files and folders"},
               "candidate",
               5});
}

// Reaching what it must not: secrets, the network, kevolve, the task.
void AddReachCases(std::vector<Case>& c) {
  c.push_back({"secrets_in_environment",
               Threat::kEnvSecrets,
               [](auto&) { return Words({"./read_secrets.sh"}); },
               Failure::kExitCode,
               {"no secret found"}});
  c.push_back(
      {"private_key_file",
       Threat::kPrivateSecretFiles,
       [](const World& s) {
         return Words({"./read_secrets.sh", s.arena.Path("home/.config/kevolve/credentials")});
       },
       Failure::kExitCode,
       {"Permission denied", "No such file or directory"}});
  c.push_back({"readable_dotenv_above_task",
               Threat::kReadableFiles,
               [](const World& s) {
                 return Words({"./read_secrets.sh", s.arena.Path(".env")});
               },
               Failure::kExitCode,
               {"No such file or directory"}});
  c.back().reasons_under_landlock = {"Permission denied"};  // there, but cannot be opened
  c.push_back({"network_connection",
               Threat::kNetwork,
               [](const World& s) {
                 std::vector<std::string> argv = {Bin("connect_out")};
                 for (const std::string& t : s.tcp.Targets()) argv.push_back(t);
                 return argv;
               },
               Failure::kExitCode,
               {"Connection refused", "Network is unreachable"},
               "candidate",
               1.5,
               [](const World& s, const EvalResult&) {
                 EXPECT_EQ(s.tcp.ConnectionsWaiting(), 0) << "a connection reached the host";
               }});
  c.push_back(
      {"unix_socket_connection",
       Threat::kUnixSockets,
       [](const World& s) {
         return Words({Bin("connect_out"), "unix:" + s.arena.socket_path()});
       },
       Failure::kExitCode,
       {"No such file or directory", "Permission denied"},
       "candidate",
       1.5,
       [](const World& s, const EvalResult&) { EXPECT_EQ(s.arena.UnixConnectionsWaiting(), 0); }});
  c.push_back({"signal_kevolve",
               Threat::kSignals,
               [](auto&) {
                 return Words({Bin("signal_kevolve"), std::to_string(getpid())});
               },
               Failure::kExitCode,
               {"Operation not permitted", "No such process", "no signal had an effect"}});
  c.push_back({"edit_task_files",
               Threat::kEditTask,
               [](auto&) {
                 return Words({"./edit_task.sh", "{task}"});
               },
               Failure::kExitCode,
               {"Read-only file system", "Permission denied"}});
}

// Forged answers, against an evaluator that follows docs/security.md.
void AddForgeryCases(std::vector<Case>& c) {
  c.push_back({"forged_result_line",
               Threat::kForgedResult,
               [](auto&) {
                 return Words({"./careful_evaluate.sh", "{program}"});
               },
               Failure::kNone,
               {},
               FileOf("forge_line.sh")});
  c.push_back({"forged_result_from_a_daemon_through_proc",
               Threat::kTamperEvaluator,
               [](auto&) {
                 return Words({"./careful_evaluate.sh", "{program}"});
               },
               Failure::kNone,
               {},
               FileOf("forge_daemon.sh"),
               3,
               [](auto&, auto&) { EXPECT_TRUE(PidsWithMarker("forge-daemon").empty()); },
               /*needs_confined_kill=*/true});
  c.push_back({"forged_result_then_kill_the_evaluator",
               Threat::kTamperEvaluator,
               [](auto&) {
                 return Words({"./careful_evaluate.sh", "{program}"});
               },
               Failure::kCrash,
               {"killed by SIGKILL"},
               FileOf("forge_and_kill.sh")});
}

std::vector<Case> Cases() {
  std::vector<Case> c;
  AddResourceCases(c);
  AddFileCases(c);
  AddReachCases(c);
  AddForgeryCases(c);
  return c;
}

using Param = std::tuple<size_t, SandboxMode>;

class RedTeamTest : public ::testing::TestWithParam<Param> {
 protected:
  const Case& TheCase() const {
    static const std::vector<Case> cases = Cases();
    return cases[std::get<0>(GetParam())];
  }
  SandboxMode Mode() const { return std::get<1>(GetParam()); }

  EvaluatorConfig Config(const Case& c, const World& setup) const {
    EvaluatorConfig config;
    config.command = c.command(setup);
    config.workers = 1;
    config.timeout_seconds = c.timeout_seconds;
    config.grace_seconds = 0.3;
    config.limits.cpu_seconds = 30;
    config.limits.memory_mb = 256;
    config.limits.processes = 16;
    config.limits.output_bytes = 64 * 1024;
    config.limits.disk_mb = 32;
    config.sandbox = SettingFor(Mode());
    return config;
  }

  // Nothing of the evaluation may be left: processes of its uid or with the marker, files of
  // its uid in the shared temporary folders, its scratch folder.
  void ExpectNothingLeft(const Evaluator& evaluator, const Arena& arena,
                         const std::string& marker) {
    EXPECT_TRUE(std::filesystem::is_empty(arena.scratch())) << "scratch folder left behind";
    EXPECT_TRUE(PidsWithMarker(marker).empty()) << "a process of the evaluation is alive";
    if (const auto uid = evaluator.SlotUid(0)) {
      EXPECT_TRUE(PidsOfUid(*uid).empty()) << "a process of uid " << *uid << " is alive";
      EXPECT_TRUE(internal::EntriesOwnedBy(*uid).empty()) << "files of uid " << *uid << " left";
    }
    EXPECT_TRUE(arena.Unchanged()) << "the task or its surroundings changed";
  }
};

TEST_P(RedTeamTest, IsContainedAndRecorded) {
  const Case& c = TheCase();
  const SandboxCapabilities& caps = DetectSandbox();
  if (Mode() == SandboxMode::kBwrap && !caps.bwrap) GTEST_SKIP() << caps.bwrap_problem;
  const ThreatAssessment assessed = AssessThreat(c.threat, Mode(), caps);
  if (assessed.defence == Defence::kNotDefended) {
    GTEST_SKIP() << ThreatName(c.threat) << " is NOT defended here: " << assessed.how;
  }
  if (c.needs_confined_kill && Mode() == SandboxMode::kProcess &&
      caps.containment == Containment::kProcessGroup) {
    GTEST_SKIP() << "kill -1 is not confined to the evaluation in process-group containment";
  }
  ::setenv("OPENAI_API_KEY", "sk-environment-secret", 1);
  Arena arena;
  TcpListener tcp;
  const std::string marker = UniqueMarker(c.name);
  const World setup{arena, tcp, marker};
  Result<std::unique_ptr<Evaluator>> evaluator =
      Evaluator::Create(Config(c, setup), EvaluatorOptions{arena.task(), arena.scratch()});
  ASSERT_TRUE(evaluator.ok()) << evaluator.status().ToString();
  const EvalResult r = (*evaluator)->Evaluate(c.program, 7, 0);

  const bool landlock = Mode() == SandboxMode::kProcess && caps.landlock_abi > 0;
  Failure expected = c.failure;
  if (Mode() == SandboxMode::kBwrap && c.failure_under_bwrap) expected = *c.failure_under_bwrap;
  if (landlock && c.failure_under_landlock) expected = *c.failure_under_landlock;
  EXPECT_EQ(FailureName(r.failure), std::string(FailureName(expected))) << r.reason;
  EXPECT_EQ(r.valid, expected == Failure::kNone) << r.reason;
  const std::vector<std::string>& reasons =
      landlock && !c.reasons_under_landlock.empty() ? c.reasons_under_landlock : c.reasons;
  if (!reasons.empty()) {
    const bool named = std::any_of(reasons.begin(), reasons.end(), [&](const std::string& s) {
      return r.reason.find(s) != std::string::npos;
    });
    EXPECT_TRUE(named) << "reason: " << r.reason;
  }
  EXPECT_LT(r.combined_score, kForgedScore) << "a forged score was accepted";
  for (const auto& [key, value] : r.artifacts) {
    EXPECT_EQ(value.find("sk-"), std::string::npos) << "a secret leaked into " << key;
  }
  // Not slow: the deadline, its grace, and slack for a loaded machine.
  EXPECT_LT(r.duration_ms, static_cast<int64_t>(c.timeout_seconds * 1000) + 300 + 2500);
  ExpectNothingLeft(**evaluator, arena, marker);
  if (c.check) c.check(setup, r);
}

std::string CaseName(const ::testing::TestParamInfo<Param>& info) {
  static const std::vector<Case> cases = Cases();
  return std::string(cases[std::get<0>(info.param)].name) + "_" +
         std::string(SandboxModeName(std::get<1>(info.param)));
}

INSTANTIATE_TEST_SUITE_P(Hostile, RedTeamTest,
                         ::testing::Combine(::testing::Range<size_t>(0, Cases().size()),
                                            ::testing::Values(SandboxMode::kProcess,
                                                              SandboxMode::kBwrap)),
                         CaseName);

// Why the evaluator rule exists: an evaluator that runs the candidate inside its own process
// and shares its stdout cannot tell a forged answer from its own. kevolve takes the last JSON
// line, and the candidate printed it. docs/security.md ("Forged results") forbids this shape.
TEST(ForgedResultTest, ANaiveEvaluatorThatSharesItsProcessIsFooled) {
  Arena arena;
  EvaluatorConfig config;
  config.command = {"./naive_evaluate.sh", "{program}"};
  config.sandbox = SandboxSetting::kProcess;
  config.timeout_seconds = 5;
  Result<std::unique_ptr<Evaluator>> evaluator =
      Evaluator::Create(config, EvaluatorOptions{arena.task(), arena.scratch()});
  ASSERT_TRUE(evaluator.ok()) << evaluator.status().ToString();
  const EvalResult r = (*evaluator)->Evaluate(FileOf("forge_and_exit.sh"), 7, 0);
  ASSERT_TRUE(r.valid) << r.reason;
  EXPECT_DOUBLE_EQ(r.combined_score, kForgedScore);
}

// Hostile candidates on one worker do not hold up a good one on another: the run goes on at
// the speed of its good candidates.
TEST(RunSpeedTest, HostileCandidatesDoNotSlowAGoodOne) {
  Arena arena;
  EvaluatorConfig config;
  config.command = {"/bin/bash", "{program}"};
  config.workers = 2;
  config.timeout_seconds = 3;
  config.grace_seconds = 0.3;
  config.limits.processes = 16;
  config.limits.memory_mb = 256;
  config.limits.disk_mb = 32;
  config.sandbox = SandboxSetting::kAuto;
  Result<std::unique_ptr<EvalPool>> pool = EvalPool::Create(config, arena.task(), arena.scratch());
  ASSERT_TRUE(pool.ok()) << pool.status().ToString();
  const std::string bomb = ":(){ :|:& };:\nwait\nwhile :; do :; done\n";
  (*pool)->Submit(EvalJob{1, bomb, 1});
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const auto start = std::chrono::steady_clock::now();
  (*pool)->Submit(EvalJob{2, "echo '{\"protocol\":1,\"valid\":true,\"combined_score\":3}'\n", 1});
  std::optional<EvalDone> first = (*pool)->WaitNext(10'000);
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->ticket, 2);
  EXPECT_TRUE(first->result.valid) << first->result.reason;
  EXPECT_LT(took, std::chrono::milliseconds(1500));
  std::optional<EvalDone> second = (*pool)->WaitNext(10'000);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->result.failure, Failure::kTimeout) << second->result.reason;
}

}  // namespace
}  // namespace kevolve::eval
