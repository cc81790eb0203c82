// The config schema: the one list of keys of every section, with each key's unit and meaning.
//
// Parsing, dumping (YAML and JSON), overrides and the key reference (ConfigKeys, and through it
// docs/config.md) all walk these lists, so a key added here is parsed, printed, overridable and
// checked against the docs without another edit. Internal to the config module; other modules
// use config/load.h.
//
// VisitKeys(section, visit) calls visit(name, field, doc) once per key, in the order keys are
// printed. `field` is a reference to the member (const when `section` is const). A field whose
// type is itself a section (kIsSection) is a nested mapping; a std::vector of a section type is
// a list of mappings. TaskConfig::dir is deliberately absent: the loader sets it, it is no key.
#pragma once

#include <concepts>
#include <cstddef>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "config/config.h"

namespace kevolve::config {

// Key flags.
inline constexpr unsigned kSplitString = 1;  // a list of strings that may be written as one
                                             // string, split on whitespace

struct KeyDoc {
  std::string_view unit;  // "" when the value has no unit
  std::string_view doc;   // one line; shown in docs/config.md (so no '|')
  unsigned flags = 0;
};

template <typename T, typename U>
concept Is = std::same_as<std::remove_const_t<T>, U>;

// Types that are mappings of keys (have a VisitKeys overload below).
template <typename T>
inline constexpr bool kIsSection =
    std::is_same_v<T, Config> || std::is_same_v<T, TaskConfig> || std::is_same_v<T, RunConfig> ||
    std::is_same_v<T, EvaluatorConfig> || std::is_same_v<T, SlurmConfig> || std::is_same_v<T, StageConfig> ||
    std::is_same_v<T, LimitsConfig> || std::is_same_v<T, RepeatsConfig> ||
    std::is_same_v<T, DatabaseConfig> ||
    std::is_same_v<T, FeatureConfig> || std::is_same_v<T, MutatorConfig> ||
    std::is_same_v<T, LlmConfig> || std::is_same_v<T, LlmModelConfig> ||
    std::is_same_v<T, LlmBudgetConfig> || std::is_same_v<T, LlmFeedbackConfig> ||
    std::is_same_v<T, CouncilMemberConfig> || std::is_same_v<T, PromptConfig>;

template <typename T>
struct ListOf {
  static constexpr bool kSections = false;
};
template <typename E>
struct ListOf<std::vector<E>> {
  static constexpr bool kSections = kIsSection<E>;
  using Element = E;
};
// True for std::vector<S> with S a section: a list of mappings.
template <typename T>
inline constexpr bool kIsSectionList = ListOf<T>::kSections;

void VisitKeys(Is<TaskConfig> auto& s, auto&& visit) {
  visit("name", s.name, KeyDoc{"", "Task name, used in run ids; empty = the task folder's name."});
  visit("initial_program", s.initial_program,
        KeyDoc{"path", "The starting program, relative to the task folder (an absolute path is "
                         "taken as it is)."});
  visit("description", s.description,
        KeyDoc{"", "Free text that describes the problem; shown to an LLM."});
}

void VisitKeys(Is<RunConfig> auto& s, auto&& visit) {
  visit("iterations", s.iterations,
        KeyDoc{"programs", "Programs to evaluate, the initial program excluded."});
  visit("seed", s.seed,
        KeyDoc{"", "Seeds mutation, selection and the evaluator's {seed} (integer >= 0)."});
  visit("strategy", s.strategy,
        KeyDoc{"", "evolve (islands + MAP-Elites), hill-climb (1+1) or random (samples of the "
                   "initial program)."});
  visit("output_dir", s.output_dir,
        KeyDoc{"path", "Folder that holds the runs, one subfolder per run."});
  visit("max_wall_seconds", s.max_wall_seconds,
        KeyDoc{"seconds", "Wall-clock limit of the run; 0 = no limit."});
  visit("log_level", s.log_level, KeyDoc{"", "debug, info, warn or error."});
  visit("reproducible", s.reproducible,
        KeyDoc{"", "Take evaluation results in ticket order whatever the number of workers, so "
                   "that the run depends only on its seed and the evaluator's results (as it "
                   "always does with one worker); a slow evaluation holds back the ones after "
                   "it."});
}

void VisitKeys(Is<StageConfig> auto& s, auto&& visit) {
  visit("name", s.name, KeyDoc{"", "Shown in results; empty = stage1, stage2, ... by position."});
  visit("threshold", s.threshold,
        KeyDoc{"score", "The next stage runs only if combined_score >= threshold."});
  visit("timeout_seconds", s.timeout_seconds,
        KeyDoc{"seconds", "Deadline of this stage; 0 = evaluator.timeout_seconds."});
  visit("device", s.device,
        KeyDoc{"", "shared (the worker slot's device of evaluator.devices), exclusive (holds "
                   "one device of evaluator.devices to itself while it runs; the wait is not "
                   "part of its deadline) or none (no GPU visible)."});
}

void VisitKeys(Is<LimitsConfig> auto& s, auto&& visit) {
  visit("cpu_seconds", s.cpu_seconds,
        KeyDoc{"seconds", "CPU time per evaluation process (RLIMIT_CPU)."});
  visit("memory_mb", s.memory_mb, KeyDoc{"MiB", "Address space per process (RLIMIT_AS)."});
  visit("open_files", s.open_files, KeyDoc{"files", "Open files per process (RLIMIT_NOFILE)."});
  visit("processes", s.processes,
        KeyDoc{"processes", "Processes (threads count) the evaluation may have at once."});
  visit("file_size_mb", s.file_size_mb,
        KeyDoc{"MiB", "Largest file the evaluation may write (RLIMIT_FSIZE)."});
  visit("output_bytes", s.output_bytes,
        KeyDoc{"bytes", "Cap on captured stdout and on captured stderr, each."});
  visit("disk_mb", s.disk_mb,
        KeyDoc{"MiB", "Cap on what the evaluation writes to disk (scratch folder, temporary "
                      "folders); passing it kills the process tree."});
}

void VisitKeys(Is<RepeatsConfig> auto& s, auto&& visit) {
  visit("initial", s.initial,
        KeyDoc{"runs", "{repeats} and KEVOLVE_REPEATS of the run's first evaluations (>= 3); "
                       "0 = off: neither is set and the count does not adapt."});
  visit("max", s.max, KeyDoc{"runs", "The count never grows past this (>= initial, <= 10000)."});
  visit("target_spread", s.target_spread,
        KeyDoc{"fraction", "After a result with score_samples whose (p90 - p10) / median is "
                           "above this, the count doubles."});
}

void VisitKeys(Is<EvaluatorConfig> auto& s, auto&& visit) {
  visit("command", s.command,
        KeyDoc{"", "The evaluator's argv; {program} {workdir} {stage} {seed} {task} {repeats} "
                   "are substituted; a relative first word is resolved against the task folder; a "
                   "single string is split on whitespace.",
               kSplitString});
  visit("workers", s.workers, KeyDoc{"evaluations", "Evaluations run at once."});
  visit("timeout_seconds", s.timeout_seconds,
        KeyDoc{"seconds", "Wall-clock deadline per stage."});
  visit("grace_seconds", s.grace_seconds,
        KeyDoc{"seconds", "Delay between SIGTERM and SIGKILL once a deadline passes."});
  visit("stages", s.stages, KeyDoc{"", "Cascade stages, in order; empty = one stage."});
  visit("repeats", s.repeats,
        KeyDoc{"", "How often an evaluator that reports score_samples should measure."});
  visit("limits", s.limits, KeyDoc{"", "Resource limits of every evaluation process."});
  visit("sandbox", s.sandbox,
        KeyDoc{"", "auto, process (own process group, rlimits) or bwrap (also bubblewrap: "
                   "read-only system, private /tmp, no network)."});
  visit("env_allow", s.env_allow,
        KeyDoc{"", "Environment variables passed through to the evaluator; all others are "
                   "dropped."});
  visit("env", s.env, KeyDoc{"", "Extra environment variables set for the evaluator."});
  visit("devices", s.devices,
        KeyDoc{"", "GPUs (CUDA device ids). Worker slot i gets CUDA_VISIBLE_DEVICES=devices[i "
                   "mod count], and a stage with device: exclusive holds one of them; empty = "
                   "the variable is left alone."});
  visit("gpu", s.gpu, KeyDoc{"", "Pass GPU device nodes into the sandbox."});
  visit("read_paths", s.read_paths,
        KeyDoc{"", "Under sandbox bwrap, files or folders outside the task folder the evaluator "
                   "may read (relative to the task folder, or absolute); nothing else outside "
                   "the system folders is visible."});
  visit("program_filename", s.program_filename,
        KeyDoc{"", "File name of the candidate program in the evaluation's scratch folder. Its "
                   "ending says the language the evaluator reads: `kevolve run` refuses a "
                   "`task.initial_program`, and `kevolve eval` a program file, whose ending names "
                   "another language (a `.py` program for `program.cc`), naming the file and "
                   "this key."});
  visit("backend", s.backend,
        KeyDoc{"", "local (the sandboxed worker pool on this machine) or slurm (one Slurm job "
                   "per evaluation; evaluator.slurm)."});
  visit("slurm", s.slurm, KeyDoc{"", "The Slurm cluster of backend slurm."});
}

void VisitKeys(Is<SlurmConfig> auto& s, auto&& visit) {
  visit("shared_dir", s.shared_dir,
        KeyDoc{"path", "Folder on a file system the nodes share with this machine, at the same "
                       "path; each run keeps its jobs' folders below it (required)."});
  visit("partition", s.partition, KeyDoc{"", "sbatch --partition; empty = the default one."});
  visit("account", s.account, KeyDoc{"", "sbatch --account; empty = the user's default."});
  visit("gpus", s.gpus,
        KeyDoc{"GPUs", "GPUs per job (--gres=gpu:N), asked for only when a stage's device is "
                       "not none."});
  visit("gpu_type", s.gpu_type,
        KeyDoc{"", "GPU type in the gres request (--gres=gpu:TYPE:N); empty = any."});
  visit("cpus", s.cpus, KeyDoc{"CPUs", "sbatch --cpus-per-task."});
  visit("memory_mb", s.memory_mb, KeyDoc{"MiB", "sbatch --mem; 0 = the partition's default."});
  visit("time_margin_seconds", s.time_margin_seconds,
        KeyDoc{"seconds", "Added to the sum of the stage deadlines (and grace) to make the "
                          "job's --time."});
  visit("extra_args", s.extra_args,
        KeyDoc{"", "Further sbatch arguments, passed as they are (e.g. --qos=short).",
               kSplitString});
  visit("kevolve", s.kevolve,
        KeyDoc{"path", "The kevolve binary the nodes run; empty = the one running the "
                       "controller (it must then be on the shared file system)."});
  visit("poll_seconds", s.poll_seconds,
        KeyDoc{"seconds", "How often the controller asks squeue about its jobs."});
  visit("max_retries", s.max_retries,
        KeyDoc{"jobs", "Resubmissions of an evaluation whose job the cluster lost (node "
                       "failure, preemption, cancelled from outside)."});
  visit("unavailable_seconds", s.unavailable_seconds,
        KeyDoc{"seconds", "How long slurmctld may stay unreachable before the run stops "
                          "(resumably)."});
  visit("probe_timeout_seconds", s.probe_timeout_seconds,
        KeyDoc{"seconds", "Deadline of the job that checks at start what the nodes see, "
                          "its wait in the queue included."});
}

void VisitKeys(Is<FeatureConfig> auto& s, auto&& visit) {
  visit("name", s.name, KeyDoc{"", "A key of the evaluator's \"features\" object."});
  visit("min", s.min, KeyDoc{"", "Low end of the axis; smaller values fall in the first bin."});
  visit("max", s.max, KeyDoc{"", "High end of the axis; larger values fall in the last bin."});
  visit("bins", s.bins, KeyDoc{"bins", "Equal bins the range [min, max] is cut into."});
}

void VisitKeys(Is<DatabaseConfig> auto& s, auto&& visit) {
  visit("islands", s.islands, KeyDoc{"", "Populations that evolve apart and exchange programs."});
  visit("migration_interval", s.migration_interval,
        KeyDoc{"evaluations", "Evaluations between ring migrations."});
  visit("migration_rate", s.migration_rate,
        KeyDoc{"fraction", "Fraction of an island's best programs sent to the next island."});
  visit("island_capacity", s.island_capacity,
        KeyDoc{"programs", "Programs kept per island; the worst are evicted."});
  visit("archive_size", s.archive_size,
        KeyDoc{"programs", "Size of the elite archive over all islands."});
  visit("features", s.features,
        KeyDoc{"", "MAP-Elites grid axes; empty = one cell per island."});
  visit("exploitation_ratio", s.exploitation_ratio,
        KeyDoc{"weight", "Share of parents chosen by fitness rank."});
  visit("exploration_ratio", s.exploration_ratio,
        KeyDoc{"weight", "Share of parents chosen uniformly from the island."});
  visit("elite_ratio", s.elite_ratio,
        KeyDoc{"weight", "Share of parents taken from the elite archive (ratios are normalized)."});
  visit("num_inspirations", s.num_inspirations,
        KeyDoc{"programs", "Other programs shown beside the parent."});
}

void VisitKeys(Is<MutatorConfig> auto& s, auto&& visit) {
  visit("literal_weight", s.literal_weight,
        KeyDoc{"weight", "Built-in mutator: how often a numeric literal is perturbed."});
  visit("operator_weight", s.operator_weight,
        KeyDoc{"weight", "How often an operator is replaced by a related one."});
  visit("line_weight", s.line_weight,
        KeyDoc{"weight", "How often a line is duplicated, deleted or swapped."});
  visit("crossover_weight", s.crossover_weight,
        KeyDoc{"weight", "How often code is taken over from an inspiration program."});
  visit("perturb_scale", s.perturb_scale,
        KeyDoc{"fraction", "Relative size of a numeric perturbation."});
  visit("max_edits", s.max_edits,
        KeyDoc{"edits", "Most edits combined in one proposal (each proposal has 1 to max)."});
}

void VisitKeys(Is<LlmModelConfig> auto& s, auto&& visit) {
  visit("name", s.name,
        KeyDoc{"", "Label in origins, transcripts and status; empty = the model id."});
  visit("model", s.model, KeyDoc{"", "The API's model id, sent as \"model\"."});
  visit("base_url", s.base_url,
        KeyDoc{"url", "The endpoint's base URL (up to /v1); empty = llm.base_url."});
  visit("api_key_env", s.api_key_env,
        KeyDoc{"", "Environment variable that holds the key; empty = llm.api_key_env."});
  visit("role", s.role, KeyDoc{"", "fast (breadth) or strong (depth)."});
  visit("weight", s.weight, KeyDoc{"weight", "Relative share of proposals within its role."});
  visit("max_concurrency", s.max_concurrency, KeyDoc{"calls", "Calls to this model at once."});
  visit("input_price", s.input_price,
        KeyDoc{"money/Mtok", "Price of a million input (prompt) tokens."});
  visit("output_price", s.output_price,
        KeyDoc{"money/Mtok", "Price of a million output (completion) tokens."});
  visit("temperature", s.temperature,
        KeyDoc{"", "Sampling temperature; negative = not sent (the server's default)."});
  visit("top_p", s.top_p, KeyDoc{"", "Nucleus sampling; negative = not sent."});
  visit("max_tokens", s.max_tokens,
        KeyDoc{"tokens", "Most completion tokens per reply; 0 = not sent."});
  visit("reasoning_effort", s.reasoning_effort,
        KeyDoc{"", "Sent as reasoning_effort (low, medium, high) when not empty."});
  visit("headers", s.headers, KeyDoc{"", "Extra HTTP headers sent with every request."});
  visit("body", s.body,
        KeyDoc{"", "Extra request body fields; each value is JSON text (a value that is not "
                   "JSON is sent as a string)."});
}

void VisitKeys(Is<LlmBudgetConfig> auto& s, auto&& visit) {
  visit("max_cost", s.max_cost,
        KeyDoc{"money", "The run stops (resumably) once its calls cost this much; 0 = no cap."});
  visit("max_tokens", s.max_tokens,
        KeyDoc{"tokens", "Cap on input plus output tokens; 0 = no cap."});
  visit("max_calls", s.max_calls,
        KeyDoc{"calls", "Cap on HTTP requests, retries included; 0 = no cap."});
}

void VisitKeys(Is<CouncilMemberConfig> auto& s, auto&& visit) {
  visit("model", s.model, KeyDoc{"", "A name from llm.models."});
  visit("weight", s.weight, KeyDoc{"weight", "Weight of this model's score in the council."});
}

void VisitKeys(Is<LlmFeedbackConfig> auto& s, auto&& visit) {
  visit("weight", s.weight,
        KeyDoc{"", "Weight of the council's 0..1 score added to combined_score; 0 = no "
                   "feedback calls."});
  visit("council", s.council,
        KeyDoc{"", "Models that score each candidate; empty = every model, weight 1."});
}

void VisitKeys(Is<LlmConfig> auto& s, auto&& visit) {
  visit("models", s.models,
        KeyDoc{"", "The ensemble; empty = the built-in mutator proposes edits."});
  visit("base_url", s.base_url,
        KeyDoc{"url", "Default base URL of an OpenAI-compatible chat-completions API."});
  visit("api_key_env", s.api_key_env,
        KeyDoc{"", "Default variable holding the API key (never stored); empty = no key."});
  visit("max_in_flight", s.max_in_flight, KeyDoc{"calls", "LLM calls kept going at once."});
  visit("selection", s.selection,
        KeyDoc{"", "weighted (by weight) or bandit (UCB on improvement per unit cost)."});
  visit("strong_ratio", s.strong_ratio,
        KeyDoc{"fraction", "Share of proposals sent to strong models when both roles exist."});
  visit("connect_timeout_seconds", s.connect_timeout_seconds,
        KeyDoc{"seconds", "Deadline to connect to the endpoint."});
  visit("timeout_seconds", s.timeout_seconds,
        KeyDoc{"seconds", "Deadline of one request, reply included."});
  visit("max_retries", s.max_retries,
        KeyDoc{"retries", "Retries of one call (429, 5xx, timeouts, bad bodies) after the first "
                          "try."});
  visit("backoff_initial_seconds", s.backoff_initial_seconds,
        KeyDoc{"seconds", "First retry delay; doubles per retry, with jitter."});
  visit("backoff_max_seconds", s.backoff_max_seconds,
        KeyDoc{"seconds", "Longest retry delay; also caps a server's Retry-After."});
  visit("max_reply_bytes", s.max_reply_bytes,
        KeyDoc{"bytes", "A larger reply body is dropped and counted as too_large."});
  visit("budget", s.budget, KeyDoc{"", "Caps on money, tokens and calls."});
  visit("feedback", s.feedback, KeyDoc{"", "Optional LLM council scoring each candidate."});
}

void VisitKeys(Is<PromptConfig> auto& s, auto&& visit) {
  visit("explore_ratio", s.explore_ratio,
        KeyDoc{"weight", "Share of prompts asking for a new direction."});
  visit("exploit_ratio", s.exploit_ratio,
        KeyDoc{"weight", "Share of prompts asking to push what just worked."});
  visit("crossover_ratio", s.crossover_ratio,
        KeyDoc{"weight", "Share of prompts combining two parents."});
  visit("repair_ratio", s.repair_ratio,
        KeyDoc{"weight", "Share of prompts repairing a program whose evaluation failed."});
  visit("max_repair_attempts", s.max_repair_attempts,
        KeyDoc{"prompts", "Repair prompts after an edit that did not apply, per edit."});
  visit("lineage_depth", s.lineage_depth,
        KeyDoc{"programs", "Ancestors shown with their scores and what each edit tried."});
  visit("edit_format", s.edit_format,
        KeyDoc{"", "Edit format asked for: search_replace or diff."});
  visit("templates_dir", s.templates_dir,
        KeyDoc{"path", "Task subfolder whose <name>.txt files replace the built-in templates."});
  visit("hardware", s.hardware, KeyDoc{"", "Hardware facts shown in the system part."});
  visit("inputs", s.inputs,
        KeyDoc{"", "The task's input characteristics (shapes, dtypes, sizes)."});
  visit("max_artifact_chars", s.max_artifact_chars,
        KeyDoc{"characters", "Longest evaluator artifact (stderr, feedback) shown."});
}

void VisitKeys(Is<Config> auto& s, auto&& visit) {
  visit("task", s.task, KeyDoc{"", "The task folder: name, starting program, description."});
  visit("run", s.run, KeyDoc{"", "The run: budget, seed, strategy, output."});
  visit("evaluator", s.evaluator, KeyDoc{"", "How candidates are evaluated."});
  visit("database", s.database, KeyDoc{"", "The population: islands, MAP-Elites, selection."});
  visit("mutator", s.mutator, KeyDoc{"", "The built-in mutator (used without an LLM)."});
  visit("llm", s.llm, KeyDoc{"", "The LLM ensemble: endpoints, retries, budget, feedback."});
  visit("prompt", s.prompt, KeyDoc{"", "How prompts are built: kinds, lineage, templates."});
}

// Defaults that depend on an element's position in its list, applied after each element of a
// list of mappings is parsed.
inline void FillListDefaults(StageConfig& stage, size_t index) {
  if (stage.name.empty()) stage.name = "stage" + std::to_string(index + 1);
}
inline void FillListDefaults(FeatureConfig& /*feature*/, size_t /*index*/) {}
inline void FillListDefaults(LlmModelConfig& model, size_t /*index*/) {
  if (model.name.empty()) model.name = model.model;
}
inline void FillListDefaults(CouncilMemberConfig& /*member*/, size_t /*index*/) {}

// The rule a word outside a closed set breaks, worded once for the loader (choices) and the
// semantic checks (names kept as strings): "must be a, b or c, got 'x'", with " (did you mean
// 'y'?)" when one is near. WordList gives the "a, b or c".
std::string WordList(const std::vector<std::string_view>& words);
std::string OneOfRule(const std::vector<std::string_view>& allowed, std::string_view got);

// The words of a choice type, in table order.
template <Choice E>
std::vector<std::string_view> ChoiceWordList() {
  std::vector<std::string_view> words;
  for (const ChoiceWord<E>& w : ChoiceWords(E{})) words.push_back(w.word);
  return words;
}

// Shortest text that reads back as exactly `value`; YAML's .inf, -.inf and .nan for the
// non-finite values. Used for YAML output and in messages.
std::string FormatNumber(double value);

}  // namespace kevolve::config
