#include "eval/protocol.h"

#include <signal.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <vector>

#include "core/json.h"
#include "core/text.h"
#include "eval/disk_usage.h"

namespace kevolve::eval {
namespace {

// Deeper than any protocol object needs; also keeps hostile input away from deep recursion.
constexpr int kMaxDepth = 32;
constexpr size_t kMaxReasonBytes = 300;

const std::vector<std::string>& KnownKeys() {
  static const std::vector<std::string> keys = {"protocol",  "valid",        "combined_score",
                                                "metrics",   "features",     "hidden_metrics",
                                                "artifacts", "score_samples"};
  return keys;
}

// One line, at most kMaxReasonBytes.
std::string OneLine(std::string_view text) {
  std::string line(Trim(text));
  std::replace_if(line.begin(), line.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  if (line.size() > kMaxReasonBytes) line = line.substr(0, kMaxReasonBytes - 3) + "...";
  return line;
}

EvalResult Failed(Failure failure, std::string reason) {
  EvalResult r;
  r.valid = false;
  r.failure = failure;
  r.reason = OneLine(reason);
  return r;
}

// Nesting depth of brackets outside strings.
int NestingDepth(std::string_view text) {
  int depth = 0, max_depth = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      max_depth = std::max(max_depth, ++depth);
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return max_depth;
}

std::string NoJsonHint(std::string_view text) {
  if (text.find("NaN") != std::string_view::npos || text.find("Infinity") != std::string_view::npos) {
    return " (JSON has no NaN or Infinity; Python's json.dumps writes them unless allow_nan=False)";
  }
  return "";
}

Result<Json> FindResultObject(std::string_view stdout_text) {
  const std::string_view text = Trim(stdout_text);
  if (text.empty()) {
    return Status::InvalidArgument("stdout is empty; the evaluator must print one JSON object");
  }
  if (NestingDepth(text) > kMaxDepth) {
    return Status::InvalidArgument("stdout nests JSON deeper than " + std::to_string(kMaxDepth) +
                                   " levels");
  }
  Result<Json> whole = ParseJson(text);
  if (whole.ok() && whole->is_object()) return whole;
  const std::vector<std::string> lines = SplitLines(text);
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    const std::string_view line = Trim(*it);
    if (line.empty() || line.front() != '{') continue;
    Result<Json> parsed = ParseJson(line);
    if (parsed.ok() && parsed->is_object()) return parsed;
  }
  if (whole.ok()) {
    return Status::InvalidArgument(std::string("stdout is JSON but not an object (it is ") +
                                   whole->type_name() + ")");
  }
  // Say why the most likely candidate did not parse.
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    const std::string_view line = Trim(*it);
    if (line.empty() || line.front() != '{') continue;
    return Status::InvalidArgument("the last line that starts with '{' is not valid JSON" +
                                   NoJsonHint(text) + ": " + ParseJson(line).status().message());
  }
  const std::string last_line = lines.empty() ? "" : std::string(Trim(lines.back()));
  return Status::InvalidArgument("no line of stdout is a JSON object" + NoJsonHint(text) +
                                 "; last line: '" + Truncate(last_line, 120) + "'");
}

Status CheckKeys(const Json& object) {
  for (const auto& [key, value] : object.items()) {
    (void)value;
    if (StartsWith(key, "_")) continue;  // the evaluator's own notes; ignored
    const auto& known = KnownKeys();
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    const std::string nearest = NearestWord(key, known);
    return Status::InvalidArgument("unknown key \"" + key + "\"" +
                                   (nearest.empty() ? "" : " (did you mean \"" + nearest + "\"?)"));
  }
  return Status::Ok();
}

Status ReadNumberMap(const Json& object, const char* field, std::map<std::string, double>* out) {
  const auto it = object.find(field);
  if (it == object.end()) return Status::Ok();
  if (!it->is_object()) {
    return Status::InvalidArgument(std::string("\"") + field + "\" must be an object of numbers");
  }
  for (const auto& [key, value] : it->items()) {
    double number = 0;
    if (value.is_boolean()) {
      number = value.get<bool>() ? 1.0 : 0.0;
    } else if (value.is_number()) {
      number = value.get<double>();
    } else {
      return Status::InvalidArgument(std::string(field) + "." + key + " is " + value.type_name() +
                                     "; only numbers and booleans are allowed");
    }
    if (!std::isfinite(number)) {
      return Status::InvalidArgument(std::string(field) + "." + key + " is not a finite number");
    }
    (*out)[key] = number;
  }
  return Status::Ok();
}

Status ReadArtifacts(const Json& object, std::map<std::string, std::string>* out) {
  const auto it = object.find("artifacts");
  if (it == object.end()) return Status::Ok();
  if (!it->is_object()) return Status::InvalidArgument("\"artifacts\" must be an object");
  for (const auto& [key, value] : it->items()) {
    (*out)[key] = value.is_string() ? value.get<std::string>() : DumpJson(value);
  }
  return Status::Ok();
}

// After ReadArtifacts: the samples become the artifact kScoreSamplesKey.
Status ReadScoreSamples(const Json& object, EvalResult* result) {
  if (result->artifacts.count(kScoreSamplesKey) != 0) {
    return Status::InvalidArgument(
        "artifacts.score_samples is kevolve's own; report repeated measurements as the "
        "top-level \"score_samples\" array");
  }
  const auto it = object.find("score_samples");
  if (it == object.end()) return Status::Ok();
  if (!it->is_array()) {
    return Status::InvalidArgument(std::string("\"score_samples\" must be an array of numbers, "
                                               "not ") +
                                   it->type_name());
  }
  if (it->size() > kMaxScoreSamples) {
    return Status::InvalidArgument("\"score_samples\" has " + std::to_string(it->size()) +
                                   " values; at most " + std::to_string(kMaxScoreSamples));
  }
  Json samples = Json::array();
  for (size_t i = 0; i < it->size(); ++i) {
    const Json& value = (*it)[i];
    const std::string where = "score_samples[" + std::to_string(i) + "]";
    if (!value.is_number()) {
      return Status::InvalidArgument(where + " is " + value.type_name() +
                                     "; only numbers are allowed");
    }
    if (!std::isfinite(value.get<double>())) {
      return Status::InvalidArgument(where + " is not a finite number");
    }
    samples.push_back(value.get<double>());
  }
  if (!samples.empty()) result->artifacts[kScoreSamplesKey] = DumpJson(samples);
  return Status::Ok();
}

Status ReadHeader(const Json& object, EvalResult* result) {
  const auto protocol = object.find("protocol");
  if (protocol == object.end()) {
    return Status::InvalidArgument("missing \"protocol\": " + std::to_string(kProtocolVersion));
  }
  if (!protocol->is_number() || protocol->get<double>() != kProtocolVersion) {
    return Status::InvalidArgument("protocol " + DumpJson(*protocol) +
                                   " is not supported; this kevolve speaks protocol " +
                                   std::to_string(kProtocolVersion));
  }
  const auto valid = object.find("valid");
  if (valid == object.end()) return Status::InvalidArgument("missing \"valid\" (true or false)");
  if (!valid->is_boolean()) {
    return Status::InvalidArgument("\"valid\" must be true or false, not " +
                                   Truncate(DumpJson(*valid), 40));
  }
  result->valid = valid->get<bool>();
  if (!result->valid) return Status::Ok();
  const auto score = object.find("combined_score");
  if (score == object.end()) {
    return Status::InvalidArgument("missing \"combined_score\" (required when valid)");
  }
  if (!score->is_number() || !std::isfinite(score->get<double>())) {
    return Status::InvalidArgument("\"combined_score\" must be a finite number, not " +
                                   Truncate(DumpJson(*score), 40));
  }
  result->combined_score = score->get<double>();
  return Status::Ok();
}

Status ReadObject(const Json& object, EvalResult* result) {
  KEVOLVE_RETURN_IF_ERROR(CheckKeys(object));
  KEVOLVE_RETURN_IF_ERROR(ReadHeader(object, result));
  KEVOLVE_RETURN_IF_ERROR(ReadNumberMap(object, "metrics", &result->metrics));
  KEVOLVE_RETURN_IF_ERROR(ReadNumberMap(object, "features", &result->features));
  KEVOLVE_RETURN_IF_ERROR(ReadNumberMap(object, "hidden_metrics", &result->hidden_metrics));
  KEVOLVE_RETURN_IF_ERROR(ReadArtifacts(object, &result->artifacts));
  return ReadScoreSamples(object, result);
}

std::string LastLine(std::string_view text) {
  const std::vector<std::string> lines = SplitLines(text);
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    if (!Trim(*it).empty()) return OneLine(*it);
  }
  return "";
}

