#include "mutate/scan.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <optional>
#include <string_view>

#include "core/text.h"

namespace kevolve::mutate {
namespace {

bool IsDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }
bool IsIdent(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

std::string_view TrimRight(std::string_view s) {
  const size_t end = s.find_last_not_of(" \t\r");
  return end == std::string_view::npos ? std::string_view() : s.substr(0, end + 1);
}

// The word after a leading '#', e.g. "include" for "#  include <x>".
std::string_view DirectiveWord(std::string_view trimmed) {
  size_t i = 1;
  while (i < trimmed.size() && (trimmed[i] == ' ' || trimmed[i] == '\t')) ++i;
  size_t j = i;
  while (j < trimmed.size() && IsIdent(trimmed[j])) ++j;
  return trimmed.substr(i, j - i);
}

bool IsCDirective(std::string_view trimmed) {
  static constexpr std::array<std::string_view, 13> kWords = {
      "include", "define", "undef", "if",    "ifdef", "ifndef", "elif",
      "else",    "endif",  "pragma", "error", "warning", "line"};
  if (!StartsWith(trimmed, "#")) return false;
  std::string_view word = DirectiveWord(trimmed);
  return std::find(kWords.begin(), kWords.end(), word) != kWords.end();
}

struct ScanState {
  bool block_comment = false;
  std::string triple;  // the open triple quote in kHash style, if any
};

// Just past the string or character literal whose opening quote is at `i` (or the line's end).
size_t SkipQuoted(const std::string& line, size_t i) {
  const char quote = line[i];
  size_t j = i + 1;
  while (j < line.size() && line[j] != quote) j += line[j] == '\\' ? 2 : 1;
  return std::min(j + 1, line.size());
}

// Marks the code bytes of one line, carrying block comments and triple-quoted strings over.
LineScan ScanOne(const std::string& line, CodeStyle style, ScanState* st) {
  LineScan s;
  s.is_code.assign(line.size(), 0);
  const size_t n = line.size();
  if (style == CodeStyle::kCLike && !st->block_comment && StartsWith(Trim(line), "#")) {
    s.directive = true;
    const std::string_view word = DirectiveWord(Trim(line));
    s.frozen = word == "include" || word == "import";
    if (s.frozen) return s;
  }
  auto comment_at = [&](size_t i) { s.comment_begin = std::min(s.comment_begin, i); };
  size_t i = 0;
  while (i < n) {
    if (st->block_comment) {
      comment_at(i);
      const size_t close = line.find("*/", i);
      if (close == std::string::npos) return s;
      i = close + 2;
      st->block_comment = false;
      continue;
    }
    if (!st->triple.empty()) {
      const size_t close = line.find(st->triple, i);
      if (close == std::string::npos) return s;
      i = close + 3;
      st->triple.clear();
      continue;
    }
    const char c = line[i];
    const char next = i + 1 < n ? line[i + 1] : '\0';
    if (style == CodeStyle::kCLike && c == '/' && next == '/') {
      comment_at(i);
      return s;
    }
    if (style == CodeStyle::kCLike && c == '/' && next == '*') {
      comment_at(i);
      st->block_comment = true;
      i += 2;
      continue;
    }
    if (style == CodeStyle::kHash && c == '#') {
      comment_at(i);
      return s;
    }
    if (style == CodeStyle::kHash && (c == '"' || c == '\'') &&
        line.compare(i, 3, std::string(3, c)) == 0) {
      st->triple = std::string(3, c);
      i += 3;
      continue;
    }
    // In C++ a quote right after a digit or letter is a digit separator (1'000) or a prefix.
    const bool separator = style == CodeStyle::kCLike && c == '\'' && i > 0 && IsIdent(line[i - 1]);
    if (c == '"' || (c == '\'' && !separator)) {
      i = SkipQuoted(line, i);
      continue;
    }
    s.is_code[i] = 1;
    ++i;
  }
  return s;
}

// End of a preprocessing number starting at `i` (digits, letters, '.', '\'', and signs after an
// exponent letter): the whole token a literal could be, valid or not.
size_t PpNumberEnd(const std::string& line, size_t i) {
  while (i < line.size()) {
    const char c = line[i];
    const bool exponent = c == 'e' || c == 'E' || c == 'p' || c == 'P';
    if (exponent && i + 1 < line.size() && (line[i + 1] == '+' || line[i + 1] == '-')) {
      i += 2;
    } else if (IsIdent(c) || c == '.' || c == '\'') {
      ++i;
    } else {
      break;
    }
  }
  return i;
}

// Splits a decimal literal token into number and suffix; nullopt for anything else.
std::optional<LiteralSite> Classify(std::string_view token, CodeStyle style) {
  size_t k = 0;
  auto digits = [&] {
    const size_t start = k;
    while (k < token.size() && IsDigit(token[k])) ++k;
    return k - start;
  };
  const size_t int_digits = digits();
  size_t frac_digits = 0;
  bool is_float = false;
  if (k < token.size() && token[k] == '.') {
    ++k;
    frac_digits = digits();
    is_float = true;
  }
  if (int_digits == 0 && frac_digits == 0) return std::nullopt;
  if (k < token.size() && (token[k] == 'e' || token[k] == 'E')) {
    ++k;
    if (k < token.size() && (token[k] == '+' || token[k] == '-')) ++k;
    if (digits() == 0) return std::nullopt;
    is_float = true;
  }
  if (!is_float && int_digits > 1 && token[0] == '0') return std::nullopt;  // octal
  LiteralSite site;
  site.is_float = is_float;
  site.number = std::string(token.substr(0, k));
  site.suffix = std::string(token.substr(k));
  if (site.suffix.empty()) return site;
  if (style == CodeStyle::kHash) return std::nullopt;
  if (is_float) {
    if (site.suffix.size() == 1 && std::string_view("fFlL").find(site.suffix[0]) !=
                                       std::string_view::npos) {
      return site;
    }
    return std::nullopt;
  }
  const bool int_suffix =
      site.suffix.size() <= 3 &&
      std::all_of(site.suffix.begin(), site.suffix.end(),
                  [](char c) { return std::string_view("uUlLzZ").find(c) != std::string_view::npos; });
  if (!int_suffix) return std::nullopt;
  return site;
}

// Whether two literal texts denote the same number ("0.5" and "0.50"), or are the same text.
bool SameNumber(const std::string& a, const std::string& b) {
  if (a == b) return true;
  double x = 0, y = 0;
  const auto [pa, ea] = std::from_chars(a.data(), a.data() + a.size(), x);
  const auto [pb, eb] = std::from_chars(b.data(), b.data() + b.size(), y);
  return ea == std::errc() && eb == std::errc() && pa == a.data() + a.size() &&
         pb == b.data() + b.size() && x == y;
}

// The values listed after "choices:" in a comment, e.g. "// choices: 1, 2, 4".
std::vector<std::string> ParseChoices(std::string_view comment) {
  const std::string lower = ToLower(comment);
  const size_t at = lower.find("choices:");
  if (at == std::string::npos) return {};
  std::string_view list = comment.substr(at + 8);
  if (const size_t close = list.find("*/"); close != std::string_view::npos) {
    list = list.substr(0, close);
  }
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string_view::npos) comma = list.size();
    std::string_view item = Trim(list.substr(start, comma - start));
    while (!item.empty() && std::string_view("[(").find(item.front()) != std::string_view::npos) {
      item = Trim(item.substr(1));
    }
    while (!item.empty() && std::string_view("])").find(item.back()) != std::string_view::npos) {
      item = Trim(item.substr(0, item.size() - 1));
    }
    if (!item.empty()) out.emplace_back(item);
    start = comma + 1;
  }
  return out;
}

