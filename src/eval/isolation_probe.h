// A look at the sandbox from inside: runs a short shell script the way evaluations run and
// reports what it saw. `kevolve doctor` prints it beside the threat table, so that what it says
// about isolation is evidence from this machine, not only capability flags.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "eval/sandbox.h"

namespace kevolve::eval {

struct IsolationSeen {
  std::string uid;                      // `id -u` inside
  std::vector<std::string> interfaces;  // network interfaces inside (just "lo" when cut off)
  std::vector<std::string> readable;    // of the places asked about, those it could read
  std::vector<std::string> unreadable;  // those absent or unreadable
  bool system_writable = false;         // it could create a file in /etc (removed again)
};

// Runs `spec` as a probe of the sandbox: in a fresh folder below /tmp (spec.workdir; removed
// afterwards), as `uid` where this process can switch uids. Errors: those of RunSandboxed,
// Unavailable when the folder cannot be made or handed to `uid`. Thread-safe.
Result<ProcessOutcome> RunProbe(SandboxSpec spec, uint32_t uid);

// Runs the look in `mode` (as an unprivileged probe uid where this process can switch uids),
// asking about each of `places` (absolute paths). `ro_binds` are what an evaluation would get
// bound read-only under bwrap (the task folder, evaluator.read_paths). Takes tens of
// milliseconds. Errors: those of RunSandboxed, or Internal when the script's answer cannot be
// read. Thread-safe.
Result<IsolationSeen> LookFromInside(SandboxMode mode, const std::vector<std::string>& places,
                                     const std::vector<std::string>& ro_binds = {});

}  // namespace kevolve::eval
