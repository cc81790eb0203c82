// Locating a run of lines (a SEARCH text, or a hunk's context and removed lines) in a program,
// tolerant of whitespace. Internal to kevolve_edit. Pure and thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace kevolve::edit {

// How loosely a pattern line may equal a program line; tried in this order.
enum class MatchLevel {
  kExact,
  kTrailingWhitespace,  // equal after removing trailing whitespace
  kWhitespace,          // equal after removing leading and trailing whitespace
  kIgnoreBlankLines,    // as kWhitespace, and blank lines on either side are skipped
};

// Lines [begin, end) of the program.
struct Span {
  size_t begin = 0;
  size_t end = 0;
};

// Every place where `pattern` occurs in `lines` at `level`, in order. Spans may overlap. A
// pattern with no non-blank line matches nowhere at kIgnoreBlankLines.
std::vector<Span> FindSpans(const std::vector<std::string>& lines,
                            const std::vector<std::string>& pattern, MatchLevel level);

struct Located {
  std::vector<Span> spans;  // all matches at `level`; empty when nothing matched at any level
  MatchLevel level = MatchLevel::kExact;
  std::optional<Span> chosen;  // set when the match is unambiguous (or the hint decided)
};

// Tries the levels in order and stops at the first with any match. One match is chosen. Among
// several, `hint` (a 0-based line where the pattern is expected) chooses the one strictly nearest
// to it, if that one starts within kMaxHintDistance lines of it.
inline constexpr size_t kMaxHintDistance = 20;
Located Locate(const std::vector<std::string>& lines, const std::vector<std::string>& pattern,
               std::optional<size_t> hint);

// `replacement` re-indented for a match found with different indentation: when every non-blank
// program line in `matched` has the pattern line's indentation plus one common prefix, that prefix
// is added to each non-blank replacement line; when every pattern line has the program line's
// indentation plus a common prefix, that prefix is removed where present. Otherwise unchanged.
std::vector<std::string> Reindent(const std::vector<std::string>& matched,
                                  const std::vector<std::string>& pattern,
                                  const std::vector<std::string>& replacement);

// Why `pattern` does not occur in `lines`: its first lines, the first pattern line that occurs
// nowhere and the most similar program line. Several sentences, for the LLM.
std::string DescribeNoMatch(const std::vector<std::string>& lines,
                            const std::vector<std::string>& pattern);

}  // namespace kevolve::edit
