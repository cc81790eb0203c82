// RunSandboxed, the parent's side: prepares everything the children need, clones the
// supervisor, then watches the run (output, deadline, cancellation) until the tree is gone.
#include "eval/sandbox.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <optional>
#include <utility>

#include "eval/sandbox_internal.h"
#include "eval/sandbox_run.h"

namespace kevolve::eval {
namespace internal {

std::string ErrnoText(int error) { return std::strerror(error); }

namespace {

constexpr char kDefaultPath[] = "/usr/local/bin:/usr/bin:/bin";

std::string EnvValue(const std::vector<std::string>& env, const std::string& name) {
  const std::string prefix = name + "=";
  for (const std::string& entry : env) {
    if (entry.compare(0, prefix.size(), prefix) == 0) return entry.substr(prefix.size());
  }
  return "";
}

// Threads of processes owned by `uid`: what RLIMIT_NPROC counts for it (approximately: /proc
// shows the effective uid).
int64_t CountTasksOfUid(uid_t uid) {
  namespace fs = std::filesystem;
  int64_t count = 0;
  std::error_code ec;
  for (fs::directory_iterator it("/proc", ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
    struct stat st = {};
    if (stat(it->path().c_str(), &st) != 0 || st.st_uid != uid) continue;
    std::error_code task_ec;
    for (fs::directory_iterator task(it->path() / "task", task_ec), task_end;
         !task_ec && task != task_end; task.increment(task_ec)) {
      ++count;
    }
  }
  return count;
}

std::vector<ChildRlimit> BuildRlimits(const SandboxSpec& spec, int64_t nproc) {
  std::vector<ChildRlimit> limits;
  // Limits are clamped to the current hard limits: raising those needs CAP_SYS_RESOURCE.
  const auto add = [&limits](auto resource, rlim_t soft, rlim_t hard) {
    struct rlimit current = {};
    if (getrlimit(resource, &current) == 0 && current.rlim_max != RLIM_INFINITY) {
      soft = std::min(soft, current.rlim_max);
      hard = std::min(hard, current.rlim_max);
    }
    limits.push_back(ChildRlimit{static_cast<int>(resource), std::min(soft, hard), hard});
  };
  const LimitsConfig& l = spec.limits;
  if (l.cpu_seconds > 0) {
    // SIGXCPU at the soft limit, SIGKILL one second later if it is caught.
    const auto seconds = static_cast<rlim_t>(std::ceil(l.cpu_seconds));
    add(RLIMIT_CPU, seconds, seconds + 1);
  }
  if (l.memory_mb > 0) {
    const auto bytes = static_cast<rlim_t>(l.memory_mb) << 20;
    if (spec.gpu) {
      add(RLIMIT_DATA, bytes, bytes);
    } else {
      add(RLIMIT_AS, bytes, bytes);
    }
  }
  if (l.open_files > 0) add(RLIMIT_NOFILE, static_cast<rlim_t>(l.open_files),
                            static_cast<rlim_t>(l.open_files));
  if (l.file_size_mb > 0) {
    const auto bytes = static_cast<rlim_t>(l.file_size_mb) << 20;
    add(RLIMIT_FSIZE, bytes, bytes);
  }
  add(RLIMIT_CORE, 0, 0);
  if (nproc > 0) add(RLIMIT_NPROC, static_cast<rlim_t>(nproc), static_cast<rlim_t>(nproc));
  return limits;
}

}  // namespace

Result<Launch> PrepareLaunch(const SandboxSpec& spec, const NamespaceSupport& support) {
  if (spec.argv.empty() || spec.argv[0].empty()) {
    return Status::InvalidArgument("sandbox: the command is empty");
  }
  Launch launch;
  std::string command = spec.argv[0];
  if (command.find('/') == std::string::npos) {
    std::string path_value = EnvValue(spec.env, "PATH");
    if (path_value.empty()) path_value = kDefaultPath;
    command = internal::FindOnPath(command, path_value);
    if (command.empty()) {
      return Status::InvalidArgument("command '" + spec.argv[0] + "' was not found on PATH=" +
                                     path_value);
    }
  }
  launch.switch_user = support.can_switch_uid && spec.run_as_uid.has_value();
  if (launch.switch_user) {
    launch.uid = *spec.run_as_uid;
    launch.gid = spec.run_as_gid.value_or(*spec.run_as_uid);
  }
  const bool bwrap = spec.mode == SandboxMode::kBwrap;
  if (bwrap) {
    const std::string& bwrap_path = internal::BwrapPath();
    if (bwrap_path.empty()) {
      return Status::FailedPrecondition("sandbox mode bwrap: bwrap was not found on PATH");
    }
    launch.exec_path = bwrap_path;
    launch.argv = internal::BwrapArgv(spec, bwrap_path, command);
  } else {
    launch.exec_path = command;
    launch.argv = spec.argv;
  }
  if (support.containment == Containment::kPidNamespaceAndUid) {
    launch.clone_flags = CLONE_NEWPID;
    launch.pid_namespace = true;
  } else if (support.containment == Containment::kUserAndPidNamespace && !bwrap) {
    // (bwrap makes its own user namespace, which it cannot do as the unmapped user of ours.)
    launch.clone_flags = CLONE_NEWUSER | CLONE_NEWPID;
    launch.pid_namespace = true;
  }
  if (launch.pid_namespace && support.own_proc) {
    launch.clone_flags |= CLONE_NEWNS;
    launch.own_proc = true;
  }
  if (launch.pid_namespace && support.network_namespace) {
    // No network but a loopback device, and System V IPC objects that die with the run.
    launch.clone_flags |= CLONE_NEWNET | CLONE_NEWIPC;
    launch.net_namespace = true;
  }
  launch.watch_shared_tmp = launch.switch_user && !bwrap;
  if (!bwrap && support.landlock_abi > 0) {
    launch.landlock =
        internal::PlanLandlock(spec, command, support.landlock_abi, launch.net_namespace);
    // Not for GPU evaluations: the CUDA driver does not start without a Unix socket.
    if (support.landlock_abi < kLandlockUnixSocketAbi && support.unix_socket_filter && !spec.gpu) {
      launch.seccomp = internal::UnixSocketFilter();
    }
  }
  int64_t nproc = 0;
  if (spec.limits.processes > 0) {
    const int64_t bwrap_own = bwrap ? 2 : 0;  // bwrap and its PID 1
    if (launch.switch_user) {
      nproc = spec.limits.processes + bwrap_own;
    } else if ((launch.clone_flags & CLONE_NEWUSER) != 0) {
      nproc = spec.limits.processes + 1;  // counted inside our user namespace, supervisor included
    } else if (!support.root) {
      // Counted over all of this user's processes: allow that many more.
      nproc = CountTasksOfUid(getuid()) + spec.limits.processes + bwrap_own;
    }
    // Root without a uid switch: RLIMIT_NPROC does not bind root; nothing to set.
  }
  launch.rlimits = BuildRlimits(spec, nproc);
  return launch;
}

}  // namespace internal

namespace {

using internal::Capture;
using internal::CStringArray;
using internal::ErrnoText;
using internal::Launch;
using internal::UniqueFd;

// The pipes of one run: the child's stdout, stderr and the supervisor's report, plus stdin.
struct Pipes {
  UniqueFd out_read, out_write, err_read, err_write, report_read, report_write, dev_null;

