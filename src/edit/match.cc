#include "edit/match.h"

#include <algorithm>
#include <string_view>

#include "core/text.h"
#include "edit/lines.h"

namespace kevolve::edit {
namespace {

std::string_view Normalize(std::string_view line, MatchLevel level) {
  switch (level) {
    case MatchLevel::kExact:
      return line;
    case MatchLevel::kTrailingWhitespace:
      return TrimRight(line);
    case MatchLevel::kWhitespace:
    case MatchLevel::kIgnoreBlankLines:
      return Trim(line);
  }
  return line;
}

// Matches `pattern` against the subsequence of `lines` given by `index` (all lines, or the
// non-blank ones); spans run from the first to the last matched program line.
std::vector<Span> MatchOver(const std::vector<std::string_view>& lines,
                            const std::vector<size_t>& index,
                            const std::vector<std::string_view>& pattern) {
  std::vector<Span> spans;
  if (pattern.empty() || pattern.size() > index.size()) return spans;
  for (size_t start = 0; start + pattern.size() <= index.size(); ++start) {
    size_t k = 0;
    while (k < pattern.size() && lines[index[start + k]] == pattern[k]) ++k;
    if (k == pattern.size()) {
      spans.push_back(Span{index[start], index[start + pattern.size() - 1] + 1});
    }
  }
  return spans;
}

bool IsPrefixedBy(std::string_view longer, std::string_view shorter, std::string_view* prefix) {
  if (longer.size() < shorter.size() || longer.substr(longer.size() - shorter.size()) != shorter) {
    return false;
  }
  *prefix = longer.substr(0, longer.size() - shorter.size());
  return true;
}

// The common extra indentation of `a` over `b` across non-blank line pairs, if there is one.
std::optional<std::string> CommonExtraIndent(const std::vector<std::string>& a,
                                             const std::vector<std::string>& b) {
  std::optional<std::string> common;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (IsBlank(a[i]) || IsBlank(b[i])) continue;
    std::string_view extra;
    if (!IsPrefixedBy(LeadingWhitespace(a[i]), LeadingWhitespace(b[i]), &extra)) {
      return std::nullopt;
    }
    if (common && *common != extra) return std::nullopt;
    common = std::string(extra);
  }
  return common;
}

std::string FirstLines(const std::vector<std::string>& pattern, size_t max_lines) {
  std::string out;
  size_t shown = 0;
  for (const std::string& line : pattern) {
    if (IsBlank(line)) continue;
    if (shown == max_lines) {
      out += "    ...\n";
      break;
    }
    out += "    " + std::string(TrimRight(line.size() > 160 ? line.substr(0, 160) : line)) + "\n";
    ++shown;
  }
  return out;
}

// The 0-based index of the program line most similar to `wanted` (trimmed), if any is similar.
std::optional<size_t> NearestLine(const std::vector<std::string>& lines, std::string_view wanted) {
  constexpr size_t kMaxCompared = 160;  // keeps the edit-distance cost bounded
  constexpr size_t kMaxLines = 4000;
  if (lines.size() > kMaxLines) return std::nullopt;
  wanted = Trim(wanted).substr(0, kMaxCompared);
  std::optional<size_t> best;
  size_t best_distance = std::max<size_t>(3, wanted.size() / 2) + 1;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view t = Trim(lines[i]).substr(0, kMaxCompared);
    if (t.empty()) continue;
    const size_t longer = std::max(t.size(), wanted.size());
    const size_t shorter = std::min(t.size(), wanted.size());
    if (longer - shorter >= best_distance) continue;  // cannot beat the best
    const size_t d = EditDistance(t, wanted);
    if (d < best_distance) {
      best_distance = d;
      best = i;
    }
  }
  return best;
}

}  // namespace

std::vector<Span> FindSpans(const std::vector<std::string>& lines,
                            const std::vector<std::string>& pattern, MatchLevel level) {
  std::vector<std::string_view> norm_lines;
  std::vector<size_t> index;
  for (size_t i = 0; i < lines.size(); ++i) {
    norm_lines.push_back(Normalize(lines[i], level));
    if (level != MatchLevel::kIgnoreBlankLines || !norm_lines.back().empty()) index.push_back(i);
  }
  std::vector<std::string_view> norm_pattern;
  for (const std::string& line : pattern) {
    std::string_view n = Normalize(line, level);
    if (level != MatchLevel::kIgnoreBlankLines || !n.empty()) norm_pattern.push_back(n);
  }
  return MatchOver(norm_lines, index, norm_pattern);
}

Located Locate(const std::vector<std::string>& lines, const std::vector<std::string>& pattern,
               std::optional<size_t> hint) {
  Located located;
  for (MatchLevel level : {MatchLevel::kExact, MatchLevel::kTrailingWhitespace,
                           MatchLevel::kWhitespace, MatchLevel::kIgnoreBlankLines}) {
    located.spans = FindSpans(lines, pattern, level);
    located.level = level;
    if (!located.spans.empty()) break;
  }
  if (located.spans.size() == 1) {
    located.chosen = located.spans.front();
  } else if (located.spans.size() > 1 && hint) {
    auto distance = [&](const Span& s) {
      return s.begin > *hint ? s.begin - *hint : *hint - s.begin;
    };
    std::vector<Span> by_distance = located.spans;
    std::stable_sort(by_distance.begin(), by_distance.end(),
                     [&](const Span& a, const Span& b) { return distance(a) < distance(b); });
    if (distance(by_distance[0]) <= kMaxHintDistance &&
        distance(by_distance[0]) < distance(by_distance[1])) {
      located.chosen = by_distance[0];
    }
  }
  return located;
}

std::vector<std::string> Reindent(const std::vector<std::string>& matched,
                                  const std::vector<std::string>& pattern,
                                  const std::vector<std::string>& replacement) {
  std::vector<std::string> out = replacement;
  if (matched.size() != pattern.size()) return out;  // matched across skipped blank lines
  if (auto add = CommonExtraIndent(matched, pattern); add && !add->empty()) {
    for (std::string& line : out) {
      if (!IsBlank(line)) line.insert(0, *add);
    }
  } else if (auto remove = CommonExtraIndent(pattern, matched); remove && !remove->empty()) {
    for (std::string& line : out) {
      if (StartsWith(line, *remove)) line.erase(0, remove->size());
    }
  }
  return out;
}

std::string DescribeNoMatch(const std::vector<std::string>& lines,
                            const std::vector<std::string>& pattern) {
  std::string out = "Its first lines are:\n" + FirstLines(pattern, 3);
  std::vector<std::string_view> present;
  for (const std::string& line : lines) present.push_back(Trim(line));
  std::sort(present.begin(), present.end());
  for (size_t k = 0; k < pattern.size(); ++k) {
    std::string_view wanted = Trim(pattern[k]);
    if (wanted.empty() || std::binary_search(present.begin(), present.end(), wanted)) continue;
    out += "Its line " + std::to_string(k + 1) + " (" + Quote(wanted) +
           ") does not occur in the program";
    if (auto nearest = NearestLine(lines, wanted)) {
      out += "; the most similar program line is line " + std::to_string(*nearest + 1) + ": " +
             Quote(lines[*nearest]);
    }
    out += ". Copy the lines exactly as they are in the current program.";
    return out;
  }
  out += "Each of its lines occurs in the program, but not as one contiguous run in this order. "
         "Copy a contiguous run of lines exactly, without skipping or reordering lines.";
  return out;
}

}  // namespace kevolve::edit
