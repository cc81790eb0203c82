// OpenEvolve's config.yaml -> Config (config/openevolve.h). yaml-cpp exceptions stop here.
#include "config/openevolve.h"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <filesystem>
#include <functional>
#include <map>
#include <regex>
#include <set>

#include "core/files.h"
#include "core/text.h"

namespace kevolve {
namespace {

namespace fs = std::filesystem;

// Keys of OpenEvolve's schema that kevolve has no meaning for; they are listed, never dropped
// silently. (Per section; "" is the top level.)
const std::map<std::string, std::set<std::string>>& UnmappedKeys() {
  static const std::map<std::string, std::set<std::string>> keys = {
      {"",
       {"checkpoint_interval", "log_dir", "allow_full_rewrites", "max_code_length", "language",
        "early_stopping_patience", "convergence_threshold", "early_stopping_metric",
        "max_tasks_per_child", "evolution_trace"}},
      {"llm",
       {"system_message", "evaluator_models", "retry_delay", "random_seed", "reasoning_effort",
        "manual_mode"}},
      {"llm.models[]",
       {"system_message", "timeout", "retries", "retry_delay", "random_seed", "api_key",
        "init_client", "manual_mode"}},
      {"prompt",
       {"template_dir", "evaluator_system_message", "num_top_programs", "num_diverse_programs",
        "use_template_stochasticity", "template_variations", "use_meta_prompting",
        "meta_prompt_weight", "include_artifacts", "artifact_security_filter",
        "suggest_simplification_after_chars", "include_changes_under_chars",
        "concise_implementation_max_lines", "comprehensive_implementation_min_lines",
        "code_length_threshold", "diff_summary_max_line_len", "diff_summary_max_lines",
        "programs_as_changes_description", "system_message_changes_description",
        "initial_changes_description"}},
      {"database",
       {"db_path", "in_memory", "log_prompts", "diversity_metric", "feature_dimensions",
        "feature_bins", "diversity_reference_size", "random_seed", "artifacts_base_path",
        "artifact_size_threshold", "cleanup_old_artifacts", "artifact_retention_days",
        "novelty_llm", "embedding_model", "similarity_threshold", "feature_scaling_method"}},
      {"evaluator",
       {"max_retries", "cpu_limit", "distributed", "enable_artifacts", "max_artifact_storage"}},
  };
  return keys;
}

// What a mapped key does with its node; `path` is the key's dotted path, for messages.
using Apply = std::function<Status(const YAML::Node& node, const std::string& path)>;

class Mapper {
 public:
  Mapper(const std::string& source, Config& config, std::vector<std::string>& unmapped)
      : source_(source), config_(config), unmapped_(unmapped) {}

  Status Error(const YAML::Node& node, const std::string& path, const std::string& what) const {
    const int line = node.Mark().is_null() ? 0 : node.Mark().line + 1;
    return Status::InvalidArgument(source_ + (line > 0 ? ":" + std::to_string(line) : "") +
                                   ": '" + path + "' " + what);
  }

  Result<double> Number(const YAML::Node& node, const std::string& path) const {
    if (node.IsScalar()) {
      try {
        const double value = node.as<double>();
        if (std::isfinite(value)) return value;
      } catch (const YAML::Exception&) {
      }
    }
    return Error(node, path, "must be a number, got '" + Text(node) + "'");
  }
  Result<int64_t> Integer(const YAML::Node& node, const std::string& path) const {
    KEVOLVE_ASSIGN_OR_RETURN(const double value, Number(node, path));
    if (value != std::floor(value)) {
      return Error(node, path, "must be an integer, got '" + Text(node) + "'");
    }
    return static_cast<int64_t>(value);
  }
  Result<bool> Boolean(const YAML::Node& node, const std::string& path) const {
    if (node.IsScalar()) {
      try {
        return node.as<bool>();
      } catch (const YAML::Exception&) {
      }
    }
    return Error(node, path, "must be true or false, got '" + Text(node) + "'");
  }
  Result<std::string> String(const YAML::Node& node, const std::string& path) const {
    if (node.IsScalar()) return node.Scalar();
    return Error(node, path, "must be a string");
  }

