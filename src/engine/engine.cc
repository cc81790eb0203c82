#include "engine/engine.h"

#include <algorithm>
#include <cmath>

#include "config/load.h"
#include "core/files.h"
#include "core/log.h"
#include "core/text.h"
#include "db/population.h"
#include "edit/edit.h"
#include "store/store.h"

namespace kevolve::engine {
namespace {

// A proposal that fails (no edit, rejected, duplicate) costs no evaluation; this many in a row
// means the search cannot produce anything new and the run stops with an explanation.
constexpr int64_t kMaxFailedProposalsInARow = 2000;
constexpr int64_t kWaitSliceMs = 100;

Json ResultJson(const Program& p) {
  return Json{{"id", p.id},
              {"parent", p.parent_id},
              {"island", p.island},
              {"origin", p.origin},
              {"valid", p.result.valid},
              {"score", p.result.valid ? Json(p.result.combined_score) : Json(nullptr)},
              {"failure", FailureName(p.result.failure)},
              {"duration_ms", p.result.duration_ms}};
}

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
      rng_(config_.run.seed) {}

Engine::~Engine() = default;

Result<std::unique_ptr<Engine>> Engine::Start(const Config& config, const std::string& config_yaml,
                                              EngineEnv env) {
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

Result<std::unique_ptr<Engine>> Engine::Resume(const RunPaths& paths, EngineEnv env,
                                               int64_t iterations) {
  KEVOLVE_ASSIGN_OR_RETURN(auto store, Store::Open(paths.db()));
  KEVOLVE_ASSIGN_OR_RETURN(auto yaml, store->GetMeta("config_yaml"));
  KEVOLVE_ASSIGN_OR_RETURN(auto task_dir, store->GetMeta("task_dir"));
  if (!yaml || !task_dir) {
    return Status::FailedPrecondition("run.db in '" + paths.dir +
                                      "' has no stored config; it was not created by kevolve run");
  }
  KEVOLVE_ASSIGN_OR_RETURN(Config config, ParseConfig(*yaml, paths.db() + ":config", *task_dir));
  if (iterations > 0) config.run.iterations = iterations;
  std::unique_ptr<Engine> engine(new Engine(std::move(config), paths, std::move(env)));
  engine->store_ = std::move(store);
  KEVOLVE_RETURN_IF_ERROR(engine->Open(/*create=*/false, *yaml));
  return engine;
}

Status Engine::Open(bool create, const std::string& config_yaml) {
  KEVOLVE_RETURN_IF_ERROR(Population::ValidateConfig(config_.database));
  population_ = std::make_unique<Population>(config_.database);
  events_ = std::make_unique<EventLog>(paths_.events(), *env_.clock);
  if (create) {
    KEVOLVE_ASSIGN_OR_RETURN(store_, Store::Create(paths_.db()));
    KEVOLVE_RETURN_IF_ERROR(store_->PutMeta("config_yaml", config_yaml));
    KEVOLVE_RETURN_IF_ERROR(store_->PutMeta("task_dir", config_.task.dir));
    KEVOLVE_RETURN_IF_ERROR(store_->PutMeta("task_name", config_.task.name));
    KEVOLVE_RETURN_IF_ERROR(store_->PutMeta("strategy", config_.run.strategy));
    KEVOLVE_RETURN_IF_ERROR(
        store_->PutMeta("created_unix_ms", std::to_string(env_.clock->UnixMs())));
    KEVOLVE_RETURN_IF_ERROR(WriteFileAtomic(paths_.config(), config_yaml));
  } else {
    KEVOLVE_RETURN_IF_ERROR(Replay());
  }
  KEVOLVE_RETURN_IF_ERROR(MakeDirs(paths_.scratch()));
  KEVOLVE_ASSIGN_OR_RETURN(backend_, env_.make_backend(config_, paths_));
  proposer_ = env_.make_proposer(config_);
  return Status::Ok();
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
          {"next_island", std::to_string(next_island_)}};
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
  return Status::Ok();
}

Status Engine::Run(const std::atomic<bool>& stop) {
  started_ms_ = env_.clock->NowMs();
  evaluations_at_start_ = evaluations_;
  events_->Emit("run_start", {{"run", paths_.dir},
                              {"task", config_.task.name},
                              {"strategy", config_.run.strategy},
                              {"target", config_.run.iterations},
                              {"evaluations", evaluations_}});
  if (population_->size() == 0) {
    KEVOLVE_RETURN_IF_ERROR(EvaluateInitial(stop));
    if (stop.load()) return Status::Ok();
  }
  const double wall_limit_ms = config_.run.max_wall_seconds * 1000.0;
  // Keep one more proposal queued than there are slots so no evaluator waits for the
  // controller between two evaluations.
  const size_t max_in_flight = static_cast<size_t>(backend_->Slots()) + 1;
  Status result = Status::Ok();
  std::string stop_reason = "target reached";
  while (true) {
    const bool out_of_time =
        wall_limit_ms > 0 && static_cast<double>(env_.clock->NowMs() - started_ms_) >= wall_limit_ms;
    if (stop.load() || out_of_time) {
      stop_reason = stop.load() ? "stopped on request" : "wall-clock limit reached";
      break;
    }
    // Fill the free slots; a round gives up after a bounded number of failed proposals so
    // finished evaluations are still collected while the mutator struggles.
    int attempts = 0;
    while (pending_.size() < max_in_flight &&
           evaluations_ + static_cast<int64_t>(pending_.size()) < config_.run.iterations &&
           attempts++ < 64) {
      auto submitted = SubmitOne();
      if (!submitted.ok()) {
        result = submitted.status();
        break;
      }
      if (!*submitted && failed_proposals_in_a_row_ >= kMaxFailedProposalsInARow) {
        result = Status::FailedPrecondition(
            std::to_string(kMaxFailedProposalsInARow) +
            " proposals in a row were rejected or duplicates: the search has nothing new to "
            "try from this population (widen the EVOLVE-BLOCK or add tunable constants)");
        break;
      }
    }
    if (!result.ok()) break;
    if (pending_.empty()) {
      if (evaluations_ >= config_.run.iterations) break;
      continue;  // every proposal failed this round; try again
    }
    auto done = backend_->WaitNext(kWaitSliceMs);
    if (!done) continue;
    result = Commit(*done);
    if (!result.ok()) break;
  }
  // In-flight evaluations are abandoned: the backend kills them when it is destroyed.
  Progress p = progress();
  if (!result.ok()) stop_reason = result.ToString();
  events_->Emit("run_end", {{"reason", stop_reason},
                            {"evaluations", p.evaluations},
                            {"best_id", p.best_id},
                            {"best_score", p.best_score},
                            {"abandoned_in_flight", pending_.size()}});
  log::Info("run {}: {} after {} evaluations; best score {} (program {})", paths_.dir,
            stop_reason, p.evaluations, p.best_score, p.best_id);
  return result;
}

Status Engine::EvaluateInitial(const std::atomic<bool>& stop) {
  const std::string path = config_.task.dir + "/" + config_.task.initial_program;
  KEVOLVE_ASSIGN_OR_RETURN(std::string code, ReadFile(path));
  Program p;
  p.code = code;
  p.code_hash = CodeHash(code);
  p.origin = "initial";
  p.island = 0;
  pending_[0] = Pending{p};
  backend_->Submit(0, code, config_.run.seed);
  while (!stop.load()) {
    auto done = backend_->WaitNext(kWaitSliceMs);
    if (!done) continue;
    KEVOLVE_RETURN_IF_ERROR(Commit(*done));
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

Result<bool> Engine::SubmitOne() {
  const Program* best = population_->Best();
  if (best == nullptr) return Status::Internal("no valid program to start from");
  ProposalRequest request;
  if (config_.run.strategy == "hill-climb") {
    request.parent = best;
    request.selection = "best";
  } else if (config_.run.strategy == "random") {
    request.parent = population_->Get(initial_id_);
    request.selection = "initial";
  } else {
    const int island = next_island_;
    next_island_ = (next_island_ + 1) % std::max(1, config_.database.islands);
    KEVOLVE_ASSIGN_OR_RETURN(Selection sel, population_->Sample(island, rng_));
    request.parent = sel.parent;
    request.inspirations = std::move(sel.inspirations);
    request.island = island;
    request.selection = SelectionModeName(sel.mode);
  }
  if (request.parent == nullptr) return Status::Internal("selection returned no parent");

  auto proposal = proposer_->Propose(request, rng_);
  if (!proposal.ok()) {
    ++failed_proposals_in_a_row_;
    return false;
  }
  edit::EditOutcome applied = edit::ApplyEdit(request.parent->code, proposal->edit);
  if (!applied.ok) {
    ++rejected_edits_;
    ++failed_proposals_in_a_row_;
    RejectedEdit rejected;
    rejected.parent_id = request.parent->id;
    rejected.origin = proposal->origin;
    rejected.edit = proposal->edit;
    rejected.kind = edit::EditRejectionName(applied.rejection.kind);
    rejected.message = applied.rejection.message;
    rejected.created_unix_ms = env_.clock->UnixMs();
    KEVOLVE_RETURN_IF_ERROR(store_->RecordRejectedEdit(rejected, StateSnapshot()).status());
    return false;
  }
  Program candidate;
  candidate.code = std::move(applied.code);
  candidate.code_hash = CodeHash(candidate.code);
  if (population_->FindByHash(candidate.code_hash) != nullptr ||
      in_flight_hashes_.count(candidate.code_hash) != 0) {
    ++duplicates_;
    ++failed_proposals_in_a_row_;
    return false;
  }
  failed_proposals_in_a_row_ = 0;
  candidate.parent_id = request.parent->id;
  candidate.generation = request.parent->generation + 1;
  candidate.island = request.island;
  candidate.origin = proposal->origin;
  candidate.edit = std::move(proposal->edit);
  const int64_t ticket = next_ticket_++;
  in_flight_hashes_.insert(candidate.code_hash);
  backend_->Submit(ticket, candidate.code, config_.run.seed);
  pending_[ticket] = Pending{std::move(candidate)};
  return true;
}

Status Engine::Commit(const EvalDone& done) {
  auto it = pending_.find(done.ticket);
  if (it == pending_.end()) {
    return Status::Internal("evaluation finished for unknown ticket " +
                            std::to_string(done.ticket));
  }
  Program program = std::move(it->second.program);
  pending_.erase(it);
  in_flight_hashes_.erase(program.code_hash);
  program.result = done.result;
  program.created_unix_ms = env_.clock->UnixMs();
  const bool initial = program.origin == "initial";
  if (!initial) ++evaluations_;
  if (program.result.valid) ++valid_;

  // The initial program lives on every island: island 0 holds it, the others get copies
  // committed in the same transaction (program_id 0 = the program being committed).
  std::vector<Placement> placements;
  if (initial && program.result.valid && std::isfinite(program.result.combined_score)) {
    for (int island = 1; island < config_.database.islands; ++island) {
      placements.push_back(Placement{0, island, "initial"});
    }
  }
  const Program* previous_best = population_->Best();
  const double previous_best_score = previous_best ? previous_best->result.combined_score : 0;
  const bool had_best = previous_best != nullptr;
  KEVOLVE_ASSIGN_OR_RETURN(int64_t id, store_->CommitProgram(program, placements, StateSnapshot()));
  program.id = id;
  if (initial) initial_id_ = id;
  KEVOLVE_RETURN_IF_ERROR(population_->Insert(program).status());
  for (const Placement& pl : placements) {
    KEVOLVE_RETURN_IF_ERROR(population_->Place(id, pl.island));
  }
  events_->Emit("program", ResultJson(program));
  if (program.result.valid &&
      (!had_best || program.result.combined_score > previous_best_score)) {
    events_->Emit("new_best", {{"id", id}, {"score", program.result.combined_score}});
    Status s = WriteFileAtomic(paths_.best(config_.task.initial_program), program.code);
    if (!s.ok()) log::Warn("could not write best.cc: {}", s.ToString());
  }
  KEVOLVE_RETURN_IF_ERROR(MaybeMigrate());
  ReportProgress();
  return Status::Ok();
}

Status Engine::MaybeMigrate() {
  if (config_.run.strategy != "evolve" || config_.database.islands < 2) return Status::Ok();
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
  p.in_flight = pending_.size();
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
