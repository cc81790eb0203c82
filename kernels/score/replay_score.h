// The GEMM case study's fitness and its report, from replay data and a selector's choices.
// Pure: values in, text out (protocol v1 JSON, markdown, JSON, SVG); the files are written by the
// caller.
//
// Fitness (combined_score) is the geomean speedup over the naive baseline on the train shapes.
// `metrics` and the feedback speak of train shapes only; held-out figures go to hidden_metrics.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "core/status.h"
#include "score/replay_data.h"

namespace kevolve::gemm::score {

// A protocol v1 result that is invalid, with `feedback` (any bytes; escaped here), one line.
// `choices_artifact`, when not empty, goes to artifacts.choices.
std::string InvalidResult(std::string_view feedback, std::string_view choices_artifact = "");

struct ScoreOptions {
  int rule_count = 0;             // the MAP-Elites feature of that name
  std::string choices_artifact;   // when not empty: artifacts.choices (the report reads it)
};

// The protocol v1 result of a selector that gave `choices`, one line. Invalid, naming up to three
// shapes and the reason, when a choice cannot run; invalid when the baseline cannot run a shape
// (the table does not fit the task).
std::string ScoreResult(const ReplayData& data, const std::map<std::string, std::string>& choices,
                        const ScoreOptions& options);

// Lines of the EVOLVE-BLOCK regions of `program` that hold an `if` or a `case` (a word followed
// by a space or '('): the rule_count feature.
int CountRules(std::string_view program);

// What a report says of the run besides the selector.
struct RunFacts {
  int64_t evaluations = 0;
  double wall_seconds = 0;
  std::string table;  // the table's path, as given
};

struct ReportFiles {
  std::string report_md, summary_json;
};

// The report of the selector that gave `choices` (the run's best program), beside the naive
// baseline, the best single config, the decision tree, the per-shape oracle and cuBLAS.
// InvalidArgument naming the shape when a choice cannot run.
Result<ReportFiles> BuildReport(const ReplayData& data,
                                const std::map<std::string, std::string>& choices,
                                const RunFacts& facts);

// Wall seconds of a run from its events.jsonl: the spans from each run_start to its run_end,
// summed over resumes.
double WallSeconds(std::string_view events_jsonl);

// progress.svg: the best valid score so far against the evaluations, from events.jsonl; "" when
// the run has evaluated nothing.
std::string ProgressSvg(std::string_view events_jsonl);

}  // namespace kevolve::gemm::score
