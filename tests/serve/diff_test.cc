#include <gtest/gtest.h>

#include "serve/diff.h"

namespace kevolve::serve {
namespace {

std::string Render(const std::vector<DiffLine>& lines) {
  std::string out;
  for (const DiffLine& l : lines) out += std::string(1, l.op) + l.text + "\n";
  return out;
}

TEST(DiffLines, KeepsCommonLinesAndMarksChangedOnes) {
  EXPECT_EQ(Render(DiffLines("a\nb\nc\nd\n", "a\nB\nc\nd\ne\n")), " a\n-b\n+B\n c\n d\n+e\n");
}

TEST(DiffLines, IdenticalTextsHaveNoChange) {
  EXPECT_EQ(Render(DiffLines("x\ny\n", "x\ny\n")), " x\n y\n");
}

TEST(DiffLines, FindsTheLongestCommonSubsequenceInTheMiddle) {
  EXPECT_EQ(Render(DiffLines("h\n1\n2\n3\nt\n", "h\n2\n3\n4\nt\n")), " h\n-1\n 2\n 3\n+4\n t\n");
}

TEST(DiffLines, AMiddleLargerThanTheBoundIsReplacedWhole) {
  EXPECT_EQ(Render(DiffLines("h\n1\n2\nt\n", "h\n2\n3\nt\n", /*max_cells=*/3)),
            " h\n-1\n-2\n+2\n+3\n t\n");
}

TEST(EditSummary, NamesTheFirstChangedLineOfASearchReplaceBlock) {
  const std::string edit =
      "<<<<<<< SEARCH\n  int a = 1;\n  return a;\n=======\n  int a = 1;\n  return a + 2;\n"
      ">>>>>>> REPLACE\n<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\n";
  EXPECT_EQ(EditSummary(edit), "return a; -> return a + 2; (+1 more)");
}

TEST(EditSummary, ReadsDiffHunksAndFallsBackToTheFirstLine) {
  EXPECT_EQ(EditSummary("--- a\n+++ b\n@@ -1,2 +1,2 @@\n ctx\n-old\n+new\n"), "old -> new");
  EXPECT_EQ(EditSummary("\n  rewrote the loop\nmore\n"), "rewrote the loop");
  EXPECT_EQ(EditSummary(""), "");
}

TEST(EditSummary, StaysShort) {
  EXPECT_LE(EditSummary(std::string(1000, 'x'), 80).size(), 80u);
}

}  // namespace
}  // namespace kevolve::serve
