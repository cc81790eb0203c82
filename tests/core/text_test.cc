#include "core/text.h"

#include <gtest/gtest.h>

namespace kevolve {
namespace {

TEST(TextTest, CodeHashIgnoresTrailingSpaceAndBlankRuns) {
  EXPECT_EQ(CodeHash("int a;  \n\n\n\nint b;\n"), CodeHash("\nint a;\n\nint b;"));
  EXPECT_NE(CodeHash("int a;\nint b;\n"), CodeHash("int a;\nint  b;\n"));
}

TEST(TextTest, SplitAndJoinRoundTrip) {
  auto lines = SplitLines("a\nb\n\nc");
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[2], "");
  EXPECT_EQ(JoinLines(lines), "a\nb\n\nc\n");
}

TEST(TextTest, NearestWordSuggestsCloseKeysOnly) {
  std::vector<std::string> keys = {"iterations", "seed", "strategy"};
  EXPECT_EQ(NearestWord("iteratons", keys), "iterations");
  EXPECT_EQ(NearestWord("stratgy", keys), "strategy");
  EXPECT_EQ(NearestWord("completely_different", keys), "");
}

TEST(TextTest, TruncateKeepsHeadAndTail) {
  std::string s(1000, 'x');
  s[0] = 'H';
  s[999] = 'T';
  std::string t = Truncate(s, 100);
  EXPECT_EQ(t.front(), 'H');
  EXPECT_EQ(t.back(), 'T');
  EXPECT_NE(t.find("900 bytes cut"), std::string::npos);
  EXPECT_EQ(Truncate("short", 100), "short");
}

}  // namespace
}  // namespace kevolve
