#include "edit/reply.h"

#include <algorithm>
#include <cctype>

#include "core/text.h"
#include "edit/lines.h"

namespace kevolve::edit {
namespace {

using Kind = EditRejection::Kind;

// A line of at least five `c` followed by `word` (any case), e.g. "<<<<<<< SEARCH".
bool IsMarkerLine(std::string_view line, char c, std::string_view word) {
  std::string_view t = Trim(line);
  size_t n = 0;
  while (n < t.size() && t[n] == c) ++n;
  return n >= 5 && ToLower(Trim(t.substr(n))) == word;
}

bool IsSearchMarker(std::string_view line) { return IsMarkerLine(line, '<', "search"); }
bool IsReplaceMarker(std::string_view line) { return IsMarkerLine(line, '>', "replace"); }
// Exactly seven '=': shorter or longer runs of '=' are ordinary content (RST headings, banners).
bool IsDivider(std::string_view line) { return Trim(line) == "======="; }

std::optional<EditRejection> ParseSearchReplace(const std::vector<std::string>& lines,
                                                std::vector<SearchReplaceBlock>* blocks) {
  enum class State { kOutside, kSearch, kReplace } state = State::kOutside;
  SearchReplaceBlock block;
  auto error = [&](const std::string& what) {
    return EditRejection{Kind::kParse, "SEARCH/REPLACE block " +
                                           std::to_string(blocks->size() + 1) + " (reply line " +
                                           std::to_string(block.reply_line) + ") " + what};
  };
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    switch (state) {
      case State::kOutside:
        if (IsSearchMarker(line)) {
          block = SearchReplaceBlock{};
          block.reply_line = i + 1;
          state = State::kSearch;
        }
        break;
      case State::kSearch:
        if (IsDivider(line)) {
          state = State::kReplace;
        } else if (IsSearchMarker(line) || IsReplaceMarker(line)) {
          return error("has no ======= line between its SEARCH part and line " +
                       std::to_string(i + 1) + "; write <<<<<<< SEARCH, the exact lines, =======, "
                       "the new lines, >>>>>>> REPLACE.");
        } else {
          block.search.push_back(line);
        }
        break;
      case State::kReplace:
        if (IsReplaceMarker(line)) {
          blocks->push_back(std::move(block));
          block = SearchReplaceBlock{};
          state = State::kOutside;
        } else if (IsSearchMarker(line)) {
          return error("is not closed with >>>>>>> REPLACE before the next SEARCH on line " +
                       std::to_string(i + 1) + ".");
        } else {
          block.replace.push_back(line);
        }
        break;
    }
  }
  if (state != State::kOutside) {
    return error(std::string("is not closed: expected ") +
                 (state == State::kSearch ? "======= and " : "") +
                 ">>>>>>> REPLACE before the end of the reply (was it cut off?).");
  }
  return std::nullopt;
}

// An opening or closing fence: optional indentation, then three or more backticks or tildes.
size_t FenceLength(std::string_view line, char* fence_char) {
  std::string_view t = Trim(line);
  if (t.empty() || (t[0] != '`' && t[0] != '~')) return 0;
  size_t n = 0;
  while (n < t.size() && t[n] == t[0]) ++n;
  if (n < 3) return 0;
  *fence_char = t[0];
  return n;
}

std::vector<CodeBlock> ScanFences(const std::vector<std::string>& lines) {
  std::vector<CodeBlock> blocks;
  size_t open_length = 0;
  char open_char = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    char c = 0;
    const size_t n = FenceLength(lines[i], &c);
    if (open_length == 0) {
      if (n == 0) continue;
      CodeBlock block;
      std::string_view info = Trim(Trim(lines[i]).substr(n));
      block.language = ToLower(info.substr(0, info.find_first_of(" \t{")));
      block.reply_line = i + 1;
      block.closed = false;
      blocks.push_back(std::move(block));
      open_length = n;
      open_char = c;
    } else if (n >= open_length && c == open_char && Trim(lines[i]).size() == n) {
      blocks.back().closed = true;
      open_length = 0;
    } else {
      blocks.back().lines.push_back(lines[i]);
    }
  }
  return blocks;
}

bool IsDiffLanguage(std::string_view language) {
  return language == "diff" || language == "patch" || language == "udiff";
}

bool IsHunkHeader(std::string_view line) {
  if (!StartsWith(line, "@@")) return false;
  std::string_view t = TrimRight(line);
  return t.size() == 2 || t.find("@@", 2) != std::string_view::npos;
}

std::optional<size_t> HunkOldStart(std::string_view header) {
  size_t i = 2;
  while (i < header.size() && header[i] == ' ') ++i;
  if (i >= header.size() || header[i] != '-') return std::nullopt;
  ++i;
  size_t value = 0, digits = 0;
  while (i < header.size() && std::isdigit(static_cast<unsigned char>(header[i])) && digits < 9) {
    value = value * 10 + static_cast<size_t>(header[i] - '0');
    ++i;
    ++digits;
  }
  if (digits == 0) return std::nullopt;
  return value;
}

