// The process sandbox: runs one evaluator command as a contained tree of processes and reports
// how it ended. Everything an evaluation can do to the machine goes through RunSandboxed.
//
// Shape of one run (see docs/protocol.md, "Sandbox"):
//   kevolve thread --clone--> supervisor (our code, never execs)
//                                 --fork--> evaluator (rlimits, own session, maybe another uid,
//                                           in process mode Landlock where the kernel has it,
//                                           then execve of the command, or of bwrap + command)
// Where the machine allows it the supervisor is PID 1 of a new PID namespace, so when it exits
// the kernel kills every process the evaluator left behind, double-forked daemons included.
// The supervisor reaps the tree, kills what is left once the evaluator exits, and reports the
// exit status and CPU time over a pipe. Deadlines, output caps and cancellation are enforced by
// the calling thread, which polls the evaluator's stdout and stderr.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "core/clock.h"
#include "core/status.h"

namespace kevolve::eval {

// The mode in force (evaluator.sandbox's auto is resolved to one of these; evaluator.h).
enum class SandboxMode {
  kProcess,  // the command runs directly (with the containment below)
  kBwrap,    // the command runs under bubblewrap: read-only system, private /tmp, no network
};
// The evaluator.sandbox setting that asks for exactly `mode`.
constexpr SandboxSetting SettingFor(SandboxMode mode) {
  return mode == SandboxMode::kBwrap ? SandboxSetting::kBwrap : SandboxSetting::kProcess;
}
// "process" or "bwrap": the word of that setting.
constexpr std::string_view SandboxModeName(SandboxMode mode) { return WordOf(SettingFor(mode)); }

// How a fork bomb and leftover processes are contained; decided by what the machine allows.
enum class Containment {
  // Root: a new PID namespace, and the evaluator runs as an unprivileged uid (one per worker
  // slot) with RLIMIT_NPROC, which binds because the uid is not root.
  kPidNamespaceAndUid,
  // Not root, user namespaces allowed: new user + PID namespaces; RLIMIT_NPROC counts only the
  // processes inside the new user namespace.
  kUserAndPidNamespace,
  // Root where PID namespaces are refused (some containers): unprivileged uid per slot with
  // RLIMIT_NPROC; leftovers are found through the process tree (child subreaper).
  kProcessGroupAndUid,
  // Neither: process group + child subreaper; RLIMIT_NPROC is set above the processes the user
  // already has. Weak: a candidate runs as the same user as kevolve.
  kProcessGroup,
};

const char* ContainmentName(Containment c);

// From this Landlock ABI on, the ruleset itself restricts connecting to Unix sockets by path.
constexpr int kLandlockUnixSocketAbi = 9;

// What the sandbox can do on this machine. `kevolve doctor` prints Describe().
struct SandboxCapabilities {
  bool root = false;              // effective uid 0
  bool can_switch_uid = false;    // CAP_SETUID and CAP_SETGID: evaluators can run as another uid
  Containment containment = Containment::kProcessGroup;
  // Process mode too gets its own network and IPC namespaces (no network but a loopback device;
  // System V objects die with the evaluation). Needs a namespaced containment.
  bool network_namespace = false;
  // A namespaced process mode mounts the PID namespace's own /proc (in its own mount
  // namespace), so /proc numbers processes and threads as they number themselves; without it
  // the CUDA driver cannot start there (error 304).
  bool own_proc = false;
  // Process mode is confined by Landlock where the kernel has it (this is its ABI version; 0:
  // not available): the evaluation may read only what bwrap would show it and write only its
  // scratch folder and /dev/shm (docs/protocol.md, "Modes").
  int landlock_abi = 0;
  // Where Landlock cannot restrict Unix sockets by path (ABI below 9), process mode refuses to
  // create them with a seccomp filter (not for GPU evaluations: CUDA needs them); true where
  // that filter works here.
  bool unix_socket_filter = false;
  bool bwrap = false;             // bwrap was found and a probe run under it succeeded
  bool bwrap_tmpfs_size = false;  // bwrap knows --size: its /tmp and /dev/shm are capped
  std::string bwrap_path;         // where it was found ("" when not)
  std::string bwrap_problem;      // why bwrap is not usable, when it is not