  Status Open() {
    KEVOLVE_RETURN_IF_ERROR(MakePipe(&out_read, &out_write));
    KEVOLVE_RETURN_IF_ERROR(MakePipe(&err_read, &err_write));
    KEVOLVE_RETURN_IF_ERROR(MakePipe(&report_read, &report_write));
    dev_null.Reset(open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (dev_null.get() < 0) {
      return Status::Unavailable("sandbox: cannot open /dev/null: " + ErrnoText(errno));
    }
    return Status::Ok();
  }

  // After the clone the children hold these; the parent's copies would hide end-of-file.
  void CloseChildEnds() {
    out_write.Reset();
    err_write.Reset();
    report_write.Reset();
    dev_null.Reset();
  }
};

internal::ChildPlan MakePlan(const SandboxSpec& spec, const Launch& launch,
                             const CStringArray& argv, const CStringArray& envp,
                             const Pipes& pipes, int landlock_fd) {
  internal::ChildPlan plan;
  plan.exec_path = launch.exec_path.c_str();
  plan.argv = argv.get();
  plan.envp = envp.get();
  plan.workdir = spec.workdir.empty() ? "/" : spec.workdir.c_str();
  plan.rlimits = launch.rlimits.data();
  plan.rlimit_count = static_cast<int>(launch.rlimits.size());
  plan.switch_user = launch.switch_user;
  plan.uid = launch.uid;
  plan.gid = launch.gid;
  plan.pid_namespace = launch.pid_namespace;
  plan.net_namespace = launch.net_namespace;
  plan.own_proc = launch.own_proc;
  plan.parent_pid = getpid();
  plan.stdin_fd = pipes.dev_null.get();
  plan.stdout_fd = pipes.out_write.get();
  plan.stderr_fd = pipes.err_write.get();
  plan.report_fd = pipes.report_write.get();
  plan.seccomp = launch.seccomp;
  plan.landlock_fd = landlock_fd;
  plan.proc_access = launch.landlock ? launch.landlock->proc_access : 0;
  return plan;
}

Result<pid_t> Spawn(const internal::ChildPlan& plan, unsigned long clone_flags, Pipes& pipes) {
  int clone_error = 0;
  const pid_t supervisor = internal::CloneWithSignalsBlocked(
      [&] { return internal::StartSupervisor(plan, clone_flags); }, &clone_error);
  pipes.CloseChildEnds();
  if (supervisor < 0) {
    return Status::Unavailable("sandbox: cannot create a process: " + ErrnoText(clone_error));
  }
  for (int fd : {pipes.out_read.get(), pipes.err_read.get(), pipes.report_read.get()}) {
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  }
  return supervisor;
}

// The supervisor ends the tree. With a PID namespace, killing the supervisor kills everything
// in it; without one, the supervisor must do the killing (it knows the tree), with SIGKILL as a
// backstop.
class SupervisorControl : public internal::TreeControl {
 public:
  SupervisorControl(pid_t supervisor, bool pid_namespace)
      : supervisor_(supervisor), pid_namespace_(pid_namespace) {}
  void Terminate() override { kill(supervisor_, SIGTERM); }  // forwarded to the whole tree
  bool Kill() override {
    kill(supervisor_, pid_namespace_ ? SIGKILL : SIGUSR1);
    return pid_namespace_;
  }
  void Backstop() override { kill(supervisor_, SIGKILL); }
  // The supervisor writes its reports and exits: the pipe's end-of-file ends the run.
  bool ReadReport(int fd, std::string* report) override {
    char buffer[4096];
    for (;;) {
      const ssize_t n = read(fd, buffer, sizeof buffer);
      if (n > 0) {
        report->append(buffer, static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      return n < 0 && errno == EAGAIN;
    }
  }

 private:
  pid_t supervisor_;
  bool pid_namespace_;
};

}  // namespace

std::string SignalName(int sig) {
  static constexpr struct {
    int number;
    const char* name;
  } kNames[] = {{SIGHUP, "SIGHUP"},   {SIGINT, "SIGINT"},   {SIGQUIT, "SIGQUIT"},
                {SIGILL, "SIGILL"},   {SIGTRAP, "SIGTRAP"}, {SIGABRT, "SIGABRT"},
                {SIGBUS, "SIGBUS"},   {SIGFPE, "SIGFPE"},   {SIGKILL, "SIGKILL"},
                {SIGUSR1, "SIGUSR1"}, {SIGSEGV, "SIGSEGV"}, {SIGUSR2, "SIGUSR2"},
                {SIGPIPE, "SIGPIPE"}, {SIGALRM, "SIGALRM"}, {SIGTERM, "SIGTERM"},
                {SIGXCPU, "SIGXCPU"}, {SIGXFSZ, "SIGXFSZ"}, {SIGSYS, "SIGSYS"}};
  for (const auto& entry : kNames) {
    if (entry.number == sig) return entry.name;
  }
  return "signal " + std::to_string(sig);
}

Result<ProcessOutcome> RunSandboxed(const SandboxSpec& spec) {
  const internal::NamespaceSupport& support = internal::ProbeNamespaces();
  KEVOLVE_ASSIGN_OR_RETURN(const Launch launch, internal::PrepareLaunch(spec, support));
  const CStringArray argv(launch.argv);
  const CStringArray envp(spec.env);
  Pipes pipes;
  KEVOLVE_RETURN_IF_ERROR(pipes.Open());
  UniqueFd landlock;  // the children get their copy at the clone
  if (launch.landlock) {
    KEVOLVE_ASSIGN_OR_RETURN(const int ruleset, internal::CreateLandlockRuleset(*launch.landlock));
    landlock.Reset(ruleset);
  }
  const internal::ChildPlan plan = MakePlan(spec, launch, argv, envp, pipes, landlock.get());

  Clock& clock = spec.clock != nullptr ? *spec.clock : RealClock();
  const int64_t start_ms = clock.NowMs();
  KEVOLVE_ASSIGN_OR_RETURN(const pid_t supervisor, Spawn(plan, launch.clone_flags, pipes));

  ProcessOutcome outcome;
  outcome.containment = support.containment;
  const size_t cap = static_cast<size_t>(std::max<int64_t>(spec.limits.output_bytes, 0));
  Capture out{pipes.out_read.get(), &outcome.stdout_text, &outcome.stdout_truncated, cap};
  Capture err{pipes.err_read.get(), &outcome.stderr_text, &outcome.stderr_truncated, cap};
  SupervisorControl control(supervisor, launch.pid_namespace);
  const std::string report_bytes = internal::WatchRun(spec, launch, control, clock, out, err,
                                                      pipes.report_read.get(), &outcome);

  int supervisor_status = 0;
  struct rusage supervisor_usage = {};
  while (wait4(supervisor, &supervisor_status, 0, &supervisor_usage) < 0 && errno == EINTR) {
  }
  internal::SettleRun(spec, launch, clock, out, err, &outcome);
  outcome.wall_ms = clock.NowMs() - start_ms;
  KEVOLVE_RETURN_IF_ERROR(
      internal::ApplyReports(report_bytes, spec, launch, supervisor_usage, &outcome));
  return outcome;
}

}  // namespace kevolve::eval
