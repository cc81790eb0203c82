// Crossover sites: where an inspiration's EVOLVE-BLOCK code differs from the parent's, aligned
// line by line. Internal to kevolve_mutate. Pure and thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "edit/edit.h"

namespace kevolve::mutate {

// Replacing parent lines [begin, end) (begin == end: an insertion before `begin`) with `lines`,
// taken from inspiration lines [from_begin, from_end).
struct CrossoverSite {
  size_t begin = 0;
  size_t end = 0;
  std::vector<std::string> lines;
  size_t from_begin = 0;
  size_t from_end = 0;
};

// The runs where region k of `inspiration` differs from region k of `parent` (regions paired in
// order; lines compared modulo leading/trailing whitespace, aligned by a longest common
// subsequence). Empty when the regions do not pair up (one file has markers, the other none) or
// a pair is too large to align cheaply (more than kMaxAlignCells line pairs).
inline constexpr size_t kMaxAlignCells = size_t{4} << 20;
std::vector<CrossoverSite> FindCrossoverSites(const std::vector<std::string>& parent,
                                              const std::vector<edit::Region>& parent_regions,
                                              const std::vector<std::string>& inspiration,
                                              const std::vector<edit::Region>& inspiration_regions);

}  // namespace kevolve::mutate
