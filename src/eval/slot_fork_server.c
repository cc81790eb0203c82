/* kevolve-slot's fork server (slot_agent.h): a Python evaluator imported once per slot by
 * kevolve's host (`kevolve_pyeval.py --serve`), and each candidate a process forked from it
 * (docs/openevolve.md). The agent starts the server as the slot's uid, with the rlimits,
 * no_new_privs and seccomp filter of an evaluation, sends it each candidate's folder, rlimits,
 * arguments, environment, descriptors and Landlock ruleset, and ends the run when the server
 * reports the forked process reaped; everything else is then killed as after any run. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "eval/slot_agent.h"

/* The slot's fork server (docs/openevolve.md): "interpreter host --serve evaluator", started
 * by the first request that asks for it and kept while requests name the same command. */
static pid_t g_server = -1;
static int g_server_fd = -1;
static char g_server_key[16384];

/* The fork server's process, from fork to exec: no Landlock of its own (each process it forks
 * enforces its candidate's ruleset), in "/". */
__attribute__((noreturn)) static void ServerMain(const struct Request* r, int socket_end,
                                                 int error_pipe, int ruleset) {
  g_error_fd = kServerErrorFd;  /* a fork, not a vfork: this is our own copy */
  ResetSignals();
  setsid();
  const int dev_null = open("/dev/null", O_RDWR | O_CLOEXEC);
  const int sources[6] = {dev_null, dev_null, dev_null, socket_end, error_pipe, ruleset};
  ArrangeFds(sources, ruleset >= 0 ? 6 : 5, kServerErrorFd);
  DropPrivileges(r);
  if (chdir("/") != 0) Fail(kStepChdir);
  /* What any evaluation may see, with every evaluation folder of the scratch root writable: each
   * forked process narrows it to its own folder with its own ruleset. */
  if (ruleset >= 0) {
    if (syscall(SYS_landlock_restrict_self, 5, 0U) != 0) Fail(kStepLandlock);
    close(5);
  }
  char serve[] = "--serve";
  char* const argv[] = {r->argv[0], r->argv[1], serve, r->argv[2], NULL};
  execve(r->exec_path, argv, r->envp);
  Fail(kStepExec);
}

/* Closes our end of the server's socket and forgets it (its process is gone or going). */
void ForgetServer(void) {
  if (g_server_fd >= 0) close(g_server_fd);
  g_server = -1;
  g_server_fd = -1;
  g_server_key[0] = '\0';
}

static void StopServer(void) {
  if (g_server > 0) {
    kill(g_server, SIGKILL);
    while (waitpid(g_server, NULL, 0) < 0 && errno == EINTR) {
    }
  }
  ForgetServer();
}

/* The server's command as one string; 0 when it does not fit. */
static int ServerKey(const struct Request* r, char* key, size_t size) {
  const int n = snprintf(key, size, "%s\n%s\n%s\n%s", r->exec_path, r->argv[0], r->argv[1],
                         r->argv[2]);
  return n > 0 && (size_t)n < size;
}

/* Starts the server for `r`; 0 and the step and errno in *failure when it could not be. */
static int StartServer(const struct Request* r, int* failure) {
  int pair[2], error_pipe[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) {
    failure[0] = kStepFds, failure[1] = errno;
    return 0;
  }
  if (pipe2(error_pipe, O_CLOEXEC) != 0) {
    failure[0] = kStepFds, failure[1] = errno;
    close(pair[0]), close(pair[1]);
    return 0;
  }
  const int ruleset = r->header.has_server_landlock ? r->fds[r->fd_count - 1] : -1;
  const pid_t pid = fork();
  if (pid == 0) {
    close(pair[0]);
    close(error_pipe[0]);
    ServerMain(r, pair[1], error_pipe[1], ruleset);
  }
  close(pair[1]);
  close(error_pipe[1]);
  if (pid < 0) {
    failure[0] = kStepFork, failure[1] = errno;
    close(pair[0]), close(error_pipe[0]);
    return 0;
  }
  ssize_t got;
  while ((got = read(error_pipe[0], failure, 2 * sizeof(int))) < 0 && errno == EINTR) {
  }
  close(error_pipe[0]);
  g_server = pid;
  g_server_fd = pair[0];
  if (got == (ssize_t)(2 * sizeof(int))) {
    StopServer();
    return 0;
  }
  ServerKey(r, g_server_key, sizeof g_server_key);
  return 1;
}

