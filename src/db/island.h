// Island: one sub-population. It holds program ids (never programs), ranked best-first, and the
// MAP-Elites elite of each occupied cell. Its size stays within max(capacity, occupied cells):
// over capacity the worst member goes, except the island's best and any cell's elite, which
// are never evicted. Internal to Population; not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <unordered_map>
#include <vector>

#include "db/ranked.h"

namespace kevolve::db {

struct IslandAddResult {
  bool added = false;            // false when the id was already a member (nothing changed)
  bool new_best = false;         // the program is now the island's best
  bool cell_improved = false;    // the program is now its cell's elite (empty cell or better)
  std::vector<int64_t> evicted;  // members removed for capacity, worst first; may hold the id
};

class Island {
 public:
  // Adds a valid program with a finite score. REQUIRES: capacity >= 1. With
  // `may_take_cell` false the program joins as a member but leaves its cell's elite in place,
  // even when it ranks before it (the caller's promotion rule said no).
  IslandAddResult Add(Ranked program, int64_t cell, size_t capacity, bool may_take_cell = true);

  bool Contains(int64_t id) const { return cell_of_.count(id) != 0; }
  // Members best-first.
  const RankedList& members() const { return members_; }
  std::optional<int64_t> Best() const;
  std::optional<int64_t> CellElite(int64_t cell) const;
  size_t occupied_cells() const { return elites_.size(); }

 private:
  void EvictOverCapacity(size_t capacity, std::vector<int64_t>& evicted);

  RankedList members_;
  std::unordered_map<int64_t, int64_t> cell_of_;  // member id -> cell; lookups only
  std::map<int64_t, Ranked> elites_;              // cell -> its best member
};

}  // namespace kevolve::db
