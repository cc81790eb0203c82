#include "eval/defences.h"

#include <string>

namespace kevolve::eval {
namespace {

// The facts the table is made of.
struct Facts {
  bool bwrap = false;       // this mode runs under bubblewrap
  bool uid = false;         // evaluations run as an unprivileged uid per worker slot
  bool contained = false;   // a PID namespace or a per-slot uid bounds the process tree
  bool netns = false;       // process mode gets its own network namespace
  bool tmpfs_size = false;  // bwrap caps its /tmp and /dev/shm
  int landlock_abi = 0;     // process mode is confined by Landlock (0: it is not)
  bool unix_filter = false;  // ... and, below ABI 9, by a seccomp filter refusing Unix sockets
  bool gpu = false;          // the evaluation uses the GPU (evaluator.gpu)
};

ThreatAssessment Yes(Threat t, std::string how) { return {t, Defence::kDefended, std::move(how)}; }
ThreatAssessment No(Threat t, std::string how) {
  return {t, Defence::kNotDefended, std::move(how)};
}

// Threats that every mode on every machine contains.
ThreatAssessment Always(Threat t, const Facts& f) {
  switch (t) {
    case Threat::kRunaway:
      return Yes(t, "the deadline sends SIGTERM, then SIGKILL, to the whole process tree");
    case Threat::kMemory:
      return Yes(t, f.bwrap && !f.tmpfs_size
                        ? "RLIMIT_AS (RLIMIT_DATA with gpu) per process; bwrap's /tmp is not capped"
                        : "RLIMIT_AS (RLIMIT_DATA with gpu) per process; tmpfs capped by disk_mb");
    case Threat::kOutputFlood:
      return Yes(t,
                 "stdout and stderr are read while it runs; past limits.output_bytes the tree "
                 "is killed");
    case Threat::kCrash:
      return Yes(t, "any ending of the process is an invalid result with its reason");
    case Threat::kLeftovers:
      return Yes(t,
                 "whatever is left when the evaluator exits is killed (PID namespace, or the "
                 "supervisor as child subreaper); if kevolve dies the tree dies too");
    case Threat::kEnvSecrets:
      return Yes(t,
                 "the environment is built from an allow-list that refuses secret-looking "
                 "names");
    default:
      return No(t, "");
  }
}

ThreatAssessment Files(Threat t, const Facts& f) {
  switch (t) {
    case Threat::kWriteOutside:
      if (f.bwrap)
        return Yes(t, "only the scratch folder is writable; the rest is read-only or absent");
      if (f.uid) return Yes(t, "runs as an unprivileged uid that owns only its scratch folder");
      return No(t, "runs as your user and can write what you can (use sandbox: bwrap)");
    case Threat::kTempLitter:
      if (f.bwrap) return Yes(t, "its /tmp and /dev/shm are private and vanish with it");
      if (f.uid)
        return Yes(t, "what its uid left in /tmp, /var/tmp and /dev/shm is removed after it");
      return No(t, "files it leaves in /tmp as your user are not told apart from yours");
    case Threat::kFillDisk:
      if (f.bwrap || f.uid) {
        return Yes(t,
                   "the scratch folder (and its temporary files) is polled; past "
                   "limits.disk_mb (or 64 files per MiB of it) the tree is killed");
      }
      return No(t, "the scratch folder is capped, but /tmp written as your user is not");
    case Threat::kEditTask:
      if (f.bwrap) return Yes(t, "the task folder is bound read-only");
      if (f.uid)
        return Yes(t, "the task's files belong to another uid (keep them not world-writable)");
      return No(t, "runs as the owner of the task's files (use sandbox: bwrap)");
    default:
      return No(t, "");
  }
}

ThreatAssessment Reading(Threat t, const Facts& f) {
  switch (t) {
    case Threat::kPrivateSecretFiles:
      if (f.bwrap)
        return Yes(t,
                   "home folders, /root and everything outside the system folders, "
                   "the task folder, read_paths and kevolve's tools are absent");
      if (f.uid) return Yes(t, "another uid cannot read your 0600 files");
      return No(t, "runs as your user and reads your key files (use sandbox: bwrap)");
    case Threat::kReadableFiles:
      if (f.bwrap) return Yes(t,
                              "only system folders, the task folder, read_paths and kevolve's "
                              "tools are visible");
      if (f.landlock_abi > 0) {
        return Yes(t,
                   "landlock ABI " + std::to_string(f.landlock_abi) +
                       ": only system folders, the task folder, read_paths, kevolve's tools, /proc "
                       "and its "
                       "scratch folder can be opened");
      }
      return No(t,
                "process mode sees the whole file system: a world-readable secret above the "
                "task folder can be read (use sandbox: bwrap)");
    case Threat::kNetwork:
      if (f.bwrap) return Yes(t, "own network namespace with only a loopback device");
      if (f.netns) return Yes(t, "own network namespace with only a loopback device");
      return No(t, "no network namespace here (use sandbox: bwrap, or run as root)");
    case Threat::kUnixSockets:
      if (f.bwrap) return Yes(t, "/run, home folders and other socket places are absent");
      if (f.landlock_abi >= kLandlockUnixSocketAbi) {
        return Yes(t, "landlock ABI " + std::to_string(f.landlock_abi) +
                          ": only sockets in its scratch folder or of its own can be reached");
      }
      if (f.landlock_abi > 0 && f.unix_filter && !f.gpu) {
        return Yes(t, "landlock ABI " + std::to_string(f.landlock_abi) +
                          " cannot restrict them by path, so a seccomp filter refuses to create "
                          "Unix sockets (socketpair pipes still work)");
      }
      if (f.landlock_abi > 0 && f.unix_filter) {
        return No(t, "landlock ABI " + std::to_string(f.landlock_abi) +
                         " cannot restrict them by path, and GPU evaluations keep Unix "
                         "sockets, which CUDA needs (use sandbox: bwrap)");
      }
      return No(t,
                "sockets in the file system are reachable where their permissions allow "
                "(use sandbox: bwrap)");
    case Threat::kSignals:
      if (f.bwrap || f.contained) {
        return Yes(t, "kevolve is outside its PID namespace or runs as another uid");
      }
      return No(t, "runs as your user in your PID namespace and can signal kevolve");
    default:
      return No(t, "");
  }
}

}  // namespace

const char* ThreatName(Threat threat) {
  switch (threat) {
    case Threat::kRunaway:
      return "runaway";
    case Threat::kForkBomb:
      return "fork-bomb";
    case Threat::kMemory:
      return "memory";
    case Threat::kOutputFlood:
      return "output-flood";
    case Threat::kCrash:
      return "crash";
    case Threat::kLeftovers:
      return "leftover-processes";
    case Threat::kWriteOutside:
      return "write-outside-scratch";
    case Threat::kTempLitter:
      return "temp-litter";
    case Threat::kFillDisk:
      return "fill-disk";
    case Threat::kEnvSecrets:
      return "secrets-in-environment";
    case Threat::kPrivateSecretFiles:
      return "private-secret-files";
    case Threat::kReadableFiles:
      return "readable-files-outside-task";
    case Threat::kNetwork:
      return "network";
    case Threat::kUnixSockets:
      return "unix-sockets";
    case Threat::kSignals:
      return "signal-kevolve";
    case Threat::kEditTask:
      return "edit-task-files";
    case Threat::kForgedResult:
      return "forged-result";
    case Threat::kTamperEvaluator:
      return "tamper-with-evaluator";
  }
  return "unknown";
}

const char* DefenceName(Defence defence) {
  switch (defence) {
    case Defence::kDefended:
      return "defended";
    case Defence::kNotDefended:
      return "NOT defended";
    case Defence::kEvaluatorsJob:
      return "evaluator's job";
  }
  return "unknown";
}

const std::vector<Threat>& AllThreats() {
  static const std::vector<Threat> threats = [] {
    std::vector<Threat> all;
    for (int t = 0; t <= static_cast<int>(Threat::kTamperEvaluator); ++t) {
      all.push_back(static_cast<Threat>(t));
    }
    return all;
  }();
  return threats;
}

ThreatAssessment AssessThreat(Threat t, SandboxMode mode, const SandboxCapabilities& caps,
                              bool gpu) {
  Facts f;
  f.bwrap = mode == SandboxMode::kBwrap;
  f.uid = caps.can_switch_uid;
  f.contained = caps.containment != Containment::kProcessGroup;
  f.netns = caps.network_namespace;
  f.tmpfs_size = caps.bwrap_tmpfs_size;
  if (mode == SandboxMode::kProcess) {
    f.landlock_abi = caps.landlock_abi;
    f.unix_filter = caps.unix_socket_filter;
    f.gpu = gpu;
  }
  switch (t) {
    case Threat::kForkBomb:
      if (f.contained) return Yes(t, "RLIMIT_NPROC binds inside its namespace or uid");
      return No(t, "RLIMIT_NPROC counts all your processes; a fork bomb can starve them");
    case Threat::kForgedResult:
      return {t, Defence::kEvaluatorsJob,
              "the last JSON line wins: an evaluator must keep the candidate's stdout away from "
              "its own and print its answer last (docs/security.md)"};
    case Threat::kTamperEvaluator:
      return {t, Defence::kEvaluatorsJob,
              "the candidate runs as the evaluator's uid: the evaluator must kill what the "
              "candidate left (kill -KILL -1 where KEVOLVE_CONTAINMENT allows) before scoring"};
    case Threat::kWriteOutside:
    case Threat::kTempLitter:
    case Threat::kFillDisk:
    case Threat::kEditTask:
      return Files(t, f);
    case Threat::kPrivateSecretFiles:
    case Threat::kReadableFiles:
    case Threat::kNetwork:
    case Threat::kUnixSockets:
    case Threat::kSignals:
      return Reading(t, f);
    default:
      return Always(t, f);
  }
}

std::vector<ThreatAssessment> AssessThreats(SandboxMode mode, const SandboxCapabilities& caps,
                                            bool gpu) {
  std::vector<ThreatAssessment> all;
  for (Threat t : AllThreats()) all.push_back(AssessThreat(t, mode, caps, gpu));
  return all;
}

}  // namespace kevolve::eval
