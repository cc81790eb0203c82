// Semantic checks of a parsed Config. Each rule names its key, what is allowed and the value
// found, so the message alone says what to change.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <limits>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "config/load.h"
#include "config/schema.h"
#include "core/text.h"

namespace kevolve {
namespace {

using config::FormatNumber;

class Checker {
 public:
  void Fail(const std::string& path, const std::string& rule) {
    problems_.push_back("'" + path + "' " + rule);
  }

  void AtLeast(const std::string& path, int64_t value, int64_t min) {
    if (value < min) {
      Fail(path, "must be at least " + std::to_string(min) + ", got " + std::to_string(value));
    }
  }

  // value > 0 (strict) or value >= 0, and finite.
  void Positive(const std::string& path, double value) {
    if (!(std::isfinite(value) && value > 0)) {
      Fail(path, "must be a finite number > 0, got " + FormatNumber(value));
    }
  }
  void NonNegative(const std::string& path, double value) {
    if (!(std::isfinite(value) && value >= 0)) {
      Fail(path, "must be a finite number >= 0, got " + FormatNumber(value));
    }
  }
  void Finite(const std::string& path, double value) {
    if (!std::isfinite(value)) Fail(path, "must be a finite number, got " + FormatNumber(value));
  }

  void OneOf(const std::string& path, const std::string& value,
             const std::vector<std::string_view>& allowed) {
    for (const std::string_view a : allowed) {
      if (value == a) return;
    }
    Fail(path, config::OneOfRule(allowed, value));
  }

  void NotEmpty(const std::string& path, const std::string& value) {
    if (value.empty()) Fail(path, "must not be empty");
  }

  // A plain file or folder name: no '/', not "." or "..".
  void PlainName(const std::string& path, const std::string& value) {
    if (value.empty() || value == "." || value == ".." ||
        value.find('/') != std::string::npos) {
      Fail(path, "must be a plain name (no '/'), got '" + value + "'");
    }
  }

  // An environment variable name: non-empty, no '=' and no NUL.
  void EnvName(const std::string& path, const std::string& value) {
    if (value.empty() || value.find('=') != std::string::npos ||
        value.find('\0') != std::string::npos) {
      Fail(path, "must be a variable name without '=', got '" + value + "'");
    }
  }

  // Relative weights: each >= 0 and finite, and not all zero.
  void Weights(const std::vector<std::pair<std::string, double>>& weights) {
    double sum = 0;
    std::string names;
    for (const auto& [path, value] : weights) {
      NonNegative(path, value);
      if (std::isfinite(value) && value > 0) sum += value;
      names += (names.empty() ? "'" : ", '") + path + "'";
    }
    if (sum <= 0) problems_.push_back(names + " must not all be zero");
  }

  Status Result() const {
    if (problems_.empty()) return Status::Ok();
    std::string message;
    for (const std::string& p : problems_) message += (message.empty() ? "" : "; ") + p;
    return Status::InvalidArgument(message);
  }

