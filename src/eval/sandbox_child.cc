// The supervisor and the evaluator before exec. Async-signal-safe code only (see
// sandbox_internal.h): plain system calls, no allocation, no locks, no exceptions.
#include <fcntl.h>
#include <linux/seccomp.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "eval/sandbox_internal.h"

namespace kevolve::eval::internal {
namespace {

// The supervisor's descriptors after ArrangeFds.
constexpr int kReportFd = 3;
constexpr int kLandlockFd = 4;  // when the plan has a Landlock ruleset
// Rounds of "kill the listed children, reap one" before the supervisor gives up on children it
// cannot see (only without a PID namespace, where /proc may not list them).
constexpr int kMaxCleanupRounds = 100'000;

void WriteReport(int fd, const ChildReport& report) {
  // One write below PIPE_BUF is atomic: the parent reads whole reports or nothing.
  while (write(fd, &report, sizeof report) < 0 && errno == EINTR) {
  }
}

[[noreturn]] void FailSetup(int fd, ChildStep step, int error) {
  ChildReport report;
  report.kind = ChildReport::kSetupError;
  report.step = static_cast<int32_t>(step);
  report.error = error;
  WriteReport(fd, report);
  _exit(127);
}

// Handlers inherited from kevolve must never run here; ignored signals must not stay ignored
// for the evaluator (exec keeps SIG_IGN).
void ResetSignalDispositions() {
  struct sigaction action = {};
  action.sa_handler = SIG_DFL;
  sigemptyset(&action.sa_mask);
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    sigaction(sig, &action, nullptr);  // fails harmlessly for signals the C library reserves
  }
}

void CloseFrom(int lowest) {
#ifdef SYS_close_range
  if (syscall(SYS_close_range, static_cast<unsigned>(lowest), ~0U, 0U) == 0) return;
#endif
  struct rlimit limit = {};
  long max_fd = 65536;
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY &&
      limit.rlim_cur < (1U << 20)) {
    max_fd = static_cast<long>(limit.rlim_cur);
  }
  for (long fd = lowest; fd < max_fd; ++fd) close(static_cast<int>(fd));
}

// Moves the descriptors of the plan to 0 (stdin), 1, 2, 3 (report) and 4 (the Landlock ruleset,
// if any) and closes everything else: the clone copied every descriptor of kevolve, including
// pipe ends of evaluations running on other threads, which would otherwise never see
// end-of-file while this process lives.
bool ArrangeFds(const ChildPlan& plan) {
  const int sources[5] = {plan.stdin_fd, plan.stdout_fd, plan.stderr_fd, plan.report_fd,
                          plan.landlock_fd};
  const int count = plan.landlock_fd >= 0 ? 5 : 4;
  int high[5];
  for (int i = 0; i < count; ++i) {
    high[i] = fcntl(sources[i], F_DUPFD_CLOEXEC, count);
    if (high[i] < 0) return false;
  }
  for (int i = 0; i < count; ++i) {
    if (dup2(high[i], i) < 0) return false;  // dup2 clears close-on-exec on the new descriptor
  }
  // The evaluator must not keep the report pipe past exec: its end-of-file tells the parent
  // that the supervisor is gone. Nor the ruleset, which it closes itself once enforced.
  for (int fd = kReportFd; fd < count; ++fd) {
    if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) return false;
  }
  CloseFrom(count);
  return true;
}

// Process mode's confinement (sandbox_landlock.cc), last before exec: no_new_privs is set, and
// the uid switch, which needs privileges that these take away, is done.
void Confine(const ChildPlan& plan) {
  if (plan.seccomp != nullptr &&
      prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, plan.seccomp, 0, 0) != 0) {
    FailSetup(kReportFd, ChildStep::kSeccomp, errno);
  }
  if (plan.landlock_fd >= 0) {
#ifdef SYS_landlock_restrict_self
    if (syscall(SYS_landlock_restrict_self, kLandlockFd, 0U) != 0) {
      FailSetup(kReportFd, ChildStep::kLandlock, errno);
    }
#else
    FailSetup(kReportFd, ChildStep::kLandlock, ENOSYS);
#endif
    close(kLandlockFd);
  }
}