  // Applies `mapped` to the keys of `section` (a mapping at `path`): each key is mapped, listed
  // as unmapped (null values too: OpenEvolve's "not set"), or an error with the nearest key.
  Status Walk(const YAML::Node& section, const std::string& path, const std::string& schema,
              const std::map<std::string, Apply>& mapped) {
    if (!section || section.IsNull()) return Status::Ok();
    if (!section.IsMap()) return Error(section, path, "must be a mapping");
    const std::set<std::string>& unmapped = UnmappedKeys().count(schema)
                                                ? UnmappedKeys().at(schema)
                                                : std::set<std::string>{};
    for (const auto& entry : section) {
      const std::string key = entry.first.as<std::string>();
      const std::string full = path.empty() ? key : path + "." + key;
      const auto it = mapped.find(key);
      if (it != mapped.end()) {
        if (!entry.second.IsNull()) KEVOLVE_RETURN_IF_ERROR(it->second(entry.second, full));
        continue;
      }
      if (unmapped.count(key)) {
        unmapped_.push_back(full);
        continue;
      }
      std::vector<std::string> known(unmapped.begin(), unmapped.end());
      for (const auto& [name, apply] : mapped) known.push_back(name);
      const std::string nearest = NearestWord(key, known);
      return Error(entry.first, full,
                   "is not a key of OpenEvolve's config" +
                       (nearest.empty() ? std::string()
                                        : "; did you mean '" +
                                              (path.empty() ? nearest : path + "." + nearest) +
                                              "'?"));
    }
    return Status::Ok();
  }

  void Unmapped(const std::string& path) { unmapped_.push_back(path); }

  // An Apply that stores the value, type-checked, into `field`.
  Apply Into(double* field) {
    return [this, field](const YAML::Node& n, const std::string& path) -> Status {
      KEVOLVE_ASSIGN_OR_RETURN(*field, Number(n, path));
      return Status::Ok();
    };
  }
  template <typename Int>
  Apply IntoInteger(Int* field) {
    return [this, field](const YAML::Node& n, const std::string& path) -> Status {
      KEVOLVE_ASSIGN_OR_RETURN(const int64_t value, Integer(n, path));
      *field = static_cast<Int>(value);
      return Status::Ok();
    };
  }
  Apply Into(std::string* field) {
    return [this, field](const YAML::Node& n, const std::string& path) -> Status {
      KEVOLVE_ASSIGN_OR_RETURN(*field, String(n, path));
      return Status::Ok();
    };
  }
  Apply Into(bool* field) {
    return [this, field](const YAML::Node& n, const std::string& path) -> Status {
      KEVOLVE_ASSIGN_OR_RETURN(*field, Boolean(n, path));
      return Status::Ok();
    };
  }

 private:
  static std::string Text(const YAML::Node& node) {
    return node.IsScalar() ? node.Scalar() : std::string("(not a scalar)");
  }

