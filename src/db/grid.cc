#include "db/grid.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

namespace kevolve::db {

Status FeatureGrid::Validate(const std::vector<FeatureConfig>& axes) {
  std::set<std::string> names;
  int64_t cells = 1;
  for (size_t i = 0; i < axes.size(); ++i) {
    const FeatureConfig& a = axes[i];
    const std::string where = "database.features[" + std::to_string(i) + "]";
    if (a.name.empty()) return Status::InvalidArgument(where + ": name is empty");
    if (!names.insert(a.name).second) {
      return Status::InvalidArgument(where + ": feature '" + a.name + "' is declared twice");
    }
    if (a.bins < 1) {
      return Status::InvalidArgument(where + " (" + a.name + "): bins must be at least 1, got " +
                                     std::to_string(a.bins));
    }
    if (!(a.min < a.max) || !std::isfinite(a.min) || !std::isfinite(a.max)) {
      return Status::InvalidArgument(where + " (" + a.name + "): min must be finite and below max");
    }
    if (cells > std::numeric_limits<int64_t>::max() / a.bins) {
      return Status::InvalidArgument(
          "database.features: the grid has too many cells "
          "(product of bins overflows); use fewer bins");
    }
    cells *= a.bins;
  }
  return Status::Ok();
}

FeatureGrid::FeatureGrid(const std::vector<FeatureConfig>& axes) {
  for (const FeatureConfig& a : axes) {
    Axis axis;
    axis.name = a.name;
    axis.min = a.min;
    axis.max = a.max > a.min ? a.max : a.min + 1;
    axis.bins = a.bins < 1 ? 1 : a.bins;
    axes_.push_back(axis);
  }
  // Strides right to left: the last axis varies fastest.
  int64_t stride = 1;
  for (size_t i = axes_.size(); i-- > 0;) {
    axes_[i].stride = stride;
    if (stride > std::numeric_limits<int64_t>::max() / axes_[i].bins) {
      axes_[i].bins = 1;  // overflow: the precondition was violated; flatten this axis
    }
    stride *= axes_[i].bins;
  }
  cell_count_ = stride;

  const size_t d = axes_.size();
  for (size_t i = 0; i < d; ++i) {
    for (int delta : {-1, 1}) offsets_by_distance_[1].push_back({{{i, delta}}});
    for (int delta : {-2, 2}) offsets_by_distance_[2].push_back({{{i, delta}}});
    for (size_t j = i + 1; j < d; ++j) {
      for (int di : {-1, 1}) {
        for (int dj : {-1, 1}) offsets_by_distance_[2].push_back({{{i, di}, {j, dj}}});
      }
    }
  }
}

int64_t FeatureGrid::CellOf(const std::map<std::string, double>& features) const {
  int64_t cell = 0;
  for (const Axis& axis : axes_) {
    int bin = 0;
    auto it = features.find(axis.name);
    if (it != features.end() && !std::isnan(it->second)) {
      const double v = std::clamp(it->second, axis.min, axis.max);
      const double scaled = (v - axis.min) / (axis.max - axis.min) * axis.bins;
      bin = std::min(static_cast<int>(scaled), axis.bins - 1);
    }
    cell += bin * axis.stride;
  }
  return cell;
}

std::vector<int> FeatureGrid::Coordinates(int64_t cell) const {
  std::vector<int> coords(axes_.size());
  for (size_t i = 0; i < axes_.size(); ++i) {
    coords[i] = static_cast<int>((cell / axes_[i].stride) % axes_[i].bins);
  }
  return coords;
}

std::vector<int64_t> FeatureGrid::Neighbours(int64_t cell, int distance) const {
  std::vector<int64_t> out;
  if (distance < 1 || distance > 2) return out;
  const std::vector<int> coords = Coordinates(cell);
  for (const Offset& offset : offsets_by_distance_[distance]) {
    int64_t neighbour = cell;
    bool inside = true;
    for (const auto& [axis, delta] : offset.steps) {
      const int c = coords[axis] + delta;
      if (c < 0 || c >= axes_[axis].bins) {
        inside = false;
        break;
      }
      neighbour += delta * axes_[axis].stride;
    }
    if (inside) out.push_back(neighbour);
  }
  return out;
}

}  // namespace kevolve::db
