// Every provider recipe under examples/llm loads, validates, holds only an llm: section, and
// builds the request its provider expects.
#include <gtest/gtest.h>

#include <filesystem>

#include "config/load.h"
#include "core/files.h"
#include "llm/openai.h"

namespace kevolve {
namespace {

const std::string kExamples = std::string(KEVOLVE_SOURCE_DIR) + "/examples/llm";

TEST(LlmExamplesTest, EveryRecipeLoadsValidatesAndNamesItsEndpoint) {
  const std::vector<std::string> expected = {"gemini",     "llamacpp", "ollama", "openai",
                                             "openrouter", "sglang",   "vllm"};
  std::vector<std::string> found;
  for (const auto& entry : std::filesystem::directory_iterator(kExamples)) {
    if (entry.path().extension() != ".yaml") continue;
    found.push_back(entry.path().stem().string());
    auto text = ReadFile(entry.path().string());
    ASSERT_TRUE(text.ok());
    auto config = ParseConfig(*text, entry.path().string(), "");
    ASSERT_TRUE(config.ok()) << config.status().ToString();
    Config others = *config;
    others.llm = LlmConfig{};
    EXPECT_EQ(ConfigToJson(others), ConfigToJson(Config{}))
        << entry.path() << " holds more than llm:";
    config->task.name = "task";  // a recipe is merged into a task's config, which has a name
    EXPECT_TRUE(ValidateConfig(*config).ok()) << ValidateConfig(*config).ToString();
    ASSERT_FALSE(config->llm.models.empty()) << entry.path();
    for (const llm::ModelSpec& spec : llm::ResolveModels(config->llm)) {
      EXPECT_EQ(spec.base_url.rfind("http", 0), 0u) << spec.base_url;
      EXPECT_NE(spec.base_url.back(), '/');
      const Json body = llm::BuildRequestBody(spec, {{"user", "x"}});
      EXPECT_EQ(body["model"], spec.model);
      EXPECT_EQ(body["stream"], false);
    }
  }
  std::sort(found.begin(), found.end());
  EXPECT_EQ(found, expected);
}

}  // namespace
}  // namespace kevolve
