// Edit formats and EVOLVE-BLOCK enforcement.
//
// ApplyEdit turns a parent program and an edit (an LLM reply, or a mutator proposal) into a
// candidate program, or into a structured rejection that names what went wrong precisely enough
// to go back to the LLM as a repair prompt. A rejected edit is never evaluated.
//
// Formats, recognised in this order of precedence inside a reply that may also hold prose:
//   - SEARCH/REPLACE blocks ("<<<<<<< SEARCH" / "=======" / ">>>>>>> REPLACE"), applied in
//     order, each to the result of the previous one. A search text must match exactly one place:
//     exactly first, then ignoring trailing whitespace, then ignoring leading and trailing
//     whitespace per line, then also ignoring blank lines. When it matched with different
//     indentation, the replacement is re-indented by the same amount.
//   - unified diffs (```diff / ```patch fenced, inside <diff>...</diff>, or bare "@@" hunks).
//     "@@ -a,b +c,d @@" numbers are only a hint: each hunk's context and removed lines are
//     located with the same tolerant matching, and the hint picks among several matches.
//   - a full rewrite: one fenced code block holding the whole program.
//
// EVOLVE-BLOCK regions: lines containing EVOLVE-BLOCK-START / EVOLVE-BLOCK-END (any comment
// syntax) delimit the code that may change. A file without markers is evolvable as a whole.
// Whatever the format, the candidate must keep every marker line and every line outside the
// regions; both are compared modulo whitespace and blank lines, and the parent's own text is
// kept for them, so code outside the regions comes out byte-identical to the parent.
//
// Line endings: a parent whose lines mostly end in CRLF yields a CRLF candidate; "\r" in the edit
// text is ignored. The candidate ends with a newline exactly when the parent does.
//
// Everything here is pure (no I/O, no global state) and thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace kevolve::edit {

// Why an edit was not applied.
struct EditRejection {
  enum class Kind {
    kNoEdit,         // the reply holds no edit in any known format
    kParse,          // an edit was started but is malformed (unclosed block, hunk without lines)
    kNoMatch,        // a search text / hunk does not occur in the program
    kAmbiguous,      // a search text / hunk occurs in several places
    kOutsideRegion,  // the edit changes a line outside the EVOLVE-BLOCK regions
    kNoChange,       // the edit applies but the program stays the same (modulo whitespace)
    kMarkers,        // an EVOLVE-BLOCK marker line was removed, changed or added
  };
  Kind kind = Kind::kNoEdit;
  // Addressed to whoever wrote the edit: which block or hunk, what did not match, what to do.
  std::string message;
};

// Stable snake_case names stored in the database and shown in reports: "no_edit", "parse",
// "no_match", "ambiguous", "outside_region", "no_change", "markers".
const char* EditRejectionName(EditRejection::Kind kind);

struct EditOutcome {
  bool ok = false;
  std::string code;        // the candidate program when ok; empty otherwise
  std::string format;      // "search_replace" | "diff" | "rewrite"; empty when none was found
  int blocks_applied = 0;  // SEARCH/REPLACE blocks or diff hunks applied; 1 for a rewrite
  EditRejection rejection; // meaningful only when !ok
};

// One evolvable region, as 0-based line indices into SplitLines(code) (core/text.h).
struct Region {
  size_t begin = 0;          // first evolvable line (the line after the START marker)
  size_t end = 0;            // one past the last evolvable line (the END marker's index)
  bool has_markers = false;  // false for the implicit whole-file region of a file with no markers
};

// The regions of `code`, in order. A file with no marker yields one region covering every line.
// A START without a matching END extends to the end of the file; a second START inside a region
// closes it and opens the next; an END outside any region delimits nothing (but is still a marker
// that edits must keep).
std::vector<Region> FindEvolveRegions(std::string_view code);
// The same over lines already split (indices into `lines`); a trailing '\r' is ignored.
std::vector<Region> FindEvolveRegions(const std::vector<std::string>& lines);

// The evolvable lines of `code` (marker lines excluded), regions joined in order, each line ending
// in '\n'. For a file without markers, the whole file.
std::string EvolvableText(std::string_view code);

// Applies `edit_text` to `parent_code`. Never throws; any input is safe (untrusted LLM text).
EditOutcome ApplyEdit(std::string_view parent_code, std::string_view edit_text);

// One SEARCH/REPLACE block in the format ApplyEdit reads. `search` and `replace` are line
// sequences; a missing final '\n' is added. An empty `replace` deletes the searched lines.
std::string FormatSearchReplace(std::string_view search, std::string_view replace);

}  // namespace kevolve::edit
