// FeatureGrid: the MAP-Elites coordinate system shared by every island. Each configured feature
// is one axis with a declared [min, max] range cut into `bins` equal bins; a program's feature
// values pick one bin per axis and the bins together name a cell. Cells are numbered in
// mixed radix (the first axis varies slowest), so a cell is a single int64 that orders
// deterministically. Immutable after construction; safe to share between threads.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/status.h"

namespace kevolve::db {

class FeatureGrid {
 public:
  // The grid's precondition, for axes that have not passed ValidateConfig (config/load.h owns
  // the rules and their wording for a user), such as a stored run's: OK when every axis has a
  // name, bins >= 1, min < max, no name repeats and the cell count fits in an int64.
  static Status Validate(const std::vector<FeatureConfig>& axes);

  // REQUIRES: Validate(axes).ok(). Out-of-range settings are clamped (bins < 1 -> 1) so a
  // violated precondition degrades the grid instead of breaking memory safety.
  explicit FeatureGrid(const std::vector<FeatureConfig>& axes);

  // The cell of a program with these feature values. Values are clamped into [min, max]; the
  // top edge belongs to the last bin. A missing or NaN value falls in bin 0 of its axis.
  // Keys of `features` that are not axes are ignored. With no axes there is one cell, 0.
  int64_t CellOf(const std::map<std::string, double>& features) const;

  // The cells at exactly Manhattan distance `distance` (1 or 2) from `cell` that lie inside the
  // grid, in a fixed order (by axis, minus before plus). Empty for other distances.
  std::vector<int64_t> Neighbours(int64_t cell, int distance) const;

  std::vector<int> Coordinates(int64_t cell) const;
  int64_t cell_count() const { return cell_count_; }
  size_t dimensions() const { return axes_.size(); }

 private:
  struct Axis {
    std::string name;
    double min = 0;
    double max = 1;
    int bins = 1;
    int64_t stride = 1;  // cells between neighbouring bins of this axis
  };
  // A step of +-1 or +-2 along one or two axes.
  struct Offset {
    std::vector<std::pair<size_t, int>> steps;  // (axis, delta)
  };

  std::vector<Axis> axes_;
  int64_t cell_count_ = 1;
  std::vector<Offset> offsets_by_distance_[3];  // [0] unused
};

}  // namespace kevolve::db