bool EndsWithWord(std::string_view before, std::string_view word) {
  before = Trim(before);
  return EndsWith(before, word) &&
         (before.size() == word.size() || !IsIdent(before[before.size() - word.size() - 1]));
}

bool IsTypeWord(std::string_view w) {
  static constexpr std::array<std::string_view, 20> kTypes = {
      "int",    "unsigned", "signed",  "float",    "double", "char",  "bool",
      "long",   "short",    "void",    "auto",     "size_t", "ptrdiff_t", "typename",
      "class",  "struct",   "const",   "std",      "half",   "decltype"};
  if (std::find(kTypes.begin(), kTypes.end(), w) != kTypes.end()) return true;
  // int8_t ... uint64_t
  std::string_view rest = w;
  if (StartsWith(rest, "u")) rest.remove_prefix(1);
  return StartsWith(rest, "int") && EndsWith(rest, "_t");
}

// The '>' that closes the '<' at `open` on the same line, or npos.
size_t MatchingAngle(const std::string& line, size_t open) {
  int depth = 0;
  for (size_t m = open; m < line.size(); ++m) {
    const char c = line[m];
    if (c == '<') ++depth;
    if (c == '>' && --depth == 0) return m;
    if (c == ';' || c == '{' || c == '}') return std::string::npos;
    if ((c == '&' || c == '|') && m + 1 < line.size() && line[m + 1] == c) return std::string::npos;
  }
  return std::string::npos;
}

