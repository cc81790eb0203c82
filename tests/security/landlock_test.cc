// Process mode under Landlock: an evaluation opens only what bwrap would show it (the system
// folders, the task folder, read_paths, /proc, a few devices), writes only its scratch folder
// (and /dev/shm), reaches no Unix socket but its own (GPU evaluations excepted below ABI 9),
// and still compiles and runs programs.
// Every place it is refused is world-readable or world-writable, so the refusal is Landlock's,
// not the file's permissions. Skipped, with the reason, where the kernel has no Landlock.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>
#include <string>
#include <vector>

#include "core/files.h"
#include "eval/defences.h"
#include "eval/eval_test_util.h"
#include "eval/evaluator.h"
#include "eval/sandbox_internal.h"
#include "security/arena.h"

namespace kevolve::eval {
namespace {

using internal::kFsExecute;
using internal::kFsMakeReg;
using internal::kFsReadFile;
using internal::kFsRefer;
using internal::kFsResolveUnix;
using internal::kFsTruncate;
using internal::kFsWriteFile;
using testing::Arena;
using testing::HostileBin;
using testing::UniqueMarker;

constexpr char kPermissionDenied[] = "Permission denied";

// Each "name=path" is opened (read) or created (write); the answer names each with "ok" or its
// error, as artifacts of a valid result.
constexpr char kOpenEach[] = R"sh(#!/bin/bash
# Usage: program read|write NAME=PATH...
how="$1"; shift
printf '{"protocol":1,"valid":true,"combined_score":1,"artifacts":{'
sep=""
for pair in "$@"; do
  name="${pair%%=*}"; path="${pair#*=}"
  if [ "$how" = read ] && [ -d "$path" ]; then
    err=$(ls -- "$path" 2>&1 > /dev/null)
  elif [ "$how" = read ]; then
    err=$(head -c 64 -- "$path" 2>&1 > /dev/null)
  else
    err=$( { echo written > "$path"; } 2>&1 )
  fi
  if [ $? = 0 ]; then answer=ok; else answer="${err##*: }"; fi
  printf '%s"%s":"%s"' "$sep" "$name" "$answer"
  sep=","
done
printf '}}\n'
)sh";

class LandlockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (DetectSandbox().landlock_abi == 0) {
      GTEST_SKIP() << "no Landlock on this kernel: process mode is not confined here";
    }
  }

  // A world-readable file, in a world-readable folder, below the arena.
  std::string Plant(const std::string& relative) {
    const std::string path = arena_.Path(relative);
    (void)MakeDirs(std::filesystem::path(path).parent_path().string());
    chmod(std::filesystem::path(path).parent_path().c_str(), 0755);
    EXPECT_TRUE(WriteFileAtomic(path, "planted\n").ok());
    chmod(path.c_str(), 0644);
    return path;
  }

  EvalResult Evaluate(std::vector<std::string> command, const std::string& program,
                      std::vector<std::string> read_paths = {}, double timeout_seconds = 10) {
    EvaluatorConfig config = testing::HostileConfig(std::move(command));
    config.workers = 1;
    config.timeout_seconds = timeout_seconds;
    config.limits.disk_mb = 64;
    config.limits.memory_mb = 2048;
    config.read_paths = std::move(read_paths);
    Result<std::unique_ptr<Evaluator>> evaluator =
        Evaluator::Create(config, EvaluatorOptions{arena_.task(), arena_.scratch()});
    EXPECT_TRUE(evaluator.ok()) << evaluator.status().ToString();
    if (!evaluator.ok()) return EvalResult{};
    return (*evaluator)->Evaluate(program, 7, 0);
  }

  // Runs kOpenEach over `places` ("name=path") and returns what it found for each.
  std::map<std::string, std::string> OpenEach(const std::string& how,
                                              const std::vector<std::string>& places,
                                              std::vector<std::string> read_paths = {}) {
    std::vector<std::string> command = {"/bin/bash", "{program}", how};
    command.insert(command.end(), places.begin(), places.end());
    const EvalResult r = Evaluate(command, kOpenEach, std::move(read_paths));
    EXPECT_TRUE(r.valid) << r.reason;
    return r.artifacts;
  }

  Arena arena_;
};

