/* kevolve-slot: the agent of one worker slot's persistent sandbox (docs/protocol.md, "Sandbox";
 * slot_sandbox.h). kevolve starts it once per slot as PID 1 of the slot's own PID, mount,
 * network and IPC namespaces (the mounts and namespaces are paid for once), and then, for each
 * candidate, sends it one request over descriptor 3 (slot_wire.h). Per candidate it forks a
 * fresh process that takes a new session, an IPC namespace, the rlimits, the slot's uid, no_new_privs, the
 * seccomp filter and the Landlock ruleset of the request, enters the candidate's scratch folder
 * and execs the evaluator. When that process exits, everything else in the namespace is killed
 * (kill(-1) from PID 1 reaches all of it and nothing outside) and the System V IPC objects are
 * removed; kevolve removes the scratch folder and what the slot's uid left in /dev/shm, so
 * nothing of one candidate reaches the next.
 * Deadlines are kevolve's: it asks for SIGTERM, then SIGKILL, of the whole slot.
 *
 * It is kevolve's code, never the candidate's: it runs as root in its namespaces and the
 * candidates as the slot's unprivileged uid. Usage (by kevolve only): kevolve-slot
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "eval/slot_agent.h"

#ifndef SHM_STAT_ANY
#define SHM_STAT_ANY 15
#endif
#ifndef MSG_STAT_ANY
#define MSG_STAT_ANY 13
#endif
#ifndef SEM_STAT_ANY
#define SEM_STAT_ANY 20
#endif

struct LandlockPathBeneath {
  uint64_t allowed_access;
  int32_t parent_fd;
} __attribute__((packed));

void Send(const struct SlotReport* report) {
  while (send(kControlFd, report, sizeof *report, MSG_NOSIGNAL) < 0 && errno == EINTR) {
  }
}

void SendSetupError(int step, int error) {
  struct SlotReport report;
  memset(&report, 0, sizeof report);
  report.kind = kSlotReportSetupError;
  report.step = step;
  report.error = error;
  Send(&report);
}

/* Every System V object of the slot's IPC namespace. */
void RemoveIpcObjects(void) {
  struct shm_info shm_info;
  const int shm_max = shmctl(0, SHM_INFO, (struct shmid_ds*)(void*)&shm_info);
  for (int i = 0; i <= shm_max; ++i) {
    struct shmid_ds ds;
    const int id = shmctl(i, SHM_STAT_ANY, &ds);
    if (id >= 0) shmctl(id, IPC_RMID, NULL);
  }
  struct msginfo msg_info;
  const int msg_max = msgctl(0, MSG_INFO, (struct msqid_ds*)(void*)&msg_info);
  for (int i = 0; i <= msg_max; ++i) {
    struct msqid_ds ds;
    const int id = msgctl(i, MSG_STAT_ANY, &ds);
    if (id >= 0) msgctl(id, IPC_RMID, NULL);
  }
  struct seminfo sem_info;
  const int sem_max = semctl(0, 0, SEM_INFO, &sem_info);
  for (int i = 0; i <= sem_max; ++i) {
    struct semid_ds ds;
    const int id = semctl(i, 0, SEM_STAT_ANY, &ds);
    if (id >= 0) semctl(id, 0, IPC_RMID);
  }
}

int AllowBeneath(int ruleset, const char* path, uint64_t access) {
  if (access == 0) return 0;
  const int fd = open(path, O_PATH | O_CLOEXEC);
  if (fd < 0) return errno;
  struct LandlockPathBeneath rule = {access, fd};
  const long done = syscall(SYS_landlock_add_rule, ruleset, 1 /* PATH_BENEATH */, &rule, 0);
  const int error = done == 0 ? 0 : errno;
  close(fd);
  return error;
}


