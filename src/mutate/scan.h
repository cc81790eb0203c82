// A light lexical scan of a program for the built-in mutator: which characters are code (not
// comments or string literals), and where the mutable things are: numeric literals, comparison
// operators, whole-statement lines. Heuristic by design: it knows two comment styles (C-like and
// '#'), and when in doubt it leaves a token alone. Internal to kevolve_mutate. Pure, thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace kevolve::mutate {

enum class CodeStyle {
  kCLike,  // // and /* */ comments, '#' starts a preprocessor line
  kHash,   // '#' comments, triple-quoted strings (Python, shell, YAML-like)
};

// kHash when '#' comment lines (or Python `def` / `import` lines) outnumber // and /* lines.
CodeStyle DetectStyle(const std::vector<std::string>& lines);

struct LineScan {
  std::vector<char> is_code;                 // per byte of the line: 1 for code
  size_t comment_begin = std::string::npos;  // the first comment on the line, if any
  bool directive = false;                    // a C preprocessor line
  bool frozen = false;                       // nothing on it may change (#include lines)
  int depth_before = 0;                      // open ( and [ before the line, within its region
  int depth_after = 0;
};

// Scans every line; `evolvable[i]` says whether line i lies inside an EVOLVE-BLOCK region (the
// bracket depth restarts at each region). REQUIRES: evolvable.size() == lines.size().
std::vector<LineScan> ScanLines(const std::vector<std::string>& lines,
                                const std::vector<bool>& evolvable, CodeStyle style);

// A numeric literal token: digits, optional fraction and exponent, then a type suffix.
struct LiteralSite {
  size_t line = 0;
  size_t begin = 0;  // byte range of the whole token in the line
  size_t end = 0;
  bool is_float = false;
  std::string number;  // the token without its suffix
  std::string suffix;  // "f", "u", "ull"... (always empty in kHash style)
  // From a "choices: a, b, c" comment on the same line; then only these values may be used.
  std::vector<std::string> choices;
};

// Literals on evolvable code characters. Skipped: literals touching an identifier (x2, 1_000),
// hex/octal/binary, digit separators, anything on frozen lines. On a line with a choices comment
// only the last literal before the comment is a site (with its choices); its others stay fixed.
std::vector<LiteralSite> FindLiterals(const std::vector<std::string>& lines,
                                      const std::vector<LineScan>& scans,
                                      const std::vector<bool>& evolvable, CodeStyle style);

struct OperatorSite {
  size_t line = 0;
  size_t begin = 0;
  std::string op;  // "<", "<=", ">", ">=", "==" or "!="
};

// Comparison operators on evolvable code. In kCLike style, '<' and its matching '>' are skipped
// when they look like template brackets (after `template`, before a built-in type name or
// `std::`, or enclosing only names after an identifier), as are `operator<`, shifts, `->`, `<=>`
// and preprocessor lines.
std::vector<OperatorSite> FindOperators(const std::vector<std::string>& lines,
                                        const std::vector<LineScan>& scans,
                                        const std::vector<bool>& evolvable, CodeStyle style);

// The code part of a line: up to its first comment, without trailing whitespace.
std::string CodePart(const std::string& line, const LineScan& scan);

// Evolvable lines that hold one complete statement: in kCLike style ending with ';', starting at
// bracket depth 0 after a line that ended a statement or block; in kHash style a simple line at
// depth 0 that neither opens a block nor continues onto the next line.
std::vector<size_t> FindStatements(const std::vector<std::string>& lines,
                                   const std::vector<LineScan>& scans,
                                   const std::vector<bool>& evolvable, CodeStyle style);

}  // namespace kevolve::mutate
