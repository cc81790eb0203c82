// Golden cases: tests/edit/golden/<case>/ holds parent.<ext>, edit.txt and either expected.cc
// (the exact candidate bytes, plus optionally expected_format.txt: "<format> <blocks_applied>")
// or expected_rejection.txt (first line: the rejection name; each further line: a substring the
// message must contain).
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/files.h"
#include "core/text.h"
#include "edit/edit.h"

namespace kevolve::edit {
namespace {

namespace fs = std::filesystem;

const char kGoldenDir[] = KEVOLVE_SOURCE_DIR "/tests/edit/golden";

std::vector<std::string> CaseNames() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(kGoldenDir)) {
    if (entry.is_directory()) names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string ReadOrDie(const fs::path& path) {
  Result<std::string> content = ReadFile(path.string());
  EXPECT_TRUE(content.ok()) << content.status().ToString();
  return content.value_or("");
}

fs::path ParentPath(const fs::path& dir) {
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().stem() == "parent") return entry.path();
  }
  return dir / "parent.cc";
}

class GoldenEditTest : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenEditTest, MatchesExpectation) {
  const fs::path dir = fs::path(kGoldenDir) / GetParam();
  const std::string parent = ReadOrDie(ParentPath(dir));
  const std::string edit_text = ReadOrDie(dir / "edit.txt");
  const EditOutcome outcome = ApplyEdit(parent, edit_text);

  if (fs::exists(dir / "expected.cc")) {
    ASSERT_TRUE(outcome.ok) << EditRejectionName(outcome.rejection.kind) << ": "
                            << outcome.rejection.message;
    EXPECT_EQ(outcome.code, ReadOrDie(dir / "expected.cc"));
    if (fs::exists(dir / "expected_format.txt")) {
      const std::vector<std::string> want = SplitLines(ReadOrDie(dir / "expected_format.txt"));
      ASSERT_FALSE(want.empty());
      EXPECT_EQ(outcome.format + " " + std::to_string(outcome.blocks_applied), want[0]);
    }
    return;
  }
  ASSERT_TRUE(fs::exists(dir / "expected_rejection.txt")) << "case has no expectation file";
  const std::vector<std::string> want = SplitLines(ReadOrDie(dir / "expected_rejection.txt"));
  ASSERT_FALSE(want.empty());
  ASSERT_FALSE(outcome.ok) << "applied, giving:\n" << outcome.code;
  EXPECT_EQ(EditRejectionName(outcome.rejection.kind), want[0]) << outcome.rejection.message;
  EXPECT_TRUE(outcome.code.empty());
  for (size_t i = 1; i < want.size(); ++i) {
    EXPECT_NE(outcome.rejection.message.find(want[i]), std::string::npos)
        << "message lacks \"" << want[i] << "\":\n" << outcome.rejection.message;
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, GoldenEditTest, ::testing::ValuesIn(CaseNames()),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           return param.param;
                         });

TEST(GoldenEditSuite, HasEnoughCases) { EXPECT_GE(CaseNames().size(), 20u); }

}  // namespace
}  // namespace kevolve::edit
