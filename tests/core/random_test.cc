#include "core/random.h"

#include <gtest/gtest.h>

#include <set>

namespace kevolve {
namespace {

TEST(RngTest, SameSeedSameStream) {
  Rng a(7), b(7), c(8);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.Next(), b.Next());
  EXPECT_NE(Rng(7).Next(), c.Next());
}

TEST(RngTest, SaveRestoreContinuesTheStreamExactly) {
  Rng a(123);
  for (int i = 0; i < 17; ++i) a.Next();
  auto restored = Rng::Restore(a.Save());
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  for (int i = 0; i < 50; ++i) EXPECT_EQ(a.Next(), restored->Next());
}

TEST(RngTest, RestoreRejectsGarbage) {
  EXPECT_FALSE(Rng::Restore("12:34").ok());
  EXPECT_FALSE(Rng::Restore("zz:00:00:00").ok());
}

TEST(RngTest, BelowAndRangeStayInBoundsAndCoverThem) {
  Rng r(1);
  std::set<int64_t> seen;
  for (int i = 0; i < 2000; ++i) {
    int64_t v = r.Range(-3, 3);
    ASSERT_GE(v, -3);
    ASSERT_LE(v, 3);
    seen.insert(v);
    double u = r.Uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
  }
  EXPECT_EQ(seen.size(), 7u);
}

}  // namespace
}  // namespace kevolve
