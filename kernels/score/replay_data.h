// Replay data of the GEMM tile-heuristic case study: a performance table (parsed by the one
// table parser, bench/bench_io.h), a task's split of shapes into train and held-out, and the
// naive baseline's choices, joined per shape so that a selector's choices can be scored without
// a GPU. Pure: text in, values out; no CUDA, no I/O.
//
// Split CSV (the task's split.csv): header `m,n,k,regime,family,split,origin`, '#' starts a
// comment line; split is `train` or `heldout`. Choices (the selector's output and the baseline's
// baseline_choices.csv): lines `m,n,k,config`; a later line for a shape replaces an earlier one.
//
// A shape of the split that the table does not time with any config is not scored. Times are the
// table's median_us; only rows with status `ok` and a positive time count. A config that a shape
// cannot run (a refusal of the table, or a config the table never names) is "unusable" there.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"

namespace kevolve::gemm::score {

enum class Part { kTrain, kHeldOut, kAll };

struct ScoredShape {
  int64_t m = 0, n = 0, k = 0;
  std::string key;  // "m,n,k" as the split writes it; the choices are matched by this text
  std::string regime, family, split, origin;
  std::string baseline;      // the baseline's config ("" when it named none)
  double oracle_us = 0;      // the fastest config's time
  std::string oracle_config; // the first config in table order that reaches it
  std::optional<double> cublas_us;
  bool InPart(Part part) const;
};

// Config text per shape, in the order of ReplayData::shapes().
using Selection = std::vector<std::string>;

// One selector's figures over one part. Speedups are geomeans of baseline time / selector time,
// "of oracle" the geomean of best time / selector time; a regression is a shape more than 2%
// slower than the baseline.
struct SelectorSummary {
  int n = 0;
  double geo_speedup = 1, frac_oracle = 1, vs_cublas = 0;
  int regressions = 0;
  double worst = 1e30;  // lowest per-shape speedup (1e30 over no shape)
  double total_us = 0, base_total_us = 0;
};

class ReplayData {
 public:
  // InvalidArgument naming the file and line for a malformed table or split.
  static Result<ReplayData> Load(std::string_view table_csv, std::string_view split_csv,
                                 std::string_view baseline_csv);

  const std::vector<ScoredShape>& shapes() const { return shapes_; }
  // Every config the table names (cuBLAS aside), in the order they first appear.
  const std::vector<std::string>& configs() const { return configs_; }
  // Index into configs(), or -1.
  int ConfigIndex(std::string_view config) const;
  // The table's time of `config` on shape i, or 0 where it has none (unusable).
  double TimeUs(size_t shape, int config) const;
  double TimeUs(size_t shape, std::string_view config) const;
  // Why `config` cannot be used on shape i, or "" when it can.
  std::string Unusable(size_t shape, std::string_view config) const;

  // The selector's config for every shape ("" where it named none).
  Selection Select(const std::map<std::string, std::string>& choices) const;
  Selection BaselineSelection() const;
  // REQUIRES: every config of `selection` is usable on the shapes of `part`.
  SelectorSummary Summarize(const Selection& selection, Part part) const;

 private:
  std::vector<ScoredShape> shapes_;
  std::vector<std::string> configs_;
  std::unordered_map<std::string, int> config_index_;
  std::vector<std::vector<double>> time_us_;              // [shape][config], 0 = none
  std::vector<std::map<int, std::string>> refusals_;      // [shape] config -> table status
};

// The split's shapes in file order, each once (no times yet). InvalidArgument naming the line.
Result<std::vector<ScoredShape>> ParseSplit(std::string_view csv);

// Parses `m,n,k,config` lines (keyed by the "m,n,k" text). Lines with fewer than four fields or
// an empty config are skipped: a selector's output is taken as it is, never trusted.
std::map<std::string, std::string> ParseChoices(std::string_view text);

}  // namespace kevolve::gemm::score
