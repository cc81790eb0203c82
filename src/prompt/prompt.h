// Prompts: what an LLM is shown to propose an edit, built from templates and values.
//
// Pure: values in, text out (no files, no clock, randomness only from the Rng passed in), so
// prompts are golden-tested. Templates are plain text with {{name}} placeholders; a task may
// replace any of them (the engine reads the files and hands their text to OverrideTemplates).
//
// A prompt never shows a program's hidden_metrics: only its code, combined_score, metrics,
// artifacts and failure reason reach the text (tests/prompt checks this).
// Thread-safe: no shared state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "core/program.h"
#include "core/random.h"
#include "core/status.h"

namespace kevolve::prompt {

// The four kinds of proposal prompt (PromptConfig ratios choose among them).
enum class Kind {
  kExplore,    // a new direction
  kExploit,    // push what just worked
  kCrossover,  // combine the parent with a second parent
  kRepair,     // fix an edit that did not apply, or a program whose evaluation failed
};
const char* KindName(Kind kind);  // "explore", "exploit", "crossover", "repair"
std::optional<Kind> KindFromName(std::string_view name);

// Draws a kind by the configured ratios. Crossover is dropped when !can_crossover (no second
// parent), repair when !can_repair (nothing waiting to be repaired); explore when nothing is left.
Kind ChooseKind(const PromptConfig& config, bool can_crossover, bool can_repair, Rng& rng);

// What the model said about an edit it proposed, kept with the program it produced.
struct ProgramNote {
  std::string reasoning;
  std::string expected_impact;
};

struct PromptInput {
  Kind kind = Kind::kExplore;
  std::string task_name;
  std::string description;               // task.description
  std::string hardware;                  // prompt.hardware
  std::string inputs;                    // prompt.inputs
  std::string language;                  // fence language ("cpp", "python"...); see LanguageFor
  Program parent;                        // the program the edit applies to
  std::vector<Program> lineage;          // the parent's ancestors, nearest first
  std::vector<Program> inspirations;     // top and diverse programs of the island
  std::optional<Program> partner;        // crossover: the second parent
  std::map<int64_t, ProgramNote> notes;  // by program id
  std::optional<double> best_score;      // the best score so far, for context
  std::string failed_edit;               // repair of an edit that did not apply: that edit
  std::string failure;  // repair: what went wrong (edit rejection or evaluation failure)
  std::string edit_format = "search_replace";  // search_replace | diff
  size_t max_artifact_chars = 2000;
};

struct Messages {
  std::string system;
  std::string user;
};

// Template name -> text. Names: system, explore, exploit, crossover, repair,
// output_search_replace, output_diff, feedback_system, feedback.
using Templates = std::map<std::string, std::string>;

const Templates& DefaultTemplates();

// `base` with some templates replaced. InvalidArgument when a name is not a template name or a
// replacement uses a placeholder that does not exist (the message names both).
Result<Templates> OverrideTemplates(const Templates& base,
                                    const std::map<std::string, std::string>& overrides);

// Replaces each {{name}} with vars[name]; InvalidArgument names an unknown placeholder. A line
// holding only a placeholder whose value is empty is dropped, so an empty section leaves no gap.
Result<std::string> Render(std::string_view text, const std::map<std::string, std::string>& vars);

// The proposal prompt. InvalidArgument from a template with an unknown placeholder.
Result<Messages> BuildPrompt(const PromptInput& input, const Templates& templates);

// One step smaller, for a model whose context the prompt did not fit: halves the inspirations
// and the lineage, quarters max_artifact_chars (the program, its partner and a repair's failure
// stay). False, and `input` unchanged, when none is left to cut.
bool ShrinkPrompt(PromptInput& input);

struct FeedbackInput {
  std::string description;
  std::string language;
  std::string parent_code;
  std::string candidate_code;
  std::string reasoning;
  std::string expected_impact;
};

// The council prompt: asks for {"readability": 0-10, "plausibility": 0-10} as JSON.
Result<Messages> BuildFeedbackPrompt(const FeedbackInput& input, const Templates& templates);

// "cpp" for .cc/.cpp/.h..., "cuda" for .cu, "python" for .py, ...; "" when unknown.
std::string LanguageFor(std::string_view filename);

// A model's reply split into its parts. Tags are matched case-insensitively; a tag left open
// runs to the end of the reply. `edit` is the reply without the reasoning and expected-impact
// parts (what edit::ApplyEdit is given).
struct ModelReply {
  std::string reasoning;
  std::string expected_impact;
  std::string edit;
};
ModelReply ParseModelReply(std::string_view reply);

struct FeedbackScores {
  double readability = 0;   // 0..10
  double plausibility = 0;  // 0..10
  // Both, averaged and scaled to 0..1.
  double Score() const { return (readability + plausibility) / 20.0; }
};
// Reads the first JSON object in the reply. InvalidArgument when there is none, or a score is
// missing, not a number, or outside 0..10.
Result<FeedbackScores> ParseFeedbackReply(std::string_view reply);

}  // namespace kevolve::prompt
