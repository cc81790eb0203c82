// Specifications of the edit API beyond the golden cases: regions, the block format, and rules
// that are easier to state as code than as files.
#include "edit/edit.h"

#include <gtest/gtest.h>

#include <string>

namespace kevolve::edit {
namespace {

using Kind = EditRejection::Kind;

constexpr char kProgram[] =
    "#include <cstdio>\n"                     // 1
    "int Helper() { return 1; }\n"            // 2
    "/* EVOLVE-BLOCK-START */\n"              // 3
    "int Evolved(int x) {\n"                  // 4
    "  int y = x + 1;\n"                      // 5
    "  return y * 2;\n"                       // 6
    "}\n"                                     // 7
    "/* EVOLVE-BLOCK-END */\n"                // 8
    "int main() { return Evolved(1); }\n";    // 9

TEST(EditRejectionNameTest, NamesAreStable) {
  EXPECT_STREQ(EditRejectionName(Kind::kNoEdit), "no_edit");
  EXPECT_STREQ(EditRejectionName(Kind::kParse), "parse");
  EXPECT_STREQ(EditRejectionName(Kind::kNoMatch), "no_match");
  EXPECT_STREQ(EditRejectionName(Kind::kAmbiguous), "ambiguous");
  EXPECT_STREQ(EditRejectionName(Kind::kOutsideRegion), "outside_region");
  EXPECT_STREQ(EditRejectionName(Kind::kNoChange), "no_change");
  EXPECT_STREQ(EditRejectionName(Kind::kMarkers), "markers");
}

TEST(FindEvolveRegionsTest, FileWithoutMarkersIsOneWholeRegion) {
  auto regions = FindEvolveRegions("a\nb\nc\n");
  ASSERT_EQ(regions.size(), 1u);
  EXPECT_EQ(regions[0].begin, 0u);
  EXPECT_EQ(regions[0].end, 3u);
  EXPECT_FALSE(regions[0].has_markers);
}

TEST(FindEvolveRegionsTest, RegionsLieBetweenMarkersOfAnyCommentSyntax) {
  auto regions = FindEvolveRegions(
      "x\n# EVOLVE-BLOCK-START\na\nb\n# EVOLVE-BLOCK-END\ny\n// EVOLVE-BLOCK-START\nc\n"
      "// EVOLVE-BLOCK-END\n");
  ASSERT_EQ(regions.size(), 2u);
  EXPECT_EQ(regions[0].begin, 2u);
  EXPECT_EQ(regions[0].end, 4u);
  EXPECT_TRUE(regions[0].has_markers);
  EXPECT_EQ(regions[1].begin, 7u);
  EXPECT_EQ(regions[1].end, 8u);
}

TEST(FindEvolveRegionsTest, UnclosedStartRunsToEndOfFileAndStrayEndDelimitsNothing) {
  auto regions = FindEvolveRegions("// EVOLVE-BLOCK-END\nx\n// EVOLVE-BLOCK-START\na\nb");
  ASSERT_EQ(regions.size(), 1u);
  EXPECT_EQ(regions[0].begin, 3u);
  EXPECT_EQ(regions[0].end, 5u);
}

TEST(EvolvableTextTest, JoinsRegionLinesWithoutMarkers) {
  EXPECT_EQ(EvolvableText(kProgram), "int Evolved(int x) {\n  int y = x + 1;\n  return y * 2;\n}\n");
  EXPECT_EQ(EvolvableText("a\nb"), "a\nb\n");
}

TEST(FormatSearchReplaceTest, RoundTripsThroughApplyEdit) {
  const std::string edit = FormatSearchReplace("  return y * 2;", "  return y * 3;\n");
  EXPECT_EQ(edit, "<<<<<<< SEARCH\n  return y * 2;\n=======\n  return y * 3;\n>>>>>>> REPLACE\n");
  EditOutcome out = ApplyEdit(kProgram, edit);
  ASSERT_TRUE(out.ok) << out.rejection.message;
  EXPECT_NE(out.code.find("return y * 3;"), std::string::npos);
  EXPECT_EQ(out.format, "search_replace");
  EXPECT_EQ(out.blocks_applied, 1);
}

TEST(FormatSearchReplaceTest, EmptyReplacementDeletesAndBlankLinesArePreserved) {
  const std::string parent = "// EVOLVE-BLOCK-START\na();\n\nb();\nc();\n// EVOLVE-BLOCK-END\n";
  EditOutcome out = ApplyEdit(parent, FormatSearchReplace("a();\n\nb();\n", ""));
  ASSERT_TRUE(out.ok) << out.rejection.message;
  EXPECT_EQ(out.code, "// EVOLVE-BLOCK-START\nc();\n// EVOLVE-BLOCK-END\n");
}

TEST(ApplyEditTest, WhitespaceOnlyChangesOutsideRegionsAreUndone) {
  // The model re-indented line 2 while quoting it as context; line 2 keeps the parent's text.
  EditOutcome out = ApplyEdit(kProgram, FormatSearchReplace(
      "int Helper() { return 1; }\n/* EVOLVE-BLOCK-START */\nint Evolved(int x) {\n",
      "  int Helper() { return 1; }   \n/* EVOLVE-BLOCK-START */\nint Evolved(long x) {\n"));
  ASSERT_TRUE(out.ok) << out.rejection.message;
  EXPECT_NE(out.code.find("\nint Helper() { return 1; }\n"), std::string::npos);
  EXPECT_NE(out.code.find("int Evolved(long x) {"), std::string::npos);
}

TEST(ApplyEditTest, AFailingLaterBlockRejectsTheWholeEdit) {
  EditOutcome out = ApplyEdit(kProgram, FormatSearchReplace("  int y = x + 1;", "  int y = x;") +
                                            FormatSearchReplace("  int y = x + 1;", "  int y = 0;"));
  ASSERT_FALSE(out.ok);
  EXPECT_EQ(out.rejection.kind, Kind::kNoMatch);
  EXPECT_NE(out.rejection.message.find("block 2 of 2"), std::string::npos);
  EXPECT_NE(out.rejection.message.find("block before it"), std::string::npos);
  EXPECT_TRUE(out.code.empty());
}

TEST(ApplyEditTest, SearchTextThatAlsoOccursOutsideRegionsIsAmbiguous) {
  const std::string parent = "x = 1;\n// EVOLVE-BLOCK-START\nx = 1;\n// EVOLVE-BLOCK-END\n";
  EditOutcome out = ApplyEdit(parent, FormatSearchReplace("x = 1;", "x = 2;"));
  ASSERT_FALSE(out.ok);
  EXPECT_EQ(out.rejection.kind, Kind::kAmbiguous);
}

TEST(ApplyEditTest, AddedMarkerIsRejected) {
  EditOutcome out = ApplyEdit(kProgram, FormatSearchReplace(
      "  return y * 2;", "  return y * 2;\n/* EVOLVE-BLOCK-END */\n/* EVOLVE-BLOCK-START */"));
  ASSERT_FALSE(out.ok);
  EXPECT_EQ(out.rejection.kind, Kind::kMarkers);
  EXPECT_NE(out.rejection.message.find("adds"), std::string::npos);
}

TEST(ApplyEditTest, EqualsRunsOtherThanSevenAreContent) {
  const std::string parent = "\"\"\"\nTitle\n=====\n\"\"\"\nk = 1\n";
  EditOutcome out = ApplyEdit(parent, FormatSearchReplace("Title\n=====\n", "Name\n=====\n"));
  ASSERT_TRUE(out.ok) << out.rejection.message;
  EXPECT_EQ(out.code, "\"\"\"\nName\n=====\n\"\"\"\nk = 1\n");
}

TEST(ApplyEditTest, SearchReplaceTakesPrecedenceOverDiffAndCodeBlocks) {
  const std::string reply = "```diff\n@@ -5 +5 @@\n-  int y = x + 1;\n+  int y = x - 1;\n```\n" +
                            FormatSearchReplace("  int y = x + 1;", "  int y = x + 7;");
  EditOutcome out = ApplyEdit(kProgram, reply);
  ASSERT_TRUE(out.ok) << out.rejection.message;
  EXPECT_EQ(out.format, "search_replace");
  EXPECT_NE(out.code.find("x + 7"), std::string::npos);
}

TEST(ApplyEditTest, DiffHintFarFromEveryMatchDoesNotChooseOne) {
  const std::string parent = "a\nb\nc\na\nb\nc\n";
  // Matches start at lines 1 and 4; the hint (line 5) is nearest to the second, which wins.
  EditOutcome near = ApplyEdit(parent, "```diff\n@@ -5,2 +5,2 @@\n a\n-b\n+B\n```\n");
  ASSERT_TRUE(near.ok) << near.rejection.message;
  EXPECT_EQ(near.code, "a\nb\nc\na\nB\nc\n");
  // A hint 100 lines away is not trusted to pick between them.
  EditOutcome far = ApplyEdit(parent, "```diff\n@@ -100,2 +100,2 @@\n a\n-b\n+B\n```\n");
  ASSERT_FALSE(far.ok);
  EXPECT_EQ(far.rejection.kind, Kind::kAmbiguous);
}

TEST(ApplyEditTest, BareDiffWithoutFenceIsRead) {
  EditOutcome out = ApplyEdit(kProgram,
                              "Change it like this:\n@@ -6 +6 @@\n-  return y * 2;\n+  return y * 4;\n"
                              "That doubles the output.\n");
  ASSERT_TRUE(out.ok) << out.rejection.message;
  EXPECT_EQ(out.format, "diff");
  EXPECT_NE(out.code.find("return y * 4;"), std::string::npos);
}

TEST(ApplyEditTest, ReindentsReplacementWhenModelAddedIndentation) {
  const std::string parent = "def f(x):\n    y = x\n    return y\n";
  EditOutcome out = ApplyEdit(parent, FormatSearchReplace("        y = x\n        return y\n",
                                                          "        y = x + 1\n        return y\n"));
  ASSERT_TRUE(out.ok) << out.rejection.message;
  EXPECT_EQ(out.code, "def f(x):\n    y = x + 1\n    return y\n");
}

TEST(ApplyEditTest, EmptyParentAndEmptyReplyAreHandled) {
  EXPECT_EQ(ApplyEdit("", "").rejection.kind, Kind::kNoEdit);
  EditOutcome out = ApplyEdit("", "```\nint x;\n```\n");
  ASSERT_TRUE(out.ok) << out.rejection.message;
  EXPECT_EQ(out.code, "int x;\n");
}

}  // namespace
}  // namespace kevolve::edit