  const std::string& source_;
  Config& config_;
  std::vector<std::string>& unmapped_;
};

// OpenEvolve's generation settings of llm: that apply to every model without its own.
struct ModelDefaults {
  std::string base_url;
  double temperature = 0.7;   // OpenEvolve's defaults
  double top_p = 0.95;
  int64_t max_tokens = 4096;
};

// "${NAME}" -> NAME (kevolve reads keys only from the environment); "" for anything else.
std::string EnvReference(const std::string& value) {
  static const std::regex kReference(R"(^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$)");
  std::smatch match;
  return std::regex_match(value, match, kReference) ? match[1].str() : "";
}

// How many cascade stages evaluator.py defines: evaluate_stage1, 2, ... without a gap.
int CascadeStages(const std::string& evaluator_py) {
  static const std::regex kStage(R"((^|\n)def[ \t]+evaluate_stage([0-9]+)[ \t]*\()");
  std::set<int> defined;
  for (std::sregex_iterator it(evaluator_py.begin(), evaluator_py.end(), kStage), end; it != end;
       ++it) {
    defined.insert(std::stoi((*it)[2].str()));
  }
  int stages = 0;
  while (defined.count(stages + 1)) ++stages;
  return stages;
}

std::string LogLevel(std::string level) {
  level = ToLower(level);
  if (level == "warning" || level == "critical") return level == "warning" ? "warn" : "error";
  return level;
}

// What the top level decides beyond Config fields, applied after the walk.
struct Pending {
  ModelDefaults defaults;
  bool cascade = true;                           // OpenEvolve's default
  std::vector<double> thresholds = {0.5, 0.75, 0.9};
  std::string suffix = ".py";
  std::vector<YAML::Node> models;
  double primary_weight = -1, secondary_weight = -1;
};

Status MapLlm(Mapper& m, const YAML::Node& n, Config& c, Pending& p) {
  // A new model named by `v` (primary_model, secondary_model).
  const auto add_model = [&p](const YAML::Node& v, const std::string&) -> Status {
    p.models.push_back(YAML::Node(YAML::NodeType::Map));
    p.models.back()["name"] = v;
    return Status::Ok();
  };
  const std::map<std::string, Apply> llm = {
      {"api_base",
       [&](const YAML::Node& v, const std::string& path) -> Status {
         KEVOLVE_ASSIGN_OR_RETURN(p.defaults.base_url, m.String(v, path));
         c.llm.base_url = p.defaults.base_url;
         return Status::Ok();
       }},
      {"api_key",
       [&](const YAML::Node& v, const std::string& path) -> Status {
         KEVOLVE_ASSIGN_OR_RETURN(const std::string key, m.String(v, path));
         const std::string name = EnvReference(key);
         if (name.empty()) {
           m.Unmapped(path + " (kevolve reads keys from the environment only: set "
                             "llm.api_key_env)");
         } else {
           c.llm.api_key_env = name;
         }
         return Status::Ok();
       }},
      {"temperature", m.Into(&p.defaults.temperature)},
      {"top_p", m.Into(&p.defaults.top_p)},
      {"max_tokens", m.IntoInteger(&p.defaults.max_tokens)},
      {"timeout", m.Into(&c.llm.timeout_seconds)},
      {"retries", m.IntoInteger(&c.llm.max_retries)},
      {"models",
       [&](const YAML::Node& v, const std::string& path) -> Status {
         if (!v.IsSequence()) return m.Error(v, path, "must be a list");
         for (const YAML::Node& model : v) p.models.push_back(model);
         return Status::Ok();
       }},
      {"primary_model", add_model},
      {"primary_model_weight", m.Into(&p.primary_weight)},
      {"secondary_model", add_model},
      {"secondary_model_weight", m.Into(&p.secondary_weight)},
  };
  return m.Walk(n, "llm", "llm", llm);
}

Status MapDatabase(Mapper& m, const YAML::Node& n, Config& c) {
  int64_t population = -1;
  const std::map<std::string, Apply> database = {
      {"population_size", m.IntoInteger(&population)},
      {"archive_size", m.IntoInteger(&c.database.archive_size)},
      {"num_islands", m.IntoInteger(&c.database.islands)},
      {"elite_selection_ratio", m.Into(&c.database.elite_ratio)},
      {"exploration_ratio", m.Into(&c.database.exploration_ratio)},
      {"exploitation_ratio", m.Into(&c.database.exploitation_ratio)},
      {"migration_interval", m.IntoInteger(&c.database.migration_interval)},
      {"migration_rate", m.Into(&c.database.migration_rate)},
  };
  KEVOLVE_RETURN_IF_ERROR(m.Walk(n, "database", "database", database));
  // OpenEvolve's population is over all islands; kevolve's capacity is per island.
  if (population > 0) {
    c.database.island_capacity = std::max<int64_t>(1, population / std::max(1, c.database.islands));
  }
  return Status::Ok();
}

Status MapEvaluator(Mapper& m, const YAML::Node& n, Config& c, Pending& p) {
  bool llm_feedback = false;
  double feedback_weight = 0.1;  // OpenEvolve's default
  const std::map<std::string, Apply> evaluator = {
      {"timeout", m.Into(&c.evaluator.timeout_seconds)},
      {"memory_limit_mb", m.IntoInteger(&c.evaluator.limits.memory_mb)},
      {"parallel_evaluations", m.IntoInteger(&c.evaluator.workers)},
      {"cascade_evaluation", m.Into(&p.cascade)},
      {"cascade_thresholds",
       [&](const YAML::Node& v, const std::string& path) -> Status {
         if (!v.IsSequence()) return m.Error(v, path, "must be a list of numbers");
         p.thresholds.clear();
         for (const YAML::Node& t : v) {
           KEVOLVE_ASSIGN_OR_RETURN(const double value, m.Number(t, path + "[]"));
           p.thresholds.push_back(value);
         }
         return Status::Ok();
       }},
      {"use_llm_feedback", m.Into(&llm_feedback)},
      {"llm_feedback_weight", m.Into(&feedback_weight)},
  };
  KEVOLVE_RETURN_IF_ERROR(m.Walk(n, "evaluator", "evaluator", evaluator));
  if (llm_feedback) c.llm.feedback.weight = feedback_weight;
  return Status::Ok();
}

Status MapTopLevel(Mapper& m, const YAML::Node& root, Config& c, Pending& p) {
  const std::map<std::string, Apply> top = {
      {"max_iterations", m.IntoInteger(&c.run.iterations)},
      {"random_seed", m.IntoInteger(&c.run.seed)},
      {"log_level",
       [&](const YAML::Node& n, const std::string& path) -> Status {
         KEVOLVE_ASSIGN_OR_RETURN(const std::string level, m.String(n, path));
         c.run.log_level = LogLevel(level);
         return Status::Ok();
       }},
      {"file_suffix", m.Into(&p.suffix)},
      {"diff_based_evolution",
       [&](const YAML::Node& n, const std::string& path) -> Status {
         KEVOLVE_ASSIGN_OR_RETURN(const bool diffs, m.Boolean(n, path));
         // kevolve proposes SEARCH/REPLACE edits; it has no whole-program rewrite mode.
         if (!diffs) m.Unmapped(path + " (false: full rewrites)");
         return Status::Ok();
       }},
      {"llm", [&](const YAML::Node& n, const std::string&) { return MapLlm(m, n, c, p); }},
      {"prompt",
       [&](const YAML::Node& n, const std::string&) {
         const std::map<std::string, Apply> prompt = {
             {"system_message", m.Into(&c.task.description)},
             {"max_artifact_bytes", m.IntoInteger(&c.prompt.max_artifact_chars)},
         };
         return m.Walk(n, "prompt", "prompt", prompt);
       }},
      {"database", [&](const YAML::Node& n, const std::string&) { return MapDatabase(m, n, c); }},
      {"evaluator",
       [&](const YAML::Node& n, const std::string&) { return MapEvaluator(m, n, c, p); }},
  };
  return m.Walk(root, "", "", top);
}

Status MapModels(Mapper& m, const std::vector<YAML::Node>& models, const ModelDefaults& defaults,
                 Config& c) {
  for (size_t i = 0; i < models.size(); ++i) {
    const std::string path = "llm.models[" + std::to_string(i) + "]";
    LlmModelConfig model;
    model.temperature = defaults.temperature;
    model.top_p = defaults.top_p;
    model.max_tokens = defaults.max_tokens;
    const std::map<std::string, Apply> keys = {
        {"name", m.Into(&model.model)},
        {"weight", m.Into(&model.weight)},
        {"api_base", m.Into(&model.base_url)},
        {"temperature", m.Into(&model.temperature)},
        {"top_p", m.Into(&model.top_p)},
        {"max_tokens", m.IntoInteger(&model.max_tokens)},
        {"reasoning_effort", m.Into(&model.reasoning_effort)},
    };
    KEVOLVE_RETURN_IF_ERROR(m.Walk(models[i], path, "llm.models[]", keys));
    if (model.model.empty()) return m.Error(models[i], path, "has no name (the model id)");
    model.name = model.model;
    c.llm.models.push_back(model);
  }
  return Status::Ok();
}

}  // namespace

bool IsOpenEvolveTask(const std::string& task_dir) {
  return PathExists((fs::path(task_dir) / "evaluator.py").string()) &&
         !PathExists((fs::path(task_dir) / "kevolve.yaml").string());
}

Result<OpenEvolveConfig> MapOpenEvolveConfig(const std::string& config_yaml,
                                             const std::string& evaluator_py,
                                             const std::string& source_name,
                                             const std::string& task_dir,
                                             const std::string& tools_dir,
                                             const std::string& python) {
  OpenEvolveConfig out;
  Config& c = out.config;
  c.task.dir = task_dir;
  c.task.name = fs::path(task_dir).filename().string();
  c.run.seed = 42;  // OpenEvolve's default seed
  c.run.iterations = 10000;  // OpenEvolve's default max_iterations
  c.evaluator.timeout_seconds = 300;  // OpenEvolve's default
  c.evaluator.workers = 4;
  Mapper m(source_name, c, out.unmapped);
  Pending p;
  try {
    YAML::Node root;
    try {
      root = YAML::Load(config_yaml);
    } catch (const YAML::ParserException& e) {
      return Status::InvalidArgument(source_name + ":" + std::to_string(e.mark.line + 1) +
                                     ": invalid YAML: " + e.msg);
    }
    if (root && !root.IsNull()) {
      KEVOLVE_RETURN_IF_ERROR(MapTopLevel(m, root, c, p));
    }
    KEVOLVE_RETURN_IF_ERROR(MapModels(m, p.models, p.defaults, c));
  } catch (const std::exception& e) {
    return Status::InvalidArgument(source_name + ": cannot read config: " + e.what());
  }
  if (p.primary_weight > 0 && !c.llm.models.empty()) c.llm.models[0].weight = p.primary_weight;
  if (p.secondary_weight > 0 && c.llm.models.size() > 1) {
    c.llm.models[1].weight = p.secondary_weight;
  }
  c.task.initial_program = "initial_program" + p.suffix;
  c.evaluator.program_filename = "program" + p.suffix;
  const int stages = p.cascade ? CascadeStages(evaluator_py) : 0;
  for (int k = 1; k <= stages; ++k) {
    StageConfig stage;
    stage.name = "stage" + std::to_string(k);
    stage.threshold = k <= static_cast<int>(p.thresholds.size()) ? p.thresholds[k - 1] : 0;
    c.evaluator.stages.push_back(stage);
  }
  c.evaluator.command = {python, (fs::path(tools_dir) / "python" / "kevolve_pyeval.py").string(),
                         "{task}/evaluator.py", "{program}", "{stage}",
                         std::to_string(std::max(stages, 1))};
  return out;
}

Result<OpenEvolveConfig> LoadOpenEvolveTask(const std::string& task_dir,
                                            const std::string& tools_dir,
                                            const std::string& python) {
  const std::string dir = AbsolutePath(task_dir);
  const std::string evaluator = (fs::path(dir) / "evaluator.py").string();
  if (!PathExists(evaluator)) return Status::NotFound("'" + evaluator + "' does not exist");
  KEVOLVE_ASSIGN_OR_RETURN(const std::string evaluator_py, ReadFile(evaluator));
  const std::string config_path = (fs::path(dir) / "config.yaml").string();
  std::string config_yaml;
  if (PathExists(config_path)) {
    KEVOLVE_ASSIGN_OR_RETURN(config_yaml, ReadFile(config_path));
  }
  return MapOpenEvolveConfig(config_yaml, evaluator_py,
                             (fs::path(task_dir) / "config.yaml").string(), dir, tools_dir,
                             python);
}

}  // namespace kevolve
