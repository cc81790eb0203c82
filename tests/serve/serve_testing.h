// A served folder holding one small run with known content, for the dashboard's tests.
#pragma once

#include <gtest/gtest.h>

#include <limits>

#include "core/files.h"
#include "core/text.h"
#include "testing/run_fixture.h"

namespace kevolve::testing {

// Code and artifacts as a hostile candidate could write them.
inline constexpr const char* kHostileCode =
    "</script><script>window.__xss = 1;</script><img src=x onerror=\"window.__xss = 2\">\n"
    "int main() { return 0; }\n";
inline constexpr const char* kHostileArtifact = "<img src=x onerror=alert(1)><b>bold</b>";

inline constexpr int64_t kStartUnixMs = 1'790'000'000'000;  // September 2026

// root/known-run: 1 initial (1.0, island 0) <- 2 (2.0, island 1, hostile code)
//                 <- 3 (timeout) and 4 (3.0, island 0, hostile artifact, made by an LLM call),
// program 4 copied to island 1 by a migration. Returns the run's open store.
inline Result<std::unique_ptr<Store>> CreateKnownRun(const std::string& root) {
  KEVOLVE_ASSIGN_OR_RETURN(auto store, CreateSyntheticRun(root, "known-run", 2, kStartUnixMs));
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Program p1 = SyntheticProgram(0, 0, 0, 1.0, 1, kStartUnixMs + 1000);
  Program p2 = SyntheticProgram(1, 1, 1, 2.0, 2, kStartUnixMs + 2000);
  p2.code = kHostileCode;
  p2.code_hash = CodeHash(p2.code);
  Program p3 = SyntheticProgram(2, 2, 1, nan, 3, kStartUnixMs + 3000);
  Program p4 = SyntheticProgram(2, 2, 0, 3.0, 4, kStartUnixMs + 4000);
  p4.result.artifacts = {{"feedback", kHostileArtifact}};
  p4.result.features = {{"x", 0.9}, {"y", 0.5}};  // cell (3, 1) of the 4 x 3 grid
  p4.origin = "model:m1";
  for (const Program* p : {&p1, &p2, &p3}) {
    KEVOLVE_RETURN_IF_ERROR(store->CommitProgram(*p, {}, {}).status());
  }
  LlmCall call;
  call.model = "m1";
  call.purpose = "exploit";
  call.request = R"({"messages":[{"role":"user","content":"improve </script>"}]})";
  call.reply = "{}";
  call.content = "<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE";
  call.tokens_in = 120;
  call.tokens_out = 30;
  call.cost = 0.25;
  call.latency_ms = 900;
  KEVOLVE_ASSIGN_OR_RETURN(auto ids, store->RecordLlmCalls({call}));
  KEVOLVE_RETURN_IF_ERROR(store->CommitProgram(p4, {{0, 1, "migration"}}, {}, ids).status());
  return store;
}

class ServedRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = MakeTempDir(::testing::TempDir(), "kevolve-serve-");
    ASSERT_TRUE(dir.ok()) << dir.status().ToString();
    root_ = *dir;
    auto store = CreateKnownRun(root_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }
  void TearDown() override { (void)RemoveTree(root_); }

  std::string root_;
  std::unique_ptr<Store> store_;
};

}  // namespace kevolve::testing
