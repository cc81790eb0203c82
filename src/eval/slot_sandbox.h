// A worker slot's persistent sandbox: the namespaces and mounts of process mode, set up once per
// slot and kept across evaluations, with a fresh process per candidate inside them.
//
// RunSandboxed pays for a sandbox per evaluation: two clones of kevolve's address space (the
// supervisor, then the evaluator), new PID, mount, network and IPC namespaces, a /proc mount,
// and their teardown. On a small VM that is most of a cheap evaluation's cost
// (docs/benchmarks.md, "Cost of an evaluation"). A SlotSandbox starts kevolve-slot
// (slot_agent.c, a small program of kevolve's own) once, as PID 1 of the slot's own PID, mount,
// network and IPC namespaces with the namespace's own /proc. For each
// candidate it sends the agent one request; the agent forks a fresh process which takes a new
// session, an IPC namespace of its own, the rlimits, the slot's uid, no_new_privs, the seccomp
// filter and the candidate's own
// Landlock ruleset (which names the candidate's own scratch folder, so it is made per candidate:
// a few dozen system calls), and execs the evaluator. The deadline, output and disk caps and
// cancellation are enforced by the calling thread as for RunSandboxed (sandbox_run.h): SIGTERM,
// grace, SIGKILL to every process of the slot.
//
// Nothing of one candidate reaches the next: when the evaluator exits, the agent kills every
// other process of the namespace (kill(-1) from its PID 1) and reaps them, and removes every
// System V IPC object of the slot's IPC namespace; kevolve removes what the slot's uid left in
// /dev/shm (under Landlock the only shared folder it may write) and the scratch folder (new per
// evaluation); each process starts from the environment of its request, nothing inherited from
// the one before.
//
// Where it applies: process mode, as root with PID namespaces and a mount namespace of its own
// (containment pid-namespace+uid, `kevolve doctor`), not for GPU tasks. Elsewhere the evaluator
// uses RunSandboxed per evaluation (Supported() says which).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>

#include "core/status.h"
#include "eval/sandbox.h"

namespace kevolve::eval {

class SlotSandbox {
 public:
  // Whether a persistent slot can run evaluations of `mode` here (see above).
  static bool Supported(SandboxMode mode, bool gpu);

  // Starts the agent at `agent_path` as PID 1 of new namespaces and waits until it is ready.
  // Errors: Unavailable (the process or its namespaces could not be made; the message carries
  // what the agent said), FailedPrecondition (not Supported here).
  static Result<std::unique_ptr<SlotSandbox>> Start(const std::string& agent_path);

  // Kills the agent and with it everything in its namespaces, and reaps it.
  ~SlotSandbox();
  SlotSandbox(const SlotSandbox&) = delete;
  SlotSandbox& operator=(const SlotSandbox&) = delete;

  // Runs `spec` in the slot, as RunSandboxed does, with the same errors and outcomes; blocks
  // until every process of the run is gone. REQUIRES: spec.mode is kProcess, alive(). Not
  // thread-safe: one run at a time per slot. When the agent dies (it was killed after not
  // answering a kill in time), the run's outcome is SIGKILL and alive() turns false.
  Result<ProcessOutcome> Run(const SandboxSpec& spec);

  bool alive() const { return control_fd_ >= 0 && !dead_; }
  pid_t pid() const { return pid_; }

 private:
  SlotSandbox(pid_t pid, int control_fd) : pid_(pid), control_fd_(control_fd) {}
  void Kill();  // the agent and its namespaces, at once; reaps it

  pid_t pid_ = -1;
  int control_fd_ = -1;
  bool dead_ = false;
};

}  // namespace kevolve::eval
