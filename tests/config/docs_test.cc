// docs/config.md is the user's reference: it must list every key of the schema exactly as the
// code defines it (type, default, unit, meaning), name no key the code lacks, and its example
// must load and validate.
#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "config/load.h"
#include "core/files.h"
#include "core/text.h"

namespace kevolve {
namespace {

const char kDocPath[] = KEVOLVE_SOURCE_DIR "/docs/config.md";

std::string ReadDoc() {
  Result<std::string> text = ReadFile(kDocPath);
  EXPECT_TRUE(text.ok()) << text.status().ToString();
  return text.ok() ? *text : "";
}

std::string RowOf(const ConfigKey& key) {
  return "| `" + key.path + "` | " + key.type + " | `" + key.default_value + "` | " + key.unit +
         " | " + key.doc + " |";
}

TEST(ConfigDocsTest, EveryKeyHasItsRow) {
  const std::vector<std::string> lines = SplitLines(ReadDoc());
  const std::set<std::string> rows(lines.begin(), lines.end());
  for (const ConfigKey& key : ConfigKeys()) {
    EXPECT_TRUE(rows.count(RowOf(key)))
        << "docs/config.md lacks (or has a different row for) " << key.path
        << "; expected the line:\n" << RowOf(key);
  }
}

TEST(ConfigDocsTest, EveryDocumentedKeyExists) {
  std::set<std::string> known;
  for (const ConfigKey& key : ConfigKeys()) known.insert(key.path);
  const std::regex row(R"(^\| `([a-z_]+(\.[a-z_\[\]]+)+)` \|)");
  int rows = 0;
  for (const std::string& line : SplitLines(ReadDoc())) {
    std::smatch match;
    if (!std::regex_search(line, match, row)) continue;
    ++rows;
    EXPECT_TRUE(known.count(match[1].str())) << "docs/config.md documents an unknown key: "
                                             << line;
  }
  EXPECT_EQ(rows, static_cast<int>(ConfigKeys().size()));
}

// The first ```yaml block under "## Example".
TEST(ConfigDocsTest, ExampleLoadsAndValidates) {
  const std::string doc = ReadDoc();
  const size_t section = doc.find("\n## Example");
  ASSERT_NE(section, std::string::npos) << "docs/config.md has no '## Example' section";
  const size_t start = doc.find("```yaml\n", section);
  ASSERT_NE(start, std::string::npos);
  const size_t body = start + 8;
  const size_t end = doc.find("\n```", body);
  ASSERT_NE(end, std::string::npos);
  const std::string yaml = doc.substr(body, end - body + 1);
  Result<Config> config = ParseConfig(yaml, "docs/config.md example", "/tasks/bin_packing");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_TRUE(ValidateConfig(*config).ok()) << ValidateConfig(*config).ToString();
  EXPECT_FALSE(config->evaluator.stages.empty()) << "the example should show stages";
  EXPECT_FALSE(config->database.features.empty()) << "the example should show features";
}

}  // namespace
}  // namespace kevolve
