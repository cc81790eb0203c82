// BuildPrompt: the sections of a proposal prompt, each rendered from values, then put into the
// kind's template. Only code, scores, metrics, artifacts and failure reasons are read from a
// Program; hidden_metrics are never touched here.
#include <cmath>
#include <cstdio>

#include "core/text.h"
#include "prompt/prompt.h"

namespace kevolve::prompt {
namespace {

std::string Number(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.6g", value);
  return buffer;
}

std::string Signed(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%+.6g", value);
  return buffer;
}

std::string ScoreText(const Program& p) {
  if (!p.result.valid) return std::string("invalid (") + FailureName(p.result.failure) + ")";
  return "score " + Number(p.result.combined_score);
}

std::string Fenced(const std::string& code, const std::string& language) {
  std::string out = "```" + language + "\n" + code;
  if (!code.empty() && code.back() != '\n') out += '\n';
  return out + "```\n";
}

// One line: collapses whitespace, cut to max_chars.
std::string OneLine(std::string_view text, size_t max_chars) {
  std::string out;
  bool space = false;
  for (char c : Trim(text)) {
    if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += c;
  }
  if (out.size() > max_chars) out = out.substr(0, max_chars) + "...";
  return out;
}

// What an edit tried: the model's own words when there are some, else where it came from.
std::string Tried(const Program& p, const std::map<int64_t, ProgramNote>& notes) {
  if (auto it = notes.find(p.id); it != notes.end()) {
    const ProgramNote& note = it->second;
    std::string out;
    if (!note.reasoning.empty()) out = OneLine(note.reasoning, 240);
    if (!note.expected_impact.empty()) {
      out += (out.empty() ? "" : " Expected: ") + OneLine(note.expected_impact, 160);
    }
    if (!out.empty()) return out;
  }
  if (p.origin == "initial") return "the starting program";
  return p.origin.empty() ? "an edit" : "an edit by " + p.origin;
}

std::string TaskSection(const PromptInput& in) {
  if (Trim(in.description).empty()) return "";
  return "## Task\n" + std::string(Trim(in.description)) + "\n";
}

std::string InputsSection(const PromptInput& in) {
  if (Trim(in.inputs).empty()) return "";
  return "## Inputs the program is measured on\n" + std::string(Trim(in.inputs)) + "\n";
}

std::string ProgramSection(const PromptInput& in) {
  const Program& p = in.parent;
  std::string head = "## Current program (program " + std::to_string(p.id) + ", " + ScoreText(p);
  if (in.best_score && p.result.valid) head += "; best so far " + Number(*in.best_score);
  return head + ")\n" + Fenced(p.code, in.language);
}

std::string ArtifactsText(const Program& p, size_t max_chars) {
  std::string out;
  for (const auto& [name, text] : p.result.artifacts) {
    if (Trim(text).empty() || max_chars == 0) continue;
    out += "### " + name + "\n" + Fenced(Truncate(text, max_chars), "");
  }
  return out;
}

std::string PerformanceSection(const PromptInput& in) {
  const Program& p = in.parent;
  const Program* previous = in.lineage.empty() ? nullptr : &in.lineage.front();
  std::string out;
  for (const auto& [name, value] : p.result.metrics) {
    out += "- " + name + ": " + Number(value);
    if (previous && previous->result.valid) {
      auto it = previous->result.metrics.find(name);
      if (it != previous->result.metrics.end() && std::isfinite(value) &&
          std::isfinite(it->second)) {
        out += " (" + Signed(value - it->second) + " vs its parent)";
      }
    }
    out += "\n";
  }
  if (!p.result.valid && !p.result.reason.empty()) out += "- failure: " + p.result.reason + "\n";
  if (p.result.stages_run > 0) {
    out += "- evaluation stages run: " + std::to_string(p.result.stages_run) + ", " +
           std::to_string(p.result.duration_ms) + " ms\n";
  }
  out += ArtifactsText(p, in.max_artifact_chars);
  if (out.empty()) return "";
  return "## Performance analysis of the current program\n" + out;
}

// Oldest ancestor first, ending with the current program, each with its change in score.
std::string LineageSection(const PromptInput& in) {
  if (in.lineage.empty()) return "";
  std::vector<const Program*> chain;
  for (auto it = in.lineage.rbegin(); it != in.lineage.rend(); ++it) chain.push_back(&*it);
  chain.push_back(&in.parent);
  std::string out =
      "## Lineage of the current program (oldest first; score change against the previous "
      "step)\n";
  for (size_t i = 0; i < chain.size(); ++i) {
    const Program& p = *chain[i];
    out += "- program " + std::to_string(p.id) + " (generation " + std::to_string(p.generation) +
           "): " + ScoreText(p);
    if (i > 0 && p.result.valid && chain[i - 1]->result.valid) {
      out += " (" + Signed(p.result.combined_score - chain[i - 1]->result.combined_score) + ")";
    }
    out += ". Tried: " + Tried(p, in.notes) + "\n";
  }
  return out;
}

std::string InspirationsSection(const PromptInput& in) {
  if (in.inspirations.empty()) return "";
  std::string out = "## Other programs of the population, for inspiration\n";
  for (const Program& p : in.inspirations) {
    out += "### Program " + std::to_string(p.id) + " (" + ScoreText(p) +
           "). Tried: " + Tried(p, in.notes) + "\n" + Fenced(p.code, in.language);
  }
  return out;
}

std::string PartnerSection(const PromptInput& in) {
  if (!in.partner) return "";
  const Program& p = *in.partner;
  return "## Second parent (program " + std::to_string(p.id) + ", " + ScoreText(p) +
         "). Tried: " + Tried(p, in.notes) + "\n" + Fenced(p.code, in.language);
}

std::string RepairSection(const PromptInput& in) {
  if (in.failed_edit.empty() && in.failure.empty()) return "";
  std::string out = "## What went wrong\n";
  if (!in.failed_edit.empty()) {
    out +=
        "Your previous edit of the current program was not applied, so it was never "
        "evaluated:\n" +
        Fenced(Truncate(in.failed_edit, 6000), "") + "The reason:\n" + in.failure + "\n";
  } else {
    out += "The current program failed its evaluation: " + in.failure + "\n";
    out += ArtifactsText(in.parent, in.max_artifact_chars);
  }
  return out;
}

std::string HardwareLine(const std::string& hardware) {
  if (Trim(hardware).empty()) return "";
  return "The program runs on: " + std::string(Trim(hardware));
}

}  // namespace

Result<Messages> BuildPrompt(const PromptInput& in, const Templates& templates) {
  const std::string format_name =
      in.edit_format == "diff" ? "output_diff" : "output_search_replace";
  auto format = templates.find(format_name);
  auto system = templates.find("system");
  auto user = templates.find(KindName(in.kind));
  if (format == templates.end() || system == templates.end() || user == templates.end()) {
    return Status::InvalidArgument(std::string("the templates lack 'system', '") +
                                   KindName(in.kind) + "' or '" + format_name + "'");
  }
  std::map<std::string, std::string> vars = {
      {"task", TaskSection(in)},
      {"inputs", InputsSection(in)},
      {"program", ProgramSection(in)},
      {"performance", PerformanceSection(in)},
      {"lineage", LineageSection(in)},
      {"inspirations", InspirationsSection(in)},
      {"partner", PartnerSection(in)},
      {"repair", RepairSection(in)},
      {"hardware", HardwareLine(in.hardware)},
      {"task_name", in.task_name},
      {"description", std::string(Trim(in.description))},
      {"language", in.language},
  };
  KEVOLVE_ASSIGN_OR_RETURN(vars["output_format"], Render(format->second, vars));
  Messages messages;
  KEVOLVE_ASSIGN_OR_RETURN(messages.system, Render(system->second, vars));
  KEVOLVE_ASSIGN_OR_RETURN(messages.user, Render(user->second, vars));
  return messages;
}

bool ShrinkPrompt(PromptInput& in) {
  if (in.inspirations.empty() && in.lineage.empty() && in.max_artifact_chars == 0) return false;
  in.inspirations.resize(in.inspirations.size() / 2);
  in.lineage.resize(in.lineage.size() / 2);
  in.max_artifact_chars = in.max_artifact_chars < 64 ? 0 : in.max_artifact_chars / 4;
  return true;
}

Result<Messages> BuildFeedbackPrompt(const FeedbackInput& in, const Templates& templates) {
  auto system = templates.find("feedback_system");
  auto user = templates.find("feedback");
  if (system == templates.end() || user == templates.end()) {
    return Status::InvalidArgument("the templates lack 'feedback_system' or 'feedback'");
  }
  auto with_newline = [](std::string code) {
    if (!code.empty() && code.back() != '\n') code += '\n';
    return code;
  };
  const std::map<std::string, std::string> vars = {
      {"description", std::string(Trim(in.description))},
      {"language", in.language},
      {"parent_code", with_newline(in.parent_code)},
      {"candidate_code", with_newline(in.candidate_code)},
      {"reasoning", in.reasoning.empty() ? "(nothing)" : std::string(Trim(in.reasoning))},
      {"expected_impact",
       in.expected_impact.empty() ? "(nothing)" : std::string(Trim(in.expected_impact))},
  };
  Messages messages;
  KEVOLVE_ASSIGN_OR_RETURN(messages.system, Render(system->second, vars));
  KEVOLVE_ASSIGN_OR_RETURN(messages.user, Render(user->second, vars));
  return messages;
}

}  // namespace kevolve::prompt
