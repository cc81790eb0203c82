// The prompt module: golden prompts for every kind, templates, reply parsing, and the rule that
// hidden metrics never reach a prompt.
#include "prompt/prompt.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>

#include "core/files.h"

namespace kevolve::prompt {
namespace {

const std::string kGolden = std::string(KEVOLVE_SOURCE_DIR) + "/tests/prompt/golden/";

Program MakeProgram(int64_t id, int64_t parent, int64_t generation, double score,
                    const std::string& constant) {
  Program p;
  p.id = id;
  p.parent_id = parent;
  p.generation = generation;
  p.origin = id == 1 ? "initial" : "model:fast";
  p.code =
      "#include <cmath>\n// EVOLVE-BLOCK-START\ndouble Priority(double item, double bin) {\n"
      "  return -(bin - item) * " +
      constant + ";\n}\n// EVOLVE-BLOCK-END\n";
  p.result.valid = true;
  p.result.failure = Failure::kNone;
  p.result.combined_score = score;
  p.result.metrics = {{"excess_bins_pct", -score}, {"instances", 5}};
  p.result.hidden_metrics = {{"heldout_secret_metric", 98765.4321}};
  p.result.artifacts = {{"feedback", "packed 5 instances"}};
  p.result.stages_run = 2;
  p.result.duration_ms = 1200;
  return p;
}

PromptInput Input(Kind kind) {
  PromptInput in;
  in.kind = kind;
  in.task_name = "bin_packing";
  in.description = "Evolve the priority function of an online bin-packing heuristic.";
  in.hardware = "one x86-64 core";
  in.inputs = "5 instances of 5,000 items, sizes 1..100";
  in.language = "cpp";
  in.parent = MakeProgram(7, 4, 3, -4.01, "1.25");
  in.lineage = {MakeProgram(4, 2, 2, -4.10, "1.0"), MakeProgram(2, 1, 1, -4.13, "0.9"),
                MakeProgram(1, 0, 0, -4.133, "1.0")};
  in.inspirations = {MakeProgram(9, 3, 2, -3.9, "2.0")};
  in.notes[7] = {"Weigh slack more heavily.", "About 0.1 fewer excess bins."};
  in.notes[4] = {"Shift the constant.", ""};
  in.best_score = -3.9;
  if (kind == Kind::kCrossover) in.partner = MakeProgram(9, 3, 2, -3.9, "2.0");
  if (kind == Kind::kRepair) {
    in.failed_edit = "<<<<<<< SEARCH\n  return 0;\n=======\n  return 1;\n>>>>>>> REPLACE\n";
    in.failure = "SEARCH block 1 does not occur in the program.";
  }
  return in;
}

void ExpectGolden(const std::string& name, const std::string& actual) {
  const std::string path = kGolden + name;
  if (std::getenv("KEVOLVE_UPDATE_GOLDEN") != nullptr) {
    ASSERT_TRUE(WriteFileAtomic(path, actual).ok());
    return;
  }
  Result<std::string> expected = ReadFile(path);
  ASSERT_TRUE(expected.ok()) << path << " is missing; run with KEVOLVE_UPDATE_GOLDEN=1";
  EXPECT_EQ(actual, *expected) << "golden " << name
                               << " differs; if intended, run with KEVOLVE_UPDATE_GOLDEN=1";
}

TEST(PromptGoldenTest, EveryKindMatchesItsGoldenText) {
  for (Kind kind : {Kind::kExplore, Kind::kExploit, Kind::kCrossover, Kind::kRepair}) {
    Result<Messages> m = BuildPrompt(Input(kind), DefaultTemplates());
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    ExpectGolden(std::string(KindName(kind)) + "_user.txt", m->user);
    if (kind == Kind::kExplore) ExpectGolden("system.txt", m->system);
  }
}

TEST(PromptGoldenTest, DiffFormatAndFeedbackMatchTheirGoldenText) {
  PromptInput in = Input(Kind::kExploit);
  in.edit_format = "diff";
  Result<Messages> m = BuildPrompt(in, DefaultTemplates());
  ASSERT_TRUE(m.ok());
  ExpectGolden("exploit_diff_user.txt", m->user);
  FeedbackInput f{"Pack bins.",   "cpp",          in.lineage[0].code,
                  in.parent.code, "Weigh slack.", "Fewer bins."};
  Result<Messages> fm = BuildFeedbackPrompt(f, DefaultTemplates());
  ASSERT_TRUE(fm.ok());
  ExpectGolden("feedback_user.txt", fm->user);
}

TEST(PromptTest, HiddenMetricsNeverAppearInAnyPrompt) {
  for (Kind kind : {Kind::kExplore, Kind::kExploit, Kind::kCrossover, Kind::kRepair}) {
    for (const char* format : {"search_replace", "diff"}) {
      PromptInput in = Input(kind);
      in.edit_format = format;
      // An invalid parent shows its failure and artifacts: still no hidden metric.
      if (kind == Kind::kRepair) {
        in.failed_edit.clear();
        in.parent.result.valid = false;
        in.failure = "compile error";
      }
      Result<Messages> m = BuildPrompt(in, DefaultTemplates());
      ASSERT_TRUE(m.ok());
      for (const std::string& text : {m->system, m->user}) {
        EXPECT_EQ(text.find("heldout_secret_metric"), std::string::npos) << text;
        EXPECT_EQ(text.find("98765"), std::string::npos) << text;
      }
      // What may be shown is shown, so the check above is not vacuous.
      EXPECT_NE(m->user.find(kind == Kind::kRepair ? "packed 5 instances" : "excess_bins_pct"),
                std::string::npos);
    }
  }
}

TEST(PromptTest, PromptsCarryTheEvidence) {
  Result<Messages> m = BuildPrompt(Input(Kind::kExploit), DefaultTemplates());
  ASSERT_TRUE(m.ok());
  const std::string& u = m->user;
  EXPECT_NE(u.find("## Current program (program 7, score -4.01; best so far -3.9)"),
            std::string::npos);
  // The lineage runs oldest first with the score change of each step and what it tried.
  const size_t p1 = u.find("- program 1 (generation 0)");
  const size_t p4 = u.find("- program 4 (generation 2): score -4.1 (+0.03). Tried: Shift");
  const size_t p7 = u.find("- program 7 (generation 3): score -4.01 (+0.09). Tried: Weigh");
  EXPECT_TRUE(p1 != std::string::npos && p4 != std::string::npos && p7 != std::string::npos) << u;
  EXPECT_LT(p1, p4);
  EXPECT_LT(p4, p7);
  EXPECT_NE(u.find("- excess_bins_pct: 4.01 (-0.09 vs its parent)"), std::string::npos) << u;
  EXPECT_NE(u.find("5 instances of 5,000 items"), std::string::npos);
  EXPECT_NE(u.find("<expected_impact>"), std::string::npos);
  EXPECT_NE(m->system.find("one x86-64 core"), std::string::npos);
}

TEST(PromptTest, EmptySectionsLeaveNoTrace) {
  PromptInput in = Input(Kind::kExplore);
  in.lineage.clear();
  in.inspirations.clear();
  in.inputs.clear();
  in.description.clear();
  Result<Messages> m = BuildPrompt(in, DefaultTemplates());
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->user.find("Lineage"), std::string::npos);
  EXPECT_EQ(m->user.find("## Task"), std::string::npos);
  EXPECT_EQ(m->user.find("\n\n\n"), std::string::npos) << m->user;
  EXPECT_EQ(m->user.rfind("## Current program", 0), 0u) << m->user;
}

TEST(PromptTest, ShrinkingCutsContextStepByStepButNeverTheProgramOrThePartner) {
  PromptInput in = Input(Kind::kCrossover);
  in.parent.result.artifacts["stderr"] = std::string(3000, 'e');
  in.max_artifact_chars = 2000;
  size_t last = BuildPrompt(in, DefaultTemplates())->user.size();
  int steps = 0;
  while (ShrinkPrompt(in)) {
    ++steps;
    const std::string user = BuildPrompt(in, DefaultTemplates())->user;
    EXPECT_LT(user.size(), last) << "step " << steps;
    EXPECT_NE(user.find("* 1.25;"), std::string::npos) << "the program stays";
    EXPECT_NE(user.find("* 2.0;"), std::string::npos) << "the partner stays";
    last = user.size();
  }
  EXPECT_TRUE(in.inspirations.empty());
  EXPECT_TRUE(in.lineage.empty());
  EXPECT_EQ(in.max_artifact_chars, 0u);
  EXPECT_LE(steps, 6) << "each step cuts by half or more";
}

TEST(TemplatesTest, RenderNamesAnUnknownPlaceholder) {
  Result<std::string> r = Render("a {{x}} b {{nope}}", {{"x", "1"}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("{{nope}}"), std::string::npos);
  EXPECT_EQ(*Render("a {{x}} b\n{{y}}\nc\n", {{"x", "1"}, {"y", ""}}), "a 1 b\nc\n");
}

TEST(TemplatesTest, OverridesReplaceByNameAndAreChecked) {
  auto ok = OverrideTemplates(DefaultTemplates(), {{"explore", "EXPLORE {{program}}"}});
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  Result<Messages> m = BuildPrompt(Input(Kind::kExplore), *ok);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->user.rfind("EXPLORE ## Current program", 0), 0u) << m->user;

  auto unknown_name = OverrideTemplates(DefaultTemplates(), {{"explor", "x"}});
  EXPECT_EQ(unknown_name.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(unknown_name.status().message().find("'explor'"), std::string::npos);
  auto unknown_var = OverrideTemplates(DefaultTemplates(), {{"repair", "{{programme}}"}});
  EXPECT_NE(unknown_var.status().message().find("template 'repair'"), std::string::npos);
  // The feedback template has its own placeholders.
  EXPECT_FALSE(OverrideTemplates(DefaultTemplates(), {{"feedback", "{{program}}"}}).ok());
}

TEST(ReplyTest, SplitsReasoningEditAndExpectedImpact) {
  const ModelReply r = ParseModelReply(
      "Sure.\n<Reasoning>\nTighten the fit.\n</REASONING>\n<<<<<<< SEARCH\na\n=======\nb\n"
      ">>>>>>> REPLACE\n<expected_impact>+0.1</expected_impact>\n");
  EXPECT_EQ(r.reasoning, "Tighten the fit.");
  EXPECT_EQ(r.expected_impact, "+0.1");
  EXPECT_EQ(r.edit, "Sure.\n\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n");
}

TEST(ReplyTest, AnUnclosedTagRunsToTheNextPart) {
  const ModelReply r = ParseModelReply("<reasoning>why\n<diff>\n@@ -1 +1 @@\n-a\n+b\n</diff>");
  EXPECT_EQ(r.reasoning, "why");
  EXPECT_EQ(r.edit, "<diff>\n@@ -1 +1 @@\n-a\n+b\n</diff>\n");
  EXPECT_EQ(ParseModelReply("no tags at all").edit, "no tags at all\n");
  EXPECT_EQ(ParseModelReply("").edit, "");
}

TEST(ReplyTest, FeedbackScoresAreReadFromTheFirstObject) {
  auto s =
      ParseFeedbackReply("Here: {\"readability\": 8, \"plausibility\": 4, \"comment\": \"ok\"}");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_DOUBLE_EQ(s->Score(), 0.6);
  EXPECT_FALSE(ParseFeedbackReply("no json").ok());
  EXPECT_FALSE(ParseFeedbackReply("{\"readability\": 8}").ok());
  EXPECT_FALSE(ParseFeedbackReply("{\"readability\": 11, \"plausibility\": 1}").ok());
  EXPECT_FALSE(ParseFeedbackReply("{\"readability\": \"8\", \"plausibility\": 1}").ok());
}

TEST(KindTest, RatiosAndAvailabilityDecideTheKind) {
  PromptConfig config;
  config.explore_ratio = 1;
  config.exploit_ratio = 1;
  config.crossover_ratio = 1;
  config.repair_ratio = 1;
  Rng rng(3);
  std::map<Kind, int> counts;
  for (int i = 0; i < 4000; ++i) ++counts[ChooseKind(config, true, true, rng)];
  for (auto [kind, count] : counts) EXPECT_NEAR(count, 1000, 150) << KindName(kind);
  for (int i = 0; i < 500; ++i) {
    const Kind k = ChooseKind(config, false, false, rng);
    EXPECT_TRUE(k == Kind::kExplore || k == Kind::kExploit);
  }
  config = PromptConfig{};
  config.explore_ratio = config.exploit_ratio = 0;
  config.crossover_ratio = 0;
  EXPECT_EQ(ChooseKind(config, true, false, rng), Kind::kExplore);  // nothing left
  EXPECT_EQ(ChooseKind(config, true, true, rng), Kind::kRepair);
  EXPECT_EQ(KindFromName("crossover"), Kind::kCrossover);
  EXPECT_FALSE(KindFromName("mutate").has_value());
}

TEST(KindTest, LanguageFollowsTheExtension) {
  EXPECT_EQ(LanguageFor("initial_program.cc"), "cpp");
  EXPECT_EQ(LanguageFor("k.CU"), "cuda");
  EXPECT_EQ(LanguageFor("a/b.py"), "python");
  EXPECT_EQ(LanguageFor("README"), "");
}

}  // namespace
}  // namespace kevolve::prompt
