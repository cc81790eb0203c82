// The values that flow between modules: an evaluation result and a program.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace kevolve {

// Why a candidate has no valid result. Stored by name (FailureName) in the database.
enum class Failure {
  kNone = 0,        // valid
  kInvalid,         // the evaluator ran fine and said "valid": false
  kTimeout,         // the deadline passed; the process group was killed
  kCrash,           // killed by a signal (segfault, abort, out of memory...)
  kExitCode,        // exited non-zero without a usable result
  kBadOutput,       // stdout was not one JSON object of protocol v1
  kOutputLimit,     // stdout or stderr passed its cap
  kStageThreshold,  // a cascade stage scored below its threshold (the result is kept)
  kEditRejected,    // the proposed edit did not apply; never evaluated
  kSandbox,         // the sandbox could not start the evaluator (a setup problem, not the candidate)
};

const char* FailureName(Failure f);
// Inverse of FailureName; unknown names map to kInvalid.
Failure FailureFromName(const std::string& name);

struct EvalResult {
  bool valid = false;
  double combined_score = 0.0;  // higher is better; meaningful only when valid
  std::map<std::string, double> metrics;         // may be shown to an LLM
  std::map<std::string, double> features;        // MAP-Elites coordinates
  std::map<std::string, double> hidden_metrics;  // stored and reported, never in a prompt
  std::map<std::string, std::string> artifacts;  // stderr, feedback... (may be shown)
  Failure failure = Failure::kInvalid;
  std::string reason;      // one line a person can act on when not valid
  int stages_run = 0;      // cascade stages that ran
  int64_t duration_ms = 0; // wall time of the evaluation, all stages
  // The device an exclusive stage held (evaluator.stages[].device), how long the stages waited
  // for and held devices, and when (Unix ms, both ends read from the one clock) the first hold
  // began and the last ended: with one exclusive stage, the time the device was this
  // evaluation's alone. Facts of the run, not of the program: in the `program` event, not in
  // run.db.
  std::string device;
  int64_t device_wait_ms = 0;
  int64_t device_held_ms = 0;
  int64_t device_held_from_unix_ms = 0;
  int64_t device_held_until_unix_ms = 0;
};

struct Program {
  int64_t id = 0;            // 1-based, assigned by the store in commit order
  std::string code;
  std::string code_hash;     // CodeHash(code)
  int64_t parent_id = 0;     // 0 for the initial program
  int64_t generation = 0;    // parent's + 1
  int island = 0;
  std::string origin;        // "initial", "mutator:<kind>", "model:<name>", "migration"
  std::string edit;          // the edit text that produced it from the parent
  EvalResult result;
  int64_t created_unix_ms = 0;
};

}  // namespace kevolve