// Whether the '<' at `j` opens template arguments (or belongs to `template` / `operator<`).
bool IsTemplateOpen(const std::string& line, size_t j) {
  size_t p = j;
  while (p > 0 && line[p - 1] == ' ') --p;
  size_t q = p;
  while (q > 0 && IsIdent(line[q - 1])) --q;
  const std::string_view prev_word = std::string_view(line).substr(q, p - q);
  if (prev_word == "template" || prev_word == "operator") return true;
  size_t k = j + 1;
  while (k < line.size() && line[k] == ' ') ++k;
  size_t r = k;
  while (r < line.size() && IsIdent(line[r])) ++r;
  const std::string_view next_word = std::string_view(line).substr(k, r - k);
  if (IsTypeWord(next_word)) return true;
  if (line.compare(r, 2, "::") == 0) return true;  // a qualified name: conservatively a type
  size_t after = r;
  while (after < line.size() && line[after] == ' ') ++after;
  if (!next_word.empty() && std::isupper(static_cast<unsigned char>(next_word[0])) &&
      after < line.size() && std::string_view(">,<").find(line[after]) != std::string_view::npos) {
    return true;
  }
  // name<...> with nothing but names, commas, pointers and references between the brackets.
  if (p != j || prev_word.empty() || IsDigit(prev_word[0])) return false;
  const size_t close = MatchingAngle(line, j);
  if (close == std::string::npos) return false;
  for (size_t m = j + 1; m < close; ++m) {
    if (!IsIdent(line[m]) && std::string_view(" :,*&<>").find(line[m]) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

void AddOperatorsOnLine(const std::string& line, const LineScan& scan, size_t index,
                        CodeStyle style, std::vector<OperatorSite>* out) {
  const size_t n = line.size();
  std::vector<bool> closing_angle(n, false);
  auto at = [&](size_t k, std::string_view s) { return line.compare(k, s.size(), s) == 0; };
  size_t j = 0;
  while (j < n) {
    if (!scan.is_code[j] || std::string_view("<>=!-").find(line[j]) == std::string_view::npos) {
      ++j;
      continue;
    }
    if (at(j, "<=>") || at(j, "<<=") || at(j, ">>=")) {
      j += 3;
    } else if (at(j, "<<") || at(j, ">>") || at(j, "->") || at(j, "=>") || at(j, "<>")) {
      j += 2;
    } else if ((at(j, "<=") || at(j, ">=") || at(j, "==") || at(j, "!=")) && j + 1 < n &&
               scan.is_code[j + 1]) {
      if (j + 2 < n && line[j + 2] == '=') {
        j += 3;  // "===" and the like: not C++ or Python comparisons
        continue;
      }
      if (!EndsWithWord(std::string_view(line).substr(0, j), "operator")) {
        out->push_back(OperatorSite{index, j, line.substr(j, 2)});
      }
      j += 2;
    } else if (line[j] == '<') {
      if (style == CodeStyle::kCLike && IsTemplateOpen(line, j)) {
        if (size_t close = MatchingAngle(line, j); close != std::string::npos) {
          closing_angle[close] = true;
        }
      } else {
        out->push_back(OperatorSite{index, j, "<"});
      }
      ++j;
    } else if (line[j] == '>') {
      if (!closing_angle[j] && !EndsWithWord(std::string_view(line).substr(0, j), "operator")) {
        out->push_back(OperatorSite{index, j, ">"});
      }
      ++j;
    } else {
      ++j;
    }
  }
}

bool EndsAStatementOrBlock(std::string_view code) {
  if (code.empty()) return true;
  const char last = code.back();
  if (last == ';' || last == '{' || last == '}') return true;
  if (last != ':') return false;
  return StartsWith(code, "case ") || StartsWith(code, "default") || StartsWith(code, "public") ||
         StartsWith(code, "private") || StartsWith(code, "protected");
}

bool IsCStatement(const std::vector<std::string>& lines, const std::vector<LineScan>& scans,
                  const std::vector<bool>& evolvable, size_t i) {
  const std::string code(Trim(CodePart(lines[i], scans[i])));
  if (code.empty() || code.back() != ';' || scans[i].depth_before != 0) return false;
  if (code[0] == '}' || StartsWith(code, "else") || StartsWith(code, "case ")) return false;
  for (size_t k = i; k-- > 0;) {
    if (!evolvable[k] || scans[k].directive) return true;
    const std::string prev(Trim(CodePart(lines[k], scans[k])));
    if (!prev.empty()) return EndsAStatementOrBlock(prev);
  }
  return true;
}

bool IsHashStatement(const std::vector<std::string>& lines, const std::vector<LineScan>& scans,
                     const std::vector<bool>& evolvable, size_t i) {
  static constexpr std::array<std::string_view, 13> kBlockWords = {
      "if", "elif", "else", "for", "while", "def", "class", "try", "except", "finally", "with",
      "async", "match"};
  const std::string code(Trim(CodePart(lines[i], scans[i])));
  if (code.empty() || scans[i].depth_before != 0 || scans[i].depth_after != 0) return false;
  if (std::string_view(":,\\([{").find(code.back()) != std::string_view::npos) return false;
  if (code[0] == '@' || code[0] == '"' || code[0] == '\'') return false;
  size_t w = 0;
  while (w < code.size() && IsIdent(code[w])) ++w;
  const std::string_view first = std::string_view(code).substr(0, w);
  if (std::find(kBlockWords.begin(), kBlockWords.end(), first) != kBlockWords.end()) return false;
  for (size_t k = i; k-- > 0;) {
    if (!evolvable[k]) return true;
    const std::string prev(TrimRight(CodePart(lines[k], scans[k])));
    if (!prev.empty()) return prev.back() != '\\';
  }
  return true;
}

}  // namespace

CodeStyle DetectStyle(const std::vector<std::string>& lines) {
  int slash = 0;
  int hash = 0;
  for (const std::string& line : lines) {
    std::string_view t = Trim(line);
    if (StartsWith(t, "//") || StartsWith(t, "/*")) {
      ++slash;
    } else if (StartsWith(t, "#") && !IsCDirective(t)) {
      ++hash;
    } else if (StartsWith(t, "def ") || StartsWith(t, "import ") || StartsWith(t, "from ")) {
      ++hash;
    }
  }
  return hash > slash ? CodeStyle::kHash : CodeStyle::kCLike;
}

std::vector<LineScan> ScanLines(const std::vector<std::string>& lines,
                                const std::vector<bool>& evolvable, CodeStyle style) {
  std::vector<LineScan> scans;
  scans.reserve(lines.size());
  ScanState state;
  int depth = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (evolvable[i] && (i == 0 || !evolvable[i - 1])) depth = 0;
    LineScan scan = ScanOne(lines[i], style, &state);
    scan.depth_before = depth;
    for (size_t k = 0; k < lines[i].size(); ++k) {
      if (!scan.is_code[k]) continue;
      const char c = lines[i][k];
      const bool open = c == '(' || c == '[' || (style == CodeStyle::kHash && c == '{');
      const bool close = c == ')' || c == ']' || (style == CodeStyle::kHash && c == '}');
      if (open) ++depth;
      if (close && depth > 0) --depth;
    }
    scan.depth_after = depth;
    scans.push_back(std::move(scan));
  }
  return scans;
}

std::vector<LiteralSite> FindLiterals(const std::vector<std::string>& lines,
                                      const std::vector<LineScan>& scans,
                                      const std::vector<bool>& evolvable, CodeStyle style) {
  std::vector<LiteralSite> out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (!evolvable[i] || scans[i].frozen) continue;
    const std::string& line = lines[i];
    std::vector<LiteralSite> on_line;
    size_t j = 0;
    while (j < line.size()) {
      const bool starts = IsDigit(line[j]) ||
                          (line[j] == '.' && j + 1 < line.size() && IsDigit(line[j + 1]));
      if (!scans[i].is_code[j] || !starts) {
        ++j;
        continue;
      }
      const size_t end = PpNumberEnd(line, j);
      const bool glued = j > 0 && (IsIdent(line[j - 1]) || line[j - 1] == '.');
      const bool all_code = std::all_of(scans[i].is_code.begin() + static_cast<std::ptrdiff_t>(j),
                                        scans[i].is_code.begin() + static_cast<std::ptrdiff_t>(end),
                                        [](char b) { return b != 0; });
      if (!glued && all_code) {
        if (auto site = Classify(std::string_view(line).substr(j, end - j), style)) {
          site->line = i;
          site->begin = j;
          site->end = end;
          on_line.push_back(std::move(*site));
        }
      }
      j = end;
    }
    const size_t comment = scans[i].comment_begin;
    std::vector<std::string> choices =
        comment == std::string::npos ? std::vector<std::string>{} : ParseChoices(line.substr(comment));
    if (choices.empty()) {
      out.insert(out.end(), on_line.begin(), on_line.end());
      continue;
    }
    // The annotated literal is the last one before the comment; the line's others stay fixed.
    std::erase_if(on_line, [&](const LiteralSite& s) { return s.begin >= comment; });
    if (on_line.empty()) continue;
    LiteralSite site = on_line.back();
    const std::string current = line.substr(site.begin, site.end - site.begin);
    std::erase_if(choices, [&](const std::string& c) {
      return c == current || SameNumber(c, site.number);
    });
    if (choices.empty()) continue;
    site.choices = std::move(choices);
    out.push_back(std::move(site));
  }
  return out;
}

