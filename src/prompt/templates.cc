// The built-in templates and {{name}} rendering.
#include <set>

#include "core/text.h"
#include "prompt/prompt.h"

namespace kevolve::prompt {
namespace {

constexpr const char* kSystem =
    R"(You are an expert programmer improving a program by evolutionary search. Every edit you propose is applied to the program and measured by an automatic evaluator; its score decides whether the edit survives. Higher scores are better.
{{hardware}}
Change only the code between the EVOLVE-BLOCK-START and EVOLVE-BLOCK-END markers, keep the program valid, and answer in the exact output format you are given.
)";

constexpr const char* kExplore = R"({{task}}
{{inputs}}
{{program}}
{{performance}}
{{lineage}}
{{inspirations}}
## Your job
Try a direction the lineage above has not tried: a different idea or algorithm, not a retuning of the same constants. Keep the program correct.

{{output_format}})";

constexpr const char* kExploit = R"({{task}}
{{inputs}}
{{program}}
{{performance}}
{{lineage}}
{{inspirations}}
## Your job
Push further in the direction that has paid off most in the lineage above: refine, extend or retune the latest improvement. Make one focused change.

{{output_format}})";

constexpr const char* kCrossover = R"({{task}}
{{inputs}}
{{program}}
{{performance}}
{{partner}}
{{lineage}}
## Your job
Combine the strengths of the current program and the second parent into one program. Your edit applies to the current program.

{{output_format}})";

constexpr const char* kRepair = R"({{task}}
{{program}}
{{repair}}
## Your job
Fix the problem above with the smallest edit that works. Your edit applies to the current program as shown.

{{output_format}})";

constexpr const char* kOutputSearchReplace = R"(## Output format
Reply with exactly these three parts, in this order:
<reasoning>
What you change and why, in a few sentences.
</reasoning>
One or more SEARCH/REPLACE blocks. Each SEARCH part must match lines of the current program exactly, indentation included, and in one place only:
<<<<<<< SEARCH
lines of the current program
=======
the lines that replace them
>>>>>>> REPLACE
<expected_impact>
The score change you expect and why, in one or two sentences.
</expected_impact>
)";

constexpr const char* kOutputDiff = R"(## Output format
Reply with exactly these three parts, in this order:
<reasoning>
What you change and why, in a few sentences.
</reasoning>
<diff>
A unified diff of the current program: @@ hunks whose context and removed lines match the program exactly.
</diff>
<expected_impact>
The score change you expect and why, in one or two sentences.
</expected_impact>
)";

constexpr const char* kFeedbackSystem =
    R"(You review candidate edits in an evolutionary search over programs. You judge the code, not its measured score, which you are not shown.
)";

constexpr const char* kFeedback = R"(## Task
{{description}}

## Parent program
```{{language}}
{{parent_code}}```

## Candidate program
```{{language}}
{{candidate_code}}```

## What its author says it changed
{{reasoning}}

## What its author expects
{{expected_impact}}

## Your job
Score the candidate from 0 to 10 on readability (clear, simple, maintainable code) and on plausibility (how believable the claimed improvement is, given the change). Reply with one JSON object and nothing else:
{"readability": <0-10>, "plausibility": <0-10>, "comment": "<one sentence>"}
)";

// The placeholders each kind of template may use.
const std::set<std::string>& ProposalVars() {
  static const std::set<std::string> vars = {
      "task",         "inputs",      "program", "performance",   "lineage",
      "inspirations", "partner",     "repair",  "output_format", "hardware",
      "task_name",    "description", "language"};
  return vars;
}

const std::set<std::string>& FeedbackVars() {
  static const std::set<std::string> vars = {"description",    "language",  "parent_code",
                                             "candidate_code", "reasoning", "expected_impact"};
  return vars;
}

const std::set<std::string>& VarsOf(const std::string& name) {
  if (name == "feedback" || name == "feedback_system") return FeedbackVars();
  return ProposalVars();
}

}  // namespace

const Templates& DefaultTemplates() {
  static const Templates templates = {
      {"system", kSystem},          {"explore", kExplore},
      {"exploit", kExploit},        {"crossover", kCrossover},
      {"repair", kRepair},          {"output_search_replace", kOutputSearchReplace},
      {"output_diff", kOutputDiff}, {"feedback_system", kFeedbackSystem},
      {"feedback", kFeedback},
  };
  return templates;
}

Result<std::string> Render(std::string_view text, const std::map<std::string, std::string>& vars) {
  std::string out;
  out.reserve(text.size() * 2);
  size_t line_start = 0;
  while (line_start < text.size()) {
    size_t line_end = text.find('\n', line_start);
    line_end = line_end == std::string_view::npos ? text.size() : line_end + 1;
    const std::string_view line = text.substr(line_start, line_end - line_start);
    line_start = line_end;
    // A line that is only a placeholder whose value is empty disappears, so an empty section
    // leaves no blank line behind.
    const std::string_view bare = Trim(line);
    if (bare.size() > 4 && StartsWith(bare, "{{") && EndsWith(bare, "}}") &&
        bare.find("{{", 2) == std::string_view::npos) {
      const std::string name(bare.substr(2, bare.size() - 4));
      auto it = vars.find(name);
      if (it == vars.end()) return Status::InvalidArgument("unknown placeholder {{" + name + "}}");
      if (it->second.empty()) continue;
    }
    size_t i = 0;
    while (i < line.size()) {
      const size_t open = line.find("{{", i);
      const size_t close = open == std::string_view::npos ? open : line.find("}}", open + 2);
      if (close == std::string_view::npos) {
        out.append(line.substr(i));
        break;
      }
      out.append(line.substr(i, open - i));
      const std::string name(line.substr(open + 2, close - open - 2));
      auto it = vars.find(name);
      if (it == vars.end()) return Status::InvalidArgument("unknown placeholder {{" + name + "}}");
      out += it->second;
      i = close + 2;
    }
  }
  return out;
}

Result<Templates> OverrideTemplates(const Templates& base,
                                    const std::map<std::string, std::string>& overrides) {
  Templates out = base;
  for (const auto& [name, text] : overrides) {
    if (!DefaultTemplates().count(name)) {
      std::string names;
      for (const auto& [known, unused] : DefaultTemplates()) {
        names += (names.empty() ? "" : ", ") + known;
      }
      return Status::InvalidArgument("no template is named '" + name + "' (templates: " + names +
                                     ")");
    }
    std::map<std::string, std::string> probe;
    for (const std::string& var : VarsOf(name)) probe[var] = "";
    Result<std::string> rendered = Render(text, probe);
    if (!rendered.ok()) {
      return rendered.status().WithContext("template '" + name + "'");
    }
    out[name] = text;
  }
  return out;
}

}  // namespace kevolve::prompt
