// Parsing an edit reply (LLM prose plus edits) into SEARCH/REPLACE blocks, diff hunks or code
// blocks. Internal to kevolve_edit; ApplyEdit (edit/edit.h) is the public entry. Pure; never
// throws on any input.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "edit/edit.h"

namespace kevolve::edit {

struct SearchReplaceBlock {
  std::vector<std::string> search;
  std::vector<std::string> replace;
  size_t reply_line = 0;  // 1-based line of the SEARCH marker in the reply
};

struct DiffLine {
  char op = ' ';  // ' ' context, '-' removed, '+' added
  std::string text;
};

struct DiffHunk {
  std::vector<DiffLine> lines;
  std::optional<size_t> old_start;  // the "-a" of "@@ -a,b +c,d @@" (1-based), when given
  std::string header;               // the "@@ ... @@" line, for messages

  std::vector<std::string> OldLines() const;  // context + removed, in order
  std::vector<std::string> NewLines() const;  // context + added, in order
};

struct CodeBlock {
  std::string language;  // the word after the opening fence, lowercased; may be empty
  std::vector<std::string> lines;
  size_t reply_line = 0;  // 1-based line of the opening fence
  bool closed = true;     // false when the reply ended inside the block
};

enum class ReplyFormat { kNone, kSearchReplace, kDiff, kRewrite };

struct ParsedReply {
  ReplyFormat format = ReplyFormat::kNone;
  std::vector<SearchReplaceBlock> blocks;  // kSearchReplace
  std::vector<DiffHunk> hunks;             // kDiff
  std::vector<CodeBlock> code_blocks;      // kRewrite: every fenced block that is not a diff
  std::optional<EditRejection> error;      // kNoEdit or kParse; the fields above are then unset
};

// Finds the edit in `reply`. Precedence: any SEARCH marker line makes it SEARCH/REPLACE; else any
// diff (fenced diff/patch block, <diff> tags, or an "@@" hunk header line) makes it a diff; else
// fenced code blocks make it a rewrite candidate; else kNoEdit.
ParsedReply ParseReply(std::string_view reply);

}  // namespace kevolve::edit
