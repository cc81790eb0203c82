// The typed configuration of a run. Every field documents its default and unit; docs/config.md
// lists every key. Loaded from a task folder's kevolve.yaml by LoadTaskConfig (config/load.h),
// strictly: unknown keys and wrong types are errors.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace kevolve {

// The closed sets of choices of the config. kevolve.yaml, flags, the stored config and messages
// spell each value with the word of its table below; the config module alone turns words into
// values (config/load.h), so no other module compares a choice as text. WordOf(value) gives the
// word back, e.g. for a run's header.
template <typename E>
struct ChoiceWord {
  E value;
  std::string_view word;
};

// run.strategy: how parents are chosen (docs/architecture.md, "Strategies").
enum class Strategy {
  kEvolve,     // islands + MAP-Elites
  kHillClimb,  // (1+1): the parent is the best so far
  kRandom,     // every candidate a mutant of the initial program
};
inline constexpr ChoiceWord<Strategy> kStrategyWords[] = {
    {Strategy::kEvolve, "evolve"}, {Strategy::kHillClimb, "hill-climb"}, {Strategy::kRandom, "random"}};
constexpr std::span<const ChoiceWord<Strategy>> ChoiceWords(Strategy) { return kStrategyWords; }

// evaluator.sandbox: the isolation asked for. The mode in force on a machine is decided from it
// by eval::ChooseSandboxMode (auto: bwrap where it runs, else process).
enum class SandboxSetting {
  kAuto,
  kProcess,  // own process group and session, rlimits, namespaces where allowed
  kBwrap,    // also bubblewrap: read-only system, private /tmp, no network
};
inline constexpr ChoiceWord<SandboxSetting> kSandboxSettingWords[] = {
    {SandboxSetting::kAuto, "auto"},
    {SandboxSetting::kProcess, "process"},
    {SandboxSetting::kBwrap, "bwrap"}};
constexpr std::span<const ChoiceWord<SandboxSetting>> ChoiceWords(SandboxSetting) {
  return kSandboxSettingWords;
}

// A type of one of the tables above.
template <typename E>
concept Choice = std::is_enum_v<E> && requires(E e) { ChoiceWords(e); };

template <Choice E>
constexpr std::string_view WordOf(E value) {
  for (const ChoiceWord<E>& w : ChoiceWords(value)) {
    if (w.value == value) return w.word;
  }
  return "?";
}

struct TaskConfig {
  std::string name;                 // default: the task folder's name
  std::string initial_program = "initial_program.cc";  // relative to the task folder, or absolute
  std::string description;          // free text shown to an LLM; default empty
  std::string dir;                  // absolute task folder (set by the loader, not a key)
};

struct RunConfig {
  int64_t iterations = 500;         // evaluated programs to produce (initial program excluded)
  uint64_t seed = 42;               // seeds mutation, selection and evaluator {seed}
  Strategy strategy = Strategy::kEvolve;
  std::string output_dir = "runs";  // runs are created in <output_dir>/<run id>/
  double max_wall_seconds = 0;      // 0 = no limit
  bool reproducible = false;        // results taken in ticket order with any number of workers
  std::string log_level = "info";   // debug | info | warn | error
};

struct StageConfig {
  std::string name;                 // shown in results; default "stage<k>"
  double threshold = 0;             // the next stage runs only if combined_score >= threshold
  double timeout_seconds = 0;       // 0 = evaluator.timeout_seconds
  // shared: the worker slot's device, as evaluator.devices assigns it (CUDA_VISIBLE_DEVICES);
  // exclusive: holds one device of evaluator.devices to itself while it runs (waiting for it
  //   is not part of timeout_seconds); none: no GPU visible (CUDA_VISIBLE_DEVICES empty).
  std::string device = "shared";
};

struct LimitsConfig {
  double cpu_seconds = 120;         // RLIMIT_CPU per evaluation process
  int64_t memory_mb = 4096;         // RLIMIT_AS (address space) per process, MiB
  int64_t open_files = 256;         // RLIMIT_NOFILE
  int64_t processes = 64;           // processes (threads count) the evaluation may have at once
  int64_t file_size_mb = 256;       // RLIMIT_FSIZE, MiB
  int64_t output_bytes = 1 << 20;   // cap on captured stdout and on stderr, each
  int64_t disk_mb = 1024;           // cap on what an evaluation writes to disk (scratch, tmp), MiB
};

