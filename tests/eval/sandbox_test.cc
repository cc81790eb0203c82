// The sandbox with real child processes: what the child sees, how it ends, and that nothing it
// starts outlives RunSandboxed.
#include "eval/sandbox.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <thread>

#include "core/files.h"
#include "core/text.h"
#include "eval/eval_test_util.h"

namespace kevolve::eval {
namespace {

using testing::HostileBin;
using testing::PidsOfUid;
using testing::PidsWithMarker;
using testing::TempDir;
using testing::UniqueMarker;

// A uid of this test process's band (the evaluator uses the same scheme), away from slot uids.
uint32_t TestUid(uint32_t offset = 40) {
  return 100'000 + static_cast<uint32_t>(getpid()) % 20'000 * 64 + offset;
}

SandboxSpec Spec(std::vector<std::string> argv, const TempDir& dir) {
  SandboxSpec spec;
  spec.argv = std::move(argv);
  spec.workdir = dir.path();
  spec.env = {"PATH=/usr/local/bin:/usr/bin:/bin"};
  spec.timeout_ms = 10'000;
  spec.grace_ms = 300;
  spec.limits.cpu_seconds = 10;
  spec.limits.memory_mb = 256;
  spec.limits.processes = 16;
  spec.limits.output_bytes = 64 * 1024;
  spec.run_as_uid = TestUid();
  chown(dir.path().c_str(), TestUid(), TestUid());
  return spec;
}

SandboxSpec Bash(const std::string& script, const TempDir& dir) {
  return Spec({"/bin/bash", "-c", script}, dir);
}

ProcessOutcome RunOk(const SandboxSpec& spec) {
  Result<ProcessOutcome> r = RunSandboxed(spec);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : ProcessOutcome{};
}

bool Namespaced() {
  const Containment c = DetectSandbox().containment;
  return c == Containment::kPidNamespaceAndUid || c == Containment::kUserAndPidNamespace;
}

TEST(SandboxTest, CapturesStdoutStderrAndTheExitCode) {
  TempDir dir;
  const ProcessOutcome o = RunOk(Bash("echo out; echo err >&2; exit 7", dir));
  EXPECT_EQ(o.stdout_text, "out\n");
  EXPECT_EQ(o.stderr_text, "err\n");
  EXPECT_EQ(o.exit_code, 7);
  EXPECT_EQ(o.term_signal, 0);
  EXPECT_FALSE(o.timed_out);
  EXPECT_FALSE(o.killed_for_output);
  EXPECT_EQ(o.leftover_processes_killed, 0);
}

TEST(SandboxTest, TheEnvironmentIsExactlyTheGivenOne) {
  TempDir dir;
  ::setenv("OPENAI_API_KEY", "secret", 1);
  SandboxSpec spec = Spec({"env"}, dir);
  spec.env = {"PATH=/usr/bin:/bin", "ONLY=1"};
  const ProcessOutcome o = RunOk(spec);
  EXPECT_EQ(o.stdout_text, "PATH=/usr/bin:/bin\nONLY=1\n");
}

TEST(SandboxTest, StartsInTheWorkdirWithEmptyStdin) {
  TempDir dir;
  const ProcessOutcome o = RunOk(Bash("pwd; cat; echo end", dir));
  EXPECT_EQ(o.stdout_text, dir.path() + "\nend\n");
}

TEST(SandboxTest, RunsAsTheGivenUidWhenRoot) {
  if (!DetectSandbox().can_switch_uid) GTEST_SKIP() << "this process cannot switch uids";
  TempDir dir;
  const ProcessOutcome o = RunOk(Bash("id -u; id -g; id -G; touch mine && echo wrote", dir));
  const std::string uid = std::to_string(TestUid());
  EXPECT_EQ(o.stdout_text, uid + "\n" + uid + "\n" + uid + "\nwrote\n");
}

TEST(SandboxTest, AppliesTheResourceLimits) {
  TempDir dir;
  const ProcessOutcome o = RunOk(Bash("ulimit -t; ulimit -v; ulimit -n; ulimit -f; ulimit -c; "
                                    "grep NoNewPrivs /proc/self/status",
                                    dir));
  // -t seconds, -v and -f KiB (256 MiB each), -n files (the default 256).
  EXPECT_EQ(o.stdout_text, "10\n262144\n256\n262144\n0\nNoNewPrivs:\t1\n");
}

TEST(SandboxTest, GpuModeCapsDataInsteadOfAddressSpace) {
  TempDir dir;
  SandboxSpec spec = Bash("ulimit -v; ulimit -d", dir);
  spec.gpu = true;
  const ProcessOutcome o = RunOk(spec);
  EXPECT_EQ(o.stdout_text, "unlimited\n262144\n");
}

TEST(SandboxTest, OwnSessionAndInANamespaceNotPidOne) {
  TempDir dir;
  // Field 6 of /proc/self/stat is the session id; a session leader's equals its pid (field 1).
  const ProcessOutcome o = RunOk(
      Bash("read -r -a f < /proc/self/stat; [ \"${f[5]}\" = \"${f[0]}\" ] && echo leader; echo $$", dir));
  ASSERT_TRUE(StartsWith(o.stdout_text, "leader\n")) << o.stdout_text;
  // The supervisor is PID 1 of the namespace; the evaluator is its first child.
  if (Namespaced()) {
    EXPECT_EQ(o.stdout_text, "leader\n2\n");
  }
}

// The CUDA driver names its threads through /proc/self/task/<gettid()>/comm as it starts; in a
// PID namespace that sees the host's /proc, that path names another thread or none, and cuInit
// fails with error 304 ("OS call failed"). The namespace gets a /proc of its own.
TEST(SandboxTest, InANamespaceProcNumbersProcessesAsTheyNumberThemselves) {
  if (!Namespaced()) GTEST_SKIP() << "no PID namespace here";
  TempDir dir;
  const ProcessOutcome o = RunOk(Bash(
      "[ -d /proc/self/task/$$ ] && echo own-task; [ -d /proc/1 ] && echo supervisor; "
      "grep -q '^Pid:.2$' /proc/$$/status && echo readable; "
      "n=$(ls /proc | grep -c '^[0-9]'); [ $n -ge 2 ] && [ $n -lt 10 ] && echo only-ours || echo $n",
      dir));
  EXPECT_EQ(o.stdout_text, "own-task\nsupervisor\nreadable\nonly-ours\n") << o.stderr_text;
}

TEST(SandboxTest, DeadlineTerminatesTheWholeTree) {
  TempDir dir;
  const std::string marker = UniqueMarker("deadline");
  SandboxSpec spec = Bash("(exec -a " + marker + " sleep 1000) & while :; do :; done", dir);
  spec.timeout_ms = 800;
  const ProcessOutcome o = RunOk(spec);
  EXPECT_TRUE(o.timed_out);
  EXPECT_EQ(o.term_signal, SIGTERM);
  EXPECT_GE(o.wall_ms, 800);
  EXPECT_LT(o.wall_ms, 800 + 300 + 1000);
  EXPECT_TRUE(PidsWithMarker(marker).empty());
}

TEST(SandboxTest, IgnoringSigtermEarnsSigkillAfterTheGrace) {
  TempDir dir;
  SandboxSpec spec = Spec({testing::HostileDir() + "/ignore_term.sh"}, dir);
  spec.timeout_ms = 500;
  spec.grace_ms = 300;
  const ProcessOutcome o = RunOk(spec);
  EXPECT_TRUE(o.timed_out);
  EXPECT_EQ(o.term_signal, SIGKILL);
  EXPECT_GE(o.wall_ms, 800);
  EXPECT_LT(o.wall_ms, 800 + 1500);
}

TEST(SandboxTest, StdoutPastItsCapKillsTheTree) {
  TempDir dir;
  SandboxSpec spec = Spec({testing::HostileDir() + "/flood.sh"}, dir);
  const ProcessOutcome o = RunOk(spec);
  EXPECT_TRUE(o.killed_for_output);
  EXPECT_TRUE(o.stdout_truncated);
  EXPECT_FALSE(o.timed_out);
  EXPECT_EQ(o.stdout_text.size(), 64u * 1024);
  EXPECT_TRUE(StartsWith(o.stdout_text, "flooding stdout\n"));
}

TEST(SandboxTest, StderrPastItsCapKillsTheTreeToo) {
  TempDir dir;
  const ProcessOutcome o = RunOk(Spec({testing::HostileDir() + "/flood.sh", "x", "stderr"}, dir));
  EXPECT_TRUE(o.killed_for_output);
  EXPECT_TRUE(o.stderr_truncated);
  EXPECT_FALSE(o.stdout_truncated);
  EXPECT_EQ(o.stderr_text.size(), 64u * 1024);
}

TEST(SandboxTest, ABackgroundChildIsKilledWhenTheEvaluatorExits) {
  TempDir dir;
  const std::string marker = UniqueMarker("background");
  const ProcessOutcome o = RunOk(Bash("(exec -a " + marker + " sleep 1000) & echo started", dir));
  EXPECT_EQ(o.exit_code, 0);
  EXPECT_EQ(o.stdout_text, "started\n");
  EXPECT_GE(o.leftover_processes_killed, 1);
  EXPECT_LT(o.wall_ms, 5000);
  EXPECT_TRUE(PidsWithMarker(marker).empty());
}

TEST(SandboxTest, ADoubleForkedDaemonIsKilledToo) {
  TempDir dir;
  const std::string marker = UniqueMarker("daemon");
  ASSERT_TRUE(WriteFileAtomic(dir.Sub("program"), marker + "\n").ok());
  const ProcessOutcome o = RunOk(Spec({HostileBin("daemonize"), dir.Sub("program")}, dir));
  EXPECT_EQ(o.exit_code, 0) << o.stderr_text;
  EXPECT_EQ(o.stdout_text, "{\"protocol\":1,\"valid\":true,\"combined_score\":1}\n");
  EXPECT_GE(o.leftover_processes_killed, 1);
  EXPECT_TRUE(PidsWithMarker(marker).empty());
}

TEST(SandboxTest, AForkBombIsContainedAndLeavesNothing) {
  if (!Namespaced() && !DetectSandbox().can_switch_uid) {
    GTEST_SKIP() << "no namespace or uid switch to contain a fork bomb safely";
  }
  TempDir dir;
  SandboxSpec spec = Spec({HostileBin("fork_loop")}, dir);
  spec.limits.processes = 8;
  spec.timeout_ms = 1000;
  const ProcessOutcome o = RunOk(spec);
  EXPECT_TRUE(o.timed_out);
  EXPECT_LT(o.wall_ms, 1000 + 300 + 1500);
  if (DetectSandbox().can_switch_uid) {
    EXPECT_TRUE(PidsOfUid(TestUid()).empty());
  }
}

TEST(SandboxTest, CancellationKillsPromptly) {
  TempDir dir;
  std::atomic<bool> cancel{false};
  SandboxSpec spec = Bash("sleep 1000", dir);
  spec.cancel = &cancel;
  auto run = std::async(std::launch::async, [&] { return RunSandboxed(spec); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const auto cancelled_at = std::chrono::steady_clock::now();
  cancel.store(true);
  Result<ProcessOutcome> o = run.get();
  const auto took = std::chrono::steady_clock::now() - cancelled_at;
  ASSERT_TRUE(o.ok());
  EXPECT_TRUE(o->cancelled);
  EXPECT_FALSE(o->timed_out);
  EXPECT_LT(took, std::chrono::milliseconds(2500));
}

TEST(SandboxTest, WhenKevolveDiesTheTreeDiesWithIt) {
  TempDir dir;
  const std::string marker = UniqueMarker("orphan");
  const SandboxSpec spec = Bash("(exec -a " + marker + " sleep 1000) & wait", dir);
  const pid_t kevolve = fork();  // stands in for a kevolve process that is killed mid-run
  if (kevolve == 0) {
    (void)RunSandboxed(spec);
    _exit(0);
  }
  ASSERT_GT(kevolve, 0);
  for (int i = 0; i < 200 && PidsWithMarker(marker).empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  ASSERT_FALSE(PidsWithMarker(marker).empty());
  kill(kevolve, SIGKILL);
  waitpid(kevolve, nullptr, 0);
  for (int i = 0; i < 200 && !PidsWithMarker(marker).empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  EXPECT_TRUE(PidsWithMarker(marker).empty());
}

TEST(SandboxTest, ConcurrentRunsDoNotHoldEachOthersPipes) {
  // The long run is cloned while the short run's pipes are open; if the long run's processes
  // kept a copy, the short run would only see end-of-file after the long one ended.
  TempDir dir_short, dir_long;
  SandboxSpec short_spec = Bash("sleep 0.4; echo short", dir_short);
  SandboxSpec long_spec = Bash("sleep 3", dir_long);
  long_spec.run_as_uid = TestUid(41);
  auto short_run = std::async(std::launch::async, [&] { return RunSandboxed(short_spec); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto long_run = std::async(std::launch::async, [&] { return RunSandboxed(long_spec); });
  Result<ProcessOutcome> s = short_run.get();
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->stdout_text, "short\n");
  EXPECT_LT(s->wall_ms, 2000);
  EXPECT_TRUE(long_run.get().ok());
}

TEST(SandboxTest, ACommandThatCannotStartIsAStatusNotAnOutcome) {
  TempDir dir;
  Result<ProcessOutcome> r = RunSandboxed(Spec({"/nonexistent/evaluate"}, dir));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("cannot run '/nonexistent/evaluate'"), std::string::npos)
      << r.status().message();
  r = RunSandboxed(Spec({"no-such-command-anywhere"}, dir));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("not found on PATH"), std::string::npos);
  r = RunSandboxed(Spec({}, dir));
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

TEST(SandboxTest, AWorkdirTheUidCannotEnterIsReported) {
  if (!DetectSandbox().can_switch_uid) GTEST_SKIP() << "this process cannot switch uids";
  TempDir dir;
  ASSERT_TRUE(MakeDirs(dir.Sub("private")).ok());
  chmod(dir.Sub("private").c_str(), 0700);
  SandboxSpec spec = Bash("true", dir);
  spec.workdir = dir.Sub("private");
  Result<ProcessOutcome> r = RunSandboxed(spec);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("cannot enter the work folder"), std::string::npos)
      << r.status().message();
}

TEST(SandboxTest, BwrapHidesTmpTheNetworkAndTheSystem) {
  if (!DetectSandbox().bwrap) GTEST_SKIP() << DetectSandbox().bwrap_problem;
  TempDir dir;
  const std::string outside = "/tmp/" + UniqueMarker("bwrap-tmp");
  SandboxSpec spec = Bash("touch " + outside + " && echo tmp-writable; "
                          "touch /usr/kevolve-probe 2>/dev/null || echo system-read-only; "
                          "touch here && echo workdir-writable; "
                          "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '; pwd",
                          dir);
  spec.mode = SandboxMode::kBwrap;
  const ProcessOutcome o = RunOk(spec);
  EXPECT_EQ(o.stdout_text,
            "tmp-writable\nsystem-read-only\nworkdir-writable\nlo\n" + dir.path() + "\n")
      << o.stderr_text;
  EXPECT_FALSE(PathExists(outside));  // its /tmp was private
  EXPECT_TRUE(PathExists(dir.Sub("here")));
}

TEST(SandboxTest, BwrapReportsSignalsAsSignals) {
  if (!DetectSandbox().bwrap) GTEST_SKIP() << DetectSandbox().bwrap_problem;
  TempDir dir;
  SandboxSpec spec = Spec({HostileBin("segfault")}, dir);
  spec.mode = SandboxMode::kBwrap;
  const ProcessOutcome o = RunOk(spec);
  EXPECT_EQ(o.term_signal, SIGSEGV);
  EXPECT_EQ(o.exit_code, -1);
}

TEST(SandboxTest, ProcessModeHasItsOwnNetworkWithOnlyLoopbackUp) {
  if (!DetectSandbox().network_namespace) GTEST_SKIP() << "no network namespaces here";
  TempDir dir;
  const ProcessOutcome o = RunOk(Bash("tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '; "
                                      "if [ -x /usr/sbin/ip ]; then /usr/sbin/ip -o link show lo | "
                                      "grep -q 'LOOPBACK,UP' && echo lo-up; else echo lo-up; fi",
                                      dir));
  EXPECT_EQ(o.stdout_text, "lo\nlo-up\n") << o.stderr_text;
}

TEST(SandboxTest, WritingPastTheDiskCapKillsTheTree) {
  TempDir dir;
  SandboxSpec spec = Bash("for i in $(seq 1 100); do head -c 4194304 /dev/zero > f$i; done; "
                          "sleep 100",
                          dir);
  spec.limits.disk_mb = 8;
  const ProcessOutcome o = RunOk(spec);
  EXPECT_TRUE(o.killed_for_disk);
  EXPECT_FALSE(o.timed_out);
  EXPECT_GT(o.disk_peak_bytes, int64_t{8} << 20);
  EXPECT_LT(o.disk_peak_bytes, int64_t{256} << 20);  // caught within a few polls
  EXPECT_LT(o.wall_ms, 5000);
}

TEST(SandboxTest, WritingPastTheDiskCapJustBeforeExitingIsStillCaught) {
  TempDir dir;
  SandboxSpec spec = Bash("head -c 9437184 /dev/zero > big", dir);
  spec.limits.disk_mb = 8;
  const ProcessOutcome o = RunOk(spec);
  EXPECT_EQ(o.exit_code, 0);
  EXPECT_TRUE(o.killed_for_disk);
}

TEST(SandboxTest, FilesLeftInSharedTempFoldersByTheUidAreRemoved) {
  if (!DetectSandbox().can_switch_uid) GTEST_SKIP() << "this process cannot switch uids";
  TempDir dir;
  const std::string marker = UniqueMarker("stray");
  const ProcessOutcome o = RunOk(Bash("touch /tmp/" + marker + " /dev/shm/" + marker +
                                      " && mkdir -p /var/tmp/" + marker + "/a/b && echo ok",
                                      dir));
  if (DetectSandbox().landlock_abi > 0) {
    // Under Landlock only /dev/shm of the three is writable (docs/protocol.md, "Modes").
    EXPECT_NE(o.stderr_text.find("/tmp/" + marker + "': Permission denied"), std::string::npos)
        << o.stderr_text;
    const ProcessOutcome shm = RunOk(Bash(
        "touch /dev/shm/" + marker + " && mkdir -p /dev/shm/" + marker + ".d/a/b && echo ok", dir));
    EXPECT_EQ(shm.stdout_text, "ok\n") << shm.stderr_text;
    EXPECT_EQ(shm.stray_entries_removed, 2);
    EXPECT_FALSE(PathExists("/dev/shm/" + marker + ".d"));
  } else {
    EXPECT_EQ(o.stdout_text, "ok\n") << o.stderr_text;
    EXPECT_EQ(o.stray_entries_removed, 3);
  }
  for (const char* folder : {"/tmp/", "/dev/shm/", "/var/tmp/"}) {
    EXPECT_FALSE(PathExists(folder + marker)) << folder << marker;
  }
}

TEST(SandboxTest, BwrapShowsOnlyTheSystemTheTaskAndTheWorkdir) {
  if (!DetectSandbox().bwrap) GTEST_SKIP() << DetectSandbox().bwrap_problem;
  TempDir dir, task;
  ASSERT_TRUE(WriteFileAtomic(task.Sub("data"), "task data\n").ok());
  SandboxSpec spec = Bash("cat " + task.Sub("data") + "; ls -d /root /home /run /work /var " +
                          KEVOLVE_BINARY_DIR + " 2>&1 | grep -c 'No such file'; "
                          "touch /newdir 2>/dev/null || echo root-read-only; "
                          "touch " + task.Sub("x") + " 2>/dev/null || echo task-read-only",
                          dir);
  spec.mode = SandboxMode::kBwrap;
  spec.ro_binds = {task.path()};
  const ProcessOutcome o = RunOk(spec);
  EXPECT_EQ(o.stdout_text, "task data\n6\nroot-read-only\ntask-read-only\n") << o.stderr_text;
}

TEST(SandboxTest, BwrapCapsItsTmpByTheDiskLimit) {
  if (!DetectSandbox().bwrap || !DetectSandbox().bwrap_tmpfs_size) {
    GTEST_SKIP() << "bwrap without --size here";
  }
  TempDir dir;
  SandboxSpec spec = Bash("head -c 9437184 /dev/zero > /tmp/big || echo tmp-full; "
                          "head -c 9437184 /dev/zero > /dev/shm/big || echo shm-full",
                          dir);
  spec.mode = SandboxMode::kBwrap;
  spec.limits.disk_mb = 8;
  const ProcessOutcome o = RunOk(spec);
  EXPECT_EQ(o.stdout_text, "tmp-full\nshm-full\n") << o.stderr_text;
}

// GPU passthrough under bwrap: the device nodes are inside only when the run asks for them. On a
// GPU machine, KEVOLVE_TEST_GPU_COMMAND (a CUDA program given by absolute path, which must exit
// 0) is also run under bwrap with the nodes bound in, as an evaluation with evaluator.gpu would.
TEST(SandboxTest, BwrapPassesTheGpuThroughOnlyWhenAsked) {
  if (!DetectSandbox().bwrap) GTEST_SKIP() << DetectSandbox().bwrap_problem;
  std::vector<std::string> nodes;
  std::error_code ec;
  for (std::filesystem::directory_iterator it("/dev", ec), end; !ec && it != end;
       it.increment(ec)) {
    if (StartsWith(it->path().filename().string(), "nvidia")) nodes.push_back(it->path().string());
  }
  if (nodes.empty()) GTEST_SKIP() << "no GPU device nodes here";
  TempDir dir;
  SandboxSpec spec = Bash("ls /dev | grep -c '^nvidia'", dir);
  spec.mode = SandboxMode::kBwrap;
  EXPECT_EQ(RunOk(spec).stdout_text, "0\n");
  spec.gpu = true;
  spec.dev_binds = nodes;
  EXPECT_EQ(RunOk(spec).stdout_text, std::to_string(nodes.size()) + "\n");
  const char* command = std::getenv("KEVOLVE_TEST_GPU_COMMAND");
  if (command == nullptr) return;
  SandboxSpec gpu = Bash(command, dir);
  gpu.mode = SandboxMode::kBwrap;
  gpu.gpu = true;
  gpu.dev_binds = nodes;
  const std::string program = std::string(command).substr(0, std::string(command).find(' '));
  gpu.ro_binds = {std::filesystem::path(program).parent_path().string()};
  if (const char* libs = std::getenv("LD_LIBRARY_PATH")) {
    gpu.env.push_back(std::string("LD_LIBRARY_PATH=") + libs);
  }
  gpu.timeout_ms = 120'000;
  gpu.limits.memory_mb = 16384;
  gpu.limits.processes = 256;
  gpu.limits.output_bytes = 1 << 20;
  const ProcessOutcome o = RunOk(gpu);
  const std::string tail =
      o.stdout_text.substr(o.stdout_text.size() - std::min<size_t>(o.stdout_text.size(), 2000));
  EXPECT_EQ(o.exit_code, 0) << tail << o.stderr_text;
  std::printf("%s", tail.c_str());
}

TEST(SandboxTest, SignalNames) {
  EXPECT_EQ(SignalName(SIGSEGV), "SIGSEGV");
  EXPECT_EQ(SignalName(SIGKILL), "SIGKILL");
  EXPECT_EQ(SignalName(SIGXCPU), "SIGXCPU");
  EXPECT_EQ(SignalName(77), "signal 77");
}

TEST(SandboxTest, DetectSandboxSaysWhatIsInForce) {
  const SandboxCapabilities& caps = DetectSandbox();
  const std::string text = caps.Describe();
  EXPECT_NE(text.find(std::string("containment: ") + ContainmentName(caps.containment)),
            std::string::npos);
  EXPECT_NE(text.find("bwrap: "), std::string::npos);
  if (geteuid() == 0) {
    EXPECT_TRUE(caps.root);
  }
}

}  // namespace
}  // namespace kevolve::eval
