// EVOLVE-BLOCK markers and the check that a candidate changed only what lies inside them.
// Internal to kevolve_edit (FindEvolveRegions / EvolvableText in edit/edit.h are the public face).
// Pure and thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "edit/edit.h"

namespace kevolve::edit {

enum class MarkerKind { kNone, kStart, kEnd };

// kStart if the line contains EVOLVE-BLOCK-START, else kEnd if it contains EVOLVE-BLOCK-END.
MarkerKind LineMarker(std::string_view line);

// FindEvolveRegions over already split lines.
std::vector<Region> FindRegionsInLines(const std::vector<std::string>& lines);

// "lines 12-40 and 55-60" (1-based, evolvable lines only), for messages.
std::string DescribeRegions(const std::vector<Region>& regions);

// The result of holding a candidate against its parent's regions: either the merged lines
// (parent text for markers and outside lines, candidate text inside the regions) or why not.
struct RegionMerge {
  std::vector<std::string> lines;
  std::optional<EditRejection> rejection;  // kMarkers or kOutsideRegion
};

// Compares `candidate` with `parent` outside the regions: the marker lines must match in order
// (modulo leading/trailing whitespace) and every stretch outside the regions must hold the same
// non-blank lines (modulo leading/trailing whitespace).
RegionMerge MergeWithinRegions(const std::vector<std::string>& parent,
                               const std::vector<std::string>& candidate);

}  // namespace kevolve::edit
