// The controller: keeps evaluations in flight, commits each finished one, and feeds the
// population. One thread (the caller of Run) does all of this; only the EvalBackend has threads.
//
// Crash safety: every finished evaluation is committed to run.db in its own transaction together
// with the controller state (random state, counters), so `kill -9` loses at most the evaluations
// in flight, and Resume rebuilds the population by replaying the committed programs and
// placements in commit order.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "config/config.h"
#include "core/clock.h"
#include "core/program.h"
#include "core/random.h"
#include "core/status.h"
#include "engine/backends.h"
#include "engine/run_folder.h"

namespace kevolve {
class Population;
class Store;
}

namespace kevolve::engine {

struct Progress {
  int64_t evaluations = 0;   // evaluated programs, the initial one excluded
  int64_t target = 0;        // run.iterations
  int64_t valid = 0;
  int64_t rejected_edits = 0;
  int64_t duplicates = 0;
  size_t in_flight = 0;
  double best_score = 0;
  int64_t best_id = 0;
  double evals_per_second = 0;
  double elapsed_seconds = 0;
};

// Everything the controller needs from the outside world.
struct EngineEnv {
  Clock* clock = &RealClock();
  // Built lazily so Resume can use the stored config; tests pass fakes.
  std::function<Result<std::unique_ptr<EvalBackend>>(const Config&, const RunPaths&)> make_backend;
  std::function<std::unique_ptr<Proposer>(const Config&)> make_proposer;
  std::function<void(const Progress&)> on_progress;  // after each commit; may be empty
};

// The default environment: sandboxed evaluator pool and built-in mutator.
EngineEnv DefaultEngineEnv();

class Engine {
 public:
  ~Engine();

  // Creates a new run folder under config.run.output_dir, stores the effective config
  // (`config_yaml`, as printed to the user) and opens the run database.
  static Result<std::unique_ptr<Engine>> Start(const Config& config,
                                               const std::string& config_yaml, EngineEnv env);
  // Reopens a run, restores population, counters and random state. `iterations`, when > 0,
  // replaces the run's target (total evaluations, not additional ones).
  static Result<std::unique_ptr<Engine>> Resume(const RunPaths& paths, EngineEnv env,
                                                int64_t iterations = 0);

  // Runs until the target is reached, `stop` becomes true, or the wall-clock limit passes.
  // Returns OK in all three cases (a stopped run is resumable); an error only when the run
  // cannot continue (the initial program is invalid, the database fails, the search is stuck).
  Status Run(const std::atomic<bool>& stop);

  const RunPaths& paths() const { return paths_; }
  const Config& config() const { return config_; }
  Progress progress() const;

 private:
  struct Pending {
    Program program;  // everything but id and result
  };

  Engine(Config config, RunPaths paths, EngineEnv env);
  Status Open(bool create, const std::string& config_yaml);
  Status Replay();
  Status EvaluateInitial(const std::atomic<bool>& stop);
  // Proposes, applies and submits one candidate; returns false when nothing was submitted.
  Result<bool> SubmitOne();
  Status Commit(const EvalDone& done);
  Status MaybeMigrate();
  std::map<std::string, std::string> StateSnapshot() const;
  Status RestoreState(const std::map<std::string, std::string>& state);
  void ReportProgress();

  Config config_;
  RunPaths paths_;
  EngineEnv env_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Population> population_;
  std::unique_ptr<EvalBackend> backend_;
  std::unique_ptr<Proposer> proposer_;
  std::unique_ptr<EventLog> events_;
  Rng rng_;

  std::map<int64_t, Pending> pending_;     // by ticket
  std::set<std::string> in_flight_hashes_;
  int64_t next_ticket_ = 1;
  int64_t evaluations_ = 0;
  int64_t valid_ = 0;
  int64_t rejected_edits_ = 0;
  int64_t duplicates_ = 0;
  int64_t failed_proposals_in_a_row_ = 0;
  int64_t last_migration_at_ = 0;
  int next_island_ = 0;
  int64_t initial_id_ = 0;
  int64_t started_ms_ = 0;
  int64_t evaluations_at_start_ = 0;
};

}  // namespace kevolve::engine
