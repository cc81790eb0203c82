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

#include "eval/disk_usage.h"
#include "eval/sandbox_internal.h"

namespace kevolve::eval {
namespace {

using internal::ChildReport;
using internal::ChildRlimit;
using internal::ChildStep;

constexpr int64_t kTickMs = 50;          // longest sleep between cancellation checks
constexpr int64_t kBackstopMs = 2'000;   // after asking the supervisor to kill, before killing it
constexpr int64_t kDrainMs = 200;        // how long leftover writers may hold stdout (no PID ns)
constexpr int kReadsPerRound = 16;       // bounded, so a flood cannot starve the deadline checks
constexpr int64_t kDiskPollMs = 100;     // how often what a run wrote to disk is added up
constexpr char kDefaultPath[] = "/usr/local/bin:/usr/bin:/bin";
constexpr int64_t kNoDeadline = std::numeric_limits<int64_t>::max();

std::string ErrnoText(int error) { return std::strerror(error); }

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { Reset(); }
  int get() const { return fd_; }
  void Reset(int fd = -1) {
    if (fd_ >= 0) close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

Status MakePipe(UniqueFd* read_end, UniqueFd* write_end) {
  int fds[2];
  // O_CLOEXEC: other threads fork and exec too, and must not inherit this run's pipes.
  if (pipe2(fds, O_CLOEXEC) != 0) {
    return Status::Unavailable("sandbox: cannot create a pipe: " + ErrnoText(errno));
  }
  read_end->Reset(fds[0]);
  write_end->Reset(fds[1]);
  return Status::Ok();
}

// Owns strings and the null-terminated pointer array over them that execve wants. Neither moves
// after construction, so the child's copy of the pointers stays valid.
class CStringArray {
 public:
  explicit CStringArray(std::vector<std::string> strings) : strings_(std::move(strings)) {
    for (std::string& s : strings_) pointers_.push_back(s.data());
    pointers_.push_back(nullptr);
  }
  CStringArray(const CStringArray&) = delete;
  CStringArray& operator=(const CStringArray&) = delete;
  char* const* get() const { return pointers_.data(); }

 private:
  std::vector<std::string> strings_;
  std::vector<char*> pointers_;
};

// Everything decided before the clone.
struct Launch {
  std::string exec_path;
  std::vector<std::string> argv;
  std::vector<ChildRlimit> rlimits;
  unsigned long clone_flags = 0;
  bool pid_namespace = false;
  bool net_namespace = false;
  bool own_proc = false;  // a mount namespace with the PID namespace's own /proc
  bool switch_user = false;
  // Process mode as another uid: the shared temporary folders are watched for its files too.
  bool watch_shared_tmp = false;
  // Process mode where the kernel has Landlock: the ruleset, and the Unix-socket filter.
  std::optional<internal::LandlockPlan> landlock;
  const struct sock_fprog* seccomp = nullptr;
  uid_t uid = 0;
  gid_t gid = 0;
};

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

Result<Launch> PrepareLaunch(const SandboxSpec& spec, const internal::NamespaceSupport& support) {
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

// One captured stream.
struct Capture {
  int fd = -1;
  std::string* text = nullptr;
  bool* truncated = nullptr;
  size_t cap = 0;
  bool open = true;
};

// Reads what is available now. Returns true when the stream passed its cap.
bool ReadAvailable(Capture& c) {
  char buffer[65536];
  bool over = false;
  for (int round = 0; round < kReadsPerRound && c.open; ++round) {
    const ssize_t n = read(c.fd, buffer, sizeof buffer);
    if (n > 0) {
      const size_t room = c.cap - std::min(c.cap, c.text->size());
      const size_t keep = std::min(room, static_cast<size_t>(n));
      c.text->append(buffer, keep);
      if (keep < static_cast<size_t>(n)) {
        *c.truncated = true;
        over = true;
      }
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) break;
    c.open = false;  // end of file, or an error that ends the stream just the same
  }
  return over;
}

// What a run has written to disk: below its workdir, and (as another uid in process mode) in
// the shared temporary folders. Records the peak in the outcome; true when over a cap.
bool DiskOverCap(const SandboxSpec& spec, const Launch& launch, ProcessOutcome* outcome) {
  if (spec.workdir.empty()) return false;
  const int64_t cap = spec.limits.disk_mb > 0 ? spec.limits.disk_mb << 20 : 0;
  const int64_t max_entries = internal::MaxEntries(spec.limits.disk_mb);
  internal::DiskUsage usage;
  internal::AddTreeUsage(spec.workdir, cap, max_entries, &usage);
  if (launch.watch_shared_tmp) {
    for (const std::string& path : internal::EntriesOwnedBy(launch.uid, spec.workdir)) {
      ++usage.entries;
      internal::AddTreeUsage(path, cap, max_entries, &usage);
    }
  }
  outcome->disk_peak_bytes = std::max(outcome->disk_peak_bytes, usage.bytes);
  outcome->disk_peak_entries = std::max(outcome->disk_peak_entries, usage.entries);
  return (cap > 0 && usage.bytes > cap) || (max_entries > 0 && usage.entries > max_entries);
}

// Watches one run until the supervisor has closed the report pipe (it is exiting), enforcing the
// deadline, the output and disk caps and cancellation. Returns the report pipe's bytes.
class Watcher {
 public:
  Watcher(const SandboxSpec& spec, const Launch& launch, pid_t supervisor, Clock& clock)
      : spec_(spec), launch_(launch), supervisor_(supervisor), clock_(clock) {}

  std::string Run(Capture& out, Capture& err, int report_fd, ProcessOutcome* outcome) {
    const int64_t start = clock_.NowMs();
    const int64_t deadline = spec_.timeout_ms > 0 ? start + spec_.timeout_ms : kNoDeadline;
    next_ms_ = deadline;
    next_disk_ms_ = spec_.workdir.empty() ? kNoDeadline : start + kDiskPollMs;
    std::string report;
    bool report_open = true;
    while (report_open) {
      const int64_t now = clock_.NowMs();
      if (!outcome->cancelled && spec_.cancel != nullptr && spec_.cancel->load()) {
        outcome->cancelled = true;
        HardKill(now);
      }
      Escalate(now, deadline, outcome);
      if (now >= next_disk_ms_) WatchDisk(now, outcome);
      const int64_t wait_ms =
          std::clamp<int64_t>(std::min(next_ms_, next_disk_ms_) - now, 0, kTickMs);
      struct pollfd fds[3] = {{out.open ? out.fd : -1, POLLIN, 0},
                              {err.open ? err.fd : -1, POLLIN, 0},
                              {report_fd, POLLIN, 0}};
      if (poll(fds, 3, static_cast<int>(wait_ms)) < 0 && errno != EINTR) break;
      bool over = false;
      if (fds[0].revents != 0) over |= ReadAvailable(out);
      if (fds[1].revents != 0) over |= ReadAvailable(err);
      if (over && !outcome->killed_for_output) {
        outcome->killed_for_output = true;
        HardKill(clock_.NowMs());
      }
      if (fds[2].revents != 0) report_open = ReadReport(report_fd, &report);
    }
    return report;
  }

 private:
  enum class Phase { kRunning, kTerminating, kKilling };

  // Polls the disk use; a scan that takes long (a hostile tree of many files) is run less often,
  // so the watcher keeps most of its time for the pipes and the deadline.
  void WatchDisk(int64_t now, ProcessOutcome* outcome) {
    const bool over = DiskOverCap(spec_, launch_, outcome);
    const int64_t after = clock_.NowMs();
    next_disk_ms_ = after + std::max<int64_t>(kDiskPollMs, 4 * (after - now));
    if (over && !outcome->killed_for_disk && phase_ == Phase::kRunning) {
      outcome->killed_for_disk = true;
      HardKill(after);
    }
    if (phase_ != Phase::kRunning) next_disk_ms_ = kNoDeadline;  // it is being killed anyway
  }

  void Escalate(int64_t now, int64_t deadline, ProcessOutcome* outcome) {
    if (phase_ == Phase::kRunning && now >= deadline) {
      outcome->timed_out = true;
      kill(supervisor_, SIGTERM);  // forwarded to the whole tree
      phase_ = Phase::kTerminating;
      next_ms_ = now + std::max<int64_t>(spec_.grace_ms, 0);
    } else if (phase_ == Phase::kTerminating && now >= next_ms_) {
      HardKill(now);
    } else if (phase_ == Phase::kKilling && now >= next_ms_) {
      kill(supervisor_, SIGKILL);
      next_ms_ = kNoDeadline;
    }
  }

  // With a PID namespace, killing the supervisor kills everything in it. Without one, the
  // supervisor must do the killing (it knows the tree), with SIGKILL as a backstop.
  void HardKill(int64_t now) {
    if (phase_ == Phase::kKilling) return;
    phase_ = Phase::kKilling;
    if (launch_.pid_namespace) {
      kill(supervisor_, SIGKILL);
      next_ms_ = kNoDeadline;
    } else {
      kill(supervisor_, SIGUSR1);
      next_ms_ = now + kBackstopMs;
    }
  }

  static bool ReadReport(int fd, std::string* report) {
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

  const SandboxSpec& spec_;
  const Launch& launch_;
  pid_t supervisor_;
  Clock& clock_;
  Phase phase_ = Phase::kRunning;
  int64_t next_ms_ = kNoDeadline;
  int64_t next_disk_ms_ = kNoDeadline;
};

void DrainAfterExit(Capture& out, Capture& err, Clock& clock) {
  const int64_t until = clock.NowMs() + kDrainMs;
  while ((out.open || err.open) && clock.NowMs() < until) {
    struct pollfd fds[2] = {{out.open ? out.fd : -1, POLLIN, 0}, {err.open ? err.fd : -1, POLLIN, 0}};
    if (poll(fds, 2, static_cast<int>(kTickMs)) < 0 && errno != EINTR) break;
    if (fds[0].revents != 0) ReadAvailable(out);
    if (fds[1].revents != 0) ReadAvailable(err);
  }
}

Status SetupError(const ChildReport& report, const SandboxSpec& spec, const Launch& launch) {
  const auto step = static_cast<ChildStep>(report.step);
  const std::string why = ErrnoText(report.error);
  const std::string as_uid = launch.switch_user ? " as uid " + std::to_string(launch.uid) : "";
  switch (step) {
    case ChildStep::kExec:
      return Status::FailedPrecondition("cannot run '" + launch.exec_path + "'" + as_uid + ": " +
                                        why + " (is it an executable file that uid may read?)");
    case ChildStep::kChdir:
      return Status::FailedPrecondition("cannot enter the work folder '" + spec.workdir + "'" +
                                        as_uid + ": " + why +
                                        " (every folder above it must be searchable by others)");
    case ChildStep::kGroups:
    case ChildStep::kSetGid:
    case ChildStep::kSetUid:
      return Status::FailedPrecondition("cannot switch to uid " + std::to_string(launch.uid) +
                                        ": " + internal::ChildStepName(step) + ": " + why);
    case ChildStep::kRlimit:
    case ChildStep::kNoNewPrivs:
    case ChildStep::kSeccomp:
    case ChildStep::kLandlock:
    case ChildStep::kMountProc:
      return Status::FailedPrecondition(std::string("sandbox setup failed: ") +
                                        internal::ChildStepName(step) + ": " + why);
    default:
      return Status::Unavailable(std::string("sandbox setup failed: ") +
                                 internal::ChildStepName(step) + ": " + why);
  }
}

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
  // The child starts with every signal blocked, so no handler of this process runs there.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  const pid_t supervisor = internal::StartSupervisor(plan, clone_flags);
  const int clone_error = errno;
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  pipes.CloseChildEnds();
  if (supervisor < 0) {
    return Status::Unavailable("sandbox: cannot create a process: " + ErrnoText(clone_error));
  }
  for (int fd : {pipes.out_read.get(), pipes.err_read.get(), pipes.report_read.get()}) {
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  }
  return supervisor;
}

// Fills the outcome from the supervisor's reports; a setup error becomes the returned Status.
Status ApplyReports(const std::string& bytes, const SandboxSpec& spec, const Launch& launch,
                    const struct rusage& supervisor_usage, ProcessOutcome* outcome) {
  std::optional<ChildReport> finished;
  for (size_t at = 0; at + sizeof(ChildReport) <= bytes.size(); at += sizeof(ChildReport)) {
    ChildReport r;
    std::memcpy(&r, bytes.data() + at, sizeof r);
    if (r.kind == ChildReport::kSetupError) return SetupError(r, spec, launch);
    if (r.kind == ChildReport::kFinished) finished = r;
  }
  if (finished) {
    const int status = finished->wait_status;
    if (WIFEXITED(status)) outcome->exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) outcome->term_signal = WTERMSIG(status);
    outcome->cpu_ms = finished->cpu_us / 1000;
    outcome->max_rss_kb = finished->max_rss_kb;
    outcome->leftover_processes_killed = finished->leftovers;
  } else {
    // The supervisor was killed (by us after the deadline, the cap or a cancellation; or by
    // the kernel when memory ran out), and the tree with it.
    outcome->term_signal = SIGKILL;
    const struct timeval& u = supervisor_usage.ru_utime;
    const struct timeval& s = supervisor_usage.ru_stime;
    outcome->cpu_ms = (u.tv_sec + s.tv_sec) * 1000 + (u.tv_usec + s.tv_usec) / 1000;
  }
  // bwrap reports a command killed by signal N as exit code 128 + N.
  if (spec.mode == SandboxMode::kBwrap && outcome->exit_code > 128 &&
      outcome->exit_code < 128 + 65) {
    outcome->term_signal = outcome->exit_code - 128;
    outcome->exit_code = -1;
  }
  return Status::Ok();
}

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
  KEVOLVE_ASSIGN_OR_RETURN(const Launch launch, PrepareLaunch(spec, support));
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
  Watcher watcher(spec, launch, supervisor, clock);
  const std::string report_bytes = watcher.Run(out, err, pipes.report_read.get(), &outcome);

  int supervisor_status = 0;
  struct rusage supervisor_usage = {};
  while (wait4(supervisor, &supervisor_status, 0, &supervisor_usage) < 0 && errno == EINTR) {
  }
  DrainAfterExit(out, err, clock);
  // The tree is gone: a last look catches what was written between two polls, then what it
  // left in the shared temporary folders goes.
  if (!outcome.killed_for_disk && !outcome.cancelled && DiskOverCap(spec, launch, &outcome)) {
    outcome.killed_for_disk = true;
  }
  if (launch.watch_shared_tmp) outcome.stray_entries_removed =
        internal::RemoveEntriesOwnedBy(launch.uid, spec.workdir);
  outcome.wall_ms = clock.NowMs() - start_ms;
  KEVOLVE_RETURN_IF_ERROR(ApplyReports(report_bytes, spec, launch, supervisor_usage, &outcome));
  return outcome;
}

}  // namespace kevolve::eval
