// Text helpers shared by modules: hashing of normalized code, splitting and trimming.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kevolve {

// 64-bit FNV-1a of the bytes.
uint64_t Fnv1a64(std::string_view data);

// Code with trailing whitespace removed from every line, runs of blank lines collapsed, and
// leading/trailing blank lines dropped: two programs that differ only in such whitespace are the
// same program.
std::string NormalizeCode(std::string_view code);

// 16 lowercase hex digits of Fnv1a64(NormalizeCode(code)).
std::string CodeHash(std::string_view code);

std::vector<std::string> SplitLines(std::string_view text);  // keeps no '\n'
std::string JoinLines(const std::vector<std::string>& lines);  // '\n' after every line
std::string_view Trim(std::string_view s);
bool StartsWith(std::string_view s, std::string_view prefix);
bool EndsWith(std::string_view s, std::string_view suffix);
std::string ToLower(std::string_view s);  // ASCII letters only; other bytes as they are

// Levenshtein distance, for "did you mean" suggestions.
size_t EditDistance(std::string_view a, std::string_view b);

// The candidate nearest to `word` by edit distance, or "" when none is close (distance more
// than half the word's length).
std::string NearestWord(std::string_view word, const std::vector<std::string>& candidates);

// Keeps at most max_bytes of `text`; when cut, keeps the head and tail and marks the cut.
std::string Truncate(std::string_view text, size_t max_bytes);

}  // namespace kevolve