std::vector<OperatorSite> FindOperators(const std::vector<std::string>& lines,
                                        const std::vector<LineScan>& scans,
                                        const std::vector<bool>& evolvable, CodeStyle style) {
  std::vector<OperatorSite> out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (!evolvable[i] || scans[i].frozen || scans[i].directive) continue;
    AddOperatorsOnLine(lines[i], scans[i], i, style, &out);
  }
  return out;
}

std::string CodePart(const std::string& line, const LineScan& scan) {
  if (std::none_of(scan.is_code.begin(), scan.is_code.end(), [](char b) { return b != 0; })) {
    return "";
  }
  return std::string(TrimRight(std::string_view(line).substr(0, std::min(scan.comment_begin,
                                                                         line.size()))));
}

std::vector<size_t> FindStatements(const std::vector<std::string>& lines,
                                   const std::vector<LineScan>& scans,
                                   const std::vector<bool>& evolvable, CodeStyle style) {
  std::vector<size_t> out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (!evolvable[i] || scans[i].frozen || scans[i].directive) continue;
    const bool statement = style == CodeStyle::kCLike ? IsCStatement(lines, scans, evolvable, i)
                                                      : IsHashStatement(lines, scans, evolvable, i);
    if (statement) out.push_back(i);
  }
  return out;
}

}  // namespace kevolve::mutate
