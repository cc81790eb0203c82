#include "db/grid.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "db_testing.h"

namespace kevolve::db {
namespace {

using testing::Axis;

TEST(FeatureGridTest, NoAxesIsOneCell) {
  FeatureGrid grid({});
  EXPECT_EQ(grid.cell_count(), 1);
  EXPECT_EQ(grid.CellOf({{"anything", 3.0}}), 0);
  EXPECT_TRUE(grid.Neighbours(0, 1).empty());
}

TEST(FeatureGridTest, BinsAreEqualSlicesOfTheDeclaredRangeWithClamping) {
  FeatureGrid grid({Axis("x", 0, 10, 5)});
  EXPECT_EQ(grid.CellOf({{"x", 0.0}}), 0);
  EXPECT_EQ(grid.CellOf({{"x", 1.99}}), 0);
  EXPECT_EQ(grid.CellOf({{"x", 2.0}}), 1);
  EXPECT_EQ(grid.CellOf({{"x", 9.99}}), 4);
  EXPECT_EQ(grid.CellOf({{"x", 10.0}}), 4) << "the top edge belongs to the last bin";
  EXPECT_EQ(grid.CellOf({{"x", 1e9}}), 4);
  EXPECT_EQ(grid.CellOf({{"x", -5.0}}), 0);
  EXPECT_EQ(grid.CellOf({{"x", std::numeric_limits<double>::infinity()}}), 4);
}

TEST(FeatureGridTest, MissingOrNanFeatureFallsInBinZeroOfItsAxis) {
  FeatureGrid grid({Axis("x", 0, 1, 4), Axis("y", 0, 1, 3)});
  EXPECT_EQ(grid.cell_count(), 12);
  // x varies slowest: cell = bx * 3 + by.
  EXPECT_EQ(grid.CellOf({{"x", 0.6}, {"y", 0.9}}), 2 * 3 + 2);
  EXPECT_EQ(grid.CellOf({{"y", 0.9}}), 0 * 3 + 2);
  EXPECT_EQ(grid.CellOf({{"x", 0.6}}), 2 * 3 + 0);
  EXPECT_EQ(grid.CellOf({{"x", std::nan("")}, {"y", 0.5}}), 0 * 3 + 1);
  EXPECT_EQ(grid.Coordinates(2 * 3 + 1), (std::vector<int>{2, 1}));
}

TEST(FeatureGridTest, NeighboursAreTheInGridCellsAtExactManhattanDistance) {
  FeatureGrid grid({Axis("x", 0, 1, 5), Axis("y", 0, 1, 5)});
  auto cell = [](int x, int y) { return int64_t{x} * 5 + y; };
  auto sorted = [](std::vector<int64_t> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  EXPECT_EQ(sorted(grid.Neighbours(cell(2, 2), 1)),
            sorted({cell(1, 2), cell(3, 2), cell(2, 1), cell(2, 3)}));
  EXPECT_EQ(grid.Neighbours(cell(2, 2), 2).size(), 8u);  // 4 straight + 4 diagonal
  // A corner keeps only what is inside the grid.
  EXPECT_EQ(sorted(grid.Neighbours(cell(0, 0), 1)), sorted({cell(1, 0), cell(0, 1)}));
  EXPECT_EQ(sorted(grid.Neighbours(cell(0, 0), 2)), sorted({cell(2, 0), cell(0, 2), cell(1, 1)}));
  EXPECT_TRUE(grid.Neighbours(cell(2, 2), 3).empty());
}

TEST(FeatureGridTest, ValidateNamesTheBadAxis) {
  EXPECT_TRUE(FeatureGrid::Validate({Axis("x", 0, 1, 3)}).ok());
  Status zero_bins = FeatureGrid::Validate({Axis("x", 0, 1, 3), Axis("y", 0, 1, 0)});
  EXPECT_EQ(zero_bins.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(zero_bins.message().find("features[1] (y)"), std::string::npos) << zero_bins.message();
  EXPECT_FALSE(FeatureGrid::Validate({Axis("x", 1, 1, 3)}).ok());
  EXPECT_FALSE(FeatureGrid::Validate({Axis("x", 0, 1, 3), Axis("x", 0, 2, 3)}).ok());
  EXPECT_FALSE(FeatureGrid::Validate({Axis("", 0, 1, 3)}).ok());
  std::vector<FeatureConfig> huge(8, Axis("a", 0, 1, 1 << 20));
  for (size_t i = 0; i < huge.size(); ++i) huge[i].name = "a" + std::to_string(i);
  EXPECT_FALSE(FeatureGrid::Validate(huge).ok());
}

}  // namespace
}  // namespace kevolve::db
