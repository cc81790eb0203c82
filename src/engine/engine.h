// The controller: keeps proposals (LLM calls) and evaluations in flight, commits each finished
// one, and feeds the population. One thread (the caller of Run) does all of this; only the
// Proposer and the EvalBackend have threads.
//
// Every proposal gets a ticket, in the order the controller samples parents. A ticket resolves
// into a committed program, a rejected edit (recorded; with an LLM, a repair prompt follows), a
// duplicate, or no proposal at all. The controller keeps (evaluator slots + proposer
// concurrency) tickets open, so evaluators never wait for a slow LLM and an LLM never waits for a
// slow evaluator.
//
// Determinism: with one evaluator slot the controller works in ticket order (edits are applied,
// and tickets resolved, strictly by ticket; a new parent is sampled right after each
// resolution). The run is then a function of its seed, the proposals and the evaluator's
// results, whatever the timing: that is what lets `kevolve replay` reproduce a run from its
// recorded replies. With more slots, results are taken as they come, for throughput, unless
// run.reproducible asks for ticket order there too (an evaluation that takes longer than the
// others then holds back the resolution of those after it, and the sampling of new tickets).
//
// Crash safety: every finished evaluation is committed to run.db in its own transaction together
// with the controller state (random state, counters), so `kill -9` loses at most the evaluations
// in flight, and Resume rebuilds the population by replaying the committed programs and
// placements in commit order.
#pragma once

#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "core/clock.h"
#include "core/program.h"
#include "core/random.h"
#include "core/status.h"
#include "engine/backends.h"
#include "engine/run_folder.h"
#include "llm/llm.h"
#include "prompt/prompt.h"

namespace kevolve {
class Population;
class Store;
}

namespace kevolve::engine {

struct Progress {
  int64_t evaluations = 0;   // evaluated programs, the initial one excluded
  int64_t llm_calls = 0;     // LLM HTTP attempts recorded (this run and before a resume)
  int64_t llm_tokens = 0;    // input + output
  double llm_cost = 0;
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
  // A lambda returning a plain unique_ptr<Proposer> converts; an error stops Start/Resume.
  std::function<Result<std::unique_ptr<Proposer>>(const Config&)> make_proposer;
  std::function<void(const Progress&)> on_progress;  // after each commit; may be empty
  // Written to run.db's meta when a run is created (e.g. "replay_of").
  std::map<std::string, std::string> extra_meta;
};

// The default environment: the sandboxed evaluator pool, and the LLM ensemble when
// config.llm.models is not empty (else the built-in mutator).
EngineEnv DefaultEngineEnv();

// The rules a strategy puts on a config, applied by Start (and by Resume to a changed config):
// the baselines (hill-climb, random) search from one parent at a time, so they get one island
// (more would only split their budget).
Config EffectiveConfig(Config config);

// The config a run was started with (or last resumed with), as run.db stores it.
// FailedPrecondition when run.db holds none; the errors of ParseConfig.
Result<Config> StoredConfig(Store& store, const RunPaths& paths);

class Engine {
 public:
  ~Engine();

  // Creates a new run folder under config.run.output_dir, stores the effective config (the
  // given one after EffectiveConfig: run.db's meta `config_yaml` and config.yaml in the run
  // folder) and opens the run database. REQUIRES: ValidateConfig(config) is OK.
  static Result<std::unique_ptr<Engine>> Start(Config config, EngineEnv env);
  // Reopens a run, restores population, counters and random state. `iterations`, when > 0,
  // replaces the run's target (total evaluations, not additional ones). `overrides` (dotted key,
  // value) change the stored config, as ApplyOverride does (a raised llm.budget, say); the
  // result must pass ValidateConfig and becomes the run's stored config.
  static Result<std::unique_ptr<Engine>> Resume(
      const RunPaths& paths, EngineEnv env, int64_t iterations = 0,
      const std::vector<std::pair<std::string, std::string>>& overrides = {});

  // Runs until the target is reached, `stop` becomes true, or the wall-clock limit passes.
  // Returns OK in all three cases (a stopped run is resumable); an error only when the run
  // cannot continue (the initial program is invalid, the database fails, the search is stuck).
  Status Run(const std::atomic<bool>& stop);

  const RunPaths& paths() const { return paths_; }
  // Why the last Run ended: "iteration budget spent (...)", "stopped on request", a budget
  // cap...
  const std::string& stop_reason() const { return stop_reason_; }
  const Config& config() const { return config_; }
  Progress progress() const;