 private:
  std::vector<std::string> problems_;
};

void CheckTaskAndRun(const Config& config, Checker& check) {
  check.PlainName("task.name", config.task.name);
  check.NotEmpty("task.initial_program", config.task.initial_program);
  const RunConfig& run = config.run;
  check.AtLeast("run.iterations", run.iterations, 0);
  check.NotEmpty("run.output_dir", run.output_dir);
  check.NonNegative("run.max_wall_seconds", run.max_wall_seconds);
  check.OneOf("run.log_level", run.log_level, {"debug", "info", "warn", "error"});
}

void CheckSlurm(const EvaluatorConfig& e, Checker& check) {
  const SlurmConfig& s = e.slurm;
  if (s.shared_dir.empty() || s.shared_dir[0] != '/') {
    check.Fail("evaluator.slurm.shared_dir",
               "must be an absolute path on a file system the nodes share with this machine, "
               "got '" + s.shared_dir + "'");
  }
  if (!s.kevolve.empty() && s.kevolve[0] != '/') {
    check.Fail("evaluator.slurm.kevolve", "must be an absolute path, got '" + s.kevolve + "'");
  }
  check.AtLeast("evaluator.slurm.gpus", s.gpus, 0);
  check.AtLeast("evaluator.slurm.cpus", s.cpus, 1);
  check.AtLeast("evaluator.slurm.memory_mb", s.memory_mb, 0);
  check.NonNegative("evaluator.slurm.time_margin_seconds", s.time_margin_seconds);
  check.Positive("evaluator.slurm.poll_seconds", s.poll_seconds);
  check.AtLeast("evaluator.slurm.max_retries", s.max_retries, 0);
  check.Positive("evaluator.slurm.unavailable_seconds", s.unavailable_seconds);
  check.Positive("evaluator.slurm.probe_timeout_seconds", s.probe_timeout_seconds);
  for (size_t i = 0; i < e.stages.size(); ++i) {
    if (e.stages[i].device == "exclusive" && s.gpus < 1) {
      check.Fail("evaluator.stages[" + std::to_string(i) + "].device",
                 "is exclusive but evaluator.slurm.gpus is 0; ask for the job's GPUs, e.g. "
                 "gpus: 1");
    }
  }
}

// The first {identifier} of `word` that is not one of kCommandPlaceholders; "" when none.
std::string UnknownPlaceholder(const std::string& word) {
  size_t at = 0;
  while ((at = word.find('{', at)) != std::string::npos) {
    const size_t close = word.find('}', at);
    if (close == std::string::npos) break;
    const std::string name = word.substr(at + 1, close - at - 1);
    const bool identifier = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
    });
    const auto& known = kCommandPlaceholders;
    if (identifier && std::find(std::begin(known), std::end(known), name) == std::end(known)) {
      return name;
    }
    at = close + 1;
  }
  return "";
}

// A variable name that reads like a key, token or password.
bool LooksSecret(const std::string& name) {
  const std::string lower = ToLower(name);
  for (const char* word : {"api_key", "secret", "token", "password", "passwd", "credential"}) {
    if (lower.find(word) != std::string::npos) return true;
  }
  return EndsWith(lower, "_key");
}

void CheckCommand(const EvaluatorConfig& e, Checker& check) {
  if (e.command.empty() || e.command[0].empty()) {
    check.Fail("evaluator.command", "must name a program to run, e.g. [\"./evaluate\", \"{program}\"]");
  }
  for (const std::string& word : e.command) {
    const std::string unknown = UnknownPlaceholder(word);
    if (unknown.empty()) continue;
    const std::vector<std::string> known(std::begin(kCommandPlaceholders),
                                         std::end(kCommandPlaceholders));
    const std::string nearest = NearestWord(unknown, known);
    std::string known_text;
    for (const std::string& name : known) {
      known_text += (known_text.empty() ? "{" : " {") + name + "}";
    }
    check.Fail("evaluator.command",
               "uses an unknown placeholder {" + unknown + "}" +
                   (nearest.empty() ? "" : " (did you mean {" + nearest + "}?)") +
                   "; known: " + known_text);
    break;
  }
}

