// What the sandbox can do on this machine: probed once with children that exit at once.
#include <signal.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <sched.h>

#include "core/text.h"
#include "eval/sandbox_internal.h"

namespace kevolve::eval {
namespace internal {
namespace {

// A uid no evaluation uses, for the uid-switch and bwrap probes.
constexpr uint32_t kProbeUid = 99'999;
constexpr char kDefaultPath[] = "/usr/local/bin:/usr/bin:/bin";

// Clones a child that runs `body` (async-signal-safe) and exits with its return value.
// Returns true when the clone worked and the child exited 0.
template <typename Body>
bool ProbeChild(unsigned long flags, Body body) {
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  const pid_t pid = RawClone(flags);
  if (pid == 0) _exit(body());
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (pid < 0) return false;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return false;
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// Whether a child can enforce a Landlock ruleset on itself, and install the Unix-socket filter,
// the way process-mode evaluations will (a kernel can know the calls and still refuse them,
// e.g. under a container runtime's own seccomp policy).
void ProbeConfinement(NamespaceSupport* support) {
#ifdef SYS_landlock_restrict_self
  const int abi = LandlockAbi();
  const bool landlock = abi > 0 && ProbeChild(0, [] {
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return 1;
    const uint64_t read_file = 1ULL << 2;  // LANDLOCK_ACCESS_FS_READ_FILE, in every ABI
    const long ruleset = syscall(SYS_landlock_create_ruleset, &read_file, sizeof read_file, 0U);
    if (ruleset < 0) return 1;
    return syscall(SYS_landlock_restrict_self, ruleset, 0U) == 0 ? 0 : 1;
  });
  support->landlock_abi = landlock ? abi : 0;
#endif
  const struct sock_fprog* filter = UnixSocketFilter();  // built here: the child may not allocate
  support->unix_socket_filter = filter != nullptr && ProbeChild(0, [filter] {
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return 1;
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, filter, 0, 0) != 0) return 1;
    const int unix_socket = socket(AF_UNIX, SOCK_STREAM, 0);
    if (unix_socket >= 0 || errno != EACCES) return 1;
    const int inet_socket = socket(AF_INET, SOCK_DGRAM, 0);
    if (inet_socket < 0) return 1;
    close(inet_socket);
    return 0;
  });
}

NamespaceSupport Probe() {
  NamespaceSupport support;
  support.root = geteuid() == 0;
  support.can_switch_uid = support.root && ProbeChild(0, [] {
    if (syscall(SYS_setgroups, 0, nullptr) != 0) return 1;
    if (syscall(SYS_setresgid, kProbeUid, kProbeUid, kProbeUid) != 0) return 1;
    return syscall(SYS_setresuid, kProbeUid, kProbeUid, kProbeUid) != 0 ? 1 : 0;
  });
  const auto exit_at_once = [] { return 0; };
  constexpr unsigned long kNetAndIpc = CLONE_NEWNET | CLONE_NEWIPC;
  if (support.can_switch_uid) {
    support.containment = ProbeChild(CLONE_NEWPID, exit_at_once)
                              ? Containment::kPidNamespaceAndUid
                              : Containment::kProcessGroupAndUid;
    support.network_namespace =
        support.containment == Containment::kPidNamespaceAndUid &&
        ProbeChild(CLONE_NEWPID | kNetAndIpc, exit_at_once);
  } else if (!support.root && ProbeChild(CLONE_NEWUSER | CLONE_NEWPID, exit_at_once)) {
    support.containment = Containment::kUserAndPidNamespace;
    support.network_namespace = ProbeChild(CLONE_NEWUSER | CLONE_NEWPID | kNetAndIpc, exit_at_once);
  } else {
    support.containment = Containment::kProcessGroup;
  }
  if (support.containment == Containment::kPidNamespaceAndUid) {
    support.own_proc = ProbeChild(CLONE_NEWPID | CLONE_NEWNS, [] { return MountOwnProc() ? 0 : 1; });
  } else if (support.containment == Containment::kUserAndPidNamespace) {
    support.own_proc = ProbeChild(CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS,
                                  [] { return MountOwnProc() ? 0 : 1; });
  }
  ProbeConfinement(&support);
  return support;
}

std::string FindBwrap() {
  const char* path = std::getenv("PATH");
  std::string found = FindOnPath("bwrap", path != nullptr ? path : "");
  if (found.empty()) found = FindOnPath("bwrap", kDefaultPath);
  return found;
}

SandboxCapabilities Detect() {
  SandboxCapabilities caps;
  const NamespaceSupport& support = ProbeNamespaces();
  caps.root = support.root;
  caps.can_switch_uid = support.can_switch_uid;
  caps.containment = support.containment;
  caps.network_namespace = support.network_namespace;
  caps.own_proc = support.own_proc;
  caps.landlock_abi = support.landlock_abi;
  caps.unix_socket_filter = support.unix_socket_filter;
  caps.bwrap_path = BwrapPath();
  if (caps.bwrap_path.empty()) {
    caps.bwrap_problem = "bwrap was not found on PATH (Debian package: bubblewrap)";
    return caps;
  }
  // A real run, the way evaluations will use it: another uid when root, then bwrap.
  SandboxSpec spec;
  spec.argv = {"true"};
  spec.env = {std::string("PATH=") + kDefaultPath};
  spec.mode = SandboxMode::kBwrap;
  spec.timeout_ms = 10'000;
  spec.limits.cpu_seconds = 10;
  spec.limits.processes = 0;
  if (caps.can_switch_uid) spec.run_as_uid = kProbeUid;
  Result<ProcessOutcome> probe = RunSandboxed(spec);
  if (!probe.ok()) {
    caps.bwrap_problem = probe.status().message();
  } else if (probe->exit_code != 0) {
    const std::string err(Trim(probe->stderr_text));
    caps.bwrap_problem = "a probe run under bwrap failed" +
                         (err.empty() ? std::string() : ": " + Truncate(err, 300));
  } else {
    caps.bwrap = true;
    caps.bwrap_tmpfs_size = BwrapHasOption("--size");
  }
  return caps;
}

std::string BwrapHelp() {
  if (BwrapPath().empty()) return "";
  SandboxSpec spec;
  spec.argv = {BwrapPath(), "--help"};
  spec.env = {std::string("PATH=") + kDefaultPath};
  spec.timeout_ms = 10'000;
  spec.limits.processes = 0;
  Result<ProcessOutcome> help = RunSandboxed(spec);
  return help.ok() ? help->stdout_text + help->stderr_text : "";
}

}  // namespace

const NamespaceSupport& ProbeNamespaces() {
  static const NamespaceSupport support = Probe();
  return support;
}

const std::string& BwrapPath() {
  static const std::string path = FindBwrap();
  return path;
}

bool BwrapHasOption(const std::string& option) {
  static const std::string help = BwrapHelp();
  // An option is listed at the start of a line of the help, then a space or the line's end.
  for (size_t at = help.find(option); at != std::string::npos; at = help.find(option, at + 1)) {
    const size_t end = at + option.size();
    const bool starts_word = at == 0 || help[at - 1] == ' ' || help[at - 1] == '\n';
    const bool ends_word = end == help.size() || help[end] == ' ' || help[end] == '\n';
    if (starts_word && ends_word) return true;
  }
  return false;
}

std::string FindOnPath(const std::string& name, const std::string& path_value) {
  size_t start = 0;
  while (start <= path_value.size()) {
    size_t end = path_value.find(':', start);
    if (end == std::string::npos) end = path_value.size();
    std::string dir = path_value.substr(start, end - start);
    start = end + 1;
    if (dir.empty() || dir[0] != '/') continue;  // relative PATH entries are never searched
    const std::string candidate = dir + "/" + name;
    struct stat st = {};
    if (stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111) != 0) {
      return candidate;
    }
  }
  return "";
}

}  // namespace internal