/* Signals every process of the namespace but PID 1 and `keep`; returns how many it found. */
static int SignalAllBut(pid_t keep, int sig) {
  int found = 0;
  DIR* proc = opendir("/proc");
  if (proc == NULL) return 0;
  for (struct dirent* e; (e = readdir(proc)) != NULL;) {
    const pid_t pid = (pid_t)atoi(e->d_name);
    if (pid <= 1 || pid == keep) continue;
    if (kill(pid, sig) == 0) ++found;
  }
  closedir(proc);
  return found;
}

/* Kills every process but PID 1 and `keep`, reaping the agent's own children, until none is
 * left; returns how many were reaped. Sets *keep_died when `keep` was among them. */
static int ClearAllBut(pid_t keep, struct Totals* totals, int* keep_died) {
  int reaped = 0;
  for (int round = 0; round < 10000; ++round) {
    const int found = SignalAllBut(keep, SIGKILL);
    int status = 0;
    struct rusage usage;
    pid_t pid;
    while ((pid = wait4(-1, &status, WNOHANG, &usage)) > 0) {
      if (pid == keep) {
        *keep_died = 1;
        continue;
      }
      Account(&usage, totals);
      ++reaped;
    }
    if (found == 0) break;
    usleep(200);
  }
  return reaped;
}

/* The candidate's part of `r` for the server: workdir, rlimits, arguments, environment, each
 * NUL-ended (slot_wire.h). Returns its size, 0 when it does not fit. */
static size_t EncodeCandidate(const struct Request* r, char* message, size_t size) {
  size_t at = 0;
  int fits = 1;
#define KEVOLVE_ADD(...)                                                     \
  do {                                                                       \
    const int n_ = snprintf(message + at, size - at, __VA_ARGS__);           \
    if (n_ < 0 || (size_t)n_ + 1 >= size - at) {                             \
      fits = 0;                                                              \
    } else {                                                                 \
      at += (size_t)n_ + 1;                                                  \
    }                                                                        \
  } while (0)
  KEVOLVE_ADD("%s", r->workdir);
  KEVOLVE_ADD("R");
  for (int i = 0; i < r->header.rlimit_count && fits; ++i) {
    KEVOLVE_ADD("%d %llu %llu", r->rlimits[i].resource, (unsigned long long)r->rlimits[i].soft,
                (unsigned long long)r->rlimits[i].hard);
  }
  KEVOLVE_ADD("A");
  for (int i = 3; i < r->header.argc && fits; ++i) KEVOLVE_ADD("%s", r->argv[i]);
  KEVOLVE_ADD("E");
  for (int i = 0; i < r->header.envc && fits; ++i) KEVOLVE_ADD("%s", r->envp[i]);
#undef KEVOLVE_ADD
  return fits ? at : 0;
}

/* Sends the message with the candidate's descriptors (not the server's ruleset); 0 with errno
 * on failure. */
static int SendCandidate(const struct Request* r, char* message, size_t size) {
  const size_t count = (size_t)(r->fd_count - (r->header.has_server_landlock ? 1 : 0));
  union {
    char buffer[CMSG_SPACE(4 * sizeof(int))];
    struct cmsghdr align;
  } control;
  memset(&control, 0, sizeof control);
  struct iovec io = {message, size};
  struct msghdr header;
  memset(&header, 0, sizeof header);
  header.msg_iov = &io;
  header.msg_iovlen = 1;
  header.msg_control = control.buffer;
  header.msg_controllen = CMSG_SPACE(count * sizeof(int));
  struct cmsghdr* c = CMSG_FIRSTHDR(&header);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(count * sizeof(int));
  memcpy(CMSG_DATA(c), r->fds, count * sizeof(int));
  return sendmsg(g_server_fd, &header, MSG_NOSIGNAL) >= 0;
}

/* One control message from kevolve during a run; 0 when kevolve is gone. */
static int ForwardControl(void) {
  char buffer[sizeof(struct SlotSignal)];
  const ssize_t n = recv(kControlFd, buffer, sizeof buffer, MSG_DONTWAIT);
  if (n == 0) return 0;
  struct SlotSignal message;
  if (n == (ssize_t)sizeof message) {
    memcpy(&message, buffer, sizeof message);
    if (message.magic == KEVOLVE_SLOT_MAGIC && message.kind == kSlotSignal &&
        (message.signal == SIGTERM || message.signal == SIGKILL)) {
      SignalAllBut(g_server, message.signal);
    }
  }
  return 1;
}