void CheckEvaluator(const EvaluatorConfig& e, Checker& check) {
  CheckCommand(e, check);
  check.AtLeast("evaluator.workers", e.workers, 1);
  check.Positive("evaluator.timeout_seconds", e.timeout_seconds);
  check.NonNegative("evaluator.grace_seconds", e.grace_seconds);
  std::set<std::string> stage_names;
  for (size_t i = 0; i < e.stages.size(); ++i) {
    const std::string path = "evaluator.stages[" + std::to_string(i) + "]";
    const StageConfig& stage = e.stages[i];
    check.NotEmpty(path + ".name", stage.name);
    if (!stage.name.empty() && !stage_names.insert(stage.name).second) {
      check.Fail(path + ".name", "repeats the stage name '" + stage.name + "'");
    }
    check.Finite(path + ".threshold", stage.threshold);
    check.NonNegative(path + ".timeout_seconds", stage.timeout_seconds);
    check.OneOf(path + ".device", stage.device, {"shared", "exclusive", "none"});
    // On Slurm the node's job holds the GPUs (evaluator.slurm.gpus), so devices may be empty.
    if (stage.device == "exclusive" && e.devices.empty() && e.backend != "slurm") {
      check.Fail(path + ".device",
                 "is exclusive but evaluator.devices is empty; list the GPUs the stage may hold, "
                 "e.g. devices: [\"0\"]");
    }
  }
  const RepeatsConfig& repeats = e.repeats;
  if (repeats.initial != 0 && repeats.initial < 3) {
    check.Fail("evaluator.repeats.initial",
               "must be 0 (off) or at least 3, got " + std::to_string(repeats.initial));
  }
  check.AtLeast("evaluator.repeats.max", repeats.max, repeats.initial);
  if (repeats.max > 10000) {
    check.Fail("evaluator.repeats.max",
               "must be at most 10000, got " + std::to_string(repeats.max));
  }
  check.Positive("evaluator.repeats.target_spread", repeats.target_spread);
  for (const std::string& word : e.command) {
    if (repeats.initial == 0 && word.find("{repeats}") != std::string::npos) {
      check.Fail("evaluator.command",
                 "uses {repeats} but evaluator.repeats is off (initial: 0); "
                 "set evaluator.repeats.initial to 3 or more");
      break;
    }
  }
  const LimitsConfig& limits = e.limits;
  check.Positive("evaluator.limits.cpu_seconds", limits.cpu_seconds);
  check.AtLeast("evaluator.limits.memory_mb", limits.memory_mb, 1);
  check.AtLeast("evaluator.limits.open_files", limits.open_files, 1);
  check.AtLeast("evaluator.limits.processes", limits.processes, 1);
  check.AtLeast("evaluator.limits.file_size_mb", limits.file_size_mb, 1);
  check.AtLeast("evaluator.limits.output_bytes", limits.output_bytes, 1);
  check.AtLeast("evaluator.limits.disk_mb", limits.disk_mb, 1);
  for (size_t i = 0; i < e.env_allow.size(); ++i) {
    const std::string path = "evaluator.env_allow[" + std::to_string(i) + "]";
    check.EnvName(path, e.env_allow[i]);
    if (LooksSecret(e.env_allow[i])) {
      check.Fail(path, "names '" + e.env_allow[i] + "', which looks like a secret, and "
                       "evaluators never see secrets; if the evaluator really needs it, set it "
                       "in evaluator.env");
    }
  }
  for (const auto& [name, value] : e.env) check.EnvName("evaluator.env." + name, name);
  std::set<std::string> devices;
  for (size_t i = 0; i < e.devices.size(); ++i) {
    check.NotEmpty("evaluator.devices[" + std::to_string(i) + "]", e.devices[i]);
    if (!e.devices[i].empty() && !devices.insert(e.devices[i]).second) {
      check.Fail("evaluator.devices[" + std::to_string(i) + "]",
                 "repeats the device '" + e.devices[i] + "'");
    }
  }
  check.PlainName("evaluator.program_filename", e.program_filename);
  check.OneOf("evaluator.backend", e.backend, {"local", "slurm"});
  if (e.backend == "slurm") CheckSlurm(e, check);
  for (size_t i = 0; i < e.read_paths.size(); ++i) {
    check.NotEmpty("evaluator.read_paths[" + std::to_string(i) + "]", e.read_paths[i]);
  }
}