/* Splits the message; false when it is malformed. */
static int ParseRun(char* message, size_t size, struct Request* request) {
  if (size < sizeof request->header) return 0;
  memcpy(&request->header, message, sizeof request->header);
  const struct SlotRunHeader* h = &request->header;
  if (h->rlimit_count < 0 || h->rlimit_count > KEVOLVE_SLOT_MAX_RLIMITS || h->filter_count < 0 ||
      h->filter_count > KEVOLVE_SLOT_MAX_FILTER || h->argc < 1 || h->argc > 4000 || h->envc < 0 ||
      h->envc > 4000) {
    return 0;
  }
  size_t at = sizeof *h;
  const size_t rlimit_bytes = (size_t)h->rlimit_count * sizeof(struct SlotRlimit);
  const size_t filter_bytes = (size_t)h->filter_count * sizeof(struct SlotFilterOp);
  if (at + rlimit_bytes + filter_bytes + h->strings_bytes != size) return 0;
  request->rlimits = (const struct SlotRlimit*)(void*)(message + at);
  at += rlimit_bytes;
  request->filter.len = (unsigned short)h->filter_count;
  request->filter.filter = (struct sock_filter*)(void*)(message + at);
  at += filter_bytes;
  char* strings = message + at;
  char* end = strings + h->strings_bytes;
  if (h->strings_bytes == 0 || end[-1] != '\0') return 0;
  char* words[2 + 4000 + 4000];
  const int wanted = 2 + h->argc + h->envc;
  int count = 0;
  for (char* s = strings; s < end && count < wanted; s += strlen(s) + 1) words[count++] = s;
  if (count != wanted) return 0;
  request->exec_path = words[0];
  request->workdir = words[1];
  for (int i = 0; i < h->argc; ++i) request->argv[i] = words[2 + i];
  request->argv[h->argc] = NULL;
  for (int i = 0; i < h->envc; ++i) request->envp[i] = words[2 + h->argc + i];
  request->envp[h->envc] = NULL;
  return 1;
}

void ClosePassed(struct Request* request) {
  for (int i = 0; i < request->fd_count; ++i) close(request->fds[i]);
  request->fd_count = 0;
}

int g_error_fd = kErrorFd; /* where Fail reports, in a child before exec */

__attribute__((noreturn)) void Fail(int step) {
  const int pair[2] = {step, errno};
  while (write(g_error_fd, pair, sizeof pair) < 0 && errno == EINTR) {
  }
  _exit(127);
}

/* Rlimits, the slot's uid, PDEATHSIG, no_new_privs and the seccomp filter of `r`, on this
 * process (between fork and exec). */
void DropPrivileges(const struct Request* r) {
  for (int i = 0; i < r->header.rlimit_count; ++i) {
    const struct rlimit value = {r->rlimits[i].soft, r->rlimits[i].hard};
    if (setrlimit(r->rlimits[i].resource, &value) != 0) Fail(kStepRlimit);
  }
  if (r->header.switch_user) {
    if (syscall(SYS_setgroups, 0, NULL) != 0) Fail(kStepGroups);
    if (syscall(SYS_setresgid, r->header.gid, r->header.gid, r->header.gid) != 0) Fail(kStepSetGid);
    if (syscall(SYS_setresuid, r->header.uid, r->header.uid, r->header.uid) != 0) Fail(kStepSetUid);
  }
  prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) Fail(kStepNoNewPrivs);
  if (r->header.filter_count > 0 &&
      prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &r->filter, 0, 0) != 0) {
    Fail(kStepSeccomp);
  }
}

/* Moves `sources` to descriptors 0, 1, ... (each close-on-exec from `first_cloexec` on) and
 * closes everything else. */
void ArrangeFds(const int* sources, int count, int first_cloexec) {
  int high[6];
  for (int i = 0; i < count; ++i) {
    high[i] = fcntl(sources[i], F_DUPFD_CLOEXEC, 16);
    if (high[i] < 0) _exit(127);
  }
  for (int i = 0; i < count; ++i) {
    if (dup2(high[i], i) < 0) _exit(127);
  }
  for (int i = first_cloexec; i < count; ++i) fcntl(i, F_SETFD, FD_CLOEXEC);
  syscall(SYS_close_range, (unsigned)count, ~0U, 0U);
}

void ResetSignals(void) {
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  signal(SIGPIPE, SIG_DFL);
}