TEST_F(LandlockTest, OpensOnlyWhatBwrapWouldShow) {
  const std::string shared = Plant("shared/table.txt");
  const std::string outside = Plant("outside/data.txt");
  const std::map<std::string, std::string> seen =
      OpenEach("read",
               {"task=" + arena_.task() + "/reference.txt", "read_path=" + shared,
                "system=/etc/passwd", "proc=/proc/self/status", "dotenv=" + arena_.Path(".env"),
                "outside=" + outside, "above_task=" + arena_.root(), "run=/run", "var=/var/log"},
               {arena_.Path("shared")});
  EXPECT_EQ(seen.at("task"), "ok");
  EXPECT_EQ(seen.at("read_path"), "ok");
  EXPECT_EQ(seen.at("system"), "ok");
  EXPECT_EQ(seen.at("proc"), "ok");
  EXPECT_EQ(seen.at("dotenv"), kPermissionDenied);
  EXPECT_EQ(seen.at("outside"), kPermissionDenied);
  EXPECT_EQ(seen.at("above_task"), kPermissionDenied);
  EXPECT_EQ(seen.at("run"), kPermissionDenied);
  EXPECT_EQ(seen.at("var"), kPermissionDenied);
}

TEST_F(LandlockTest, WritesOnlyInItsScratchFolder) {
  const std::string marker = UniqueMarker("landlock-write");
  const std::vector<std::string> refused = {"/tmp/" + marker, "/var/tmp/" + marker,
                                            arena_.Path(marker), arena_.task() + "/" + marker};
  const std::map<std::string, std::string> seen =
      OpenEach("write", {"scratch=./written", "null=/dev/null", "shm=/dev/shm/" + marker,
                         "tmp=" + refused[0], "var_tmp=" + refused[1], "above_task=" + refused[2],
                         "task=" + refused[3]});
  (void)RemoveTree("/dev/shm/" + marker);
  EXPECT_EQ(seen.at("scratch"), "ok");
  EXPECT_EQ(seen.at("null"), "ok");
  EXPECT_EQ(seen.at("shm"), "ok");  // POSIX shared memory and semaphores live there
  EXPECT_EQ(seen.at("tmp"), kPermissionDenied);
  EXPECT_EQ(seen.at("var_tmp"), kPermissionDenied);
  EXPECT_EQ(seen.at("above_task"), kPermissionDenied);
  EXPECT_EQ(seen.at("task"), kPermissionDenied);
  for (const std::string& path : refused) {
    EXPECT_FALSE(PathExists(path)) << path;
    (void)RemoveTree(path);
  }
  EXPECT_TRUE(arena_.Unchanged());
}

// A compiler reads /usr, writes its temporary files into TMPDIR (the scratch folder) and the
// program it builds runs from there.
TEST_F(LandlockTest, CompilesAndRunsAProgram) {
  const std::string gxx = internal::FindOnPath("g++", "/usr/bin:/bin");
  if (gxx.empty()) GTEST_SKIP() << "no g++ in /usr/bin or /bin";
  const std::string program = R"sh(#!/bin/bash
set -e
cat > main.cc <<'CODE'
#include <cstdio>
#include <vector>
int main() {
  std::vector<int> v(6, 7);
  std::printf("{\"protocol\":1,\"valid\":true,\"combined_score\":%d}\n", v[0] * int(v.size()));
}
CODE
)sh" + gxx + R"sh( -O1 -o main main.cc
./main
)sh";
  const EvalResult r = Evaluate({"/bin/bash", "{program}"}, program, {}, 60);
  ASSERT_TRUE(r.valid) << r.reason;
  EXPECT_DOUBLE_EQ(r.combined_score, 42);
}