  // A few lines for people: the containment in force and what it means.
  std::string Describe() const;
};

// Probes the machine once (namespaces, uid switching, a bwrap run) and caches the answer.
// Thread-safe. The first call takes a few milliseconds and starts short-lived processes.
const SandboxCapabilities& DetectSandbox();

struct SandboxSpec {
  // argv[0] is an absolute path, a path relative to `workdir`, or a bare name looked up in the
  // PATH of `env` (default /usr/local/bin:/usr/bin:/bin). REQUIRES: non-empty.
  std::vector<std::string> argv;
  // Absolute folder the command starts in; in bwrap mode the only writable folder besides a
  // private /tmp. Empty: "/" (used by probes). Must be searchable by `run_as_uid`.
  std::string workdir;
  // The complete environment, "NAME=value" each; nothing is inherited from this process.
  std::vector<std::string> env;
  int64_t timeout_ms = 60'000;  // wall-clock deadline, then SIGTERM to the whole tree
  int64_t grace_ms = 2'000;     // SIGTERM -> SIGKILL delay
  // cpu_seconds, memory_mb, open_files, file_size_mb, processes (0 = not limited);
  // output_bytes: the cap on captured stdout and on stderr, each (passing it kills the tree);
  // disk_mb: the cap on what the run writes below `workdir` (and 64 files per MiB) (and, running as another uid in
  // process mode, in the shared temporary folders; under bwrap the size of its private /tmp
  // and /dev/shm), polled every 100 ms; passing it kills the tree. 0 = not limited.
  LimitsConfig limits;
  // The memory cap uses RLIMIT_DATA instead of RLIMIT_AS, because CUDA reserves far more
  // virtual address space than it uses; in bwrap mode the GPU device nodes are bound in.
  bool gpu = false;
  // Run the evaluator as this uid/gid (supplementary groups dropped). Takes effect only when
  // DetectSandbox().can_switch_uid; ignored otherwise. Give each concurrent run its own uid:
  // RLIMIT_NPROC counts processes per uid.
  std::optional<uint32_t> run_as_uid;
  std::optional<uint32_t> run_as_gid;  // default: the same number as run_as_uid
  SandboxMode mode = SandboxMode::kProcess;
  // What the command may read besides the system folders (/usr, /etc, /opt, ...) and the
  // folder of an absolute command: the task folder and evaluator.read_paths. Under bwrap
  // nothing else of the file system is visible (no home folders, no /run, no /work, no /root);
  // in process mode with Landlock nothing else can be opened.
  std::vector<std::string> ro_binds;
  // Device nodes it may use (GPU nodes when gpu): bound in under bwrap, allowed by Landlock.
  std::vector<std::string> dev_binds;
  // Checked about every 50 ms; when it turns true the tree is killed at once and the outcome
  // says `cancelled`. May be null. Must outlive the call.
  const std::atomic<bool>* cancel = nullptr;
  Clock* clock = nullptr;  // for the deadline; null = RealClock()
  // argv is [interpreter, kevolve_pyeval.py, evaluator.py, args...] (docs/openevolve.md): in a
  // worker slot's persistent sandbox "interpreter kevolve_pyeval.py --serve evaluator.py" is
  // kept running there, with the evaluator imported once, and the run is a process forked from
  // it (slot_sandbox.h). RunSandboxed ignores it (the command runs as it is).
  bool fork_server = false;
};

struct ProcessOutcome {
  int exit_code = -1;              // the evaluator's exit code; -1 when ended by a signal
  int term_signal = 0;             // the signal that ended it, 0 when it exited
  bool timed_out = false;          // the deadline passed before it finished
  bool killed_for_output = false;  // stdout or stderr passed its cap
  bool killed_for_disk = false;    // what it wrote passed limits.disk_mb (or too many files)
  bool cancelled = false;          // SandboxSpec::cancel turned true
  std::string stdout_text;         // at most limits.output_bytes bytes
  std::string stderr_text;         // at most limits.output_bytes bytes
  bool stdout_truncated = false;
  bool stderr_truncated = false;
  int64_t wall_ms = 0;             // from start until the whole tree was gone
  int64_t cpu_ms = 0;              // user + system CPU of every process of the tree that was reaped
  int64_t max_rss_kb = 0;          // largest resident set of one process of the tree
  int leftover_processes_killed = 0;  // processes still alive when the evaluator exited
  int64_t disk_peak_bytes = 0;        // most bytes seen written at one poll (0 if never polled)
  int64_t disk_peak_entries = 0;      // most files and folders seen at one poll
  // Files and folders the run left in the shared temporary folders (/tmp, /var/tmp, /dev/shm),
  // removed after it (process mode running as another uid only; bwrap's are private anyway).
  int stray_entries_removed = 0;
  Containment containment = Containment::kProcessGroup;  // what was in force for this run
};

// Runs spec.argv under the sandbox and blocks until every process of the run is gone.
// Thread-safe: worker threads call it concurrently. Never throws.
// Errors (the command could not be started at all: a setup problem, not a candidate's fault):
//   InvalidArgument     empty argv, or a bare command name not found on PATH
//   FailedPrecondition  exec, chdir or the uid switch failed in the child (message says which)
//   Unavailable         pipes or process creation failed (out of descriptors, pids, memory)
// Everything the started command does, including dying, hanging or flooding, is an outcome.
Result<ProcessOutcome> RunSandboxed(const SandboxSpec& spec);

// "SIGSEGV" for SIGSEGV, "signal 42" for a number without a name.
std::string SignalName(int sig);

}  // namespace kevolve::eval