[[noreturn]] void EvaluatorMain(const ChildPlan& plan, pid_t supervisor) {
  ResetSignalDispositions();
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  setsid();
  for (int i = 0; i < plan.rlimit_count; ++i) {
    const struct rlimit value = {plan.rlimits[i].soft, plan.rlimits[i].hard};
    if (syscall(SYS_prlimit64, 0, plan.rlimits[i].resource, &value, nullptr) != 0) {
      FailSetup(kReportFd, ChildStep::kRlimit, errno);
    }
  }
  if (plan.switch_user) {
    // Raw system calls: glibc's setuid family would try to synchronize with threads that exist
    // only in the parent.
    if (syscall(SYS_setgroups, 0, nullptr) != 0) FailSetup(kReportFd, ChildStep::kGroups, errno);
    if (syscall(SYS_setresgid, plan.gid, plan.gid, plan.gid) != 0) {
      FailSetup(kReportFd, ChildStep::kSetGid, errno);
    }
    if (syscall(SYS_setresuid, plan.uid, plan.uid, plan.uid) != 0) {
      FailSetup(kReportFd, ChildStep::kSetUid, errno);
    }
  }
  // After the uid switch, which clears it.
  prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  if (getppid() != supervisor) _exit(127);
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    FailSetup(kReportFd, ChildStep::kNoNewPrivs, errno);
  }
  if (plan.workdir != nullptr && chdir(plan.workdir) != 0) {
    FailSetup(kReportFd, ChildStep::kChdir, errno);
  }
  Confine(plan);
  execve(plan.exec_path, plan.argv, plan.envp);
  FailSetup(kReportFd, ChildStep::kExec, errno);
}

struct Totals {
  int64_t cpu_us = 0;
  int64_t max_rss_kb = 0;
};

void Account(const struct rusage& usage, Totals* totals) {
  totals->cpu_us += static_cast<int64_t>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1'000'000 +
                    usage.ru_utime.tv_usec + usage.ru_stime.tv_usec;
  if (usage.ru_maxrss > totals->max_rss_kb) totals->max_rss_kb = usage.ru_maxrss;
}

// Reaps every child that has exited. Returns true once the evaluator was among them.
bool ReapExited(pid_t evaluator, bool pid_namespace, Totals* totals, int* evaluator_status) {
  bool evaluator_done = false;
  for (;;) {
    siginfo_t info = {};
    if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid == 0) break;
    const pid_t pid = info.si_pid;
    // While the evaluator is an unreaped zombie its pid, and so its process group id, cannot be
    // reused: the last safe moment to kill the group by number.
    if (pid == evaluator && !pid_namespace) kill(-evaluator, SIGKILL);
    int status = 0;
    struct rusage usage = {};
    if (wait4(pid, &status, 0, &usage) != pid) continue;
    Account(usage, totals);
    if (pid == evaluator) {
      *evaluator_status = status;
      evaluator_done = true;
    }
  }
  return evaluator_done;
}

// PID 1 of the namespace: kill(-1) reaches every other process in it, and only those.
int KillNamespace(Totals* totals) {
  int killed = 0;
  for (;;) {
    kill(-1, SIGKILL);
    int status = 0;
    struct rusage usage = {};
    const pid_t pid = wait4(-1, &status, 0, &usage);
    if (pid > 0) {
      ++killed;
      Account(usage, totals);
      continue;
    }
    if (errno == EINTR) continue;
    return killed;  // ECHILD: the namespace is empty
  }
}