/* Waits until the server reports the forked process reaped (or dies), forwarding kevolve's
 * signals and reaping orphans. Returns 0 when kevolve is gone. */
static int AwaitServer(int signal_fd, struct Totals* totals, int* status, int* server_died) {
  for (;;) {
    struct pollfd fds[3] = {{kControlFd, POLLIN, 0}, {g_server_fd, POLLIN, 0},
                            {signal_fd, POLLIN, 0}};
    if (poll(fds, 3, -1) < 0 && errno != EINTR) return 1;
    if (fds[0].revents != 0 && !ForwardControl()) return 0;
    if (fds[1].revents != 0) {
      char reply[128];
      const ssize_t n = recv(g_server_fd, reply, sizeof reply - 1, MSG_DONTWAIT);
      long long cpu_us = 0, max_rss = 0;
      if (n > 0) {
        reply[n] = '\0';
        if (sscanf(reply, "done %d %lld %lld", status, &cpu_us, &max_rss) == 3) {
          totals->cpu_us += cpu_us;
          if (max_rss > totals->max_rss_kb) totals->max_rss_kb = max_rss;
          return 1;
        }
      } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        *server_died = 1;
        *status = SIGKILL; /* as a wait status: killed by SIGKILL */
        return 1;
      }
    }
    if (fds[2].revents != 0) {
      struct signalfd_siginfo info;
      while (read(signal_fd, &info, sizeof info) > 0) {
      }
      int child_status = 0;
      struct rusage usage;
      pid_t pid;
      int ended = 0;
      while ((pid = wait4(-1, &child_status, WNOHANG, &usage)) > 0) {
        if (pid == g_server) {
          g_server = -1; /* reaped */
          *server_died = 1;
          *status = SIGKILL;
          ended = 1;
        } else {
          Account(&usage, totals);
        }
      }
      if (ended) return 1;
    }
  }
}

void RunInServer(struct Request* r, int signal_fd) {
  char key[sizeof g_server_key];
  if (r->header.argc < 3 || !ServerKey(r, key, sizeof key)) {
    ClosePassed(r);
    SendSetupError(kStepExec, E2BIG);
    return;
  }
  if (g_server > 0 && strcmp(key, g_server_key) != 0) StopServer();
  if (g_server <= 0 && r->header.has_server_landlock) {
    /* The ruleset names the host's /proc; the slot mounted its own over it. */
    const int error = AllowBeneath(r->fds[r->fd_count - 1], "/proc", r->header.proc_access);
    if (error != 0) {
      ClosePassed(r);
      SendSetupError(kStepMountProc, error);
      return;
    }
  }
  int failure[2] = {0, 0};
  if (g_server <= 0 && !StartServer(r, failure)) {
    ClosePassed(r);
    SendSetupError(failure[0], failure[1]);
    return;
  }
  static char message[KEVOLVE_SLOT_MAX_MESSAGE];
  const size_t size = EncodeCandidate(r, message, sizeof message);
  int error = size == 0 ? E2BIG : 0;
  if (error == 0 && r->header.has_landlock) {
    error = AllowBeneath(r->fds[3], "/proc", r->header.proc_access);
  }
  if (error == 0 && !SendCandidate(r, message, size)) error = errno;
  ClosePassed(r);
  if (error != 0) {
    StopServer();
    SendSetupError(kStepFds, error);
    return;
  }
  struct Totals totals = {0, 0};
  int status = 0, server_died = 0;
  const int alive = AwaitServer(signal_fd, &totals, &status, &server_died);
  struct SlotReport report;
  memset(&report, 0, sizeof report);
  report.kind = kSlotReportFinished;
  report.wait_status = status;
  report.leftovers = ClearAllBut(g_server, &totals, &server_died);
  if (server_died) StopServer();
  if (!alive) _exit(0);
  RemoveIpcObjects();
  report.cpu_us = totals.cpu_us;
  report.max_rss_kb = totals.max_rss_kb;
  Send(&report);
}
