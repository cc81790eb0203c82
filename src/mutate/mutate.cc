#include "mutate/mutate.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <optional>

#include "core/text.h"
#include "edit/edit.h"
#include "edit/lines.h"
#include "mutate/crossover.h"
#include "mutate/literal.h"
#include "mutate/scan.h"

namespace kevolve::mutate {
namespace {

// Attempts at a whole proposal before giving up; each draws fresh choices.
constexpr int kMaxAttempts = 64;
// Draws for one change before the proposal stops adding changes.
constexpr int kMaxDraws = 8;

enum KindId { kLiteral = 0, kOperator, kLine, kCrossover, kKindCount };
constexpr std::array<const char*, kKindCount> kKindNames = {"literal", "operator", "line",
                                                            "crossover"};

// Working lines [begin, end) become `lines`.
struct Change {
  size_t begin = 0;
  size_t end = 0;
  std::vector<std::string> lines;
  KindId kind = kLiteral;
  std::string description;
};

std::string LineText(size_t index) { return "line " + std::to_string(index + 1); }

std::string RangeText(size_t begin, size_t end) {
  if (end <= begin + 1) return LineText(begin);
  return "lines " + std::to_string(begin + 1) + "-" + std::to_string(end);
}

// An inspiration program, split and with its regions found once per Propose call.
struct Inspiration {
  std::vector<std::string> lines;
  std::vector<edit::Region> regions;
};

// What can be mutated in the working program right now.
struct Analysis {
  std::vector<std::string> lines;
  std::vector<bool> evolvable;
  std::vector<LineScan> scans;
  std::vector<LiteralSite> literals;
  std::vector<OperatorSite> operators;
  std::vector<size_t> statements;
  std::vector<std::pair<size_t, CrossoverSite>> crossovers;  // (inspiration index, site)
};

bool AllBlank(const std::vector<std::string>& lines, size_t begin, size_t end) {
  for (size_t i = begin; i < end; ++i) {
    if (!Trim(lines[i]).empty()) return false;
  }
  return true;
}

// Finds sites only for the kinds with a positive weight.
Analysis Analyze(std::vector<std::string> lines,
                 const std::vector<Inspiration>& inspirations, CodeStyle style,
                 const MutatorConfig& cfg) {
  Analysis a;
  a.lines = std::move(lines);
  a.evolvable.assign(a.lines.size(), false);
  const std::vector<edit::Region> regions = edit::FindEvolveRegions(a.lines);
  for (const edit::Region& r : regions) {
    for (size_t i = r.begin; i < r.end; ++i) a.evolvable[i] = true;
  }
  a.scans = ScanLines(a.lines, a.evolvable, style);
  if (cfg.literal_weight > 0) a.literals = FindLiterals(a.lines, a.scans, a.evolvable, style);
  if (cfg.operator_weight > 0) a.operators = FindOperators(a.lines, a.scans, a.evolvable, style);
  if (cfg.line_weight > 0) a.statements = FindStatements(a.lines, a.scans, a.evolvable, style);
  if (cfg.crossover_weight <= 0) return a;
  for (size_t k = 0; k < inspirations.size(); ++k) {
    for (CrossoverSite& site : FindCrossoverSites(a.lines, regions, inspirations[k].lines,
                                                  inspirations[k].regions)) {
      if (AllBlank(a.lines, site.begin, site.end) && AllBlank(site.lines, 0, site.lines.size())) {
        continue;  // only blank lines differ: no program change
      }
      a.crossovers.emplace_back(k, std::move(site));
    }
  }
  return a;
}

std::optional<Change> LiteralChange(const Analysis& a, const MutatorConfig& cfg, Rng& rng) {
  const LiteralSite& site = a.literals[rng.Below(a.literals.size())];
  const std::string& line = a.lines[site.line];
  const std::string old_token = line.substr(site.begin, site.end - site.begin);
  std::optional<std::string> new_token = NewLiteral(site, cfg.perturb_scale, rng);
  if (!new_token || *new_token == old_token) return std::nullopt;
  Change c{site.line, site.line + 1, {line}, kLiteral,
           old_token + " -> " + *new_token + " at " + LineText(site.line)};
  c.lines[0].replace(site.begin, site.end - site.begin, *new_token);
  return c;
}

std::optional<Change> OperatorChange(const Analysis& a, Rng& rng) {
  static const std::vector<std::string> kOrder = {"<", "<=", ">", ">="};
  static const std::vector<std::string> kEquality = {"==", "!="};
  const OperatorSite& site = a.operators[rng.Below(a.operators.size())];
  const auto& family = site.op == "==" || site.op == "!=" ? kEquality : kOrder;
  std::vector<std::string> others;
  for (const std::string& op : family) {
    if (op != site.op) others.push_back(op);
  }
  const std::string& op = others[rng.Below(others.size())];
  Change c{site.line, site.line + 1, {a.lines[site.line]}, kOperator,
           site.op + " -> " + op + " at " + LineText(site.line)};
  c.lines[0].replace(site.begin, site.op.size(), op);
  return c;
}

std::string_view Indent(std::string_view line) {
  return line.substr(0, std::min(line.size(), line.find_first_not_of(" \t")));
}

// In '#'-style code a block must keep a statement: delete only beside a same-indented line.
bool CanDelete(const Analysis& a, size_t i, CodeStyle style) {
  if (style == CodeStyle::kCLike) return true;
  auto same_indent = [&](size_t k) {
    return a.evolvable[k] && !Trim(a.lines[k]).empty() && Indent(a.lines[k]) == Indent(a.lines[i]);
  };
  size_t k = i;
  while (k > 0 && Trim(a.lines[k - 1]).empty()) --k;
  if (k > 0 && same_indent(k - 1)) return true;
  k = i + 1;
  while (k < a.lines.size() && Trim(a.lines[k]).empty()) ++k;
  return k < a.lines.size() && same_indent(k);
}

std::optional<Change> LineChange(const Analysis& a, CodeStyle style, Rng& rng) {
  std::vector<size_t> deletable, swappable;
  for (size_t s = 0; s < a.statements.size(); ++s) {
    const size_t i = a.statements[s];
    if (CanDelete(a, i, style)) deletable.push_back(i);
    if (s + 1 < a.statements.size() && a.statements[s + 1] == i + 1 &&
        Trim(a.lines[i]) != Trim(a.lines[i + 1]) && Indent(a.lines[i]) == Indent(a.lines[i + 1])) {
      swappable.push_back(i);
    }
  }
  std::vector<int> ops = {0};
  if (!deletable.empty()) ops.push_back(1);
  if (!swappable.empty()) ops.push_back(2);
  switch (ops[rng.Below(ops.size())]) {
    case 1: {
      const size_t i = deletable[rng.Below(deletable.size())];
      return Change{i, i + 1, {}, kLine, "delete " + LineText(i)};
    }
    case 2: {
      const size_t i = swappable[rng.Below(swappable.size())];
      return Change{i, i + 2, {a.lines[i + 1], a.lines[i]}, kLine,
                    "swap lines " + std::to_string(i + 1) + " and " + std::to_string(i + 2)};
    }
    default: {
      const size_t i = a.statements[rng.Below(a.statements.size())];
      return Change{i, i + 1, {a.lines[i], a.lines[i]}, kLine, "duplicate " + LineText(i)};
    }
  }
}

Change CrossoverChange(const Analysis& a, Rng& rng) {
  const auto& [inspiration, site] = a.crossovers[rng.Below(a.crossovers.size())];
  const std::string from = "inspiration " + std::to_string(inspiration + 1) + " " +
                           (site.from_begin == site.from_end
                                ? std::string("(nothing)")
                                : RangeText(site.from_begin, site.from_end));
  const std::string to = site.begin == site.end ? "before " + LineText(site.begin)
                                                : "at " + RangeText(site.begin, site.end);
  return Change{site.begin, site.end, site.lines, kCrossover, "crossover: " + from + " " + to};
}

std::array<double, kKindCount> Weights(const Analysis& a, const MutatorConfig& cfg) {
  return {a.literals.empty() ? 0 : cfg.literal_weight,
          a.operators.empty() ? 0 : cfg.operator_weight,
          a.statements.empty() ? 0 : cfg.line_weight,
          a.crossovers.empty() ? 0 : cfg.crossover_weight};
}

std::optional<Change> DrawChange(const Analysis& a, const MutatorConfig& cfg, CodeStyle style,
                                 Rng& rng) {
  const std::array<double, kKindCount> weights = Weights(a, cfg);
  double total = 0;
  for (double w : weights) total += w;
  if (total <= 0) return std::nullopt;
  for (int draw = 0; draw < kMaxDraws; ++draw) {
    double x = rng.Uniform() * total;
    int kind = 0;
    for (int k = 0; k < kKindCount; ++k) {
      if (weights[k] <= 0) continue;
      kind = k;  // the last positive kind also absorbs rounding at the top end
      if (x < weights[k]) break;
      x -= weights[k];
    }
    std::optional<Change> change;
    switch (kind) {
      case kLiteral: change = LiteralChange(a, cfg, rng); break;
      case kOperator: change = OperatorChange(a, rng); break;
      case kLine: change = LineChange(a, style, rng); break;
      default: change = CrossoverChange(a, rng); break;
    }
    if (change) return change;
  }
  return std::nullopt;
}

bool OccursOnce(const std::vector<std::string>& lines, size_t begin, size_t end) {
  const size_t len = end - begin;
  int count = 0;
  for (size_t p = 0; p + len <= lines.size() && count < 2; ++p) {
    if (std::equal(lines.begin() + static_cast<std::ptrdiff_t>(p),
                   lines.begin() + static_cast<std::ptrdiff_t>(p + len),
                   lines.begin() + static_cast<std::ptrdiff_t>(begin))) {
      ++count;
    }
  }
  return count == 1;
}

// The change as one SEARCH/REPLACE block whose search text occurs exactly once: context lines
// are added below and above, alternately, until it does.
std::string MakeBlock(const std::vector<std::string>& lines, const Change& change) {
  size_t lo = change.begin, hi = change.end;
  bool below = true;
  while (!(lo < hi && !AllBlank(lines, lo, hi) && OccursOnce(lines, lo, hi))) {
    if (lo == 0 && hi == lines.size()) break;
    if ((below && hi < lines.size()) || lo == 0) {
      ++hi;
    } else {
      --lo;
    }
    below = !below;
  }
  std::vector<std::string> search(lines.begin() + static_cast<std::ptrdiff_t>(lo),
                                  lines.begin() + static_cast<std::ptrdiff_t>(hi));
  std::vector<std::string> replace(lines.begin() + static_cast<std::ptrdiff_t>(lo),
                                   lines.begin() + static_cast<std::ptrdiff_t>(change.begin));
  replace.insert(replace.end(), change.lines.begin(), change.lines.end());
  replace.insert(replace.end(), lines.begin() + static_cast<std::ptrdiff_t>(change.end),
                 lines.begin() + static_cast<std::ptrdiff_t>(hi));
  return edit::FormatSearchReplace(JoinLines(search), JoinLines(replace));
}

template <typename T>
void Splice(std::vector<T>* v, const Change& change, const std::vector<T>& with) {
  v->erase(v->begin() + static_cast<std::ptrdiff_t>(change.begin),
           v->begin() + static_cast<std::ptrdiff_t>(change.end));
  v->insert(v->begin() + static_cast<std::ptrdiff_t>(change.begin), with.begin(), with.end());
}

Status CheckConfig(const MutatorConfig& cfg) {
  for (double w : {cfg.literal_weight, cfg.operator_weight, cfg.line_weight,
                   cfg.crossover_weight, cfg.perturb_scale}) {
    if (!std::isfinite(w) || w < 0) {
      return Status::InvalidArgument(
          "mutator weights and perturb_scale must be finite and non-negative");
    }
  }
  return Status::Ok();
}

// One attempt: 1..max_edits changes drawn on a working copy. Empty edit when none could be drawn.
// `initial` is the analysis of the parent, reused for the first change. Literals and operators
// on lines an earlier change of the same proposal wrote are not drawn again, so one proposal
// never walks a value away and back (3 -> 6 -> 3).
Proposal Attempt(const Analysis& initial, const std::vector<Inspiration>& inspirations,
                 const MutatorConfig& cfg, CodeStyle style, Rng& rng) {
  const uint64_t edits = 1 + rng.Below(static_cast<uint64_t>(std::max(1, cfg.max_edits)));
  std::vector<std::string> working = initial.lines;
  std::vector<char> touched(working.size(), 0);
  Proposal proposal;
  for (uint64_t e = 0; e < edits; ++e) {
    Analysis later;
    if (e > 0) {
      later = Analyze(working, inspirations, style, cfg);
      std::erase_if(later.literals, [&](const LiteralSite& s) { return touched[s.line] != 0; });
      std::erase_if(later.operators, [&](const OperatorSite& s) { return touched[s.line] != 0; });
    }
    std::optional<Change> change = DrawChange(e == 0 ? initial : later, cfg, style, rng);
    if (!change) break;
    proposal.edit += MakeBlock(working, *change);
    if (proposal.kind.empty()) proposal.kind = kKindNames[change->kind];
    if (!proposal.description.empty()) proposal.description += "; ";
    proposal.description += change->description;
    Splice(&working, *change, change->lines);
    Splice(&touched, *change, std::vector<char>(change->lines.size(), 1));
  }
  return proposal;
}

}  // namespace

Result<Proposal> Propose(std::string_view parent_code,
                         const std::vector<std::string>& inspiration_codes,
                         const MutatorConfig& cfg, Rng& rng) {
  KEVOLVE_RETURN_IF_ERROR(CheckConfig(cfg));
  const std::vector<std::string> parent = edit::SplitLinesNoCr(parent_code);
  const CodeStyle style = DetectStyle(parent);
  std::vector<Inspiration> inspirations;
  for (const std::string& code : inspiration_codes) {
    Inspiration inspiration{edit::SplitLinesNoCr(code), {}};
    inspiration.regions = edit::FindEvolveRegions(inspiration.lines);
    inspirations.push_back(std::move(inspiration));
  }

  const Analysis initial = Analyze(parent, inspirations, style, cfg);
  const std::array<double, kKindCount> weights = Weights(initial, cfg);
  if (std::all_of(weights.begin(), weights.end(), [](double w) { return w <= 0; })) {
    return Status::FailedPrecondition(
        "nothing inside the EVOLVE-BLOCK regions can be mutated: no numeric literal, comparison "
        "operator, statement line or differing inspiration code for a kind with positive weight");
  }
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    Proposal proposal = Attempt(initial, inspirations, cfg, style, rng);
    if (proposal.edit.empty()) continue;
    if (edit::ApplyEdit(parent_code, proposal.edit).ok) return proposal;
  }
  return Status::FailedPrecondition("no mutation of the EVOLVE-BLOCK regions applied after " +
                                    std::to_string(kMaxAttempts) + " attempts");
}

}  // namespace kevolve::mutate
