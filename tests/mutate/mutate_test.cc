// Specifications of the built-in mutator, run over thousands of seeds on two realistic programs:
// a C++ GEMM tile heuristic and a Python bin-packing priority.
#include "mutate/mutate.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>
#include <vector>

#include "core/files.h"
#include "core/text.h"
#include "edit/edit.h"

namespace kevolve::mutate {
namespace {

std::string Program(const std::string& name) {
  Result<std::string> code =
      ReadFile(std::string(KEVOLVE_SOURCE_DIR) + "/tests/mutate/programs/" + name);
  EXPECT_TRUE(code.ok()) << code.status().ToString();
  return code.value_or("");
}

// Every line outside the regions, markers included, with its position among such lines.
std::vector<std::string> OutsideLines(const std::string& code) {
  std::vector<std::string> lines = SplitLines(code);
  std::vector<bool> inside(lines.size(), false);
  for (const edit::Region& r : edit::FindEvolveRegions(code)) {
    for (size_t i = r.begin; i < r.end; ++i) inside[i] = true;
  }
  std::vector<std::string> out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (!inside[i]) out.push_back(lines[i]);
  }
  return out;
}

MutatorConfig Only(double literal, double op, double line, double crossover, int max_edits = 3) {
  MutatorConfig cfg;
  cfg.literal_weight = literal;
  cfg.operator_weight = op;
  cfg.line_weight = line;
  cfg.crossover_weight = crossover;
  cfg.max_edits = max_edits;
  return cfg;
}

// Applies a proposal the way the engine does, checking what every proposal must satisfy.
std::string ApplyChecked(const std::string& parent, const Proposal& proposal, uint64_t seed) {
  const edit::EditOutcome out = edit::ApplyEdit(parent, proposal.edit);
  EXPECT_TRUE(out.ok) << "seed " << seed << ": " << out.rejection.message << "\n" << proposal.edit;
  EXPECT_EQ(out.format, "search_replace") << "seed " << seed;
  EXPECT_NE(NormalizeCode(out.code), NormalizeCode(parent)) << "seed " << seed;
  EXPECT_EQ(OutsideLines(out.code), OutsideLines(parent)) << "seed " << seed << "\n" << proposal.edit;
  EXPECT_FALSE(proposal.description.empty()) << "seed " << seed;
  return out.code;
}

// Inspirations: relatives of the parent made by the mutator itself, plus a hand-written one.
std::vector<std::string> Relatives(const std::string& parent, int count, uint64_t seed) {
  std::vector<std::string> out;
  Rng rng(seed);
  for (int k = 0; k < count; ++k) {
    std::string code = parent;
    for (int step = 0; step < 4; ++step) {
      Result<Proposal> p = Propose(code, {}, Only(3, 1, 1, 0), rng);
      if (!p.ok()) break;
      code = edit::ApplyEdit(code, p->edit).code;
    }
    out.push_back(code);
  }
  return out;
}

// Rounds per (program, kind): with five kinds per program, thousands of proposals per program.
constexpr uint64_t kRounds = 500;

struct KindCase {
  const char* program;
  const char* kind;
  MutatorConfig cfg;
};

class EveryKindTest : public ::testing::TestWithParam<KindCase> {};

TEST_P(EveryKindTest, ProposalsApplyChangeCodeAndStayInsideRegions) {
  const KindCase& c = GetParam();
  const std::string parent = Program(c.program);
  const std::vector<std::string> inspirations = Relatives(parent, 3, 99);
  for (uint64_t seed = 1; seed <= kRounds; ++seed) {
    Rng rng(seed);
    Result<Proposal> proposal = Propose(parent, inspirations, c.cfg, rng);
    ASSERT_TRUE(proposal.ok()) << "seed " << seed << ": " << proposal.status().ToString();
    if (std::string(c.kind) != "any") {
      EXPECT_EQ(proposal->kind, c.kind) << "seed " << seed;
    }
    ApplyChecked(parent, *proposal, seed);
    if (HasFailure()) return;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Programs, EveryKindTest,
    ::testing::Values(KindCase{"tile_heuristic.cc", "literal", Only(1, 0, 0, 0)},
                      KindCase{"tile_heuristic.cc", "operator", Only(0, 1, 0, 0)},
                      KindCase{"tile_heuristic.cc", "line", Only(0, 0, 1, 0)},
                      KindCase{"tile_heuristic.cc", "crossover", Only(0, 0, 0, 1)},
                      KindCase{"tile_heuristic.cc", "any", MutatorConfig{}},
                      KindCase{"bin_packing.py", "literal", Only(1, 0, 0, 0)},
                      KindCase{"bin_packing.py", "operator", Only(0, 1, 0, 0)},
                      KindCase{"bin_packing.py", "line", Only(0, 0, 1, 0)},
                      KindCase{"bin_packing.py", "crossover", Only(0, 0, 0, 1)},
                      KindCase{"bin_packing.py", "any", Only(6, 2, 1, 1, 5)}),
    [](const ::testing::TestParamInfo<KindCase>& param) {
      std::string name = std::string(param.param.program) + "_" + param.param.kind;
      for (char& ch : name) {
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
      }
      return name;
    });

TEST(ProposeTest, SameSeedSameProposal) {
  const std::string parent = Program("tile_heuristic.cc");
  const std::vector<std::string> inspirations = Relatives(parent, 2, 7);
  std::set<std::string> distinct;
  for (uint64_t seed = 1; seed <= 100; ++seed) {
    Rng a(seed), b(seed);
    Result<Proposal> pa = Propose(parent, inspirations, MutatorConfig{}, a);
    Result<Proposal> pb = Propose(parent, inspirations, MutatorConfig{}, b);
    ASSERT_TRUE(pa.ok() && pb.ok());
    EXPECT_EQ(pa->edit, pb->edit) << "seed " << seed;
    EXPECT_EQ(pa->description, pb->description) << "seed " << seed;
    EXPECT_TRUE(a == b) << "the generators must advance identically, seed " << seed;
    distinct.insert(pa->edit);
  }
  EXPECT_GT(distinct.size(), 75u) << "different seeds should mostly give different proposals";
}

TEST(ProposeTest, AnnotatedChoicesAreTheOnlyValuesUsed) {
  const std::string parent =
      "// EVOLVE-BLOCK-START\n"
      "const int kBlock = 64;  // choices: 32, 64, 128\n"
      "const double kAlpha = 0.5;  /* choices: [0.25, 0.5, 0.75] */\n"
      "// EVOLVE-BLOCK-END\n";
  const std::regex block(R"(kBlock = (\d+);)"), alpha(R"(kAlpha = ([0-9.]+);)");
  std::set<std::string> blocks, alphas;
  for (uint64_t seed = 1; seed <= 500; ++seed) {
    Rng rng(seed);
    Result<Proposal> p = Propose(parent, {}, Only(1, 0, 0, 0), rng);
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    const std::string code = ApplyChecked(parent, *p, seed);
    std::smatch m;
    ASSERT_TRUE(std::regex_search(code, m, block)) << code;
    blocks.insert(m[1]);
    ASSERT_TRUE(std::regex_search(code, m, alpha)) << code;
    alphas.insert(m[1]);
  }
  EXPECT_EQ(blocks, (std::set<std::string>{"32", "64", "128"}));
  EXPECT_EQ(alphas, (std::set<std::string>{"0.25", "0.5", "0.75"}));
}

TEST(ProposeTest, ChoicesInTheRealisticProgramsAreRespected) {
  for (const char* name : {"tile_heuristic.cc", "bin_packing.py"}) {
    const std::string parent = Program(name);
    const std::regex annotated(R"(= ([0-9.]+);?\s+(//|#) choices: (.*))");
    for (uint64_t seed = 1; seed <= 300; ++seed) {
      Rng rng(seed);
      Result<Proposal> p = Propose(parent, {}, Only(1, 0, 0, 0), rng);
      ASSERT_TRUE(p.ok());
      const std::string code = ApplyChecked(parent, *p, seed);
      for (const std::string& line : SplitLines(code)) {
        std::smatch m;
        if (line.find("choices:") == std::string::npos) continue;
        ASSERT_TRUE(std::regex_search(line, m, annotated)) << line;
        const std::string list = ", " + m[3].str() + ",";
        EXPECT_NE(list.find(" " + m[1].str() + ","), std::string::npos)
            << name << " seed " << seed << ": " << line;
      }
    }
  }
}

TEST(ProposeTest, IntegersStayIntegersAndFloatsStayFloats) {
  const std::string parent =
      "// EVOLVE-BLOCK-START\n"
      "int a = 7;\n"
      "unsigned b = 12u;\n"
      "long c = 0;\n"
      "float d = 2.5f;\n"
      "double e = 1e-3;\n"
      "double f = 3.;\n"
      "// EVOLVE-BLOCK-END\n";
  const std::vector<std::regex> shapes = {
      std::regex(R"(^int a = \d+;$)"),        std::regex(R"(^unsigned b = \d+u;$)"),
      std::regex(R"(^long c = \d+;$)"),       std::regex(R"(^float d = \d+\.\d+f;$)"),
      std::regex(R"(^double e = \d\.\d+e[-+]\d+;$|^double e = 1e-3;$)"),
      std::regex(R"(^double f = \d+\.\d*;$)")};
  for (uint64_t seed = 1; seed <= 1000; ++seed) {
    Rng rng(seed);
    Result<Proposal> p = Propose(parent, {}, Only(1, 0, 0, 0), rng);
    ASSERT_TRUE(p.ok());
    const std::vector<std::string> lines = SplitLines(ApplyChecked(parent, *p, seed));
    ASSERT_EQ(lines.size(), 8u);
    for (size_t i = 0; i < shapes.size(); ++i) {
      EXPECT_TRUE(std::regex_match(lines[i + 1], shapes[i])) << "seed " << seed << ": " << lines[i + 1];
    }
    if (HasFailure()) return;
  }
}

TEST(ProposeTest, ALiteralNeverEndsAtItsOldValue) {
  // Several changes in one proposal could walk a value away and back, or respell it (3. -> 3.0);
  // either would re-evaluate the parent under another name.
  const std::string parent = "// EVOLVE-BLOCK-START\nx = 3.;\ny = 1e-3;\n// EVOLVE-BLOCK-END\n";
  for (uint64_t seed = 1; seed <= 500; ++seed) {
    Rng rng(seed);
    Result<Proposal> p = Propose(parent, {}, Only(1, 0, 0, 0, 3), rng);
    ASSERT_TRUE(p.ok());
    const std::vector<std::string> lines = SplitLines(ApplyChecked(parent, *p, seed));
    ASSERT_EQ(lines.size(), 4u);
    for (size_t i : {1, 2}) {
      if (lines[i] == SplitLines(parent)[i]) continue;
      const double was = std::stod(SplitLines(parent)[i].substr(4));
      EXPECT_NE(std::stod(lines[i].substr(4)), was) << "seed " << seed << ": " << lines[i];
    }
  }
}

TEST(ProposeTest, LiteralsInNamesStringsCommentsAndIncludesAreLeftAlone) {
  const std::string parent =
      "// EVOLVE-BLOCK-START\n"
      "#include \"tile_64.h\"\n"
      "int x2 = Foo3(y1);  // 16 lanes\n"
      "const char* s = \"128 < 256\";\n"
      "int z = 5;\n"
      "int h = 0x10;\n"
      "// EVOLVE-BLOCK-END\n";
  for (uint64_t seed = 1; seed <= 300; ++seed) {
    Rng rng(seed);
    Result<Proposal> p = Propose(parent, {}, Only(1, 1, 0, 0), rng);
    ASSERT_TRUE(p.ok());
    std::vector<std::string> lines = SplitLines(ApplyChecked(parent, *p, seed));
    std::vector<std::string> want = SplitLines(parent);
    ASSERT_EQ(lines.size(), want.size());
    for (size_t i = 0; i < lines.size(); ++i) {
      if (i != 4) {
        EXPECT_EQ(lines[i], want[i]) << "seed " << seed;
      }
    }
  }
}

TEST(ProposeTest, TemplateBracketsArentComparisons) {
  const std::string parent =
      "// EVOLVE-BLOCK-START\n"
      "std::vector<int> v = Make<Foo, Bar>(static_cast<double>(n));\n"
      "auto r = std::max<int64_t>(a, b) + std::min(x, y) < limit;\n"
      "// EVOLVE-BLOCK-END\n";
  std::set<std::string> results;
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    Rng rng(seed);
    Result<Proposal> p = Propose(parent, {}, Only(0, 1, 0, 0, 1), rng);
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    results.insert(SplitLines(ApplyChecked(parent, *p, seed))[2]);
    EXPECT_EQ(SplitLines(edit::ApplyEdit(parent, p->edit).code)[1], SplitLines(parent)[1]);
  }
  EXPECT_EQ(results, (std::set<std::string>{
                         "auto r = std::max<int64_t>(a, b) + std::min(x, y) <= limit;",
                         "auto r = std::max<int64_t>(a, b) + std::min(x, y) > limit;",
                         "auto r = std::max<int64_t>(a, b) + std::min(x, y) >= limit;"}));
}

TEST(ProposeTest, CrossoverPullsInInspirationCode) {
  const std::string parent = Program("tile_heuristic.cc");
  std::string inspiration = parent;
  const std::string marker_line = "  c.stages = std::clamp(c.stages, 2, 5);\n";
  inspiration.replace(inspiration.find(marker_line), marker_line.size(),
                      "  if (p.k < 512) c.stages = 2;\n" + marker_line);
  for (uint64_t seed = 1; seed <= 100; ++seed) {
    Rng rng(seed);
    Result<Proposal> p = Propose(parent, {inspiration}, Only(0, 0, 0, 1, 1), rng);
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    EXPECT_EQ(p->kind, "crossover");
    EXPECT_NE(ApplyChecked(parent, *p, seed).find("  if (p.k < 512) c.stages = 2;\n"),
              std::string::npos);
  }
}

TEST(ProposeTest, CrossoverWithIdenticalInspirationsHasNothingToDo) {
  const std::string parent = Program("bin_packing.py");
  Rng rng(1);
  Result<Proposal> p = Propose(parent, {parent, parent}, Only(0, 0, 0, 1), rng);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kFailedPrecondition);
}