const char* ContainmentName(Containment c) {
  switch (c) {
    case Containment::kPidNamespaceAndUid: return "pid-namespace+uid";
    case Containment::kUserAndPidNamespace: return "user+pid-namespace";
    case Containment::kProcessGroupAndUid: return "process-group+uid";
    case Containment::kProcessGroup: return "process-group";
  }
  return "unknown";
}

std::string SandboxCapabilities::Describe() const {
  std::string text = std::string("containment: ") + ContainmentName(containment) + "\n  ";
  switch (containment) {
    case Containment::kPidNamespaceAndUid:
      text += "each evaluation gets its own PID namespace (nothing it starts outlives it) and runs "
              "as an unprivileged uid per worker slot, so evaluator.limits.processes binds";
      break;
    case Containment::kUserAndPidNamespace:
      text += "each evaluation gets its own user and PID namespaces (nothing it starts outlives "
              "it); evaluator.limits.processes counts the processes inside them";
      break;
    case Containment::kProcessGroupAndUid:
      text += "no PID namespace here: leftovers are found through the process tree; evaluations "
              "run as an unprivileged uid per worker slot, so evaluator.limits.processes binds";
      break;
    case Containment::kProcessGroup:
      text += "no namespaces and no uid switch here: leftovers are found through the process "
              "tree, the process cap is added to the processes you already have, and candidates "
              "run as your user (use sandbox: bwrap, or run as root, for real isolation)";
      break;
  }
  text += "\nnetwork in process mode: ";
  text += network_namespace
              ? "cut (each evaluation gets its own network and IPC namespaces, with only a "
                "loopback device)"
              : "NOT cut (no namespaces here: process-mode evaluations reach the network; use "
                "sandbox: bwrap)";
  if (containment == Containment::kPidNamespaceAndUid ||
      containment == Containment::kUserAndPidNamespace) {
    text += "\n/proc in process mode: ";
    text += own_proc ? "the PID namespace's own (it shows only the evaluation's processes)"
                     : "the host's (no mount namespace here: it shows every process, numbered as "
                       "the host sees them, and CUDA does not start in process mode; use "
                       "sandbox: bwrap for GPU tasks)";
  }
  if (containment == Containment::kPidNamespaceAndUid && own_proc) {
    text += "\nsandbox per worker slot in process mode: made once and kept (its namespaces and "
            "mounts); each evaluation gets a fresh process, scratch folder, rlimits and "
            "deadline inside it, and nothing of it is left for the next (not for evaluator.gpu "
            "tasks)";
  }
  text += "\nfiles in process mode: ";
  if (landlock_abi > 0) {
    text += "landlock ABI " + std::to_string(landlock_abi) +
            ": reads only the system folders, the task folder, read_paths, kevolve's tools, /proc "
            "and a few "
            "devices; writes only its scratch folder and /dev/shm";
  } else {
    text += "NOT confined (no Landlock here: process-mode evaluations see the whole file system "
            "as their uid; use sandbox: bwrap)";
  }
  text += "\nunix sockets in process mode: ";
  if (landlock_abi >= kLandlockUnixSocketAbi) {
    text += "landlock: only its own sockets can be connected to";
  } else if (landlock_abi > 0 && unix_socket_filter) {
    text += "refused by a seccomp filter (landlock ABI " + std::to_string(landlock_abi) +
            " cannot restrict connecting by path): no socket(AF_UNIX), no io_uring; "
            "socketpair pipes work. NOT for evaluator.gpu tasks (CUDA needs Unix sockets)";
  } else {
    text += "NOT restricted (sockets in the file system are reachable; use sandbox: bwrap)";
  }
  text += "\nbwrap: ";
  if (bwrap) {
    text += "usable (" + bwrap_path + ")";
    if (!bwrap_tmpfs_size) text += "; too old for --size: its /tmp and /dev/shm are not capped";
  } else {
    text += "not usable: " + bwrap_problem;
  }
  return text;
}

const SandboxCapabilities& DetectSandbox() {
  static const SandboxCapabilities caps = internal::Detect();
  return caps;
}

}  // namespace kevolve::eval
