#include "edit/regions.h"

#include <algorithm>
#include <utility>

#include "core/text.h"
#include "edit/lines.h"

namespace kevolve::edit {
namespace {

constexpr std::string_view kStartMarker = "EVOLVE-BLOCK-START";
constexpr std::string_view kEndMarker = "EVOLVE-BLOCK-END";

// The marker lines of a text and whether each run of lines between them is evolvable. Run r
// spans the lines after marker r-1 up to marker r; there are markers.size() + 1 runs.
struct Layout {
  std::vector<size_t> markers;
  std::vector<bool> run_inside;
  size_t line_count = 0;

  size_t RunBegin(size_t r) const { return r == 0 ? 0 : markers[r - 1] + 1; }
  size_t RunEnd(size_t r) const { return r == markers.size() ? line_count : markers[r]; }
};

Layout ComputeLayout(const std::vector<std::string>& lines) {
  Layout layout;
  layout.line_count = lines.size();
  std::vector<MarkerKind> kinds;
  for (size_t i = 0; i < lines.size(); ++i) {
    MarkerKind kind = LineMarker(lines[i]);
    if (kind == MarkerKind::kNone) continue;
    layout.markers.push_back(i);
    kinds.push_back(kind);
  }
  // Without markers the whole file is evolvable. Otherwise a run is inside exactly when the
  // marker that opens it is a START (an END, matched or stray, leaves the code outside).
  layout.run_inside.push_back(layout.markers.empty());
  for (MarkerKind kind : kinds) layout.run_inside.push_back(kind == MarkerKind::kStart);
  return layout;
}

const char* MarkerName(std::string_view line) {
  return LineMarker(line) == MarkerKind::kStart ? "EVOLVE-BLOCK-START" : "EVOLVE-BLOCK-END";
}

std::string RegionAdvice(const std::vector<std::string>& parent) {
  return " Only " + DescribeRegions(FindRegionsInLines(parent)) +
         " may change (between EVOLVE-BLOCK-START and EVOLVE-BLOCK-END); leave every other line "
         "as it is.";
}

std::optional<EditRejection> CheckMarkers(const std::vector<std::string>& parent,
                                          const Layout& pl,
                                          const std::vector<std::string>& candidate,
                                          const Layout& cl) {
  const size_t common = std::min(pl.markers.size(), cl.markers.size());
  size_t k = 0;
  while (k < common && Trim(parent[pl.markers[k]]) == Trim(candidate[cl.markers[k]])) ++k;
  if (k == pl.markers.size() && k == cl.markers.size()) return std::nullopt;
  std::string message;
  if (cl.markers.size() > pl.markers.size()) {
    const std::string& added = candidate[cl.markers[k]];
    message = "The edit adds an " + std::string(MarkerName(added)) + " marker line " +
              Quote(added) + ". Marker lines must stay exactly as they are; do not add any.";
  } else {
    const size_t line = pl.markers[k];
    message = "The edit " +
              std::string(cl.markers.size() < pl.markers.size() ? "removes" : "changes") +
              " the " + MarkerName(parent[line]) + " marker on line " + std::to_string(line + 1) +
              " (" + Quote(parent[line]) +
              "). Marker lines must stay exactly as they are; change only the code between them.";
  }
  return EditRejection{EditRejection::Kind::kMarkers, std::move(message)};
}

// Non-blank lines of a run as (index, trimmed text).
std::vector<std::pair<size_t, std::string_view>> Significant(const std::vector<std::string>& lines,
                                                             size_t begin, size_t end) {
  std::vector<std::pair<size_t, std::string_view>> out;
  for (size_t i = begin; i < end; ++i) {
    std::string_view t = Trim(lines[i]);
    if (!t.empty()) out.emplace_back(i, t);
  }
  return out;
}

std::optional<EditRejection> CheckOutsideRun(const std::vector<std::string>& parent,
                                             const Layout& pl, const std::vector<std::string>& cand,
                                             const Layout& cl, size_t run) {
  auto p = Significant(parent, pl.RunBegin(run), pl.RunEnd(run));
  auto c = Significant(cand, cl.RunBegin(run), cl.RunEnd(run));
  size_t j = 0;
  while (j < p.size() && j < c.size() && p[j].second == c[j].second) ++j;
  if (j == p.size() && j == c.size()) return std::nullopt;
  // With the common suffix set aside too, what is left of each side says added/removed/changed.
  size_t suffix = 0;
  while (suffix < p.size() - j && suffix < c.size() - j &&
         p[p.size() - 1 - suffix].second == c[c.size() - 1 - suffix].second) {
    ++suffix;
  }
  std::string message;
  if (j + suffix < p.size()) {
    const bool removed = j + suffix == c.size();
    message = "The edit " + std::string(removed ? "removes" : "changes") + " line " +
              std::to_string(p[j].first + 1) + " (" + Quote(p[j].second) +
              "), which is outside the EVOLVE-BLOCK regions.";
  } else {
    const size_t run_begin = pl.RunBegin(run);
    const std::string where = j > 0 ? "after line " + std::to_string(p[j - 1].first + 1)
                              : run_begin > 0 ? "after line " + std::to_string(run_begin)
                                              : "at the top of the file";
    message = "The edit adds " + Quote(c[j].second) + " " + where +
              ", which is outside the EVOLVE-BLOCK regions.";
  }
  return EditRejection{EditRejection::Kind::kOutsideRegion, message + RegionAdvice(parent)};
}

}  // namespace

MarkerKind LineMarker(std::string_view line) {
  if (line.find(kStartMarker) != std::string_view::npos) return MarkerKind::kStart;
  if (line.find(kEndMarker) != std::string_view::npos) return MarkerKind::kEnd;
  return MarkerKind::kNone;
}

std::vector<Region> FindRegionsInLines(const std::vector<std::string>& lines) {
  Layout layout = ComputeLayout(lines);
  if (layout.markers.empty()) return {Region{0, lines.size(), false}};
  std::vector<Region> regions;
  for (size_t r = 1; r < layout.run_inside.size(); ++r) {
    if (layout.run_inside[r]) regions.push_back(Region{layout.RunBegin(r), layout.RunEnd(r), true});
  }
  return regions;
}

std::vector<Region> FindEvolveRegions(std::string_view code) {
  return FindRegionsInLines(SplitLinesNoCr(code));
}

std::vector<Region> FindEvolveRegions(const std::vector<std::string>& lines) {
  return FindRegionsInLines(lines);  // markers are found by substring, so '\r' does not matter
}

std::string EvolvableText(std::string_view code) {
  std::vector<std::string> lines = SplitLinesNoCr(code);
  std::string out;
  for (const Region& region : FindRegionsInLines(lines)) {
    for (size_t i = region.begin; i < region.end; ++i) {
      out += lines[i];
      out += '\n';
    }
  }
  return out;
}

std::string DescribeRegions(const std::vector<Region>& regions) {
  std::vector<std::string> parts;
  for (const Region& r : regions) {
    if (r.begin == r.end) continue;
    parts.push_back(r.begin + 1 == r.end ? std::to_string(r.begin + 1)
                                         : std::to_string(r.begin + 1) + "-" +
                                               std::to_string(r.end));
  }
  if (parts.empty()) return "the (empty) lines between the markers";
  std::string out = parts.size() == 1 && parts[0].find('-') == std::string::npos ? "line " : "lines ";
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += i + 1 == parts.size() ? " and " : ", ";
    out += parts[i];
  }
  return out;
}

RegionMerge MergeWithinRegions(const std::vector<std::string>& parent,
                               const std::vector<std::string>& candidate) {
  RegionMerge merge;
  const Layout pl = ComputeLayout(parent);
  const Layout cl = ComputeLayout(candidate);
  if (auto rejection = CheckMarkers(parent, pl, candidate, cl)) {
    merge.rejection = std::move(rejection);
    return merge;
  }
  // Same markers in the same order, so run r of the parent corresponds to run r of the candidate.
  for (size_t run = 0; run < pl.run_inside.size(); ++run) {
    if (!pl.run_inside[run]) {
      if (auto rejection = CheckOutsideRun(parent, pl, candidate, cl, run)) {
        merge.rejection = std::move(rejection);
        return merge;
      }
    }
    const auto& source = pl.run_inside[run] ? candidate : parent;
    const Layout& layout = pl.run_inside[run] ? cl : pl;
    for (size_t i = layout.RunBegin(run); i < layout.RunEnd(run); ++i) {
      merge.lines.push_back(source[i]);
    }
    if (run < pl.markers.size()) merge.lines.push_back(parent[pl.markers[run]]);
  }
  return merge;
}

}  // namespace kevolve::edit