TEST(ProposeTest, NothingMutableIsAFailedPrecondition) {
  Rng rng(3);
  const std::string comments_only =
      "int main() { return 42 < 7; }\n// EVOLVE-BLOCK-START\n// 3 < 4\n// EVOLVE-BLOCK-END\n";
  Result<Proposal> p = Propose(comments_only, {}, MutatorConfig{}, rng);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kFailedPrecondition);
  // A statement with no literal or comparison is mutable only by line edits; with those off,
  // there is nothing to do.
  const std::string statement = "// EVOLVE-BLOCK-START\nfoo(\"1 < 2\");  // 3\n// EVOLVE-BLOCK-END\n";
  EXPECT_TRUE(Propose(statement, {}, MutatorConfig{}, rng).ok());
  EXPECT_EQ(Propose(statement, {}, Only(1, 1, 0, 1), rng).status().code(),
            StatusCode::kFailedPrecondition);
}

TEST(ProposeTest, NegativeWeightsAreInvalid) {
  Rng rng(1);
  MutatorConfig cfg;
  cfg.operator_weight = -1;
  EXPECT_EQ(Propose("int x = 1;\n", {}, cfg, rng).status().code(), StatusCode::kInvalidArgument);
}

// Damaged programs (unbalanced quotes and comments, stray markers, random bytes) must never crash
// the mutator, and whatever it proposes must still apply.
TEST(ProposeTest, DamagedProgramsNeverCrash) {
  const std::vector<std::string> programs = {Program("tile_heuristic.cc"), Program("bin_packing.py")};
  const std::vector<std::string> fragments = {"\"", "'", "/*", "*/", "\"\"\"", "#", "//", "<",
                                              "// EVOLVE-BLOCK-START\n", "# EVOLVE-BLOCK-END\n",
                                              "\n", "1e", "0.", "choices: ,", "\\\n", "\r\n"};
  for (uint64_t seed = 1; seed <= 300; ++seed) {
    Rng rng(seed);
    std::string code = programs[rng.Below(programs.size())];
    for (int k = 0; k < 6; ++k) {
      const size_t pos = rng.Below(code.size() + 1);
      if (rng.Bernoulli(0.5)) {
        code.insert(pos, fragments[rng.Below(fragments.size())]);
      } else {
        code.erase(pos, rng.Below(20));
      }
    }
    Result<Proposal> p = Propose(code, {programs[0], code}, MutatorConfig{}, rng);
    if (!p.ok()) {
      EXPECT_EQ(p.status().code(), StatusCode::kFailedPrecondition) << "seed " << seed;
      continue;
    }
    EXPECT_TRUE(edit::ApplyEdit(code, p->edit).ok) << "seed " << seed;
  }
}

TEST(ProposeTest, CrlfProgramsGetProposalsThatApply) {
  std::string parent = Program("tile_heuristic.cc");
  std::string crlf;
  for (char ch : parent) crlf += ch == '\n' ? std::string("\r\n") : std::string(1, ch);
  for (uint64_t seed = 1; seed <= 100; ++seed) {
    Rng rng(seed);
    Result<Proposal> p = Propose(crlf, {}, MutatorConfig{}, rng);
    ASSERT_TRUE(p.ok());
    const edit::EditOutcome out = edit::ApplyEdit(crlf, p->edit);
    ASSERT_TRUE(out.ok) << out.rejection.message;
    EXPECT_NE(out.code.find("\r\n"), std::string::npos);
  }
}

}  // namespace
}  // namespace kevolve::mutate