bool MentionsMemory(std::string_view stderr_text) {
  const std::string lower = ToLower(stderr_text);
  static constexpr std::array<std::string_view, 6> kWords = {
      "out of memory",   "cannot allocate memory", "bad_alloc",
      "memoryerror",     "memory exhausted",       "failed to allocate"};
  return std::any_of(kWords.begin(), kWords.end(),
                     [&](std::string_view w) { return lower.find(w) != std::string::npos; });
}

bool MentionsNoSpace(std::string_view stderr_text) {
  return stderr_text.find("No space left on device") != std::string_view::npos;
}

std::string Number(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", value);
  return buffer;
}

std::string Seconds(int64_t ms) { return Number(static_cast<double>(ms) / 1000.0); }

// "; <which limit> ..." when the evidence points at one, else "".
std::string LimitHint(const ProcessOutcome& o, const LimitsConfig& limits) {
  const auto mib = [](int64_t kb) { return std::to_string(kb / 1024); };
  if (o.term_signal == SIGXCPU) {
    return "; CPU time limit of " + Number(limits.cpu_seconds) +
           " s reached (evaluator.limits.cpu_seconds)";
  }
  if (o.term_signal == SIGXFSZ) {
    return "; file size limit of " + std::to_string(limits.file_size_mb) +
           " MiB reached (evaluator.limits.file_size_mb)";
  }
  if (limits.memory_mb > 0) {
    const int64_t limit_kb = limits.memory_mb * 1024;
    if (o.max_rss_kb * 10 >= limit_kb * 8) {
      return "; peak memory " + mib(o.max_rss_kb) + " MiB of the " +
             std::to_string(limits.memory_mb) + " MiB limit (evaluator.limits.memory_mb)";
    }
    if (MentionsMemory(o.stderr_text)) {
      return "; out of memory under the " + std::to_string(limits.memory_mb) +
             " MiB limit (evaluator.limits.memory_mb)";
    }
  }
  if (MentionsNoSpace(o.stderr_text)) {
    return "; no space left for the evaluation's files (evaluator.limits.disk_mb: " +
           std::to_string(limits.disk_mb) + " MiB)";
  }
  if (limits.cpu_seconds > 0 && o.term_signal == SIGKILL &&
      static_cast<double>(o.cpu_ms) >= limits.cpu_seconds * 1000.0) {
    return "; CPU time limit reached (evaluator.limits.cpu_seconds)";
  }
  return "";
}

