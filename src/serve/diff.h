// Line diffs and one-line edit summaries for showing a program beside its parent. Pure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace kevolve::serve {

struct DiffLine {
  char op = ' ';  // ' ' in both, '-' only in the old text, '+' only in the new text
  std::string text;
};

// The lines of `before` and `after` aligned by a longest common subsequence, after the common
// head and tail are taken off. When the differing middle is larger than `max_cells` (rows x
// columns of the table), it is shown as all removed then all added instead.
std::vector<DiffLine> DiffLines(std::string_view before, std::string_view after,
                                size_t max_cells = 4'000'000);

// One line that says what an edit changed: the first line pair that differs in a SEARCH/REPLACE
// block or a diff hunk ("old -> new"), with "(+N more)" for the other blocks; otherwise the
// edit's first non-blank line. At most `max_bytes` bytes; "" for an empty edit.
std::string EditSummary(std::string_view edit, size_t max_bytes = 160);

}  // namespace kevolve::serve
