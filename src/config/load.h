// Loading, checking, overriding and printing the run config (config/config.h).
//
// Loading is strict. Every error is an InvalidArgument whose message names where and what:
//   kevolve.yaml:12: unknown key 'evaluator.timeout_secs'; did you mean 'evaluator.timeout_seconds'?
//   kevolve.yaml:7: 'run.iterations' must be an integer, got 'many'
//   kevolve.yaml:3: 'database' must be a mapping
//   kevolve.yaml:5: invalid YAML: end of map not found
//   kevolve.yaml:4: 'run.strategy' must be evolve, hill-climb or random, got 'hillclimb' (did
//     you mean 'hill-climb'?)
// Lines are 1-based. An empty file (or one with only comments) gives the defaults; a section
// written with no value (`database:`) keeps its defaults. Keys are the snake_case field names of
// config.h; docs/config.md lists every key with its type, default and unit.
//
// Loading checks syntax, keys and types only; a closed set of choices (config.h: Strategy,
// SandboxSetting) is a type, read from its words here. The intended order is
//   LoadTaskConfig -> ApplyOverride (flags, environment) -> ValidateConfig
// so that an override can repair a value the file got wrong; a Config must pass ValidateConfig
// before a run uses it. ValidateConfig is the one owner of the rules on values and of their
// wording: the modules that take a section of the config (eval, db) state what they need of it
// as a precondition and do not check it again in other words.
//
// All functions are pure apart from the two loaders reading their file, and are safe to call
// from several threads at once on different Config objects. No function throws.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"
#include "core/json.h"
#include "core/status.h"

namespace kevolve {

// Parses `yaml_text` (the content of a kevolve.yaml). `source_name` prefixes every message (use
// the path the user knows, e.g. "examples/x/kevolve.yaml"); "" leaves messages unprefixed.
// Sets task.dir = task_dir (as given) and, when task.name is empty, task.name = the last
// component of task_dir. Stages without a name are named stage1, stage2, ...
Result<Config> ParseConfig(const std::string& yaml_text, const std::string& source_name,
                           const std::string& task_dir);

// Reads and parses the file at `path`; the task folder is the file's folder, made absolute.
// NotFound when the file does not exist; Unavailable when it cannot be read.
Result<Config> LoadConfigFile(const std::string& path);

// LoadConfigFile(<task_dir>/kevolve.yaml).
Result<Config> LoadTaskConfig(const std::string& task_dir);

// The initial program's file: task.initial_program as given where it is absolute, else below
// task.dir.
std::string InitialProgramPath(const TaskConfig& task);

// Semantic checks: ranges, allowed names, consistency (e.g. evaluator.workers >= 1,
// run.log_level in {debug, info, warn, error}, a feature's max > min, finite stage
// thresholds, known {placeholders}, no secret-looking name in evaluator.env_allow). OK, or InvalidArgument listing every problem, separated by "; ", each naming
// its key, the rule and the value, e.g. "'evaluator.workers' must be at least 1, got 0".
Status ValidateConfig(const Config& config);

// Sets one key from text, as a command-line flag or a KEVOLVE_* environment variable does:
//   ("run.iterations", "200"), ("evaluator.workers", "4"), ("run.strategy", "hill-climb").
// The value of a string, number or boolean key is taken verbatim and type-checked like the file
// ("'run.iterations' must be an integer, got 'many'"). Other keys take:
//   evaluator.command      a string split on whitespace, or a YAML flow list ["./eval", "x"]
//   a list of strings      comma-separated ("0,1"; "" = empty), or a YAML flow list
//   a map, a list of mappings or a whole section   YAML flow text: {OMP_NUM_THREADS: "4"}
//   one entry of a map    the value as text: ("evaluator.env.OMP_NUM_THREADS", "4")
// A list is replaced whole; a section override sets only the keys it names. An unknown key
// gives "unknown key 'run.iteration'; did you mean 'run.iterations'?". On error `config` is
// unchanged. Messages carry no location; callers add one with Status::WithContext (the flag or
// variable name).
Status ApplyOverride(Config& config, const std::string& dotted_key, const std::string& value);

// `--set` words, each "key.path=value", split at the first '='. InvalidArgument names a word
// without one.
Result<std::vector<std::pair<std::string, std::string>>> SplitOverrides(
    const std::vector<std::string>& words);

// SplitOverrides, then ApplyOverride for each in order; the error names the --set it came from.
Status ApplyOverrides(Config& config, const std::vector<std::string>& words);

// The effective config as YAML: every key, in schema order, which ParseConfig reads back into
// an equal Config (task.dir, which is no key, appears in a leading comment).
std::string ConfigToYaml(const Config& config);

// The same keys as a JSON object ({"task": {...}, "run": {...}, ...}), plus task.dir as
// json["task"]["dir"]. Integers stay integers; non-finite numbers become null.
Json ConfigToJson(const Config& config);

// One key of the schema, for docs, help text and environment-variable twins.
struct ConfigKey {
  std::string path;           // "evaluator.timeout_seconds"; list elements: "database.features[].bins"
  std::string type;           // "integer", "number", "string", "boolean", "list of strings", ...
  std::string default_value;  // the default as YAML flow text: 60, "", [], ["./evaluate", "{program}"]
  std::string unit;           // "seconds", "MiB", ... or ""
  std::string doc;            // one line
  bool overridable = true;    // false for keys inside list elements ("evaluator.stages[].name")
};

// Every key in schema order. Nested mappings (evaluator.limits) are not keys themselves; their
// keys are listed. A list of mappings is listed, followed by its element keys.
const std::vector<ConfigKey>& ConfigKeys();

}  // namespace kevolve
