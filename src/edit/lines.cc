#include "edit/lines.h"

#include "core/text.h"

namespace kevolve::edit {

std::vector<std::string> SplitLinesNoCr(std::string_view text) {
  std::vector<std::string> lines = SplitLines(text);
  for (auto& line : lines) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
  }
  return lines;
}

Document SplitDocument(std::string_view text) {
  Document doc;
  std::vector<std::string> raw = SplitLines(text);
  size_t crlf_lines = 0;
  for (auto& line : raw) {
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
      ++crlf_lines;
    }
  }
  // A last line without '\n' cannot have ended in "\r\n"; it still counts when it had a '\r'.
  doc.crlf = !raw.empty() && crlf_lines * 2 > raw.size();
  doc.final_newline = text.empty() || text.back() == '\n';
  doc.lines = std::move(raw);
  return doc;
}

std::string RenderDocument(const std::vector<std::string>& lines, bool crlf, bool final_newline) {
  const std::string_view eol = crlf ? "\r\n" : "\n";
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    out += lines[i];
    if (i + 1 < lines.size() || final_newline) out += eol;
  }
  return out;
}

std::string_view TrimRight(std::string_view s) {
  size_t end = s.find_last_not_of(" \t\r\f\v");
  return end == std::string_view::npos ? std::string_view() : s.substr(0, end + 1);
}

std::string_view LeadingWhitespace(std::string_view s) {
  size_t n = s.find_first_not_of(" \t");
  return n == std::string_view::npos ? s : s.substr(0, n);
}

bool IsBlank(std::string_view s) { return TrimRight(s).empty(); }

std::string Quote(std::string_view text, size_t max_chars) {
  std::string_view t = Trim(text);
  std::string out = "`";
  if (t.size() > max_chars) {
    out += t.substr(0, max_chars);
    out += "...";
  } else {
    out += t;
  }
  out += "`";
  return out;
}

}  // namespace kevolve::edit
