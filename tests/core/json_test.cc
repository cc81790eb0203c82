#include "core/json.h"

#include <gtest/gtest.h>

namespace kevolve {
namespace {

TEST(JsonTest, ParsesObjects) {
  auto r = ParseJson(R"({"a": 1, "b": [true]})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)["a"], 1);
}

TEST(JsonTest, RejectsGarbageWithoutThrowing) {
  auto r = ParseJson("{\"a\": ");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("not valid JSON"), std::string::npos);
}

}  // namespace
}  // namespace kevolve