// Someone else's socket is out of reach whatever the ABI. Below ABI 9 Landlock cannot tell
// sockets apart by path, so the seccomp filter refuses to make any Unix socket, which costs its
// own sockets too; socketpair pipes keep working in every case.
TEST_F(LandlockTest, ReachesNoUnixSocketButItsOwn) {
  const SandboxCapabilities& caps = DetectSandbox();
  const EvalResult r =
      Evaluate({HostileBin("unix_sockets"), "unix:" + arena_.socket_path()}, "unused");
  ASSERT_TRUE(r.valid) << r.reason;
  EXPECT_EQ(r.artifacts.at("stream_pair"), "ok");
  EXPECT_EQ(r.artifacts.at("unix:" + arena_.socket_path()), kPermissionDenied);
  EXPECT_EQ(arena_.UnixConnectionsWaiting(), 0);
  if (caps.landlock_abi >= 9) {
    EXPECT_EQ(r.artifacts.at("own_socket"), "ok");
    EXPECT_EQ(r.artifacts.at("datagram_pair"), "ok");
  } else {
    ASSERT_TRUE(caps.unix_socket_filter) << "no Unix-socket filter here";
    EXPECT_EQ(r.artifacts.at("own_socket"), kPermissionDenied);
    EXPECT_EQ(r.artifacts.at("datagram_pair"), kPermissionDenied);
  }
}

// The CUDA driver does not start without a Unix socket of its own: GPU evaluations are spared
// the filter (and the threat table says that unix-sockets is then not defended below ABI 9).
TEST_F(LandlockTest, GpuEvaluationsKeepUnixSocketsOfTheirOwn) {
  const SandboxCapabilities& caps = DetectSandbox();
  EvaluatorConfig config =
      testing::HostileConfig({HostileBin("unix_sockets"), "unix:" + arena_.socket_path()});
  config.workers = 1;
  config.gpu = true;
  Result<std::unique_ptr<Evaluator>> evaluator =
      Evaluator::Create(config, EvaluatorOptions{arena_.task(), arena_.scratch()});
  ASSERT_TRUE(evaluator.ok()) << evaluator.status().ToString();
  const EvalResult r = (*evaluator)->Evaluate("unused", 7, 0);
  ASSERT_TRUE(r.valid) << r.reason;
  EXPECT_EQ(r.artifacts.at("own_socket"), "ok");
  EXPECT_EQ(r.artifacts.at("stream_pair"), "ok");
  const ThreatAssessment sockets =
      AssessThreat(Threat::kUnixSockets, SandboxMode::kProcess, caps, /*gpu=*/true);
  if (caps.landlock_abi < 9) {
    EXPECT_EQ(sockets.defence, Defence::kNotDefended) << sockets.how;
  } else {
    EXPECT_EQ(r.artifacts.at("unix:" + arena_.socket_path()), kPermissionDenied);
    EXPECT_EQ(sockets.defence, Defence::kDefended) << sockets.how;
  }
  (void)arena_.UnixConnectionsWaiting();
}

TEST_F(LandlockTest, DoctorAndTheThreatTableSaySo) {
  const SandboxCapabilities& caps = DetectSandbox();
  const std::string abi = "landlock ABI " + std::to_string(caps.landlock_abi);
  EXPECT_NE(caps.Describe().find(abi), std::string::npos) << caps.Describe();
  const ThreatAssessment files = AssessThreat(Threat::kReadableFiles, SandboxMode::kProcess, caps);
  EXPECT_EQ(files.defence, Defence::kDefended);
  EXPECT_NE(files.how.find(abi), std::string::npos) << files.how;
}

// The ruleset itself, for the ABIs this kernel may not have.
SandboxSpec TaskSpec() {
  SandboxSpec spec;
  spec.argv = {"/opt/tools/evaluate"};
  spec.workdir = "/scratch/eval-1";
  spec.ro_binds = {"/work/task", "/data/shared"};
  return spec;
}

std::map<std::string, uint64_t> RulesOf(const internal::LandlockPlan& plan) {
  std::map<std::string, uint64_t> rules;
  for (const internal::LandlockRule& rule : plan.rules) rules[rule.path] |= rule.access;
  return rules;
}

