#include "eval/isolation_probe.h"

#include <unistd.h>

#include <sstream>

#include "core/files.h"
#include "core/text.h"

namespace kevolve::eval {
namespace {

// Far from the uid bands of evaluations (100000 and up) and from the detection probe's.
constexpr uint32_t kLookUid = 99'998;

// One "key: value" line per fact; places are passed as arguments so no path is quoted here.
// A place counts as readable when it can be opened and read (`test -r` asks only the file's
// permission bits, which Landlock does not change).
constexpr char kScript[] = R"sh(echo "uid: $(id -u)"
echo "interfaces: $(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | tr '\n' ' ')"
for place in "$@"; do
  if [ -d "$place" ]; then try=(ls -- "$place"); else try=(head -c 1 -- "$place"); fi
  if "${try[@]}" > /dev/null 2>&1; then seen=readable; else seen=unreadable; fi
  echo "$seen: $place"
done
probe=/etc/.kevolve-doctor-$$
if ( : > "$probe" ) 2>/dev/null; then rm -f "$probe"; echo "system: writable"; else echo "system: read-only"; fi
)sh";

IsolationSeen Parse(const std::string& text) {
  IsolationSeen seen;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    const size_t colon = line.find(": ");
    if (colon == std::string::npos) continue;
    const std::string key = line.substr(0, colon);
    const std::string value = line.substr(colon + 2);
    if (key == "uid") seen.uid = value;
    if (key == "readable") seen.readable.push_back(value);
    if (key == "unreadable") seen.unreadable.push_back(value);
    if (key == "system") seen.system_writable = value == "writable";
    if (key == "interfaces") {
      std::istringstream words(value);
      for (std::string w; words >> w;) seen.interfaces.push_back(w);
    }
  }
  return seen;
}

}  // namespace

Result<ProcessOutcome> RunProbe(SandboxSpec spec, uint32_t uid) {
  KEVOLVE_ASSIGN_OR_RETURN(spec.workdir, MakeTempDir("/tmp", "kevolve-probe-"));
  if (DetectSandbox().can_switch_uid) {
    spec.run_as_uid = uid;
    if (chown(spec.workdir.c_str(), uid, uid) != 0) {
      (void)RemoveTree(spec.workdir);
      return Status::Unavailable("cannot hand " + spec.workdir + " to the probe uid");
    }
  }
  Result<ProcessOutcome> outcome = RunSandboxed(spec);
  (void)RemoveTree(spec.workdir);
  return outcome;
}

Result<IsolationSeen> LookFromInside(SandboxMode mode, const std::vector<std::string>& places,
                                     const std::vector<std::string>& ro_binds) {
  SandboxSpec spec;
  spec.argv = {"/bin/bash", "-c", kScript, "kevolve-doctor"};
  spec.argv.insert(spec.argv.end(), places.begin(), places.end());
  spec.env = {"PATH=/usr/local/bin:/usr/bin:/bin"};
  spec.timeout_ms = 10'000;
  spec.mode = mode;
  spec.ro_binds = ro_binds;
  Result<ProcessOutcome> outcome = RunProbe(std::move(spec), kLookUid);
  KEVOLVE_RETURN_IF_ERROR(outcome.status());
  if (outcome->exit_code != 0 || outcome->stdout_text.find("uid: ") != 0) {
    return Status::Internal("the look from inside failed: " +
                            Truncate(std::string(Trim(outcome->stderr_text)), 300));
  }
  return Parse(outcome->stdout_text);
}

}  // namespace kevolve::eval