void CheckDatabase(const DatabaseConfig& d, Checker& check) {
  check.AtLeast("database.islands", d.islands, 1);
  check.AtLeast("database.migration_interval", d.migration_interval, 1);
  if (!(d.migration_rate >= 0 && d.migration_rate <= 1)) {
    check.Fail("database.migration_rate",
               "must be between 0 and 1, got " + FormatNumber(d.migration_rate));
  }
  check.AtLeast("database.island_capacity", d.island_capacity, 1);
  check.AtLeast("database.archive_size", d.archive_size, 1);
  std::set<std::string> names;
  for (size_t i = 0; i < d.features.size(); ++i) {
    const std::string path = "database.features[" + std::to_string(i) + "]";
    const FeatureConfig& f = d.features[i];
    check.NotEmpty(path + ".name", f.name);
    if (!f.name.empty() && !names.insert(f.name).second) {
      check.Fail(path + ".name", "repeats the feature name '" + f.name + "'");
    }
    check.Finite(path + ".min", f.min);
    check.Finite(path + ".max", f.max);
    if (std::isfinite(f.min) && std::isfinite(f.max) && !(f.max > f.min)) {
      check.Fail(path + ".max", "must be greater than min (" + FormatNumber(f.min) + "), got " +
                                    FormatNumber(f.max));
    }
    check.AtLeast(path + ".bins", f.bins, 1);
  }
  // The grid's cells are numbered with int64 (db/grid.h).
  int64_t cells = 1;
  for (const FeatureConfig& f : d.features) {
    if (f.bins < 1) continue;
    if (cells > std::numeric_limits<int64_t>::max() / f.bins) {
      check.Fail("database.features", "make a grid of more than 2^63 cells (the product of "
                                      "their bins); use fewer bins");
      break;
    }
    cells *= f.bins;
  }
  check.Weights({{"database.exploitation_ratio", d.exploitation_ratio},
                 {"database.exploration_ratio", d.exploration_ratio},
                 {"database.elite_ratio", d.elite_ratio}});
  check.AtLeast("database.num_inspirations", d.num_inspirations, 0);
}

void CheckMutator(const MutatorConfig& m, Checker& check) {
  check.Weights({{"mutator.literal_weight", m.literal_weight},
                 {"mutator.operator_weight", m.operator_weight},
                 {"mutator.line_weight", m.line_weight},
                 {"mutator.crossover_weight", m.crossover_weight}});
  check.Positive("mutator.perturb_scale", m.perturb_scale);
  check.AtLeast("mutator.max_edits", m.max_edits, 1);
}