// How many times an evaluator that measures its score repeatedly should do so. It sees the
// current count as {repeats} and KEVOLVE_REPEATS; after each result that carries
// score_samples the engine doubles it while their relative spread is above target_spread
// (NextRunCount), up to max. docs/protocol.md, "Repeated measurements".
struct RepeatsConfig {
  int initial = 0;              // the count of a run's first evaluations (>= 3); 0 = off
  int max = 40;                 // the count never grows past this (>= initial, <= 10000)
  double target_spread = 0.02;  // (p90 - p10) / |median| of the samples; above it: double
};

// Where evaluations run when evaluator.backend is slurm: one Slurm job per evaluation, its
// resources, and the shared folder through which the controller and the nodes exchange the
// candidate and its result (docs/distributed.md).
struct SlurmConfig {
  std::string shared_dir;           // shared scratch root, seen at the same path by the nodes
  std::string partition;            // --partition; "" = the cluster's default
  std::string account;              // --account; "" = the user's default
  int gpus = 0;                     // --gres=gpu:N per job, when a stage's device is not none
  std::string gpu_type;             // --gres=gpu:<type>:N; "" = any
  int cpus = 1;                     // --cpus-per-task
  int64_t memory_mb = 0;            // --mem, MiB; 0 = the partition's default
  double time_margin_seconds = 60;  // added to the stage deadlines to make the job's --time
  std::vector<std::string> extra_args;  // further sbatch arguments, as they are
  std::string kevolve;              // the kevolve binary on the nodes; "" = this one
  double poll_seconds = 1;          // squeue interval
  int max_retries = 2;              // resubmissions of an evaluation whose job the cluster lost
  double unavailable_seconds = 600; // slurmctld unreachable this long: the run stops (resumable)
  double probe_timeout_seconds = 300;  // the start-up job that checks what the nodes see
};

// The placeholders evaluator.command may use: {program} {workdir} {stage} {seed} {task}
// {repeats}. The evaluator substitutes them; ValidateConfig refuses any other {name}.
inline constexpr std::string_view kCommandPlaceholders[] = {"program", "workdir", "stage",
                                                            "seed",    "task",    "repeats"};

struct EvaluatorConfig {
  // argv; the placeholders above are substituted.
  // A relative first word is resolved against the task folder.
  std::vector<std::string> command = {"./evaluate", "{program}"};
  int workers = 2;                  // evaluations run at once
  double timeout_seconds = 60;      // wall-clock deadline per stage
  double grace_seconds = 2;         // SIGTERM -> SIGKILL delay
  std::vector<StageConfig> stages;  // empty = one stage
  RepeatsConfig repeats;            // repeated measurements of the score
  LimitsConfig limits;
  SandboxSetting sandbox = SandboxSetting::kAuto;
  std::vector<std::string> env_allow = {"PATH", "LANG", "LC_ALL", "TERM", "CUDA_HOME"};
  std::map<std::string, std::string> env;  // extra variables set for the evaluator
  std::vector<std::string> devices;  // slot i gets CUDA_VISIBLE_DEVICES=devices[i % size]
  bool gpu = false;                  // pass GPU device nodes into the sandbox
  // bwrap: paths outside the task folder the evaluator may read (relative to the task folder).
  std::vector<std::string> read_paths;
  std::string program_filename = "program.cc";  // name of the candidate file in the workdir
  std::string backend = "local";    // local (the sandboxed pool here) | slurm (a cluster)
  SlurmConfig slurm;                // used when backend is slurm
};

struct FeatureConfig {
  std::string name;                 // a key of the evaluator's "features"
  double min = 0;
  double max = 1;
  int bins = 10;
};

struct DatabaseConfig {
  int islands = 4;
  int64_t migration_interval = 50;  // evaluations between ring migrations
  double migration_rate = 0.1;      // fraction of an island's best sent to the next island
  int64_t island_capacity = 1000;   // programs kept per island (worst evicted)
  int archive_size = 50;            // elite archive over all islands
  std::vector<FeatureConfig> features;  // MAP-Elites grid axes; empty = one cell per island
  double exploitation_ratio = 0.7;  // parent by fitness rank
  double exploration_ratio = 0.2;   // parent uniform from the island
  double elite_ratio = 0.1;         // parent from the elite archive (ratios are normalized)
  int num_inspirations = 3;
};

