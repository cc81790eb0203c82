#include "score/replay_score.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <vector>

#include "bench/bench_io.h"
#include "core/text.h"
#include "score/references.h"
#include "score/text_format.h"

namespace kevolve::gemm::score {
namespace {

constexpr int kShapesNamedWhenInvalid = 3;
constexpr int kGapsInFeedback = 5;

long long Ll(int64_t v) { return static_cast<long long>(v); }

// Feedback may quote a selector's output: bytes outside ASCII become '?', so the result is
// always valid UTF-8 (control characters are escaped by JsonString).
std::string Ascii(std::string_view text) {
  std::string out(text);
  for (char& ch : out) {
    if (static_cast<unsigned char>(ch) >= 0x80) ch = '?';
  }
  return out;
}

// The train feedback: per-regime speedups (regimes in the order the split first names them) and
// the shapes furthest from their best config.
std::string TrainFeedback(const ReplayData& data, const Selection& selection,
                          const SelectorSummary& train) {
  std::string fb = Format("train: geomean %.4fx over the baseline, %.1f%% of the per-shape best. ",
                          train.geo_speedup, 100 * train.frac_oracle);
  std::vector<std::string> regimes;
  std::map<std::string, std::pair<double, int>> by_regime;  // summed log speedup, shapes
  std::vector<double> gap(data.shapes().size(), 0.0);       // 0 = not a train shape
  for (size_t i = 0; i < data.shapes().size(); ++i) {
    const ScoredShape& s = data.shapes()[i];
    if (!s.InPart(Part::kTrain)) continue;
    auto [it, added] = by_regime.try_emplace(s.regime, 0.0, 0);
    if (added) regimes.push_back(s.regime);
    const double t = data.TimeUs(i, selection[i]);
    it->second.first += std::log(data.TimeUs(i, s.baseline) / t);
    ++it->second.second;
    gap[i] = t / s.oracle_us;
  }
  for (const std::string& r : regimes) {
    const auto [log_sum, n] = by_regime[r];
    fb += Format("%s: %.3fx over %d shapes. ", r.c_str(), std::exp(log_sum / n), n);
  }
  fb += "Largest gaps to the best config: ";
  std::vector<bool> shown(gap.size(), false);
  for (int w = 0; w < kGapsInFeedback; ++w) {
    int worst = -1;
    for (size_t i = 0; i < gap.size(); ++i) {
      if (gap[i] > 0 && !shown[i] && (worst < 0 || gap[i] > gap[worst])) worst = static_cast<int>(i);
    }
    if (worst < 0) break;
    shown[worst] = true;
    const ScoredShape& s = data.shapes()[worst];
    fb += Format("[%lld,%lld,%lld %s: %.2fx slower than '%s'] ", Ll(s.m), Ll(s.n), Ll(s.k),
                 s.regime.c_str(), gap[worst], s.oracle_config.c_str());
  }
  return fb;
}

// The value after `"key":` on a line of events.jsonl, made of `chars` ("" when absent).
std::string FieldText(std::string_view line, std::string_view key, std::string_view chars) {
  std::string needle(1, '"');
  needle.append(key).append("\":");
  for (size_t at = line.find(needle); at != std::string_view::npos;
       at = line.find(needle, at + 1)) {
    const size_t start = at + needle.size();
    const size_t end = line.find_first_not_of(chars, start);
    if (end != start) return std::string(line.substr(start, end - start));
  }
  return "";
}

// `,"choices":"..."` for an artifacts object, or "".
std::string ChoicesArtifact(std::string_view choices) {
  return choices.empty() ? "" : ",\"choices\":" + bench::JsonString(Ascii(choices));
}

bool Has(std::string_view line, std::string_view text) {
  return line.find(text) != std::string_view::npos;
}

// A selector's figures and the references', over train and held-out shapes.
struct ReportFigures {
  struct Figures {
    SelectorSummary evolved, tree, single, oracle, baseline;
  };
  Figures train, held_out;
};

// report.md: the comparison and the per-shape held-out table.
std::string ReportMarkdown(const ReplayData& data, const Selection& evolved,
                           const Selection& baseline, const References& refs,
                           const ReportFigures& f, const RunFacts& facts) {
  const std::vector<ScoredShape>& shapes = data.shapes();
  const ReportFigures::Figures& tr = f.train;
  const ReportFigures::Figures& ho = f.held_out;
  std::string md;
  md = "# GEMM tile heuristic: report\n\n";
  md += Format(
      "Evaluations: %lld; wall time: %.0f s. Speedups are geomeans of baseline time / selector "
      "time; \"of oracle\" is the geomean of per-shape best time / selector time.\n\n",
      Ll(facts.evaluations), facts.wall_seconds);
  md += "| selector | train speedup | train of oracle | held-out speedup | held-out of oracle |\n";
  md += "| --- | ---: | ---: | ---: | ---: |\n";
  md += Format("| naive baseline | 1.000 | %.3f | 1.000 | %.3f |\n", tr.baseline.frac_oracle,
               ho.baseline.frac_oracle);
  md += Format("| best single config | %.3f | %.3f | %.3f | %.3f |\n", tr.single.geo_speedup,
               tr.single.frac_oracle, ho.single.geo_speedup, ho.single.frac_oracle);
  md += Format("| decision tree (depth %d, fitted on train) | %.3f | %.3f | %.3f | %.3f |\n",
               kTreeDepth, tr.tree.geo_speedup, tr.tree.frac_oracle, ho.tree.geo_speedup,
               ho.tree.frac_oracle);
  md += Format("| **evolved** | **%.3f** | **%.3f** | **%.3f** | **%.3f** |\n",
               tr.evolved.geo_speedup, tr.evolved.frac_oracle, ho.evolved.geo_speedup,
               ho.evolved.frac_oracle);
  md += Format("| per-shape oracle | %.3f | 1.000 | %.3f | 1.000 |\n\n", tr.oracle.geo_speedup,
               ho.oracle.geo_speedup);
  md += Format(
      "Held out: %d shapes, %d slower than the baseline by more than 2%% (worst %.3fx); evolved "
      "vs cuBLAS %.3f (baseline %.3f, oracle %.3f). Train/held-out gap in fraction of oracle: "
      "%+.3f. The decision tree fell back to the baseline on %d shapes.\n\n",
      ho.evolved.n, ho.evolved.regressions, ho.evolved.worst, ho.evolved.vs_cublas,
      ho.baseline.vs_cublas, ho.oracle.vs_cublas, tr.evolved.frac_oracle - ho.evolved.frac_oracle,
      refs.tree_fallbacks);
  md += "## Held-out shapes (times in microseconds, from the table)\n\n";
  md += "| M | N | K | regime | origin | baseline | evolved | oracle | best single | tree | cuBLAS "
        "| speedup |\n";
  md += "| ---: | ---: | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n";
  for (size_t i = 0; i < shapes.size(); ++i) {
    const ScoredShape& s = shapes[i];
    if (!s.InPart(Part::kHeldOut)) continue;
    const double t_base = data.TimeUs(i, baseline[i]);
    const double t = data.TimeUs(i, evolved[i]);
    md += Format("| %lld | %lld | %lld | %s | %s | %.1f | %.1f | %.1f | %.1f | %.1f | %s | %.3f |\n",
                 Ll(s.m), Ll(s.n), Ll(s.k), s.regime.c_str(), s.origin.c_str(), t_base, t,
                 s.oracle_us, data.TimeUs(i, refs.best_single[i]), data.TimeUs(i, refs.tree[i]),
                 s.cublas_us ? Format("%.1f", *s.cublas_us).c_str() : "-", t_base / t);
  }
  return md;
}

// summary.json: the headline figures.
std::string SummaryJson(const ReportFigures& f, const RunFacts& facts) {
  const ReportFigures::Figures& tr = f.train;
  const ReportFigures::Figures& ho = f.held_out;
  std::string js;
  js = Format(
      "{\n  \"heldout_geomean_speedup_vs_baseline\": %.6f,\n  \"heldout_fraction_of_oracle\": "
      "%.6f,\n  \"heldout_regressions\": %d,\n  \"heldout_worst_speedup_vs_baseline\": %.6f,\n  "
      "\"heldout_fraction_of_oracle_decision_tree\": %.6f,\n  "
      "\"heldout_fraction_of_oracle_best_single\": %.6f,\n  "
      "\"heldout_fraction_of_oracle_baseline\": %.6f,\n  \"heldout_vs_cublas\": %.6f,\n  "
      "\"heldout_shapes\": %d,\n",
      ho.evolved.geo_speedup, ho.evolved.frac_oracle, ho.evolved.regressions, ho.evolved.worst,
      ho.tree.frac_oracle, ho.single.frac_oracle, ho.baseline.frac_oracle, ho.evolved.vs_cublas,
      ho.evolved.n);
  js += Format(
      "  \"train_geomean_speedup_vs_baseline\": %.6f,\n  \"train_fraction_of_oracle\": %.6f,\n  "
      "\"train_fraction_of_oracle_decision_tree\": %.6f,\n  "
      "\"train_fraction_of_oracle_best_single\": %.6f,\n  \"train_shapes\": %d,\n  "
      "\"train_heldout_gap_fraction_of_oracle\": %.6f,\n  \"evaluations\": %lld,\n  "
      "\"wall_seconds\": %.1f,\n",
      tr.evolved.geo_speedup, tr.evolved.frac_oracle, tr.tree.frac_oracle, tr.single.frac_oracle,
      tr.evolved.n, tr.evolved.frac_oracle - ho.evolved.frac_oracle, Ll(facts.evaluations),
      facts.wall_seconds);
  js += "  \"table\": " + bench::JsonString(facts.table) + "\n}\n";
  return js;
}

}  // namespace

std::string InvalidResult(std::string_view feedback, std::string_view choices_artifact) {
  return "{\"protocol\":1,\"valid\":false,\"artifacts\":{\"feedback\":" +
         bench::JsonString(Ascii(feedback)) + ChoicesArtifact(choices_artifact) + "}}\n";
}

std::string ScoreResult(const ReplayData& data, const std::map<std::string, std::string>& choices,
                        const ScoreOptions& options) {
  const std::vector<ScoredShape>& shapes = data.shapes();
  const std::string& emitted = options.choices_artifact;
  if (shapes.empty()) return InvalidResult("no shape of the split is in the table", emitted);
  for (size_t i = 0; i < shapes.size(); ++i) {
    const std::string why = data.Unusable(i, shapes[i].baseline);
    if (!why.empty()) {
      return InvalidResult("the baseline cannot run shape " + shapes[i].key + ": " + why +
                           "; the table does not fit this task",
                           emitted);
    }
  }
  const Selection selection = data.Select(choices);
  int bad = 0;
  std::string named;
  for (size_t i = 0; i < shapes.size(); ++i) {
    const std::string why = data.Unusable(i, selection[i]);
    if (why.empty()) continue;
    if (++bad <= kShapesNamedWhenInvalid) {
      named += Format("SelectConfig(%lld, %lld, %lld) returned '%s': %s. ", Ll(shapes[i].m),
                      Ll(shapes[i].n), Ll(shapes[i].k), selection[i].c_str(), why.c_str());
    }
  }
  if (bad > 0) {
    return InvalidResult(
        std::to_string(bad) + " shape(s) got a config the family cannot run: " + named, emitted);
  }
  const SelectorSummary tr = data.Summarize(selection, Part::kTrain);
  const SelectorSummary ho = data.Summarize(selection, Part::kHeldOut);
  // References shown with every result: the per-shape oracle (fraction 1 by definition), cuBLAS
  // and the best single config. The decision tree is fitted by the report.
  const std::string single = FitBestSingle(data, ComputeLogFractions(data));
  const SelectorSummary rs = data.Summarize(UseWhereItRuns(data, single), Part::kTrain);
  std::set<std::string> used;
  for (size_t i = 0; i < shapes.size(); ++i) {
    if (shapes[i].InPart(Part::kTrain)) used.insert(selection[i]);
  }
  const int distinct = static_cast<int>(used.size());
  std::string out = Format("{\"protocol\":1,\"valid\":true,\"combined_score\":%.6f,", tr.geo_speedup);
  out += Format(
      "\"metrics\":{\"train_geomean_speedup_vs_baseline\":%.6f,\"train_fraction_of_oracle\":%.6f,",
      tr.geo_speedup, tr.frac_oracle);
  out += Format(
      "\"train_regressions\":%d,\"train_worst_speedup\":%.6f,\"train_total_us\":%.3f,"
      "\"train_baseline_total_us\":%.3f,",
      tr.regressions, tr.worst, tr.total_us, tr.base_total_us);
  out += Format("\"train_vs_cublas\":%.6f,\"train_shapes\":%d,\"distinct_configs\":%d,",
                tr.vs_cublas, tr.n, distinct);
  out += Format("\"ref_train_best_single_fraction_of_oracle\":%.6f},", rs.frac_oracle);
  out += Format("\"features\":{\"distinct_configs\":%d,\"rule_count\":%d},", distinct,
                options.rule_count);
  out += Format(
      "\"hidden_metrics\":{\"heldout_geomean_speedup_vs_baseline\":%.6f,"
      "\"heldout_fraction_of_oracle\":%.6f,",
      ho.geo_speedup, ho.frac_oracle);
  out += Format(
      "\"heldout_regressions\":%d,\"heldout_worst_speedup\":%.6f,\"heldout_vs_cublas\":%.6f,"
      "\"heldout_shapes\":%d},",
      ho.regressions, ho.worst, ho.vs_cublas, ho.n);
  out += "\"artifacts\":{\"feedback\":" +
         bench::JsonString(TrainFeedback(data, selection, tr)) + ChoicesArtifact(emitted) +
         "}}\n";
  return out;
}

int CountRules(std::string_view program) {
  int rules = 0;
  bool inside = false;
  for (const std::string& line : SplitLines(program)) {
    if (Has(line, "EVOLVE-BLOCK-START")) inside = true;
    if (Has(line, "EVOLVE-BLOCK-END")) inside = false;
    if (!inside) continue;
    bool rule = false;
    for (std::string_view word : {"if", "case"}) {
      for (size_t at = line.find(word); at != std::string::npos && !rule;
           at = line.find(word, at + 1)) {
        const char before = at == 0 ? ' ' : line[at - 1];
        const bool starts_word = !((before >= 'a' && before <= 'z') || before == '_');
        const size_t end = at + word.size();
        rule = starts_word && end < line.size() && (line[end] == ' ' || line[end] == '(');
      }
    }
    if (rule) ++rules;
  }
  return rules;
}

Result<ReportFiles> BuildReport(const ReplayData& data,
                                const std::map<std::string, std::string>& choices,
                                const RunFacts& facts) {
  const std::vector<ScoredShape>& shapes = data.shapes();
  const Selection evolved = data.Select(choices);
  for (size_t i = 0; i < shapes.size(); ++i) {
    const std::string why = data.Unusable(i, evolved[i]);
    if (!why.empty()) {
      return Status::InvalidArgument("the selector's choice for " + shapes[i].key +
                                     " cannot run: " + why);
    }
  }
  const References refs = BuildReferences(data);
  const Selection baseline = data.BaselineSelection();
  const auto figures = [&](Part part) {
    return ReportFigures::Figures{data.Summarize(evolved, part), data.Summarize(refs.tree, part),
                                  data.Summarize(refs.best_single, part),
                                  data.Summarize(refs.oracle, part),
                                  data.Summarize(baseline, part)};
  };
  const ReportFigures f{figures(Part::kTrain), figures(Part::kHeldOut)};
  return ReportFiles{ReportMarkdown(data, evolved, baseline, refs, f, facts),
                     SummaryJson(f, facts)};
}

double WallSeconds(std::string_view events_jsonl) {
  double wall = 0;
  std::string start;
  for (const std::string& line : SplitLines(events_jsonl)) {
    if (Has(line, "\"type\":\"run_start\"")) start = FieldText(line, "t", "0123456789");
    if (Has(line, "\"type\":\"run_end\"") && !start.empty()) {
      wall += (std::strtod(FieldText(line, "t", "0123456789").c_str(), nullptr) -
               std::strtod(start.c_str(), nullptr)) /
              1000;
      start.clear();
    }
  }
  return wall;
}

std::string ProgressSvg(std::string_view events_jsonl) {
  // best[e]: the best valid score after evaluation e + 1 (none before the first valid one).
  std::vector<std::optional<double>> best;
  std::optional<double> so_far;
  for (const std::string& line : SplitLines(events_jsonl)) {
    if (!Has(line, "\"type\":\"program\"")) continue;
    if (Has(line, "\"valid\":true")) {
      const double v = std::strtod(FieldText(line, "score", "-0123456789.eE+").c_str(), nullptr);
      if (!so_far || v > *so_far) so_far = v;
    }
    best.push_back(so_far);
  }
  if (best.empty()) return "";
  double lo = 0, hi = 0;
  bool first = true;
  for (const auto& y : best) {
    if (!y) continue;
    if (first || *y < lo) lo = *y;
    if (first || *y > hi) hi = *y;
    first = false;
  }
  if (hi == lo) hi = lo + 1;
  constexpr int kW = 640, kH = 360, kL = 60, kB = 40;
  const size_t n = best.size();
  std::string svg = Format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
      "font-family=\"sans-serif\" font-size=\"12\">\n",
      kW, kH);
  svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  svg += Format(
      "<text x=\"%d\" y=\"20\">best train score (geomean speedup over the baseline) vs "
      "evaluations</text>\n",
      kL);
  svg += Format("<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n", kL, kH - kB,
                kW - 10, kH - kB);
  svg += Format("<line x1=\"%d\" y1=\"30\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n", kL, kL,
                kH - kB);
  svg += Format("<text x=\"5\" y=\"%d\">%.3f</text><text x=\"5\" y=\"40\">%.3f</text>\n", kH - kB,
                lo, hi);
  svg += Format("<text x=\"%d\" y=\"%d\">0</text><text x=\"%d\" y=\"%d\">%zu</text>\n", kL,
                kH - kB + 15, kW - 40, kH - kB + 15, n);
  svg += "<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\" points=\"";
  const double span = n > 1 ? static_cast<double>(n - 1) : 1.0;
  for (size_t i = 0; i < n; ++i) {
    if (!best[i]) continue;
    svg += Format("%.1f,%.1f ", kL + (kW - 10 - kL) * static_cast<double>(i) / span,
                  (kH - kB) - (kH - kB - 30) * (*best[i] - lo) / (hi - lo));
  }
  svg += "\"/>\n</svg>\n";
  return svg;
}

}  // namespace kevolve::gemm::score
