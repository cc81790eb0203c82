// ApplyEdit: parse the reply, apply its blocks or hunks (or take its rewrite), then hold the
// result against the parent's EVOLVE-BLOCK regions.
#include <algorithm>
#include <cstdint>

#include "core/text.h"
#include "edit/edit.h"
#include "edit/lines.h"
#include "edit/match.h"
#include "edit/regions.h"
#include "edit/reply.h"

namespace kevolve::edit {
namespace {

using Kind = EditRejection::Kind;

// Lines after applying the edit, or why it could not be applied.
struct Applied {
  std::vector<std::string> lines;
  int count = 0;
  std::optional<EditRejection> rejection;
};

Applied Fail(Kind kind, std::string message) {
  Applied a;
  a.rejection = EditRejection{kind, std::move(message)};
  return a;
}

bool AllBlank(const std::vector<std::string>& lines) {
  return std::all_of(lines.begin(), lines.end(), [](const std::string& l) { return IsBlank(l); });
}

std::string SpanList(const std::vector<Span>& spans) {
  std::string out;
  const size_t shown = std::min<size_t>(spans.size(), 5);
  for (size_t i = 0; i < shown; ++i) {
    out += (i == 0 ? "" : ", ") + std::to_string(spans[i].begin + 1);
  }
  if (spans.size() > shown) out += ", ...";
  return out;
}

std::string AfterEarlier(size_t k, std::string_view noun) {
  if (k == 0) return "";
  return " (the program as the " + std::string(noun) + (k == 1 ? " before it" : "s before it") +
         " left it)";
}

void Splice(std::vector<std::string>* lines, Span span, const std::vector<std::string>& with) {
  lines->erase(lines->begin() + static_cast<std::ptrdiff_t>(span.begin),
               lines->begin() + static_cast<std::ptrdiff_t>(span.end));
  lines->insert(lines->begin() + static_cast<std::ptrdiff_t>(span.begin), with.begin(), with.end());
}

std::vector<std::string> Slice(const std::vector<std::string>& lines, Span span) {
  return {lines.begin() + static_cast<std::ptrdiff_t>(span.begin),
          lines.begin() + static_cast<std::ptrdiff_t>(span.end)};
}

Applied ApplyBlocks(std::vector<std::string> lines, const std::vector<SearchReplaceBlock>& blocks) {
  for (size_t k = 0; k < blocks.size(); ++k) {
    const SearchReplaceBlock& block = blocks[k];
    const std::string what = "SEARCH/REPLACE block " + std::to_string(k + 1) + " of " +
                             std::to_string(blocks.size()) + " (reply line " +
                             std::to_string(block.reply_line) + ")";
    if (AllBlank(block.search)) {
      return Fail(Kind::kParse, what + " has an empty SEARCH part; copy the exact lines to "
                                       "replace (at least one non-blank line) into it.");
    }
    const Located loc = Locate(lines, block.search, std::nullopt);
    if (loc.spans.empty()) {
      return Fail(Kind::kNoMatch, what + " does not match the program" +
                                      AfterEarlier(k, "block") + ". " +
                                      DescribeNoMatch(lines, block.search));
    }
    if (!loc.chosen) {
      return Fail(Kind::kAmbiguous,
                  what + " matches " + std::to_string(loc.spans.size()) +
                      " places (starting at lines " + SpanList(loc.spans) +
                      "). Add neighbouring lines to its SEARCH part so it matches exactly one.");
    }
    const Span span = *loc.chosen;
    const std::vector<std::string> replacement =
        loc.level >= MatchLevel::kWhitespace
            ? Reindent(Slice(lines, span), block.search, block.replace)
            : block.replace;
    Splice(&lines, span, replacement);
  }
  Applied applied;
  applied.lines = std::move(lines);
  applied.count = static_cast<int>(blocks.size());
  return applied;
}

// The hunk's new lines at `span`: context lines keep the program's own text when the match maps
// pattern lines one to one; added lines are re-indented like the match.
std::vector<std::string> HunkReplacement(const std::vector<std::string>& lines, Span span,
                                         MatchLevel level, const DiffHunk& hunk) {
  if (level == MatchLevel::kIgnoreBlankLines) return hunk.NewLines();
  std::vector<std::string> added;
  for (const DiffLine& l : hunk.lines) {
    if (l.op == '+') added.push_back(l.text);
  }
  added = Reindent(Slice(lines, span), hunk.OldLines(), added);
  std::vector<std::string> out;
  size_t program_line = span.begin;
  size_t next_added = 0;
  for (const DiffLine& l : hunk.lines) {
    if (l.op == ' ') out.push_back(lines[program_line++]);
    if (l.op == '-') ++program_line;
    if (l.op == '+') out.push_back(added[next_added++]);
  }
  return out;
}

Applied ApplyHunks(std::vector<std::string> lines, const std::vector<DiffHunk>& hunks) {
  int64_t delta = 0;  // lines added minus removed by earlier hunks, to shift their line hints
  int applied_count = 0;
  for (size_t k = 0; k < hunks.size(); ++k) {
    const DiffHunk& hunk = hunks[k];
    const bool changes = std::any_of(hunk.lines.begin(), hunk.lines.end(),
                                     [](const DiffLine& l) { return l.op != ' '; });
    if (!changes) continue;
    const std::string what = "Diff hunk " + std::to_string(k + 1) + " of " +
                             std::to_string(hunks.size()) + " (" + Quote(hunk.header) + ")";
    const std::vector<std::string> old_lines = hunk.OldLines();
    if (AllBlank(old_lines)) {
      return Fail(Kind::kParse, what + " has no context or removed lines, so it cannot be "
                                       "placed; include at least one unchanged line next to the "
                                       "added lines.");
    }
    std::optional<size_t> hint;
    if (hunk.old_start) {
      const int64_t at = static_cast<int64_t>(*hunk.old_start) - 1 + delta;
      hint = static_cast<size_t>(std::max<int64_t>(0, at));
    }
    const Located loc = Locate(lines, old_lines, hint);
    if (loc.spans.empty()) {
      return Fail(Kind::kNoMatch, what + ": its context and removed lines do not match the "
                                         "program" + AfterEarlier(k, "hunk") + ". " +
                                      DescribeNoMatch(lines, old_lines));
    }
    if (!loc.chosen) {
      return Fail(Kind::kAmbiguous,
                  what + ": its context and removed lines match " +
                      std::to_string(loc.spans.size()) + " places (starting at lines " +
                      SpanList(loc.spans) + ")" +
                      (hunk.old_start ? " and its line numbers do not single one out" : "") +
                      ". Add context lines so it matches exactly one place.");
    }
    const Span span = *loc.chosen;
    const std::vector<std::string> replacement = HunkReplacement(lines, span, loc.level, hunk);
    delta += static_cast<int64_t>(replacement.size()) - static_cast<int64_t>(span.end - span.begin);
    Splice(&lines, span, replacement);
    ++applied_count;
  }
  Applied applied;
  applied.lines = std::move(lines);
  applied.count = applied_count;
  return applied;
}

bool HasMarker(const std::vector<std::string>& lines) {
  return std::any_of(lines.begin(), lines.end(),
                     [](const std::string& l) { return LineMarker(l) != MarkerKind::kNone; });
}

Applied TakeRewrite(const std::vector<std::string>& parent, const std::vector<CodeBlock>& blocks) {
  const bool parent_has_markers = HasMarker(parent);
  std::vector<const CodeBlock*> candidates;
  for (const CodeBlock& b : blocks) candidates.push_back(&b);
  if (candidates.size() > 1 && parent_has_markers) {
    // Prose often carries small snippets beside the program; the program is the one with markers.
    std::erase_if(candidates, [](const CodeBlock* b) { return !HasMarker(b->lines); });
  }
  if (candidates.size() != 1) {
    return Fail(Kind::kParse,
                "The reply has " + std::to_string(blocks.size()) +
                    " code blocks; a full rewrite must be exactly one fenced block holding the "
                    "whole program. To change part of the program, use SEARCH/REPLACE blocks.");
  }
  const CodeBlock& block = *candidates.front();
  if (!block.closed) {
    return Fail(Kind::kParse, "The code block starting at reply line " +
                                  std::to_string(block.reply_line) +
                                  " is not closed with ``` (was the reply cut off?).");
  }
  if (parent_has_markers && !HasMarker(block.lines)) {
    return Fail(Kind::kMarkers,
                "The code block (reply line " + std::to_string(block.reply_line) +
                    ") has no EVOLVE-BLOCK markers, so it is not the whole program. A full "
                    "rewrite must repeat the whole program, markers included; to change part of "
                    "it, use SEARCH/REPLACE blocks.");
  }
  Applied applied;
  applied.lines = block.lines;
  applied.count = 1;
  return applied;
}

const char* FormatName(ReplyFormat format) {
  switch (format) {
    case ReplyFormat::kSearchReplace:
      return "search_replace";
    case ReplyFormat::kDiff:
      return "diff";
    case ReplyFormat::kRewrite:
      return "rewrite";
    case ReplyFormat::kNone:
      break;
  }
  return "";
}

}  // namespace

const char* EditRejectionName(EditRejection::Kind kind) {
  switch (kind) {
    case Kind::kNoEdit:
      return "no_edit";
    case Kind::kParse:
      return "parse";
    case Kind::kNoMatch:
      return "no_match";
    case Kind::kAmbiguous:
      return "ambiguous";
    case Kind::kOutsideRegion:
      return "outside_region";
    case Kind::kNoChange:
      return "no_change";
    case Kind::kMarkers:
      return "markers";
  }
  return "unknown";
}

EditOutcome ApplyEdit(std::string_view parent_code, std::string_view edit_text) {
  EditOutcome outcome;
  const Document doc = SplitDocument(parent_code);
  const ParsedReply reply = ParseReply(edit_text);
  outcome.format = FormatName(reply.format);
  if (reply.error) {
    outcome.rejection = *reply.error;
    return outcome;
  }
  Applied applied;
  switch (reply.format) {
    case ReplyFormat::kSearchReplace:
      applied = ApplyBlocks(doc.lines, reply.blocks);
      break;
    case ReplyFormat::kDiff:
      applied = ApplyHunks(doc.lines, reply.hunks);
      break;
    case ReplyFormat::kRewrite:
      applied = TakeRewrite(doc.lines, reply.code_blocks);
      break;
    case ReplyFormat::kNone:
      applied = Fail(Kind::kNoEdit, "The reply contains no edit.");
      break;
  }
  if (applied.rejection) {
    outcome.rejection = *applied.rejection;
    return outcome;
  }
  RegionMerge merge = MergeWithinRegions(doc.lines, applied.lines);
  if (merge.rejection) {
    outcome.rejection = *merge.rejection;
    return outcome;
  }
  if (NormalizeCode(JoinLines(merge.lines)) == NormalizeCode(JoinLines(doc.lines))) {
    outcome.rejection = EditRejection{
        Kind::kNoChange,
        "The edit applies but leaves the program unchanged (ignoring trailing whitespace and "
        "blank lines). Make a real change to the code inside the EVOLVE-BLOCK regions."};
    return outcome;
  }
  outcome.ok = true;
  outcome.code = RenderDocument(merge.lines, doc.crlf, doc.final_newline);
  outcome.blocks_applied = applied.count;
  return outcome;
}

std::string FormatSearchReplace(std::string_view search, std::string_view replace) {
  std::string out = "<<<<<<< SEARCH\n";
  out += search;
  if (!search.empty() && search.back() != '\n') out += '\n';
  out += "=======\n";
  out += replace;
  if (!replace.empty() && replace.back() != '\n') out += '\n';
  out += ">>>>>>> REPLACE\n";
  return out;
}

}  // namespace kevolve::edit
