#include "serve/diff.h"

#include <algorithm>

#include "core/text.h"

namespace kevolve::serve {

std::vector<DiffLine> DiffLines(std::string_view before, std::string_view after,
                                size_t max_cells) {
  const std::vector<std::string> a = SplitLines(before);
  const std::vector<std::string> b = SplitLines(after);
  size_t head = 0;
  while (head < a.size() && head < b.size() && a[head] == b[head]) ++head;
  size_t tail = 0;
  while (tail < a.size() - head && tail < b.size() - head &&
         a[a.size() - 1 - tail] == b[b.size() - 1 - tail]) {
    ++tail;
  }
  std::vector<DiffLine> out;
  for (size_t i = 0; i < head; ++i) out.push_back({' ', a[i]});
  const size_t n = a.size() - head - tail;
  const size_t m = b.size() - head - tail;
  if (n * m > max_cells) {
    for (size_t i = 0; i < n; ++i) out.push_back({'-', a[head + i]});
    for (size_t j = 0; j < m; ++j) out.push_back({'+', b[head + j]});
  } else {
    // lcs[i][j]: length of the common subsequence of a[head+i..] and b[head+j..].
    std::vector<uint32_t> lcs((n + 1) * (m + 1), 0);
    auto at = [&](size_t i, size_t j) -> uint32_t& { return lcs[i * (m + 1) + j]; };
    for (size_t i = n; i-- > 0;) {
      for (size_t j = m; j-- > 0;) {
        at(i, j) = a[head + i] == b[head + j] ? at(i + 1, j + 1) + 1
                                              : std::max(at(i + 1, j), at(i, j + 1));
      }
    }
    size_t i = 0;
    size_t j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a[head + i] == b[head + j]) {
        out.push_back({' ', a[head + i++]});
        ++j;
      } else if (j < m && (i == n || at(i, j + 1) > at(i + 1, j))) {
        out.push_back({'+', b[head + j++]});
      } else {
        out.push_back({'-', a[head + i++]});
      }
    }
  }
  for (size_t i = a.size() - tail; i < a.size(); ++i) out.push_back({' ', a[i]});
  return out;
}

namespace {

// The changed line pairs of an edit: (removed, added) per SEARCH/REPLACE block or diff hunk.
struct Change {
  std::vector<std::string> removed;
  std::vector<std::string> added;
};

std::vector<Change> Changes(const std::vector<std::string>& lines) {
  std::vector<Change> changes;
  enum { kOutside, kSearch, kReplace } where = kOutside;
  for (const std::string& line : lines) {
    const std::string_view t = Trim(line);
    if (StartsWith(t, "<<<<<<<") && t.find("SEARCH") != std::string_view::npos) {
      changes.emplace_back();
      where = kSearch;
    } else if (where == kSearch && StartsWith(t, "=======")) {
      where = kReplace;
    } else if (where == kReplace && StartsWith(t, ">>>>>>>")) {
      where = kOutside;
    } else if (where == kSearch) {
      changes.back().removed.push_back(line);
    } else if (where == kReplace) {
      changes.back().added.push_back(line);
    } else if (StartsWith(line, "@@")) {
      changes.emplace_back();
    } else if (!changes.empty() && !StartsWith(line, "---") && !StartsWith(line, "+++") &&
               (StartsWith(line, "-") || StartsWith(line, "+"))) {
      (line[0] == '-' ? changes.back().removed : changes.back().added).push_back(line.substr(1));
    }
  }
  return changes;
}

// "old -> new" for the first line where a change's two sides differ.
std::string Describe(const Change& c) {
  const size_t common = std::min(c.removed.size(), c.added.size());
  for (size_t i = 0; i < common; ++i) {
    if (c.removed[i] != c.added[i]) {
      return std::string(Trim(c.removed[i])) + " -> " + std::string(Trim(c.added[i]));
    }
  }
  if (c.added.size() > common) return "+ " + std::string(Trim(c.added[common]));
  if (c.removed.size() > common) return "- " + std::string(Trim(c.removed[common]));
  return "no change";
}

}  // namespace

std::string EditSummary(std::string_view edit, size_t max_bytes) {
  const std::vector<std::string> lines = SplitLines(edit);
  const std::vector<Change> changes = Changes(lines);
  std::string summary;
  if (!changes.empty()) {
    summary = Describe(changes.front());
    if (changes.size() > 1) summary += " (+" + std::to_string(changes.size() - 1) + " more)";
  } else {
    for (const std::string& line : lines) {
      if (!Trim(line).empty()) {
        summary = std::string(Trim(line));
        break;
      }
    }
  }
  if (summary.size() <= max_bytes) return summary;
  // Cut at a character boundary (not inside a UTF-8 sequence) and say so.
  size_t cut = max_bytes >= 3 ? max_bytes - 3 : 0;
  while (cut > 0 && (static_cast<unsigned char>(summary[cut]) & 0xC0) == 0x80) --cut;
  return summary.substr(0, cut) + "...";
}

}  // namespace kevolve::serve
