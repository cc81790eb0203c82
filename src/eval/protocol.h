// Evaluation protocol v1 (docs/protocol.md is the authority): how an evaluator's stdout and the
// way its process ended become an EvalResult. Pure functions over values; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "core/program.h"
#include "eval/sandbox.h"

namespace kevolve::eval {

inline constexpr int kProtocolVersion = 1;

// Where a result keeps its score samples (the answer's optional "score_samples" array: repeated
// measurements of combined_score): artifacts["score_samples"], as compact JSON text. Only
// ParseEvaluatorOutput writes it; an evaluator that sets this artifact itself gets bad_output,
// so the artifact always holds what the protocol checked.
inline constexpr char kScoreSamplesKey[] = "score_samples";
inline constexpr size_t kMaxScoreSamples = 10000;

// Parses an evaluator's stdout. The result object is the whole stdout when that is one JSON
// object (surrounding whitespace allowed); otherwise the LAST non-empty line that is a JSON
// object, so log lines printed before the result do no harm. Never throws. Returns:
//   valid = true,  failure kNone       a protocol-1 object with "valid": true
//   valid = false, failure kInvalid    "valid": false; reason = artifacts.feedback (one line) or
//                                      "evaluator said invalid"
//   valid = false, failure kBadOutput  anything else; reason names the key or problem
// metrics/features/hidden_metrics/artifacts are filled from the object when it is well formed;
// a non-empty "score_samples" array (at most kMaxScoreSamples finite numbers) is kept as the
// artifact kScoreSamplesKey.
EvalResult ParseEvaluatorOutput(std::string_view stdout_text);

// The score samples `result` carries, in the evaluator's order; empty when it has none (or when
// the artifact is not a JSON array of finite numbers, as in a damaged database row).
std::vector<double> ScoreSamples(const EvalResult& result);

// What an evaluation was allowed, so that reasons can name the limit that was hit.
struct OutcomeContext {
  int64_t timeout_ms = 0;
  LimitsConfig limits;
};

// Maps a finished evaluator process to a result. Process failures win over stdout, in this
// order: cancelled (kSandbox), output cap (kOutputLimit), deadline (kTimeout), killed by a
// signal (kCrash: "killed by SIGSEGV"), non-zero exit (kExitCode with the last stderr line,
// unless stdout holds a well-formed "valid": false result, which is kept as kInvalid); then
// ParseEvaluatorOutput. Reasons mention the memory, CPU or file-size limit when the evidence
// points there. Every invalid result gets artifacts["stderr"] (its tail) when stderr is not
// empty and the evaluator did not set one. Never throws.
EvalResult ResultFromOutcome(const ProcessOutcome& outcome, const OutcomeContext& context);

// The last `max_lines` lines of `text`, at most `max_bytes` bytes (cut at the front).
std::string StderrTail(std::string_view text, size_t max_lines = 20, size_t max_bytes = 4096);

}  // namespace kevolve::eval