/* The candidate's process, from fork to exec. */
__attribute__((noreturn)) static void CandidateMain(const struct Request* r, int error_pipe) {
  ResetSignals();
  setsid();
  const int count = r->header.has_landlock ? 5 : 4;
  const int sources[5] = {r->fds[0], r->fds[1], r->fds[2], error_pipe,
                          r->header.has_landlock ? r->fds[3] : -1};
  ArrangeFds(sources, count, kErrorFd);
  /* An IPC namespace of its own (while still root): its System V objects and POSIX message
   * queues go when its last process does, instead of waiting in the slot's for the next. */
  if (unshare(CLONE_NEWIPC) != 0) Fail(kStepFork);
  DropPrivileges(r);
  if (chdir(r->workdir) != 0) Fail(kStepChdir);
  if (count == 5) {
    if (syscall(SYS_landlock_restrict_self, kRulesetFd, 0U) != 0) Fail(kStepLandlock);
    close(kRulesetFd);
  }
  execve(r->exec_path, r->argv, r->envp);
  Fail(kStepExec);
}


void Account(const struct rusage* usage, struct Totals* totals) {
  totals->cpu_us += (long long)(usage->ru_utime.tv_sec + usage->ru_stime.tv_sec) * 1000000LL +
                    usage->ru_utime.tv_usec + usage->ru_stime.tv_usec;
  if (usage->ru_maxrss > totals->max_rss_kb) totals->max_rss_kb = usage->ru_maxrss;
}

/* PID 1: kill(-1) reaches every other process of the namespace, and only those. */
static int KillAll(struct Totals* totals) {
  int killed = 0;
  for (;;) {
    kill(-1, SIGKILL);
    int status = 0;
    struct rusage usage;
    const pid_t pid = wait4(-1, &status, 0, &usage);
    if (pid > 0) {
      ++killed;
      Account(&usage, totals);
      continue;
    }
    if (errno == EINTR) continue;
    return killed;
  }
}

/* Handles one control message while a candidate runs; false when kevolve is gone. */
static int HandleControl(void) {
  char buffer[sizeof(struct SlotSignal)];
  const ssize_t n = recv(kControlFd, buffer, sizeof buffer, MSG_DONTWAIT);
  if (n == 0) return 0;
  if (n < 0) return errno == EAGAIN || errno == EINTR;
  struct SlotSignal message;
  if ((size_t)n == sizeof message) {
    memcpy(&message, buffer, sizeof message);
    if (message.magic == KEVOLVE_SLOT_MAGIC && message.kind == kSlotSignal &&
        (message.signal == SIGTERM || message.signal == SIGKILL)) {
      kill(-1, message.signal);
    }
  }
  return 1;
}

