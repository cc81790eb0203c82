// Noise-aware selection: a candidate is better only when its improvement is beyond the noise
// and consistent across runs; the repeat count grows while the runs disagree.
#include "core/timing_stats.h"

#include <gtest/gtest.h>

#include <random>

namespace kevolve {
namespace {

std::vector<double> Noisy(double center, double relative_noise, int runs, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> noise(0.0, relative_noise * center);
  std::vector<double> out;
  for (int i = 0; i < runs; ++i) out.push_back(center + noise(rng));
  return out;
}

TEST(TimingStatsTest, SummarizeGivesMedianPercentilesAndMad) {
  const Spread s = Summarize({5, 1, 4, 2, 3});
  EXPECT_EQ(s.runs, 5);
  EXPECT_DOUBLE_EQ(s.median, 3);
  EXPECT_DOUBLE_EQ(s.p10, 1.4);
  EXPECT_DOUBLE_EQ(s.p90, 4.6);
  EXPECT_DOUBLE_EQ(s.mad, 1);
  EXPECT_NEAR(s.RelativeSpread(), 3.2 / 3, 1e-12);
  EXPECT_EQ(Summarize({}).runs, 0);
}

TEST(TimingStatsTest, AClearlyFasterKernelIsBetter) {
  const Comparison c =
      CompareRuns(Noisy(90, 0.01, 20, 1), Noisy(100, 0.01, 20, 2), Direction::kLowerIsBetter);
  EXPECT_TRUE(c.better) << c.why;
  EXPECT_NEAR(c.improvement, 0.1, 0.01);
  EXPECT_LT(c.p_value, 1e-4);
}

TEST(TimingStatsTest, AnImprovementWithinTheNoiseIsNotBetter) {
  // 1% faster on average, with 5% run-to-run noise.
  const Comparison c =
      CompareRuns(Noisy(99, 0.05, 30, 3), Noisy(100, 0.05, 30, 4), Direction::kLowerIsBetter);
  EXPECT_FALSE(c.better) << c.why;
  EXPECT_GT(c.noise, 0.05);
}

TEST(TimingStatsTest, OneLuckyRunCannotWin) {
  // The candidate's median is lower only because of where the runs fell, not consistently.
  const std::vector<double> candidate = {80, 101, 102, 99, 100};
  const std::vector<double> incumbent = {100, 100, 101, 99, 100};
  const Comparison c = CompareRuns(candidate, incumbent, Direction::kLowerIsBetter);
  EXPECT_FALSE(c.better) << c.why;
}

TEST(TimingStatsTest, TooFewRunsCannotTell) {
  const Comparison c = CompareRuns({1, 1}, {100, 100, 100}, Direction::kLowerIsBetter);
  EXPECT_FALSE(c.better);
  EXPECT_EQ(c.why, "too few runs to tell (3 or more on each side)");
}

TEST(TimingStatsTest, HigherIsBetterForScores) {
  const Comparison c =
      CompareRuns(Noisy(1.2, 0.01, 10, 5), Noisy(1.0, 0.01, 10, 6), Direction::kHigherIsBetter);
  EXPECT_TRUE(c.better) << c.why;
  const Comparison worse =
      CompareRuns(Noisy(1.0, 0.01, 10, 7), Noisy(1.2, 0.01, 10, 8), Direction::kHigherIsBetter);
  EXPECT_FALSE(worse.better);
  EXPECT_LT(worse.improvement, 0);
}

TEST(TimingStatsTest, IdenticalRunsAreNotBetter) {
  const Comparison c = CompareRuns({5, 5, 5, 5}, {5, 5, 5, 5}, Direction::kLowerIsBetter);
  EXPECT_FALSE(c.better);
  EXPECT_DOUBLE_EQ(c.p_value, 1);
}

TEST(TimingStatsTest, TheRepeatCountGrowsWhileTheRunsDisagree) {
  EXPECT_EQ(NextRunCount(Noisy(100, 0.001, 10, 9), 10, 0.05, 80), 10);
  EXPECT_EQ(NextRunCount(Noisy(100, 0.2, 10, 10), 10, 0.05, 80), 20);
  EXPECT_EQ(NextRunCount(Noisy(100, 0.2, 10, 11), 60, 0.05, 80), 80);
  EXPECT_EQ(NextRunCount({}, 1, 0.05, 80), 3);
}

}  // namespace
}  // namespace kevolve
