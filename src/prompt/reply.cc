// Prompt kinds, languages, and reading a model's reply back.
#include <algorithm>
#include <cctype>
#include <cmath>

#include "core/json.h"
#include "core/text.h"
#include "prompt/prompt.h"

namespace kevolve::prompt {
namespace {

// Cuts <tag>...</tag> out of `text` (case-insensitive) and returns its trimmed content; an open
// tag without a close runs to the next known open tag or the end. Absent: "" and `text` as is.
std::string TakeTag(std::string& text, const std::string& tag) {
  const std::string lower = ToLower(text);
  const std::string open = "<" + tag + ">", close = "</" + tag + ">";
  const size_t start = lower.find(open);
  if (start == std::string::npos) return "";
  const size_t body = start + open.size();
  size_t end = lower.find(close, body);
  size_t after = end == std::string::npos ? std::string::npos : end + close.size();
  if (end == std::string::npos) {
    end = text.size();
    for (const char* next : {"<reasoning>", "<expected_impact>", "<diff>", "<<<<<<< search"}) {
      const size_t n = lower.find(next, body);
      if (n != std::string::npos) end = std::min(end, n);
    }
    after = end;
  }
  std::string content(Trim(std::string_view(text).substr(body, end - body)));
  text.erase(start, after - start);
  return content;
}

}  // namespace

const char* KindName(Kind kind) {
  switch (kind) {
    case Kind::kExplore:
      return "explore";
    case Kind::kExploit:
      return "exploit";
    case Kind::kCrossover:
      return "crossover";
    case Kind::kRepair:
      return "repair";
  }
  return "explore";
}

std::optional<Kind> KindFromName(std::string_view name) {
  for (Kind k : {Kind::kExplore, Kind::kExploit, Kind::kCrossover, Kind::kRepair}) {
    if (name == KindName(k)) return k;
  }
  return std::nullopt;
}

Kind ChooseKind(const PromptConfig& config, bool can_crossover, bool can_repair, Rng& rng) {
  auto weight = [](double w) { return std::isfinite(w) && w > 0 ? w : 0.0; };
  const double explore = weight(config.explore_ratio);
  const double exploit = weight(config.exploit_ratio);
  const double crossover = can_crossover ? weight(config.crossover_ratio) : 0;
  const double repair = can_repair ? weight(config.repair_ratio) : 0;
  const double total = explore + exploit + crossover + repair;
  if (!(total > 0)) return Kind::kExplore;
  const double u = rng.Uniform() * total;
  if (u < explore) return Kind::kExplore;
  if (u < explore + exploit) return Kind::kExploit;
  if (u < explore + exploit + crossover) return Kind::kCrossover;
  return repair > 0 ? Kind::kRepair : Kind::kExplore;
}

std::string LanguageFor(std::string_view filename) {
  const size_t dot = filename.rfind('.');
  if (dot == std::string_view::npos) return "";
  const std::string ext = ToLower(filename.substr(dot + 1));
  static const std::vector<std::pair<std::vector<std::string>, std::string>> kLanguages = {
      {{"cc", "cpp", "cxx", "h", "hpp", "hh"}, "cpp"},
      {{"cu", "cuh"}, "cuda"},
      {{"c"}, "c"},
      {{"py"}, "python"},
      {{"rs"}, "rust"},
      {{"go"}, "go"},
      {{"js"}, "javascript"},
      {{"ts"}, "typescript"},
      {{"java"}, "java"},
      {{"jl"}, "julia"},
      {{"sh"}, "bash"},
  };
  for (const auto& [extensions, language] : kLanguages) {
    if (std::find(extensions.begin(), extensions.end(), ext) != extensions.end()) return language;
  }
  return "";
}

ModelReply ParseModelReply(std::string_view reply) {
  std::string text(reply);
  ModelReply out;
  out.reasoning = TakeTag(text, "reasoning");
  out.expected_impact = TakeTag(text, "expected_impact");
  out.edit = std::string(Trim(text));
  if (!out.edit.empty()) out.edit += '\n';
  return out;
}

Result<FeedbackScores> ParseFeedbackReply(std::string_view reply) {
  const size_t open = reply.find('{');
  const size_t close = reply.rfind('}');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    return Status::InvalidArgument("the feedback reply holds no JSON object");
  }
  KEVOLVE_ASSIGN_OR_RETURN(Json json, ParseJson(reply.substr(open, close - open + 1)));
  if (!json.is_object()) return Status::InvalidArgument("the feedback reply is not a JSON object");
  FeedbackScores scores;
  for (auto [name, out] : {std::pair<const char*, double*>{"readability", &scores.readability},
                           {"plausibility", &scores.plausibility}}) {
    auto it = json.find(name);
    if (it == json.end() || !it->is_number()) {
      return Status::InvalidArgument(std::string("the feedback reply lacks a numeric '") + name +
                                     "'");
    }
    const double value = it->get<double>();
    if (!(value >= 0 && value <= 10)) {
      return Status::InvalidArgument(std::string("feedback '") + name + "' is outside 0..10");
    }
    *out = value;
  }
  return scores;
}

}  // namespace kevolve::prompt