std::string WithStderr(std::string reason, const ProcessOutcome& o) {
  const std::string last = LastLine(o.stderr_text);
  if (!last.empty()) reason += ": " + last;
  return reason;
}


EvalResult ProcessFailure(const ProcessOutcome& o, const OutcomeContext& context) {
  if (o.cancelled) return Failed(Failure::kSandbox, "evaluation cancelled (kevolve is stopping)");
  if (o.killed_for_output) {
    return Failed(Failure::kOutputLimit,
                  std::string(o.stdout_truncated ? "stdout" : "stderr") + " passed its cap of " +
                      std::to_string(context.limits.output_bytes) +
                      " bytes (evaluator.limits.output_bytes); the process tree was killed");
  }
  if (o.killed_for_disk) {
    const int64_t cap = context.limits.disk_mb;
    return Failed(Failure::kOutputLimit,
                  cap > 0 && o.disk_peak_bytes > (cap << 20)
                      ? "wrote more than " + std::to_string(cap) +
                            " MiB to disk (evaluator.limits.disk_mb); the process tree was killed"
                      : "created more than " + std::to_string(internal::MaxEntries(cap)) +
                            " files and folders (64 per MiB of evaluator.limits.disk_mb); the "
                            "process tree was killed");
  }
  if (o.timed_out) {
    return Failed(Failure::kTimeout, "no result within " + Seconds(context.timeout_ms) +
                                         " s (evaluator.timeout_seconds); the process tree was "
                                         "killed");
  }
  if (o.term_signal != 0) {
    return Failed(Failure::kCrash, WithStderr("killed by " + SignalName(o.term_signal) +
                                                  LimitHint(o, context.limits),
                                              o));
  }
  EvalResult said = ParseEvaluatorOutput(o.stdout_text);
  if (said.failure == Failure::kInvalid) return said;  // a non-zero exit after saying why
  return Failed(Failure::kExitCode, WithStderr("exited with code " + std::to_string(o.exit_code) +
                                                   LimitHint(o, context.limits),
                                               o));
}

}  // namespace

