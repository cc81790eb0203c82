#include "engine/engine.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "config/load.h"
#include "core/files.h"
#include "core/json.h"
#include "core/log.h"
#include "core/text.h"
#include "db/population.h"
#include "engine/noise.h"
#include "store/store.h"

namespace kevolve::engine {
namespace {

constexpr int64_t kWaitSliceMs = 100;
// While both LLM calls and evaluations are out, the controller alternates between them in
// slices this short, so neither kind of result waits long to be collected.
constexpr int64_t kShortWaitMs = 5;

Result<int64_t> ParseCounter(const std::map<std::string, std::string>& state,
                             const std::string& key) {
  auto it = state.find(key);
  if (it == state.end()) return int64_t{0};
  char* end = nullptr;
  long long v = std::strtoll(it->second.c_str(), &end, 10);
  if (end == it->second.c_str() || *end != '\0') {
    return Status::Internal("run.db state '" + key + "' is not a number: '" + it->second + "'");
  }
  return static_cast<int64_t>(v);
}

}  // namespace

Engine::Engine(Config config, RunPaths paths, EngineEnv env)
    : config_(std::move(config)),
      paths_(std::move(paths)),
      env_(std::move(env)),
      rng_(config_.run.seed),
      repeats_(config_.evaluator.repeats.initial) {}

Engine::~Engine() {
  // Stop evaluations first (each removes its own folder), then drop the scratch root.
  backend_.reset();
  if (!paths_.dir.empty()) (void)RemoveTree(paths_.scratch());
}

Result<Config> StoredConfig(Store& store, const RunPaths& paths) {
  KEVOLVE_ASSIGN_OR_RETURN(auto yaml, store.GetMeta("config_yaml"));
  KEVOLVE_ASSIGN_OR_RETURN(auto task_dir, store.GetMeta("task_dir"));
  if (!yaml || !task_dir) {
    return Status::FailedPrecondition("run.db in '" + paths.dir +
                                      "' has no stored config; it was not created by kevolve run");
  }
  return ParseConfig(*yaml, paths.db() + ":config", *task_dir);
}

Config EffectiveConfig(Config config) {
  if (config.run.strategy != Strategy::kEvolve) config.database.islands = 1;
  return config;
}

Result<std::unique_ptr<Engine>> Engine::Start(Config config, EngineEnv env) {
  config = EffectiveConfig(std::move(config));
  const std::string config_yaml = ConfigToYaml(config);
  const std::string id =
      NewRunId(config.task.name, env.clock->UnixMs(), Rng(static_cast<uint64_t>(
                                                              env.clock->UnixMs()))
                                                          .Next());
  RunPaths paths{AbsolutePath(config.run.output_dir + "/" + id)};
  if (PathExists(paths.dir)) return Status::AlreadyExists("run folder '" + paths.dir + "' exists");
  KEVOLVE_RETURN_IF_ERROR(MakeDirs(paths.dir));
  std::unique_ptr<Engine> engine(new Engine(config, paths, std::move(env)));
  KEVOLVE_RETURN_IF_ERROR(engine->Open(/*create=*/true, config_yaml));
  return engine;
}

Result<std::unique_ptr<Engine>> Engine::Resume(
    const RunPaths& paths, EngineEnv env, int64_t iterations,
    const std::vector<std::pair<std::string, std::string>>& overrides) {
  KEVOLVE_ASSIGN_OR_RETURN(auto store, Store::Open(paths.db()));
  KEVOLVE_ASSIGN_OR_RETURN(Config config, StoredConfig(*store, paths));
  if (iterations > 0) config.run.iterations = iterations;
  KEVOLVE_ASSIGN_OR_RETURN(auto yaml, store->GetMeta("config_yaml"));
  std::string stored_yaml = yaml.value_or("");
  if (!overrides.empty()) {
    for (const auto& [key, value] : overrides) {
      KEVOLVE_RETURN_IF_ERROR(ApplyOverride(config, key, value).WithContext("--set " + key));
    }
    config = EffectiveConfig(std::move(config));
    KEVOLVE_RETURN_IF_ERROR(ValidateConfig(config));
    stored_yaml = ConfigToYaml(config);
    KEVOLVE_RETURN_IF_ERROR(store->PutMeta("config_yaml", stored_yaml));
    KEVOLVE_RETURN_IF_ERROR(WriteFileAtomic(paths.config(), stored_yaml));
  }
  std::unique_ptr<Engine> engine(new Engine(std::move(config), paths, std::move(env)));
  engine->store_ = std::move(store);
  KEVOLVE_RETURN_IF_ERROR(engine->Open(/*create=*/false, stored_yaml));
  return engine;
}

Status Engine::Open(bool create, const std::string& config_yaml) {
  population_ = std::make_unique<Population>(config_.database, NoiseAwarePromotion);
  events_ = std::make_unique<EventLog>(paths_.events(), *env_.clock);
  if (create) {
    KEVOLVE_ASSIGN_OR_RETURN(store_, Store::Create(paths_.db()));
    KEVOLVE_RETURN_IF_ERROR(store_->PutMeta("config_yaml", config_yaml));
    KEVOLVE_RETURN_IF_ERROR(store_->PutMeta("task_dir", config_.task.dir));
    KEVOLVE_RETURN_IF_ERROR(store_->PutMeta("task_name", config_.task.name));
    KEVOLVE_RETURN_IF_ERROR(store_->PutMeta("strategy", std::string(WordOf(config_.run.strategy))));
    KEVOLVE_RETURN_IF_ERROR(
        store_->PutMeta("created_unix_ms", std::to_string(env_.clock->UnixMs())));
    for (const auto& [key, value] : env_.extra_meta) {
      KEVOLVE_RETURN_IF_ERROR(store_->PutMeta(key, value));
    }
    KEVOLVE_RETURN_IF_ERROR(WriteFileAtomic(paths_.config(), config_yaml));
  } else {
    KEVOLVE_RETURN_IF_ERROR(Replay());
    KEVOLVE_RETURN_IF_ERROR(RecordBest());  // a kill between a commit and its record
  }
  KEVOLVE_RETURN_IF_ERROR(MakeDirs(paths_.scratch()));
  // Evaluators may run as other uids: they must be able to reach their folders below this one.
  std::error_code ec;
  std::filesystem::permissions(paths_.scratch(), std::filesystem::perms(0755), ec);
  KEVOLVE_ASSIGN_OR_RETURN(backend_, env_.make_backend(config_, paths_));
  KEVOLVE_ASSIGN_OR_RETURN(proposer_, env_.make_proposer(config_));
  return proposer_->RestoreState(restored_selection_).WithContext("run.db state 'llm_selection'");
}

Status Engine::Replay() {
  KEVOLVE_ASSIGN_OR_RETURN(auto programs, store_->LoadPrograms());
  KEVOLVE_ASSIGN_OR_RETURN(auto placements, store_->LoadPlacements());
  // Programs and placements interleave in commit order: a placement made in the same
  // transaction as program k (or after it) carries after_program_id = k.
  size_t next_placement = 0;
  auto place_up_to = [&](int64_t program_id) {
    while (next_placement < placements.size() &&
           placements[next_placement].after_program_id <= program_id) {
      const auto& pl = placements[next_placement++].placement;
      Status s = population_->Place(pl.program_id, pl.island);
      if (!s.ok()) return s.WithContext("replaying placements of run.db");
    }
    return Status::Ok();
  };
  for (const Program& p : programs) {
    KEVOLVE_RETURN_IF_ERROR(place_up_to(p.id - 1));
    auto inserted = population_->Insert(p);
    if (!inserted.ok()) return inserted.status().WithContext("replaying programs of run.db");
    if (p.origin == "initial") initial_id_ = p.id;
    KEVOLVE_RETURN_IF_ERROR(place_up_to(p.id));
  }
  KEVOLVE_RETURN_IF_ERROR(place_up_to(INT64_MAX));
  KEVOLVE_ASSIGN_OR_RETURN(auto state, store_->LoadState());
  KEVOLVE_RETURN_IF_ERROR(RestoreState(state));
  KEVOLVE_RETURN_IF_ERROR(RestoreLlmState());
  log::Info("resumed {}: {} programs, {} evaluations of {}", paths_.dir, programs.size(),
            evaluations_, config_.run.iterations);
  return Status::Ok();
}

std::map<std::string, std::string> Engine::StateSnapshot() const {
  return {{"rng", rng_.Save()},
          {"evaluations", std::to_string(evaluations_)},
          {"valid", std::to_string(valid_)},
          {"rejected_edits", std::to_string(rejected_edits_)},
          {"duplicates", std::to_string(duplicates_)},
          {"last_migration_at", std::to_string(last_migration_at_)},
          {"next_island", std::to_string(next_island_)},
          {"next_ticket", std::to_string(next_ticket_)},
          {"repeats", std::to_string(repeats_)},
          {"repairs", SaveRepairs()},
          {"llm_selection", proposer_ ? proposer_->SaveState() : restored_selection_}};
}

std::string Engine::SaveRepairs() const {
  Json edits = Json::array();
  for (const RepairJob& job : repairs_) {
    edits.push_back({{"parent", job.parent_id},
                     {"island", job.island},
                     {"edit", job.failed_edit},
                     {"failure", job.failure},
                     {"attempt", job.attempt}});
  }
  Json failed = Json::array();
  for (int64_t id : failed_programs_) failed.push_back(id);
  return DumpJson(Json{{"edits", std::move(edits)}, {"failed_programs", std::move(failed)}});
}

Status Engine::RestoreRepairs(const std::string& text) {
  const Status bad = Status::Internal("run.db state 'repairs' is not what kevolve writes");
  KEVOLVE_ASSIGN_OR_RETURN(Json json, ParseJson(text));
  if (!json.is_object() || !json.contains("edits") || !json["edits"].is_array() ||
      !json.contains("failed_programs") || !json["failed_programs"].is_array()) {
    return bad;
  }
  for (const Json& e : json["edits"]) {
    if (!e.is_object() || !e.value("parent", Json()).is_number_integer() ||
        !e.value("island", Json()).is_number_integer() || !e.value("edit", Json()).is_string() ||
        !e.value("failure", Json()).is_string() ||
        !e.value("attempt", Json()).is_number_integer()) {
      return bad;
    }
    repairs_.push_back(RepairJob{e["parent"].get<int64_t>(), e["island"].get<int>(),
                                 e["edit"].get<std::string>(), e["failure"].get<std::string>(),
                                 e["attempt"].get<int>()});
  }
  for (const Json& id : json["failed_programs"]) {
    if (!id.is_number_integer()) return bad;
    failed_programs_.push_back(id.get<int64_t>());
  }
  return Status::Ok();
}

// Spend so far (budgets hold across resumes), what the models said about the programs they
// made (lineage in prompts), and a ticket number past every recorded call.
Status Engine::RestoreLlmState() {
  KEVOLVE_ASSIGN_OR_RETURN(LlmSummary summary, store_->SummarizeLlmCalls());
  usage_.calls = summary.total.calls;
  usage_.tokens_in = summary.total.tokens_in;
  usage_.tokens_out = summary.total.tokens_out;
  usage_.cost = summary.total.cost;
  if (summary.total.calls == 0) return Status::Ok();
  KEVOLVE_ASSIGN_OR_RETURN(std::vector<LlmCall> calls, store_->LoadLlmCalls());
  for (const LlmCall& c : calls) {
    next_ticket_ = std::max(next_ticket_, c.proposal + 1);
    if (c.program_id && (!c.reasoning.empty() || !c.expected_impact.empty())) {
      notes_[*c.program_id] = prompt::ProgramNote{c.reasoning, c.expected_impact};
    }
  }
  return Status::Ok();
}

Status Engine::RestoreState(const std::map<std::string, std::string>& state) {
  if (auto it = state.find("rng"); it != state.end()) {
    KEVOLVE_ASSIGN_OR_RETURN(rng_, Rng::Restore(it->second));
  }
  KEVOLVE_ASSIGN_OR_RETURN(evaluations_, ParseCounter(state, "evaluations"));
  KEVOLVE_ASSIGN_OR_RETURN(valid_, ParseCounter(state, "valid"));
  KEVOLVE_ASSIGN_OR_RETURN(rejected_edits_, ParseCounter(state, "rejected_edits"));
  KEVOLVE_ASSIGN_OR_RETURN(duplicates_, ParseCounter(state, "duplicates"));
  KEVOLVE_ASSIGN_OR_RETURN(last_migration_at_, ParseCounter(state, "last_migration_at"));
  KEVOLVE_ASSIGN_OR_RETURN(int64_t island, ParseCounter(state, "next_island"));
  next_island_ = static_cast<int>(island);
  KEVOLVE_ASSIGN_OR_RETURN(int64_t ticket, ParseCounter(state, "next_ticket"));
  next_ticket_ = std::max<int64_t>(1, ticket);
  // Runs from before these were kept have neither.
  if (auto it = state.find("repairs"); it != state.end()) {
    KEVOLVE_RETURN_IF_ERROR(RestoreRepairs(it->second));
  }
  if (auto it = state.find("llm_selection"); it != state.end()) restored_selection_ = it->second;
  // Runs from before evaluator.repeats have none (0); a resume may have changed its bounds.
  KEVOLVE_ASSIGN_OR_RETURN(int64_t repeats, ParseCounter(state, "repeats"));
  const RepeatsConfig& bounds = config_.evaluator.repeats;
  repeats_ = bounds.initial == 0
                 ? 0
                 : static_cast<int>(std::clamp<int64_t>(repeats, bounds.initial,
                                                        std::max(bounds.initial, bounds.max)));
  return Status::Ok();
}

Status Engine::Run(const std::atomic<bool>& stop) {
  started_ms_ = env_.clock->NowMs();
  evaluations_at_start_ = evaluations_;
  events_->Emit("run_start", {{"run", paths_.dir},
                              {"task", config_.task.name},
                              {"strategy", std::string(WordOf(config_.run.strategy))},
                              {"target", config_.run.iterations},
                              {"evaluations", evaluations_}});
  if (population_->size() == 0) {
    KEVOLVE_RETURN_IF_ERROR(EvaluateInitial(stop));
    if (stop.load()) return Status::Ok();
  }
  const double wall_limit_ms = config_.run.max_wall_seconds * 1000.0;
  Status result = TrySample();
  std::string stop_reason =
      "iteration budget spent (run.iterations: " + std::to_string(config_.run.iterations) +
      " evaluations)";
  while (result.ok()) {
    const bool out_of_time =
        wall_limit_ms > 0 && static_cast<double>(env_.clock->NowMs() - started_ms_) >= wall_limit_ms;
    if (stop.load() || out_of_time) {
      stop_reason = stop.load() ? "stopped on request" : "wall-clock limit reached";
      break;
    }
    bool progressed = false;
    if (result = CollectProposals(0, &progressed); !result.ok()) break;
    if (result = ConsumeReady(&progressed); !result.ok()) break;
    SubmitEvaluations();
    if (result = CollectEvaluations(0, &progressed); !result.ok()) break;
    if (result = ResolveDone(&progressed); !result.ok()) break;
    if (tickets_.empty()) {
      if (result = TrySample(); !result.ok()) break;
      if (tickets_.empty()) {
        if (!budget_reason_.empty()) stop_reason = budget_reason_;
        break;  // the target is reached, or a budget stops the run
      }
      continue;
    }
    if (progressed) continue;
    // Nothing finished: wait for whichever kind of work is out.
    const bool evaluating = backend_->InFlight() > 0;
    const bool proposing = proposer_->InFlight() > 0;
    if (evaluating) {
      result = CollectEvaluations(proposing ? kShortWaitMs : kWaitSliceMs, &progressed);
    }
    if (result.ok() && proposing) {
      result = CollectProposals(evaluating ? 0 : kWaitSliceMs, &progressed);
    }
  }
  // Work in flight is abandoned: the backend kills its evaluations when it is destroyed, the
  // proposer cancels its calls.
  Progress p = progress();
  if (!result.ok()) stop_reason = result.ToString();
  stop_reason_ = stop_reason;
  Json run_end = {{"reason", stop_reason},
                  {"evaluations", p.evaluations},
                  {"best_id", p.best_id},
                  {"best_score", p.best_score},
                  {"abandoned_in_flight", tickets_.size()},
                  {"llm_calls", p.llm_calls},
                  {"llm_cost", p.llm_cost}};
  // What the exclusive stages did with each device over this run (of this process).
  for (const eval::DeviceUse& use : backend_->DeviceUsage()) {
    run_end["devices"].push_back(
        {{"device", use.device}, {"leases", use.leases}, {"held_ms", use.held_ms}});
  }
  events_->Emit("run_end", std::move(run_end));
  log::Info("run {}: {} after {} evaluations; best score {} (program {})", paths_.dir,
            stop_reason, p.evaluations, p.best_score, p.best_id);
  return result;
}

Status Engine::EvaluateInitial(const std::atomic<bool>& stop) {
  const std::string path = InitialProgramPath(config_.task);
  KEVOLVE_ASSIGN_OR_RETURN(std::string code, ReadFile(path));
  Program p;
  p.code = code;
  p.code_hash = CodeHash(code);
  p.origin = "initial";
  p.island = 0;
  const int ran_with = repeats_;
  backend_->SetRepeats(ran_with);
  backend_->Submit(0, code, config_.run.seed);
  while (!stop.load()) {
    auto done = backend_->WaitNext(kWaitSliceMs);
    KEVOLVE_RETURN_IF_ERROR(DrainBackend());
    if (!done) continue;
    p.result = std::move(done->result);
    AdaptRepeats(p.result, ran_with);
    KEVOLVE_RETURN_IF_ERROR(Commit(std::move(p), {}, std::nullopt).status());
    const Program* initial = population_->Get(initial_id_);
    if (initial == nullptr || !initial->result.valid) {
      const std::string reason = initial ? initial->result.reason : "not recorded";
      return Status::FailedPrecondition(
          "the initial program '" + path + "' is not valid (" + reason +
          "); check it with `kevolve eval " + config_.task.dir + " " + path + "`");
    }
    return Status::Ok();
  }
  return Status::Ok();
}

Status Engine::MaybeMigrate() {
  if (config_.run.strategy != Strategy::kEvolve || config_.database.islands < 2) {
    return Status::Ok();
  }
  if (!population_->MigrationDue(evaluations_ - last_migration_at_)) return Status::Ok();
  last_migration_at_ = evaluations_;
  std::vector<Placement> placements = population_->Migrate();
  KEVOLVE_RETURN_IF_ERROR(store_->CommitPlacements(placements, StateSnapshot()));
  events_->Emit("migration", {{"evaluations", evaluations_}, {"placements", placements.size()}});
  return Status::Ok();
}

Progress Engine::progress() const {
  Progress p;
  p.evaluations = evaluations_;
  p.target = config_.run.iterations;
  p.valid = valid_;
  p.rejected_edits = rejected_edits_;
  p.duplicates = duplicates_;
  p.in_flight = tickets_.size();
  p.llm_calls = usage_.calls;
  p.llm_tokens = usage_.tokens_in + usage_.tokens_out;
  p.llm_cost = usage_.cost;
  if (const Program* best = population_ ? population_->Best() : nullptr) {
    p.best_score = best->result.combined_score;
    p.best_id = best->id;
  }
  p.elapsed_seconds = static_cast<double>(env_.clock->NowMs() - started_ms_) / 1000.0;
  if (p.elapsed_seconds > 0) {
    p.evals_per_second =
        static_cast<double>(evaluations_ - evaluations_at_start_) / p.elapsed_seconds;
  }
  return p;
}

void Engine::ReportProgress() {
  if (env_.on_progress) env_.on_progress(progress());
}

}  // namespace kevolve::engine
