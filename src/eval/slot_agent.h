/* Internal to kevolve-slot (slot_agent.c, slot_fork_server.c): what the agent's two parts
 * share. Single-threaded C; see slot_agent.c for what the agent is. */
#ifndef KEVOLVE_EVAL_SLOT_AGENT_H_
#define KEVOLVE_EVAL_SLOT_AGENT_H_

#include <linux/filter.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "eval/slot_wire.h"

/* ChildStep of sandbox_internal.h: which setup step failed. */
enum {
  kStepFds = 1,
  kStepFork = 2,
  kStepRlimit = 3,
  kStepGroups = 4,
  kStepSetGid = 5,
  kStepSetUid = 6,
  kStepNoNewPrivs = 7,
  kStepSeccomp = 8,
  kStepLandlock = 9,
  kStepChdir = 10,
  kStepExec = 11,
  kStepMountProc = 12,
};

enum { kControlFd = 3 };
/* In the candidate's process before exec: the setup-error pipe and the ruleset. In the fork
 * server's: its socket, then the setup-error pipe. */
enum { kErrorFd = 3, kRulesetFd = 4, kServerSocketFd = 3, kServerErrorFd = 4 };


struct Request {
  struct SlotRunHeader header;
  const struct SlotRlimit* rlimits;
  struct sock_fprog filter;
  const char* exec_path;
  const char* workdir;
  char* argv[4096];
  char* envp[4096];
  int fds[5];  /* stdin, stdout, stderr, [candidate ruleset], [server ruleset] */
  int fd_count;
};

/* CPU and peak memory of the processes a run's reaping saw. */
struct Totals {
  long long cpu_us;
  long long max_rss_kb;
};

void Send(const struct SlotReport* report);
void SendSetupError(int step, int error);
/* Removes every System V IPC object of the slot's IPC namespace. */
void RemoveIpcObjects(void);
/* Adds a Landlock rule allowing `access` beneath `path` to `ruleset`: 0 or the errno. */
int AllowBeneath(int ruleset, const char* path, uint64_t access);
void ClosePassed(struct Request* request);
void Account(const struct rusage* usage, struct Totals* totals);

/* In a child between fork and exec. Fail writes the step and errno to g_error_fd and exits. */
extern int g_error_fd;
__attribute__((noreturn)) void Fail(int step);
/* Rlimits, the slot's uid, PDEATHSIG, no_new_privs and the seccomp filter of `r`. */
void DropPrivileges(const struct Request* r);
/* Moves `sources` to descriptors 0, 1, ... (close-on-exec from `first_cloexec` on) and closes
 * everything else. */
void ArrangeFds(const int* sources, int count, int first_cloexec);
void ResetSignals(void);

/* The fork server (slot_fork_server.c). Runs one candidate as a process forked by the server of
 * its request's command (started, or restarted, as needed), to its end, and reports. */
void RunInServer(struct Request* r, int signal_fd);
/* After every process of the slot was killed by other means: the server is gone. */
void ForgetServer(void);

#endif /* KEVOLVE_EVAL_SLOT_AGENT_H_ */
