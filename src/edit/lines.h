// Line-level helpers shared by the edit module's parser, matcher and region check.
// Internal to kevolve_edit (and its tests); pure and thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace kevolve::edit {

// A text as lines without terminators, plus what is needed to write it back the same way.
struct Document {
  std::vector<std::string> lines;  // no '\n', no trailing '\r'
  bool crlf = false;               // most lines ended in "\r\n"
  bool final_newline = true;       // the text ended with a line terminator (or was empty)
};

Document SplitDocument(std::string_view text);
// Joins `lines` with the document's terminator; the last line gets one only if final_newline.
std::string RenderDocument(const std::vector<std::string>& lines, bool crlf, bool final_newline);

// Lines of `text` with any trailing '\r' removed.
std::vector<std::string> SplitLinesNoCr(std::string_view text);

std::string_view TrimRight(std::string_view s);
std::string_view LeadingWhitespace(std::string_view s);
bool IsBlank(std::string_view s);

// "`text`" cut to at most max_chars characters, for messages.
std::string Quote(std::string_view text, size_t max_chars = 100);

}  // namespace kevolve::edit