// Collects hunks from diff text. `bare`: the lines are a whole reply, so a line that is not part
// of a diff ends the hunk; inside a fence, such a line is context whose leading space was lost.
void ParseHunks(const std::vector<std::string>& lines, bool bare, std::vector<DiffHunk>* hunks) {
  bool in_hunk = false;
  std::vector<bool> implicit;  // per line of the current hunk: an empty line taken as context
  auto finish = [&] {
    if (!in_hunk) return;
    DiffHunk& h = hunks->back();
    while (!h.lines.empty() && implicit.back()) {
      h.lines.pop_back();
      implicit.pop_back();
    }
    if (h.lines.empty()) hunks->pop_back();
    in_hunk = false;
  };
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    if (IsHunkHeader(line)) {
      finish();
      hunks->push_back(DiffHunk{{}, HunkOldStart(line), std::string(TrimRight(line))});
      implicit.clear();
      in_hunk = true;
      continue;
    }
    if (StartsWith(line, "--- ") && i + 1 < lines.size() && StartsWith(lines[i + 1], "+++ ")) {
      finish();  // a file header
      ++i;
      continue;
    }
    if (!in_hunk) continue;
    DiffHunk& hunk = hunks->back();
    if (line.empty()) {
      hunk.lines.push_back(DiffLine{' ', ""});
      implicit.push_back(true);
    } else if (line[0] == ' ' || line[0] == '+' || line[0] == '-') {
      hunk.lines.push_back(DiffLine{line[0], line.substr(1)});
      implicit.push_back(false);
    } else if (line[0] == '\\') {
      continue;  // "\ No newline at end of file"
    } else if (bare || StartsWith(line, "diff ") || StartsWith(line, "index ")) {
      finish();
    } else {
      hunk.lines.push_back(DiffLine{' ', line});
      implicit.push_back(false);
    }
  }
  finish();
}

// The lines between <diff> and </diff> tags (fence lines dropped); false when there are none.
bool DiffTagContents(std::string_view reply, std::vector<std::string>* out) {
  const std::string lower = ToLower(reply);
  bool found = false;
  size_t pos = 0;
  while ((pos = lower.find("<diff>", pos)) != std::string::npos) {
    const size_t begin = pos + 6;
    size_t end = lower.find("</diff>", begin);
    if (end == std::string::npos) end = lower.size();
    for (auto& line : SplitLinesNoCr(reply.substr(begin, end - begin))) {
      char c = 0;
      if (FenceLength(line, &c) == 0) out->push_back(std::move(line));
    }
    found = true;
    pos = end;
  }
  return found;
}

std::optional<EditRejection> ParseDiff(std::string_view reply,
                                       const std::vector<std::string>& lines,
                                       const std::vector<CodeBlock>& fences,
                                       std::vector<DiffHunk>* hunks, bool* found) {
  std::vector<std::string> tagged;
  const bool has_tags = DiffTagContents(reply, &tagged);
  bool has_fences = false;
  for (const CodeBlock& block : fences) {
    if (!IsDiffLanguage(block.language)) continue;
    has_fences = true;
    ParseHunks(block.lines, /*bare=*/false, hunks);
  }
  if (has_tags) ParseHunks(tagged, /*bare=*/false, hunks);
  const bool has_headers = std::any_of(lines.begin(), lines.end(), IsHunkHeader);
  if (!has_tags && !has_fences && has_headers) ParseHunks(lines, /*bare=*/true, hunks);
  *found = has_tags || has_fences || has_headers;
  if (*found && hunks->empty()) {
    return EditRejection{Kind::kParse,
                         "The diff has no hunks: each change needs an \"@@ ... @@\" line followed "
                         "by context lines (starting with a space), removed lines (-) and added "
                         "lines (+)."};
  }
  return std::nullopt;
}

}  // namespace

std::vector<std::string> DiffHunk::OldLines() const {
  std::vector<std::string> out;
  for (const DiffLine& l : lines) {
    if (l.op != '+') out.push_back(l.text);
  }
  return out;
}

std::vector<std::string> DiffHunk::NewLines() const {
  std::vector<std::string> out;
  for (const DiffLine& l : lines) {
    if (l.op != '-') out.push_back(l.text);
  }
  return out;
}

ParsedReply ParseReply(std::string_view reply) {
  ParsedReply parsed;
  const std::vector<std::string> lines = SplitLinesNoCr(reply);
  if (std::any_of(lines.begin(), lines.end(),
                  [](const std::string& l) { return IsSearchMarker(l); })) {
    parsed.format = ReplyFormat::kSearchReplace;
    parsed.error = ParseSearchReplace(lines, &parsed.blocks);
    return parsed;
  }
  std::vector<CodeBlock> fences = ScanFences(lines);
  bool is_diff = false;
  parsed.error = ParseDiff(reply, lines, fences, &parsed.hunks, &is_diff);
  if (is_diff) {
    parsed.format = ReplyFormat::kDiff;
    return parsed;
  }
  for (CodeBlock& block : fences) {
    if (!IsDiffLanguage(block.language)) parsed.code_blocks.push_back(std::move(block));
  }
  if (!parsed.code_blocks.empty()) {
    parsed.format = ReplyFormat::kRewrite;
    return parsed;
  }
  parsed.error = EditRejection{
      Kind::kNoEdit,
      "The reply contains no edit. Give the change as one or more SEARCH/REPLACE blocks:\n"
      "<<<<<<< SEARCH\n<lines copied exactly from the program>\n=======\n<the new lines>\n"
      ">>>>>>> REPLACE\nor as a unified diff in a ```diff block, or the whole program in one "
      "fenced code block."};
  return parsed;
}

}  // namespace kevolve::edit