/* Runs one candidate to its end and reports. */
static void Run(struct Request* r, int signal_fd) {
  if (r->header.has_landlock) {
    /* The ruleset names the host's /proc; the slot mounted its own over it. */
    const int error = AllowBeneath(r->fds[3], "/proc", r->header.proc_access);
    if (error != 0) {
      ClosePassed(r);
      SendSetupError(kStepMountProc, error);
      return;
    }
  }
  int error_pipe[2];
  if (pipe2(error_pipe, O_CLOEXEC) != 0) {
    ClosePassed(r);
    SendSetupError(kStepFds, errno);
    return;
  }
  /* vfork, as posix_spawn does: the child shares the agent's memory until it execs, so nothing
   * is copied (a fork here cost more than the rest of kevolve's part of an evaluation:
   * docs/benchmarks.md). Safe because the agent is single-threaded and waits for the exec
   * anyway; the child writes only its own frames, and its descriptors, signal dispositions,
   * credentials and working folder are its own copies (no CLONE_FILES, CLONE_SIGHAND, CLONE_FS). */
  const pid_t child = vfork();
  if (child == 0) {
    close(error_pipe[0]);
    CandidateMain(r, error_pipe[1]);
  }
  const int fork_error = errno;
  close(error_pipe[1]);
  ClosePassed(r);
  struct Totals totals = {0, 0};
  if (child < 0) {
    close(error_pipe[0]);
    SendSetupError(kStepFork, fork_error);
    return;
  }
  int failure[2] = {0, 0};
  ssize_t got;
  while ((got = read(error_pipe[0], failure, sizeof failure)) < 0 && errno == EINTR) {
  }
  close(error_pipe[0]);
  if (got == (ssize_t)sizeof failure) {
    KillAll(&totals);
    SendSetupError(failure[0], failure[1]);
    return;
  }
  int status = 0;
  int done = 0;
  int alive = 1;
  while (!done) {
    for (;;) {
      int child_status = 0;
      struct rusage usage;
      const pid_t pid = wait4(-1, &child_status, WNOHANG, &usage);
      if (pid <= 0) break;
      Account(&usage, &totals);
      if (pid == child) {
        status = child_status;
        done = 1;
      }
    }
    if (done) break;
    struct pollfd fds[2] = {{kControlFd, POLLIN, 0}, {signal_fd, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0 && errno != EINTR) break;
    if (fds[0].revents != 0 && !HandleControl()) {
      alive = 0;
      break;
    }
    if (fds[1].revents != 0) {
      struct signalfd_siginfo info;
      while (read(signal_fd, &info, sizeof info) > 0) {
      }
    }
  }
  struct SlotReport report;
  memset(&report, 0, sizeof report);
  report.kind = kSlotReportFinished;
  report.wait_status = status;
  report.leftovers = KillAll(&totals);
  ForgetServer();  /* kill(-1) reached the fork server too, if one ran */
  if (!alive) _exit(0);
  RemoveIpcObjects();
  report.cpu_us = totals.cpu_us;
  report.max_rss_kb = totals.max_rss_kb;
  Send(&report);
}

int main(int argc, char** argv) {
  (void)argv;
  if (argc != 1 || getpid() != 1) {
    fprintf(stderr, "kevolve-slot is started by kevolve only, as PID 1 of a slot's namespaces\n");
    return 2;
  }
  /* Never dumpable: nothing of the slot's uid may ptrace or read the agent. */
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  signal(SIGPIPE, SIG_IGN);
  sigset_t child_signal;
  sigemptyset(&child_signal);
  sigaddset(&child_signal, SIGCHLD);
  sigprocmask(SIG_BLOCK, &child_signal, NULL);
  const int signal_fd = signalfd(-1, &child_signal, SFD_NONBLOCK | SFD_CLOEXEC);
  if (signal_fd < 0) {
    perror("kevolve-slot: signalfd");
    return 1;
  }
  struct SlotReport ready;
  memset(&ready, 0, sizeof ready);
  ready.kind = kSlotReportReady;
  Send(&ready);
  static char message[KEVOLVE_SLOT_MAX_MESSAGE];
  static struct Request request;
  for (;;) {
    union {
      char buffer[CMSG_SPACE(5 * sizeof(int))];
      struct cmsghdr align;
    } control;
    struct iovec io = {message, sizeof message};
    struct msghdr header;
    memset(&header, 0, sizeof header);
    header.msg_iov = &io;
    header.msg_iovlen = 1;
    header.msg_control = control.buffer;
    header.msg_controllen = sizeof control.buffer;
    const ssize_t n = recvmsg(kControlFd, &header, MSG_CMSG_CLOEXEC);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return 0; /* kevolve is gone: PID 1 exits and the namespace with it */
    request.fd_count = 0;
    for (struct cmsghdr* c = CMSG_FIRSTHDR(&header); c != NULL; c = CMSG_NXTHDR(&header, c)) {
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
      const int fd_count = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
      for (int i = 0; i < fd_count && request.fd_count < 5; ++i) {
        memcpy(&request.fds[request.fd_count++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
      }
    }
    if ((size_t)n == sizeof(struct SlotSignal)) {
      ClosePassed(&request);
      continue; /* a signal for a candidate that has already ended */
    }
    if ((header.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0 || !ParseRun(message, (size_t)n, &request) ||
        request.header.magic != KEVOLVE_SLOT_MAGIC || request.header.kind != kSlotRun ||
        request.fd_count != 3 + (request.header.has_landlock ? 1 : 0) +
                                (request.header.has_server_landlock ? 1 : 0)) {
      ClosePassed(&request);
      SendSetupError(kStepFds, EINVAL);
      continue;
    }
    if (request.header.fork_server) {
      RunInServer(&request, signal_fd);
    } else {
      Run(&request, signal_fd);
    }
  }
}