TEST(LandlockPlanTest, ReadsWhatBwrapBindsAndWritesOnlyScratchAndShm) {
  const SandboxSpec spec = TaskSpec();
  const internal::LandlockPlan plan =
      internal::PlanLandlock(spec, "/opt/tools/evaluate", 7, /*net_namespace=*/true);
  const std::map<std::string, uint64_t> rules = RulesOf(plan);
  for (const std::string& folder : internal::SystemFolders()) {
    EXPECT_EQ(rules.at(folder) & (kFsReadFile | kFsExecute), kFsReadFile | kFsExecute) << folder;
  }
  for (const std::string& dir : spec.ro_binds) {
    EXPECT_EQ(rules.at(dir) & (kFsReadFile | kFsExecute), kFsReadFile | kFsExecute) << dir;
  }
  std::vector<std::string> writable;
  for (const auto& [path, access] : rules) {
    EXPECT_EQ(access & ~plan.handled_fs, 0U) << path;
    if ((access & kFsMakeReg) != 0) writable.push_back(path);
    if ((access & kFsWriteFile) != 0 && (access & kFsMakeReg) == 0) {
      EXPECT_EQ(path.rfind("/dev/", 0), 0U) << path << " is writable and not a device";
    }
  }
  EXPECT_EQ(writable, (std::vector<std::string>{"/dev/shm", "/scratch/eval-1"}));
  EXPECT_EQ(rules.count("/sys"), 0U);  // as under bwrap: only with gpu
  EXPECT_EQ(rules.at("/proc") & (kFsReadFile | kFsWriteFile), kFsReadFile);
  EXPECT_EQ(plan.handled_net, 0U);  // its network namespace has only its own loopback
  EXPECT_EQ(plan.scoped, 3U);       // abstract Unix sockets and signals
}

TEST(LandlockPlanTest, GpuTasksGetTheirDevicesAndSys) {
  SandboxSpec spec = TaskSpec();
  spec.gpu = true;
  spec.dev_binds = {"/dev/nvidia0", "/dev/nvidiactl"};
  const std::map<std::string, uint64_t> rules =
      RulesOf(internal::PlanLandlock(spec, "/opt/tools/evaluate", 7, true));
  EXPECT_NE(rules.at("/dev/nvidia0") & kFsWriteFile, 0U);
  EXPECT_NE(rules.at("/dev/nvidiactl") & kFsWriteFile, 0U);
  EXPECT_EQ(rules.at("/sys") & (kFsReadFile | kFsWriteFile), kFsReadFile);
  // The CUDA driver does not start unless it may write to files of its process in /proc.
  EXPECT_EQ(rules.at("/proc") & (kFsReadFile | kFsWriteFile | kFsTruncate),
            kFsReadFile | kFsWriteFile | kFsTruncate);
}

TEST(LandlockPlanTest, AnOlderAbiGetsOnlyTheRightsItKnows) {
  const SandboxSpec spec = TaskSpec();
  const internal::LandlockPlan abi1 = internal::PlanLandlock(spec, "/bin/sh", 1, false);
  EXPECT_EQ(abi1.handled_fs, (1ULL << 13) - 1);
  EXPECT_EQ(abi1.handled_net, 0U);
  EXPECT_EQ(abi1.scoped, 0U);
  for (const internal::LandlockRule& rule : abi1.rules) {
    EXPECT_EQ(rule.access & ~abi1.handled_fs, 0U) << rule.path;
  }
  const internal::LandlockPlan abi3 = internal::PlanLandlock(spec, "/bin/sh", 3, false);
  EXPECT_NE(abi3.handled_fs & (kFsRefer | kFsTruncate), 0U);
  EXPECT_EQ(abi3.handled_fs & kFsResolveUnix, 0U);
  // Without a network namespace, TCP is cut from ABI 4 on.
  EXPECT_EQ(internal::PlanLandlock(spec, "/bin/sh", 4, false).handled_net, 3U);
  EXPECT_EQ(internal::PlanLandlock(spec, "/bin/sh", 4, true).handled_net, 0U);
  const internal::LandlockPlan abi9 = internal::PlanLandlock(spec, "/bin/sh", 9, true);
  EXPECT_NE(abi9.handled_fs & kFsResolveUnix, 0U);
  EXPECT_NE(RulesOf(abi9).at("/scratch/eval-1") & kFsResolveUnix, 0U);  // its own sockets
}

TEST(LandlockPlanTest, NoWorkdirMeansNothingWritableButDevices) {
  SandboxSpec spec;
  spec.argv = {"/usr/bin/true"};
  const std::map<std::string, uint64_t> rules =
      RulesOf(internal::PlanLandlock(spec, "/usr/bin/true", 7, true));
  for (const auto& [path, access] : rules) {
    if ((access & kFsMakeReg) != 0) {
      EXPECT_EQ(path, "/dev/shm");
    }
  }
}

}  // namespace
}  // namespace kevolve::eval
