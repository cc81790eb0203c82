// Internal to the sandbox. Most of it is the code that runs in the processes kevolve creates,
// between clone and execve (sandbox_child.cc). kevolve is multi-threaded, so in those processes only async-signal-safe calls are
// allowed: no allocation, no locks, no stdio, no glibc wrappers that talk to other threads
// (setuid and friends are issued as raw system calls). Everything they need is prepared by the
// parent in a ChildPlan of plain pointers before the clone.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "eval/sandbox.h"

struct sock_fprog;  // <linux/filter.h>

namespace kevolve::eval::internal {

// Which step of the child's setup failed (reported with errno).
enum class ChildStep : int32_t {
  kNone = 0,
  kFds,
  kFork,
  kRlimit,
  kGroups,
  kSetGid,
  kSetUid,
  kNoNewPrivs,
  kSeccomp,
  kLandlock,
  kChdir,
  kExec,
  kMountProc,
};
const char* ChildStepName(ChildStep step);

// Messages written by the supervisor or the evaluator (before exec) on the report pipe. Fixed
// size, below PIPE_BUF, so each write is atomic.
struct ChildReport {
  static constexpr int32_t kSetupError = 1;
  static constexpr int32_t kFinished = 2;
  int32_t kind = 0;
  int32_t step = 0;         // ChildStep, for kSetupError
  int32_t error = 0;        // errno, for kSetupError
  int32_t wait_status = 0;  // the evaluator's wait status, for kFinished
  int32_t leftovers = 0;    // processes killed after the evaluator exited
  int32_t unused = 0;
  int64_t cpu_us = 0;       // user + system CPU of every reaped process
  int64_t max_rss_kb = 0;   // largest ru_maxrss among them
};

struct ChildRlimit {
  int resource = 0;
  rlim_t soft = 0;
  rlim_t hard = 0;
};

// Everything the child processes need, as plain memory (the child sees the parent's copy).
struct ChildPlan {
  const char* exec_path = nullptr;  // absolute or relative to workdir
  char* const* argv = nullptr;      // null-terminated
  char* const* envp = nullptr;      // null-terminated
  const char* workdir = nullptr;    // null: stay where we are
  const ChildRlimit* rlimits = nullptr;
  int rlimit_count = 0;
  bool switch_user = false;
  uid_t uid = 0;
  gid_t gid = 0;
  bool pid_namespace = false;  // the supervisor is PID 1 of a new PID namespace
  bool net_namespace = false;  // ... and of new network namespace: bring its loopback up
  // ... and of a new mount namespace: mount the PID namespace's own /proc (MountOwnProc).
  bool own_proc = false;
  pid_t parent_pid = 0;        // getpid() of kevolve, to notice that it died before PDEATHSIG
  // The parent's descriptors; the supervisor moves them to 0 (stdin), 1, 2 and 3 (report).
  int stdin_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
  int report_fd = -1;
  // Process-mode confinement, applied by the evaluator to itself just before exec (after the
  // uid switch and no_new_privs): a seccomp filter to install (null: none), and a Landlock
  // ruleset to enforce (-1: none; the supervisor keeps it as descriptor 4 until then).
  const struct sock_fprog* seccomp = nullptr;
  int landlock_fd = -1;
  uint64_t proc_access = 0;  // with own_proc: LandlockPlan::proc_access, for the new /proc
};

// clone(2) without glibc's fork bookkeeping: the child is a copy that must stay
// async-signal-safe. `flags` are CLONE_NEW* flags; SIGCHLD is added. Returns 0 in the child,
// the child's pid in the parent, -1 with errno on failure.
pid_t RawClone(unsigned long flags);

// Clones the supervisor with `clone_flags`. In the parent, returns its pid (or -1 with errno);
// the child never returns. REQUIRES: every signal is blocked in the calling thread (the child
// must not run a handler of this process before it has reset them).
pid_t StartSupervisor(const ChildPlan& plan, unsigned long clone_flags);

// How a worker slot's agent (kevolve-slot, slot_agent.c) is started: plain memory, as for
// ChildPlan.
struct SlotAgentPlan {
  const char* agent_path = nullptr;
  char* const* argv = nullptr;
  char* const* envp = nullptr;
  int stdin_fd = -1;     // /dev/null
  int stderr_fd = -1;    // where the agent says why it could not start
  int control_fd = -1;   // the agent's end of the control socket pair; descriptor 3 there
  pid_t parent_pid = 0;
  bool net_namespace = false;  // bring the new network namespace's loopback up
  bool own_proc = false;       // mount the PID namespace's own /proc (MountOwnProc)
};

// Clones the agent as PID 1 of new namespaces (`clone_flags`, SIGCHLD added) and execs it. In
// the parent, returns its pid (or -1 with errno). REQUIRES: every signal blocked in the calling
// thread, as for StartSupervisor.
pid_t StartSlotAgent(const SlotAgentPlan& plan, unsigned long clone_flags);

// In PID 1 of a new PID namespace that has a new mount namespace: makes the mounts private
// (nothing propagates back) and mounts a procfs of this PID namespace over /proc, so that /proc
// numbers processes and threads as they number themselves (getpid, gettid). Without it
// /proc/self/task/<gettid()> names a thread of the host or none, and the CUDA driver, which
// names its threads there as it starts, fails with error 304. Async-signal-safe; false with
// errno on failure.
bool MountOwnProc();

// What this machine lets the sandbox do, probed once with short-lived children
// (sandbox_detect.cc). Thread-safe.
struct NamespaceSupport {
  bool root = false;
  bool can_switch_uid = false;
  Containment containment = Containment::kProcessGroup;
  // New network and IPC namespaces can be added to the containment's PID namespace.
  bool network_namespace = false;
  // Landlock's ABI version where a child could enforce a ruleset, else 0.
  int landlock_abi = 0;
  // UnixSocketFilter() installs in a child and refuses socket(AF_UNIX) there.
  bool unix_socket_filter = false;
  // The containment's PID namespace can have a /proc of its own (a new mount namespace and
  // MountOwnProc worked in a probe child).
  bool own_proc = false;
};
const NamespaceSupport& ProbeNamespaces();

// What an evaluation may see of the file system, in either mode (sandbox_view.cc).
// The system folders it may read (programs, libraries, configuration): bwrap binds them
// read-only, Landlock allows reading and executing beneath them. Top-level links among them
// (merged /usr: /bin -> usr/bin) lead into the others.
const std::vector<std::string>& SystemFolders();
// Whether `path` is `folder` or below it (both absolute, normalized).
bool IsUnder(const std::string& path, const std::string& folder);
// The folder of an absolute `command` outside every folder the sandbox shows anyway (system
// folders, spec.ro_binds, the workdir), which is shown read-only too; "" when there is none.
std::string CommandFolder(const SandboxSpec& spec, const std::string& command);

// Landlock in process mode (sandbox_landlock.cc; docs/protocol.md, "Modes").
// The kernel's Landlock ABI version, 0 where Landlock is unavailable or disabled. Asked once.
int LandlockAbi();

// Landlock's file-system rights (LANDLOCK_ACCESS_FS_*, include/uapi/linux/landlock.h), spelled
// out: the installed header may be older than the kernel, which is what decides.
constexpr uint64_t kFsExecute = 1ULL << 0;
constexpr uint64_t kFsWriteFile = 1ULL << 1;
constexpr uint64_t kFsReadFile = 1ULL << 2;
constexpr uint64_t kFsReadDir = 1ULL << 3;
constexpr uint64_t kFsMakeChar = 1ULL << 6;
constexpr uint64_t kFsMakeReg = 1ULL << 8;
constexpr uint64_t kFsMakeBlock = 1ULL << 11;
constexpr uint64_t kFsAbi1 = (1ULL << 13) - 1;   // execute .. make_sym
constexpr uint64_t kFsRefer = 1ULL << 13;        // ABI 2
constexpr uint64_t kFsTruncate = 1ULL << 14;     // ABI 3
constexpr uint64_t kFsIoctlDev = 1ULL << 15;     // ABI 5
constexpr uint64_t kFsResolveUnix = 1ULL << 16;  // ABI 9 (kLandlockUnixSocketAbi)

struct LandlockRule {
  std::string path;     // a folder (rights beneath it) or a file
  uint64_t access = 0;  // LANDLOCK_ACCESS_FS_* rights; those not for files are dropped for a file
};

// The Landlock ruleset of one process-mode run: what bwrap would show, readable; the workdir
// writable. Rights the ABI does not know are left out (an older kernel enforces what it can).
struct LandlockPlan {
  uint64_t handled_fs = 0;   // every file-system right of the ABI: denied unless a rule allows
  uint64_t handled_net = 0;  // TCP bind and connect, denied, where there is no network namespace
  uint64_t scoped = 0;       // abstract Unix sockets and signals: only within the evaluation
  std::vector<LandlockRule> rules;
  // What the rules allow below /proc; granted again on a PID namespace's own /proc, which is
  // mounted after the rules were made (ChildPlan::own_proc).
  uint64_t proc_access = 0;
};

// Pure. `command` is the resolved argv[0]; `abi` >= 1.
LandlockPlan PlanLandlock(const SandboxSpec& spec, const std::string& command, int abi,
                          bool net_namespace);

// Adds a rule to `ruleset` allowing `access` beneath `path` (file rights only when it is not a
// folder). Returns 0, -1 when `path` does not exist, or the errno of the refusal.
// Async-signal-safe.
int AllowBeneath(int ruleset, const char* path, uint64_t access);

// Creates the ruleset of `plan` (close-on-exec descriptor, owned by the caller). Rule paths that
// do not exist are skipped. Errors: Unavailable (the kernel refused the ruleset or a rule).
Result<int> CreateLandlockRuleset(const LandlockPlan& plan);

// Where Landlock cannot restrict connecting to a Unix socket by its path (ABI < 9), process mode
// installs this seccomp filter instead, except for GPU evaluations (CUDA needs Unix sockets):
// creating a Unix socket (socket(AF_UNIX), and datagram socketpairs, which can send to any
// path) and io_uring (which would bypass the filter) fail with EACCES. Stream socketpairs,
// already connected to each other, still work. Null where no filter is written for this
// architecture. Built on the first call, which must not be in a cloned child.
const struct sock_fprog* UnixSocketFilter();

// Absolute path of bwrap found on this process's PATH (or the usual folders), "" if none.
const std::string& BwrapPath();

// The argv that runs `command` (resolved argv[0] of spec) under `bwrap` for `spec`: system
// folders read-only, spec.ro_binds read-only, the workdir writable, private /tmp and /dev/shm
// (capped by limits.disk_mb), own PID, network, IPC, UTS and user namespaces, read-only root.
std::vector<std::string> BwrapArgv(const SandboxSpec& spec, const std::string& bwrap,
                                   const std::string& command);

// Whether that bwrap knows `option` (e.g. "--size", bubblewrap 0.7 and later), from its
// `bwrap --help`, asked once.
bool BwrapHasOption(const std::string& option);

// The first executable regular file `name` in the ':'-separated folders of `path_value`.
std::string FindOnPath(const std::string& name, const std::string& path_value);

}  // namespace kevolve::eval::internal