struct MutatorConfig {
  // Relative weights of the built-in mutator's edit kinds.
  double literal_weight = 6;
  double operator_weight = 2;
  double line_weight = 1;           // duplicate / delete / swap a line
  double crossover_weight = 1;
  double perturb_scale = 0.25;      // relative size of a numeric perturbation
  int max_edits = 3;                // edits combined in one proposal (1..max)
};

// One model of the LLM ensemble (an OpenAI-compatible chat-completions endpoint).
struct LlmModelConfig {
  std::string name;                 // label in origins, transcripts and status; "" = model
  std::string model;                // the API's model id, sent as "model" (required)
  std::string base_url;             // "" = llm.base_url
  std::string api_key_env;          // variable holding the key; "" = llm.api_key_env
  std::string role = "fast";        // fast (breadth) | strong (depth)
  double weight = 1;                // relative share of proposals within its role
  int max_concurrency = 4;          // calls to this model at once
  double input_price = 0;           // money per million input (prompt) tokens
  double output_price = 0;          // money per million output (completion) tokens
  double temperature = -1;          // < 0 = not sent (the server's default)
  double top_p = -1;                // < 0 = not sent
  int64_t max_tokens = 8192;        // completion tokens; 0 = not sent
  std::string reasoning_effort;     // sent as "reasoning_effort" when not empty
  std::map<std::string, std::string> headers;  // extra HTTP headers
  std::map<std::string, std::string> body;     // extra body fields; values are JSON text
};

struct LlmBudgetConfig {
  double max_cost = 0;              // money (in the prices' currency); 0 = no cap
  int64_t max_tokens = 0;           // input + output tokens; 0 = no cap
  int64_t max_calls = 0;            // HTTP requests, retries included; 0 = no cap
};

struct CouncilMemberConfig {
  std::string model;                // a name from llm.models
  double weight = 1;
};

struct LlmFeedbackConfig {
  double weight = 0;                // weight of the council's 0..1 score in combined_score
  std::vector<CouncilMemberConfig> council;  // empty = every model, weight 1
};

struct LlmConfig {
  std::vector<LlmModelConfig> models;  // empty = the built-in mutator proposes
  std::string base_url = "https://api.openai.com/v1";
  std::string api_key_env = "OPENAI_API_KEY";  // "" = no Authorization header
  int max_in_flight = 4;            // LLM calls kept going at once
  std::string selection = "weighted";  // weighted | bandit
  double strong_ratio = 0.2;        // share of proposals sent to strong models
  double connect_timeout_seconds = 10;
  double timeout_seconds = 300;     // whole request, reply included
  int max_retries = 4;              // retries of one call after the first try
  double backoff_initial_seconds = 1;
  double backoff_max_seconds = 60;  // also caps Retry-After
  int64_t max_reply_bytes = 4 << 20;
  LlmBudgetConfig budget;
  LlmFeedbackConfig feedback;
};

struct PromptConfig {
  double explore_ratio = 0.3;       // new directions
  double exploit_ratio = 0.5;       // push what just worked
  double crossover_ratio = 0.1;     // combine two parents
  double repair_ratio = 0.1;        // fix a program whose evaluation failed
  int max_repair_attempts = 2;      // repair prompts after an edit that did not apply
  int lineage_depth = 5;            // ancestors shown with their score deltas
  std::string edit_format = "search_replace";  // search_replace | diff
  std::string templates_dir = "prompts";  // task subfolder of overriding templates
  std::string hardware;             // hardware facts for the system part
  std::string inputs;               // input characteristics (shapes, dtypes, sizes)
  int64_t max_artifact_chars = 2000;  // per artifact shown
};

struct Config {
  TaskConfig task;
  RunConfig run;
  EvaluatorConfig evaluator;
  DatabaseConfig database;
  MutatorConfig mutator;
  LlmConfig llm;
  PromptConfig prompt;
};

}  // namespace kevolve