void CheckLlm(const LlmConfig& l, Checker& check) {
  std::set<std::string> names;
  for (size_t i = 0; i < l.models.size(); ++i) {
    const std::string path = "llm.models[" + std::to_string(i) + "]";
    const LlmModelConfig& m = l.models[i];
    check.NotEmpty(path + ".model", m.model);
    const std::string name = m.name.empty() ? m.model : m.name;
    if (!name.empty() && !names.insert(name).second) {
      check.Fail(path + ".name", "repeats the model name '" + name + "'");
    }
    if (m.base_url.empty() && l.base_url.empty()) {
      check.Fail(path + ".base_url", "must not be empty when llm.base_url is empty");
    }
    check.OneOf(path + ".role", m.role, {"fast", "strong"});
    check.NonNegative(path + ".weight", m.weight);
    check.AtLeast(path + ".max_concurrency", m.max_concurrency, 1);
    check.NonNegative(path + ".input_price", m.input_price);
    check.NonNegative(path + ".output_price", m.output_price);
    check.Finite(path + ".temperature", m.temperature);
    check.Finite(path + ".top_p", m.top_p);
    check.AtLeast(path + ".max_tokens", m.max_tokens, 0);
    for (const auto& [header, value] : m.headers) {
      if (header.empty() || header.find_first_of(":\r\n ") != std::string::npos ||
          value.find_first_of("\r\n") != std::string::npos) {
        check.Fail(path + ".headers." + header, "must be a header name without ':', spaces or "
                                                "line breaks, and a one-line value");
      }
    }
  }
  if (!l.models.empty()) {
    double total = 0;
    for (const LlmModelConfig& m : l.models) total += std::isfinite(m.weight) ? m.weight : 0;
    if (total <= 0) check.Fail("llm.models[].weight", "must not all be zero");
  }
  check.AtLeast("llm.max_in_flight", l.max_in_flight, 1);
  check.OneOf("llm.selection", l.selection, {"weighted", "bandit"});
  if (!(l.strong_ratio >= 0 && l.strong_ratio <= 1)) {
    check.Fail("llm.strong_ratio", "must be between 0 and 1, got " + FormatNumber(l.strong_ratio));
  }
  check.Positive("llm.connect_timeout_seconds", l.connect_timeout_seconds);
  check.Positive("llm.timeout_seconds", l.timeout_seconds);
  check.AtLeast("llm.max_retries", l.max_retries, 0);
  check.NonNegative("llm.backoff_initial_seconds", l.backoff_initial_seconds);
  check.NonNegative("llm.backoff_max_seconds", l.backoff_max_seconds);
  check.AtLeast("llm.max_reply_bytes", l.max_reply_bytes, 1024);
  check.NonNegative("llm.budget.max_cost", l.budget.max_cost);
  check.AtLeast("llm.budget.max_tokens", l.budget.max_tokens, 0);
  check.AtLeast("llm.budget.max_calls", l.budget.max_calls, 0);
  check.NonNegative("llm.feedback.weight", l.feedback.weight);
  for (size_t i = 0; i < l.feedback.council.size(); ++i) {
    const std::string path = "llm.feedback.council[" + std::to_string(i) + "]";
    const CouncilMemberConfig& member = l.feedback.council[i];
    if (!names.count(member.model)) {
      std::vector<std::string> known(names.begin(), names.end());
      std::string rule = "must name a model of llm.models, got '" + member.model + "'";
      const std::string nearest = NearestWord(member.model, known);
      if (!nearest.empty()) rule += " (did you mean '" + nearest + "'?)";
      check.Fail(path + ".model", rule);
    }
    check.NonNegative(path + ".weight", member.weight);
  }
}

void CheckPrompt(const PromptConfig& p, Checker& check) {
  check.Weights({{"prompt.explore_ratio", p.explore_ratio},
                 {"prompt.exploit_ratio", p.exploit_ratio},
                 {"prompt.crossover_ratio", p.crossover_ratio},
                 {"prompt.repair_ratio", p.repair_ratio}});
  check.AtLeast("prompt.max_repair_attempts", p.max_repair_attempts, 0);
  check.AtLeast("prompt.lineage_depth", p.lineage_depth, 0);
  check.OneOf("prompt.edit_format", p.edit_format, {"search_replace", "diff"});
  check.AtLeast("prompt.max_artifact_chars", p.max_artifact_chars, 0);
}

}  // namespace

namespace config {

std::string WordList(const std::vector<std::string_view>& words) {
  std::string list;
  for (size_t i = 0; i < words.size(); ++i) {
    list += (i == 0 ? "" : i + 1 == words.size() ? " or " : ", ");
    list += words[i];
  }
  return list;
}

std::string OneOfRule(const std::vector<std::string_view>& allowed, std::string_view got) {
  std::string rule = "must be " + WordList(allowed) + ", got '" + std::string(got) + "'";
  const std::string nearest =
      NearestWord(std::string(got), std::vector<std::string>(allowed.begin(), allowed.end()));
  if (!nearest.empty()) rule += " (did you mean '" + nearest + "'?)";
  return rule;
}

}  // namespace config

Status ValidateConfig(const Config& config) {
  Checker check;
  CheckTaskAndRun(config, check);
  CheckEvaluator(config.evaluator, check);
  CheckDatabase(config.database, check);
  CheckMutator(config.mutator, check);
  CheckLlm(config.llm, check);
  CheckPrompt(config.prompt, check);
  return check.Result();
}

}  // namespace kevolve
