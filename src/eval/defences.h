// What the sandbox defends on this machine, threat by threat: the honest table that
// `kevolve doctor` prints and that the red-team suite (tests/security/) checks case by case.
// docs/security.md lists each threat with its defence and the test that proves it.
//
// Pure functions of the sandbox mode and the machine's capabilities (DetectSandbox()); no I/O.
// Thread-safe.
#pragma once

#include <string>
#include <vector>

#include "eval/sandbox.h"

namespace kevolve::eval {

// What a hostile candidate (or an evaluator running one) may try. The names are stable: docs,
// doctor and tests refer to them.
enum class Threat {
  kRunaway,             // "runaway": an infinite loop, sleeping forever, ignoring SIGTERM
  kForkBomb,            // "fork-bomb": processes without end
  kMemory,              // "memory": unbounded allocation
  kOutputFlood,         // "output-flood": stdout or stderr without end
  kCrash,               // "crash": segfault, abort, closing stdout early, garbage on stdout
  kLeftovers,           // "leftover-processes": background jobs, double-forked daemons
  kWriteOutside,        // "write-outside-scratch": system, home, task parents, other scratch
  kTempLitter,          // "temp-litter": files left in /tmp, /var/tmp, /dev/shm
  kFillDisk,            // "fill-disk": bytes or files without end
  kEnvSecrets,          // "secrets-in-environment": API keys in the environment
  kPrivateSecretFiles,  // "private-secret-files": the user's 0600 key files
  kReadableFiles,       // "readable-files-outside-task": a world-readable .env above the task
  kNetwork,             // "network": TCP/UDP out, the host's loopback services included
  kUnixSockets,         // "unix-sockets": sockets in the file system (docker, dbus, agents)
  kSignals,             // "signal-kevolve": signalling kevolve or other evaluations
  kEditTask,            // "edit-task-files": rewriting the evaluator or reference data
  kForgedResult,        // "forged-result": printing a result line of its own
  kTamperEvaluator,     // "tamper-with-evaluator": ptrace or /proc of the evaluator
};

enum class Defence {
  kDefended,       // kevolve stops it here
  kNotDefended,    // it works here; `how` says what would stop it
  kEvaluatorsJob,  // kevolve cannot tell; the evaluator must follow docs/security.md
};

struct ThreatAssessment {
  Threat threat;
  Defence defence;
  std::string how;  // one sentence: the defence in force, or why there is none
};

const char* ThreatName(Threat threat);
const char* DefenceName(Defence defence);  // "defended", "NOT defended", "evaluator's job"

// Every threat, in the order of the enum.
const std::vector<Threat>& AllThreats();

// `gpu`: for evaluations with evaluator.gpu, which some defences must spare.
ThreatAssessment AssessThreat(Threat threat, SandboxMode mode, const SandboxCapabilities& caps,
                              bool gpu = false);
std::vector<ThreatAssessment> AssessThreats(SandboxMode mode, const SandboxCapabilities& caps,
                                            bool gpu = false);

}  // namespace kevolve::eval