// Kills every child listed in /proc; returns how many, or -1 when the list cannot be read.
int KillListedChildren() {
  const int fd = open("/proc/thread-self/children", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  char buffer[512];
  pid_t pid = 0;
  bool in_number = false;
  int listed = 0;
  for (;;) {
    const ssize_t n = read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    for (ssize_t i = 0; i < n; ++i) {
      const char c = buffer[i];
      if (c >= '0' && c <= '9') {
        pid = pid * 10 + (c - '0');
        in_number = true;
      } else if (in_number) {
        kill(pid, SIGKILL);
        ++listed;
        pid = 0;
        in_number = false;
      }
    }
  }
  if (in_number) {
    kill(pid, SIGKILL);
    ++listed;
  }
  close(fd);
  return listed;
}

// Without a PID namespace: the supervisor is a child subreaper, so every orphan of the tree
// becomes its child; kill the children, reap, repeat until none is left.
int KillDescendants(Totals* totals) {
  int killed = 0;
  for (int round = 0; round < kMaxCleanupRounds; ++round) {
    const int listed = KillListedChildren();
    int status = 0;
    struct rusage usage = {};
    const pid_t pid = wait4(-1, &status, listed > 0 ? 0 : WNOHANG, &usage);
    if (pid > 0) {
      ++killed;
      Account(usage, totals);
      continue;
    }
    if (pid < 0 && errno == EINTR) continue;
    if (pid == 0 && listed == 0) continue;  // a child /proc did not list yet: look again
    break;
  }
  return killed;
}

// Waits for the evaluator while forwarding kevolve's requests (SIGTERM: terminate the tree,
// SIGUSR1: kill it), then kills what is left and reports.
[[noreturn]] void Supervise(bool pid_namespace, pid_t evaluator) {
  sigset_t wanted;
  sigemptyset(&wanted);
  sigaddset(&wanted, SIGCHLD);
  sigaddset(&wanted, SIGTERM);
  sigaddset(&wanted, SIGUSR1);
  Totals totals;
  int status = 0;
  while (!ReapExited(evaluator, pid_namespace, &totals, &status)) {
    const int sig = sigwaitinfo(&wanted, nullptr);
    if (sig == SIGTERM || sig == SIGUSR1) {
      const int forward = sig == SIGTERM ? SIGTERM : SIGKILL;
      if (pid_namespace) {
        kill(-1, forward);
      } else {
        kill(-evaluator, forward);
        kill(evaluator, forward);  // in case it has not made its own group yet
      }
    }
  }
  ChildReport report;
  report.kind = ChildReport::kFinished;
  report.wait_status = status;
  report.leftovers = pid_namespace ? KillNamespace(&totals) : KillDescendants(&totals);
  report.cpu_us = totals.cpu_us;
  report.max_rss_kb = totals.max_rss_kb;
  WriteReport(kReportFd, report);
  _exit(0);
}

// Whether kevolve died before PDEATHSIG was armed (then nobody would enforce the deadline).
bool ParentGone(const ChildPlan& plan) {
  // Outside a PID namespace the parent changes; inside one getppid() is always 0, but the
  // report pipe has no reader left once kevolve is gone.
  if (!plan.pid_namespace) return getppid() != plan.parent_pid;
  struct pollfd report = {kReportFd, 0, 0};
  return poll(&report, 1, 0) == 1 && (report.revents & POLLERR) != 0;
}

// A new network namespace starts with its loopback device down; evaluators that talk to
// themselves over 127.0.0.1 need it up. Best effort: without it they only lose localhost.
void BringLoopbackUp() {
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  struct ifreq request = {};
  const char name[] = "lo";
  for (size_t i = 0; i < sizeof name; ++i) request.ifr_name[i] = name[i];
  if (ioctl(fd, SIOCGIFFLAGS, &request) == 0) {
    request.ifr_flags = static_cast<short>(request.ifr_flags | IFF_UP);
    ioctl(fd, SIOCSIFFLAGS, &request);
  }
  close(fd);
}

[[noreturn]] void SupervisorMain(const ChildPlan& plan) {
  // Every signal stays blocked (the parent blocked them before the clone): the supervisor
  // takes the few it cares about with sigwaitinfo, which also works for a namespace's PID 1.
  ResetSignalDispositions();
  if (!ArrangeFds(plan)) FailSetup(plan.report_fd, ChildStep::kFds, errno);
  setsid();
  // If kevolve dies: in a PID namespace, dying takes the whole tree along; outside one, the
  // supervisor must live long enough to kill the tree itself (SIGUSR1 = kill everything).
  prctl(PR_SET_PDEATHSIG, plan.pid_namespace ? SIGKILL : SIGUSR1, 0, 0, 0);
  if (ParentGone(plan)) _exit(127);
  if (!plan.pid_namespace) prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  if (plan.net_namespace) BringLoopbackUp();
  if (plan.own_proc) {
    if (!MountOwnProc()) FailSetup(kReportFd, ChildStep::kMountProc, errno);
    // The ruleset's /proc rule names the host's procfs, which the new one now covers.
    if (plan.landlock_fd >= 0 && plan.proc_access != 0) {
      const int error = AllowBeneath(kLandlockFd, "/proc", plan.proc_access);
      if (error != 0) FailSetup(kReportFd, ChildStep::kMountProc, error > 0 ? error : ENOENT);
    }
  }
  const pid_t self = static_cast<pid_t>(syscall(SYS_getpid));
  const pid_t evaluator = RawClone(0);
  if (evaluator < 0) FailSetup(kReportFd, ChildStep::kFork, errno);
  if (evaluator == 0) EvaluatorMain(plan, self);
  Supervise(plan.pid_namespace, evaluator);
}

[[noreturn]] void SlotAgentMain(const SlotAgentPlan& plan) {
  ResetSignalDispositions();
  // 0: /dev/null, 1 and 2: the start-up error pipe, 3: the control socket (kept over exec).
  const int sources[4] = {plan.stdin_fd, plan.stderr_fd, plan.stderr_fd, plan.control_fd};
  int high[4];
  for (int i = 0; i < 4; ++i) {
    high[i] = fcntl(sources[i], F_DUPFD_CLOEXEC, 4);
    if (high[i] < 0) _exit(127);
  }
  for (int i = 0; i < 4; ++i) {
    if (dup2(high[i], i) < 0) _exit(127);
  }
  CloseFrom(4);
  setsid();
  prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  if (getppid() != 0 && getppid() != plan.parent_pid) _exit(127);
  if (plan.net_namespace) BringLoopbackUp();
  if (plan.own_proc && !MountOwnProc()) _exit(126);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  execve(plan.agent_path, plan.argv, plan.envp);
  _exit(127);
}

}  // namespace

