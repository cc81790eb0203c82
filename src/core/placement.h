// Placement: a program put on an island by something other than its own insert (ring migration).
// It lives in core because db makes placements and store persists them, and neither of those
// modules may depend on the other.
#pragma once

#include <cstdint>
#include <string>

namespace kevolve {

struct Placement {
  int64_t program_id = 0;  // a program already inserted (its home island is program.island)
  int island = 0;          // the island that receives a copy
  std::string reason;      // why: "migration"

  bool operator==(const Placement&) const = default;
};

}  // namespace kevolve
