#include "score/replay_data.h"

#include <cmath>

#include "bench/bench_io.h"
#include "core/text.h"

namespace kevolve::gemm::score {
namespace {

constexpr double kRegressionSpeedup = 0.98;

std::string ShapeKey(int64_t m, int64_t n, int64_t k) {
  return std::to_string(m) + "," + std::to_string(n) + "," + std::to_string(k);
}

bool Skipped(std::string_view line) {
  return line.empty() || line.front() == '#' || StartsWith(line, "m,n,k,");
}

}  // namespace

Result<std::vector<ScoredShape>> ParseSplit(std::string_view csv) {
  std::vector<ScoredShape> shapes;
  std::map<std::string, bool> seen;
  const std::vector<std::string> lines = SplitLines(csv);
  for (size_t i = 0; i < lines.size(); ++i) {
    if (Skipped(Trim(lines[i]))) continue;
    const std::vector<std::string> f = bench::SplitCsv(lines[i]);
    if (f.size() != 7) {
      return Status::InvalidArgument("split line " + std::to_string(i + 1) +
                                     ": expected m,n,k,regime,family,split,origin");
    }
    ScoredShape s;
    KEVOLVE_ASSIGN_OR_RETURN(s.m, bench::ParseInt(f[0], "m", i + 1));
    KEVOLVE_ASSIGN_OR_RETURN(s.n, bench::ParseInt(f[1], "n", i + 1));
    KEVOLVE_ASSIGN_OR_RETURN(s.k, bench::ParseInt(f[2], "k", i + 1));
    if (f[5] != "train" && f[5] != "heldout") {
      return Status::InvalidArgument("split line " + std::to_string(i + 1) +
                                     ": split is 'train' or 'heldout', got '" + f[5] + "'");
    }
    s.key = f[0] + "," + f[1] + "," + f[2];
    if (seen[s.key]) continue;
    seen[s.key] = true;
    s.regime = f[3];
    s.family = f[4];
    s.split = f[5];
    s.origin = f[6];
    shapes.push_back(std::move(s));
  }
  return shapes;
}

bool ScoredShape::InPart(Part part) const {
  return part == Part::kAll || (part == Part::kTrain) == (split == "train");
}

std::map<std::string, std::string> ParseChoices(std::string_view text) {
  std::map<std::string, std::string> choices;
  for (const std::string& line : SplitLines(text)) {
    const std::vector<std::string> f = bench::SplitCsv(line);
    if (f.size() < 4 || f[3].empty()) continue;
    choices[f[0] + "," + f[1] + "," + f[2]] = f[3];
  }
  return choices;
}

Result<ReplayData> ReplayData::Load(std::string_view table_csv, std::string_view split_csv,
                                    std::string_view baseline_csv) {
  KEVOLVE_ASSIGN_OR_RETURN(std::vector<ScoredShape> split, ParseSplit(split_csv));
  std::map<std::string, size_t> split_index;
  for (size_t i = 0; i < split.size(); ++i) split_index[split[i].key] = i;

  ReplayData d;
  struct Cell {
    double time_us = 0;
    std::optional<std::string> refusal;
  };
  std::vector<std::map<int, Cell>> cells(split.size());
  std::vector<bool> has_oracle(split.size(), false);
  // Rows are read as views of the table's text, never copied whole (bench::ForEachPerfRow).
  const Status walked = bench::ForEachPerfRow(table_csv, [&](const bench::PerfRowView& row) {
    const auto at = split_index.find(ShapeKey(row.m, row.n, row.k));
    if (row.config == "cublas") {
      if (at != split_index.end() && row.status == "ok") split[at->second].cublas_us = row.median_us;
      return Status::Ok();
    }
    auto [it, added] =
        d.config_index_.emplace(std::string(row.config), static_cast<int>(d.configs_.size()));
    if (added) d.configs_.push_back(it->first);
    if (at == split_index.end()) return Status::Ok();
    ScoredShape& shape = split[at->second];
    Cell& cell = cells[at->second][it->second];
    if (row.status != "ok") cell.refusal = std::string(row.status);
    if (row.status == "ok" && row.median_us > 0) {
      cell.time_us = row.median_us;
      if (!has_oracle[at->second] || row.median_us < shape.oracle_us) {
        shape.oracle_us = row.median_us;
        shape.oracle_config = it->first;
        has_oracle[at->second] = true;
      }
    }
    return Status::Ok();
  });
  if (!walked.ok()) return Status::InvalidArgument("performance table: " + walked.message());
  const std::map<std::string, std::string> baseline = ParseChoices(baseline_csv);
  for (size_t i = 0; i < split.size(); ++i) {
    if (!has_oracle[i]) continue;  // a shape the table does not cover is not scored
    std::vector<double> times(d.configs_.size(), 0.0);
    std::map<int, std::string> refusals;
    for (const auto& [config, cell] : cells[i]) {
      times[config] = cell.time_us;
      if (cell.refusal) refusals[config] = *cell.refusal;
    }
    const auto base = baseline.find(split[i].key);
    if (base != baseline.end()) split[i].baseline = base->second;
    d.shapes_.push_back(std::move(split[i]));
    d.time_us_.push_back(std::move(times));
    d.refusals_.push_back(std::move(refusals));
  }
  return d;
}

int ReplayData::ConfigIndex(std::string_view config) const {
  const auto it = config_index_.find(std::string(config));
  return it == config_index_.end() ? -1 : it->second;
}

double ReplayData::TimeUs(size_t shape, int config) const {
  return config < 0 ? 0 : time_us_[shape][config];
}

double ReplayData::TimeUs(size_t shape, std::string_view config) const {
  return TimeUs(shape, ConfigIndex(config));
}

std::string ReplayData::Unusable(size_t shape, std::string_view config) const {
  if (config.empty()) return "no config was returned";
  const int j = ConfigIndex(config);
  if (TimeUs(shape, j) > 0) return "";
  if (j >= 0) {
    const auto it = refusals_[shape].find(j);
    if (it != refusals_[shape].end()) return "the table says: " + it->second;
  }
  return "the config '" + std::string(config) +
         "' is not in the performance table (not a kernel of the family)";
}

Selection ReplayData::Select(const std::map<std::string, std::string>& choices) const {
  Selection selection;
  selection.reserve(shapes_.size());
  for (const ScoredShape& s : shapes_) {
    const auto it = choices.find(s.key);
    selection.push_back(it == choices.end() ? "" : it->second);
  }
  return selection;
}

Selection ReplayData::BaselineSelection() const {
  Selection selection;
  for (const ScoredShape& s : shapes_) selection.push_back(s.baseline);
  return selection;
}

SelectorSummary ReplayData::Summarize(const Selection& selection, Part part) const {
  SelectorSummary out;
  double log_speedup = 0, log_oracle = 0, log_cublas = 0;
  int with_cublas = 0;
  for (size_t i = 0; i < shapes_.size(); ++i) {
    const ScoredShape& s = shapes_[i];
    if (!s.InPart(part)) continue;
    const double t = TimeUs(i, selection[i]);
    const double t_base = TimeUs(i, s.baseline);
    const double speedup = t_base / t;
    ++out.n;
    log_speedup += std::log(speedup);
    log_oracle += std::log(s.oracle_us / t);
    if (s.cublas_us) {
      log_cublas += std::log(*s.cublas_us / t);
      ++with_cublas;
    }
    if (speedup < kRegressionSpeedup) ++out.regressions;
    if (speedup < out.worst) out.worst = speedup;
    out.total_us += t;
    out.base_total_us += t_base;
  }
  if (out.n > 0) {
    out.geo_speedup = std::exp(log_speedup / out.n);
    out.frac_oracle = std::exp(log_oracle / out.n);
  }
  if (with_cublas > 0) out.vs_cublas = std::exp(log_cublas / with_cublas);
  return out;
}

}  // namespace kevolve::gemm::score
