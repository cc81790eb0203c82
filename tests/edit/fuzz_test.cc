// Robustness in the manner of a fuzzer, run as a seeded unit test: mutated and random edit texts
// (and mutated parents) must never crash, and every outcome must keep ApplyEdit's promises.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "core/files.h"
#include "core/random.h"
#include "core/text.h"
#include "edit/edit.h"

namespace kevolve::edit {
namespace {

namespace fs = std::filesystem;

struct Seed {
  std::string parent;
  std::string edit;
};

std::vector<Seed> GoldenSeeds() {
  std::vector<Seed> seeds;
  for (const auto& dir : fs::directory_iterator(KEVOLVE_SOURCE_DIR "/tests/edit/golden")) {
    if (!dir.is_directory()) continue;
    Seed seed;
    for (const auto& file : fs::directory_iterator(dir.path())) {
      if (file.path().stem() == "parent") seed.parent = ReadFile(file.path().string()).value_or("");
    }
    seed.edit = ReadFile((dir.path() / "edit.txt").string()).value_or("");
    seeds.push_back(std::move(seed));
  }
  return seeds;
}

// Fragments that steer mutations towards the parser's interesting states.
const std::vector<std::string> kTokens = {
    "<<<<<<< SEARCH\n", "=======\n", ">>>>>>> REPLACE\n", "```diff\n", "```cpp\n", "```\n",
    "@@ -1,3 +1,3 @@\n", "@@ ... @@\n", "@@\n", "--- a/x\n+++ b/x\n", "<diff>", "</diff>",
    "// EVOLVE-BLOCK-START\n", "// EVOLVE-BLOCK-END\n", "\r\n", "\n\n", "-", "+", " ", "\t",
    std::string(1, '\0'), "\xff\xfe", "@@ -99999999999999999999 +1 @@\n"};

std::string Mutate(std::string text, Rng& rng) {
  const int steps = static_cast<int>(rng.Range(1, 6));
  for (int s = 0; s < steps; ++s) {
    const size_t pos = text.empty() ? 0 : rng.Below(text.size() + 1);
    switch (rng.Below(7)) {
      case 0:  // flip a byte
        if (!text.empty()) text[rng.Below(text.size())] = static_cast<char>(rng.Below(256));
        break;
      case 1:  // insert a token
        text.insert(pos, kTokens[rng.Below(kTokens.size())]);
        break;
      case 2:  // delete a range
        if (!text.empty()) text.erase(pos, rng.Below(40));
        break;
      case 3:  // duplicate a range
        if (!text.empty()) text.insert(pos, text.substr(rng.Below(text.size()), rng.Below(80)));
        break;
      case 4:  // truncate
        text.resize(pos);
        break;
      case 5:  // random bytes
        for (uint64_t n = rng.Below(16); n > 0; --n) {
          text.insert(text.begin() + static_cast<std::ptrdiff_t>(pos),
                      static_cast<char>(rng.Below(256)));
        }
        break;
      default:  // swap two lines
        if (auto lines = SplitLines(text); lines.size() > 1) {
          std::swap(lines[rng.Below(lines.size())], lines[rng.Below(lines.size())]);
          text = JoinLines(lines);
        }
        break;
    }
  }
  return text;
}

std::vector<std::string> MarkerLines(const std::string& code) {
  std::vector<std::string> out;
  for (const auto& line : SplitLines(code)) {
    if (line.find("EVOLVE-BLOCK-START") != std::string::npos ||
        line.find("EVOLVE-BLOCK-END") != std::string::npos) {
      out.emplace_back(Trim(line));
    }
  }
  return out;
}

// Returns whether the edit applied.
bool CheckInvariants(const std::string& parent, const std::string& edit, uint64_t seed) {
  const EditOutcome out = ApplyEdit(parent, edit);
  if (out.ok) {
    EXPECT_FALSE(out.format.empty()) << "seed " << seed;
    EXPECT_GE(out.blocks_applied, 1) << "seed " << seed;
    EXPECT_NE(NormalizeCode(out.code), NormalizeCode(parent)) << "seed " << seed;
    EXPECT_EQ(MarkerLines(out.code), MarkerLines(parent)) << "seed " << seed;
  } else {
    EXPECT_FALSE(out.rejection.message.empty()) << "seed " << seed;
    EXPECT_TRUE(out.code.empty()) << "seed " << seed;
  }
  return out.ok;
}

TEST(EditFuzzTest, MutatedGoldenEditsNeverCrashAndKeepPromises) {
  const std::vector<Seed> seeds = GoldenSeeds();
  ASSERT_FALSE(seeds.empty());
  int applied = 0;
  for (uint64_t seed = 1; seed <= 4000; ++seed) {
    Rng rng(seed);
    const Seed& base = seeds[rng.Below(seeds.size())];
    const std::string edit = Mutate(base.edit, rng);
    applied += CheckInvariants(base.parent, edit, seed);
    if (rng.Bernoulli(0.25)) CheckInvariants(Mutate(base.parent, rng), base.edit, seed);
    if (HasFailure()) return;
  }
  // The mutations stay close enough to valid edits that many still apply: the checks above ran
  // on accepted outcomes too, not only on rejections.
  EXPECT_GT(applied, 100);
}

TEST(EditFuzzTest, RandomBytesNeverCrash) {
  const std::vector<Seed> seeds = GoldenSeeds();
  ASSERT_FALSE(seeds.empty());
  for (uint64_t seed = 1; seed <= 1000; ++seed) {
    Rng rng(seed * 7919);
    std::string bytes(rng.Below(400), '\0');
    for (char& c : bytes) c = static_cast<char>(rng.Below(256));
    CheckInvariants(seeds[rng.Below(seeds.size())].parent, bytes, seed);
    CheckInvariants(bytes, seeds[rng.Below(seeds.size())].edit, seed);
    if (HasFailure()) return;
  }
}

}  // namespace
}  // namespace kevolve::edit