EvalResult ParseEvaluatorOutput(std::string_view stdout_text) {
  Result<Json> object = FindResultObject(stdout_text);
  if (!object.ok()) return Failed(Failure::kBadOutput, object.status().message());
  EvalResult result;
  const Status read = ReadObject(*object, &result);
  if (!read.ok()) return Failed(Failure::kBadOutput, read.message());
  if (result.valid) {
    result.failure = Failure::kNone;
    return result;
  }
  result.failure = Failure::kInvalid;
  result.combined_score = 0;
  const auto feedback = result.artifacts.find("feedback");
  result.reason = feedback != result.artifacts.end() && !Trim(feedback->second).empty()
                      ? OneLine(feedback->second)
                      : "evaluator said invalid";
  return result;
}

EvalResult ResultFromOutcome(const ProcessOutcome& outcome, const OutcomeContext& context) {
  const bool process_failed = outcome.cancelled || outcome.killed_for_output || outcome.timed_out ||
                              outcome.term_signal != 0 || outcome.exit_code != 0;
  EvalResult result = process_failed ? ProcessFailure(outcome, context)
                                     : ParseEvaluatorOutput(outcome.stdout_text);
  if (!result.valid && !outcome.stderr_text.empty() && !result.artifacts.count("stderr")) {
    result.artifacts["stderr"] = StderrTail(outcome.stderr_text);
  }
  return result;
}

std::vector<double> ScoreSamples(const EvalResult& result) {
  const auto it = result.artifacts.find(kScoreSamplesKey);
  if (it == result.artifacts.end()) return {};
  Result<Json> parsed = ParseJson(it->second);
  if (!parsed.ok() || !parsed->is_array()) return {};
  std::vector<double> samples;
  samples.reserve(parsed->size());
  for (const Json& value : *parsed) {
    if (!value.is_number() || !std::isfinite(value.get<double>())) return {};
    samples.push_back(value.get<double>());
  }
  return samples;
}

std::string StderrTail(std::string_view text, size_t max_lines, size_t max_bytes) {
  std::string_view tail = text;
  while (!tail.empty() && (tail.back() == '\n' || tail.back() == '\r')) tail.remove_suffix(1);
  size_t lines = 0, at = tail.size();
  while (at > 0) {
    const size_t nl = tail.rfind('\n', at - 1);
    if (++lines == max_lines || nl == std::string_view::npos) {
      at = (lines == max_lines && nl != std::string_view::npos) ? nl + 1 : 0;
      break;
    }
    at = nl;
  }
  tail.remove_prefix(at);
  if (tail.size() > max_bytes) tail.remove_prefix(tail.size() - max_bytes);
  return std::string(tail);
}

}  // namespace kevolve::eval