pid_t StartSlotAgent(const SlotAgentPlan& plan, unsigned long clone_flags) {
  const pid_t pid = RawClone(clone_flags);
  if (pid != 0) return pid;
  SlotAgentMain(plan);
}

const char* ChildStepName(ChildStep step) {
  switch (step) {
    case ChildStep::kNone: return "none";
    case ChildStep::kFds: return "arranging descriptors";
    case ChildStep::kFork: return "fork";
    case ChildStep::kRlimit: return "setrlimit";
    case ChildStep::kGroups: return "setgroups";
    case ChildStep::kSetGid: return "setresgid";
    case ChildStep::kSetUid: return "setresuid";
    case ChildStep::kNoNewPrivs: return "prctl(PR_SET_NO_NEW_PRIVS)";
    case ChildStep::kSeccomp: return "prctl(PR_SET_SECCOMP)";
    case ChildStep::kLandlock: return "landlock_restrict_self";
    case ChildStep::kChdir: return "chdir";
    case ChildStep::kExec: return "execve";
    case ChildStep::kMountProc: return "mounting the namespace's /proc";
  }
  return "unknown step";
}

pid_t RawClone(unsigned long flags) {
  // No new stack: like fork, the child continues on a copy of this one.
  return static_cast<pid_t>(syscall(SYS_clone, flags | static_cast<unsigned long>(SIGCHLD),
                                    nullptr, nullptr, nullptr, nullptr));
}

bool MountOwnProc() {
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return false;
  return mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) == 0;
}

pid_t StartSupervisor(const ChildPlan& plan, unsigned long clone_flags) {
  const pid_t pid = RawClone(clone_flags);
  if (pid != 0) return pid;
  SupervisorMain(plan);
}

}  // namespace kevolve::eval::internal
