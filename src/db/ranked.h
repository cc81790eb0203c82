// RankedList: program ids kept sorted best-first by (score descending, id ascending). The id
// tie-break makes every order total, so selection and eviction never depend on insertion
// history or container internals. Backed by a sorted vector: lists here are bounded by an
// island's capacity or the archive size, where a memmove beats a node-based tree and rank
// lookups are O(1). Not thread-safe.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace kevolve::db {

struct Ranked {
  double score = 0;
  int64_t id = 0;
};

// True when `a` ranks strictly before `b`. REQUIRES: finite scores.
inline bool RanksBefore(const Ranked& a, const Ranked& b) {
  return a.score > b.score || (a.score == b.score && a.id < b.id);
}

class RankedList {
 public:
  // Inserts `r` at its rank and returns that rank (0 = best). REQUIRES: r.id not present.
  size_t Insert(Ranked r) {
    auto it = std::lower_bound(items_.begin(), items_.end(), r, RanksBefore);
    const auto pos = static_cast<size_t>(it - items_.begin());
    items_.insert(it, r);
    return pos;
  }
  // Removes the entry equal to `r` (same score and id); false when absent.
  bool Erase(Ranked r) {
    auto it = std::lower_bound(items_.begin(), items_.end(), r, RanksBefore);
    if (it == items_.end() || it->id != r.id) return false;
    items_.erase(it);
    return true;
  }
  void EraseAt(size_t rank) { items_.erase(items_.begin() + static_cast<std::ptrdiff_t>(rank)); }
  void PopBack() { items_.pop_back(); }

  bool empty() const { return items_.empty(); }
  size_t size() const { return items_.size(); }
  const Ranked& operator[](size_t rank) const { return items_[rank]; }
  const Ranked& front() const { return items_.front(); }
  const Ranked& back() const { return items_.back(); }
  auto begin() const { return items_.begin(); }
  auto end() const { return items_.end(); }

 private:
  std::vector<Ranked> items_;
};

}  // namespace kevolve::db