 private:
  enum class Stage { kProposing, kReady, kQueued, kEvaluating, kDone };
  enum class Outcome { kNone, kEvaluated, kRejected, kDuplicate, kNoProposal };
  struct Ticket {
    Stage stage = Stage::kProposing;
    Outcome outcome = Outcome::kNone;
    int64_t parent_id = 0;
    int island = 0;
    std::string kind;
    int repair_attempt = 0;
    std::optional<ProposalDone> done;
    std::vector<int64_t> call_ids;  // recorded llm_calls of this proposal
    Program candidate;              // everything but id and result, once the edit applied
    int repeats = 0;                // {repeats} of its evaluation (the count when sampled)
    EvalResult result;
    std::string rejected_edit, rejection;  // kRejected: the edit and why
  };
  struct RepairJob {
    int64_t parent_id = 0;
    int island = 0;
    std::string failed_edit;
    std::string failure;
    int attempt = 0;
  };

  Engine(Config config, RunPaths paths, EngineEnv env);
  Status Open(bool create, const std::string& config_yaml);
  Status Replay();
  Status RestoreLlmState();
  Status EvaluateInitial(const std::atomic<bool>& stop);
  std::map<std::string, std::string> StateSnapshot() const;
  Status RestoreState(const std::map<std::string, std::string>& state);
  // The repair queues as JSON text for the run's state, and back.
  std::string SaveRepairs() const;
  Status RestoreRepairs(const std::string& text);
  void ReportProgress();
  // Noise-aware selection (engine_noise.cc): the repeat count after a result measured with
  // `ran_with` repeats, and the run's best as recorded in run.db for `kevolve status`.
  void AdaptRepeats(const EvalResult& result, int ran_with);
  Status RecordBest();

  // The ticket pipeline (engine_tickets.cc).
  bool Ordered() const;
  bool CanSample();
  Status TrySample();
  Result<ProposalRequest> NextRequest();
  void AddPromptContext(ProposalRequest& request);
  Status CollectProposals(int64_t timeout_ms, bool* progressed);
  Status ConsumeReady(bool* progressed);
  Status Consume(int64_t ticket_id, Ticket& ticket);
  Status RecordCalls(Ticket& ticket);
  void SubmitEvaluations();
  Status CollectEvaluations(int64_t timeout_ms, bool* progressed);
  // The backend's events into events.jsonl, then its Health().
  Status DrainBackend();
  Status ResolveDone(bool* progressed);
  Status Resolve(int64_t ticket_id, Ticket& ticket);
  // Commits an evaluated ticket; returns the score it gained over its parent (0 for none).
  Result<double> ResolveEvaluated(Ticket& ticket);
  Result<int64_t> Commit(Program program, const std::vector<int64_t>& call_ids,
                const std::optional<double>& feedback);
  Status MaybeMigrate();

  Config config_;
  RunPaths paths_;
  EngineEnv env_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Population> population_;
  std::unique_ptr<EvalBackend> backend_;
  std::unique_ptr<Proposer> proposer_;
  std::unique_ptr<EventLog> events_;
  Rng rng_;

  std::map<int64_t, Ticket> tickets_;      // open tickets, by number
  std::deque<int64_t> eval_queue_;         // tickets whose candidate waits for a slot
  std::set<std::string> in_flight_hashes_;
  std::deque<RepairJob> repairs_;          // edits that did not apply, to repair first
  std::deque<int64_t> failed_programs_;    // LLM programs whose evaluation failed (repairable)
  std::string restored_selection_;         // the proposer's state from run.db, until it exists
  std::map<int64_t, prompt::ProgramNote> notes_;  // by program id
  llm::Usage usage_;                       // LLM spend, counted as tickets resolve
  std::string budget_reason_;              // set once a budget cap is reached
  std::string last_proposal_error_;
  std::string stop_reason_;
  int64_t next_ticket_ = 1;
  int64_t evaluations_ = 0;
  int64_t valid_ = 0;
  int64_t rejected_edits_ = 0;
  int64_t duplicates_ = 0;
  int64_t failed_proposals_in_a_row_ = 0;
  int64_t no_proposal_in_a_row_ = 0;
  int64_t last_migration_at_ = 0;
  int next_island_ = 0;
  int repeats_ = 0;  // {repeats} of the next evaluation (evaluator.repeats)
  int64_t initial_id_ = 0;
  // hill-climb: the program the climber stands on, the best or a later one that ties it (the
  // (1+1) EA accepts a child at least as good as its parent, so it walks plateaus); 0 = the best.
  int64_t climb_id_ = 0;
  int64_t started_ms_ = 0;
  int64_t evaluations_at_start_ = 0;
};

}  // namespace kevolve::engine
