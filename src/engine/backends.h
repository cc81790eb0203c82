// The two seams the controller drives: where proposals come from, and where evaluations run.
// Real implementations: the built-in mutator (MakeMutatorProposer), the LLM ensemble
// (engine/llm_proposer.h) and the sandboxed evaluator pool (MakePoolBackend). Tests substitute
// in-process fakes.
//
// Both are asynchronous: the controller submits work with a ticket and later collects whatever
// finished, so it can keep LLM calls and evaluations going at the same time.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/json.h"
#include "core/program.h"
#include "core/status.h"
#include "eval/devices.h"
#include "prompt/prompt.h"
#include "store/store.h"

namespace kevolve::engine {

// Everything a proposer needs, as owned copies: it may read them on another thread while the
// controller goes on changing the population.
struct ProposalRequest {
  Program parent;                      // the program the edit applies to
  std::vector<Program> inspirations;   // may be empty
  std::vector<Program> lineage;        // the parent's ancestors, nearest first (LLM only)
  std::optional<Program> partner;      // crossover's second parent (LLM only)
  std::map<int64_t, prompt::ProgramNote> notes;  // what the model said about these programs
  std::optional<double> best_score;
  int island = 0;
  std::string selection;   // exploit | explore | elite | best | initial | repair
  std::string kind;        // explore | exploit | crossover | repair; "" for the mutator
  std::string failed_edit; // repair of an edit that did not apply
  std::string failure;     // repair: what went wrong
  int repair_attempt = 0;  // 1 for the first repair of an edit, ...
  uint64_t seed = 0;       // drawn by the controller: the proposer's only randomness
};

struct Proposal {
  std::string edit;         // edit text in any format edit::ApplyEdit accepts
  std::string origin;       // "mutator:literal", "model:<name>", ...
  std::string description;  // one line for people and prompts
  std::string reasoning;    // the model's <reasoning>, if any
  std::string expected_impact;
  std::optional<double> feedback;  // the LLM council's 0..1 score, when feedback is on
};

struct ProposalDone {
  int64_t ticket = 0;
  Status status;                // OK: `proposal` holds an edit; otherwise why there is none
  Proposal proposal;
  std::vector<LlmCall> calls;   // every LLM attempt made for this proposal, in order
};

// Produces edits. Submit/Poll/InFlight/Outcome are called from the controller thread only;
// an implementation may work on other threads in between.
class Proposer {
 public:
  virtual ~Proposer() = default;
  // Starts a proposal; must not block on I/O.
  virtual void Submit(int64_t ticket, ProposalRequest request) = 0;
  // The next finished proposal (in any order), or nullopt when none finished within timeout_ms.
  virtual std::optional<ProposalDone> Poll(int64_t timeout_ms) = 0;
  // Submitted and not yet returned by Poll.
  virtual size_t InFlight() const = 0;
  // Proposals worth keeping in flight at once (llm.max_in_flight; 1 for the mutator).
  virtual int Concurrency() const { return 1; }
  // True when the proposer wants prompt kinds, lineage, notes and repair requests.
  virtual bool WantsPrompts() const { return false; }
  // What a finished proposal achieved: the score gained over its parent (0 for none, for a
  // rejected edit or a duplicate). Feeds adaptive model selection.
  virtual void Outcome(int64_t /*ticket*/, double /*improvement*/) {}
  // What the proposer has learnt from the outcomes (adaptive model selection), as text the
  // controller stores in run.db's state with each commit; "" = nothing. RestoreState reads it
  // back on resume, before the first Submit; InvalidArgument when it is not such text.
  virtual std::string SaveState() const { return ""; }
  virtual Status RestoreState(const std::string& /*state*/) { return Status::Ok(); }
};

// A proposer that answers at Submit: Answer computes the proposal there, and Poll hands them back
// in submission order.
class ImmediateProposer : public Proposer {
 public:
  void Submit(int64_t ticket, ProposalRequest request) final {
    done_.push_back(Answer(request));
    done_.back().ticket = ticket;
  }
  std::optional<ProposalDone> Poll(int64_t) final {
    if (done_.empty()) return std::nullopt;
    ProposalDone d = std::move(done_.front());
    done_.pop_front();
    return d;
  }
  size_t InFlight() const final { return done_.size(); }

 protected:
  virtual ProposalDone Answer(const ProposalRequest& request) = 0;

 private:
  std::deque<ProposalDone> done_;
};

// The built-in mutator: proposals are computed at Submit, from request.seed alone.
std::unique_ptr<Proposer> MakeMutatorProposer(const MutatorConfig& config);

struct EvalDone {
  int64_t ticket = 0;
  EvalResult result;
};

// Something a backend wants in events.jsonl (a cluster job lost, the scheduler away...).
struct BackendEvent {
  std::string type;
  Json fields;
};

// Runs evaluations concurrently. Submit/WaitNext/InFlight are called from the controller thread.
class EvalBackend {
 public:
  virtual ~EvalBackend() = default;
  virtual void Submit(int64_t ticket, const std::string& code, uint64_t seed) = 0;
  // How often evaluations submitted from now on should measure their score ({repeats},
  // KEVOLVE_REPEATS; evaluator.repeats). A backend that does not run evaluators ignores it.
  virtual void SetRepeats(int /*repeats*/) {}
  // The next finished evaluation, or nullopt when none finished within timeout_ms.
  virtual std::optional<EvalDone> WaitNext(int64_t timeout_ms) = 0;
  virtual size_t InFlight() const = 0;
  // How many evaluations run at once.
  virtual int Slots() const = 0;
  // What exclusive stages did with each device so far (evaluator.stages[].device); empty when
  // none holds devices.
  virtual std::vector<eval::DeviceUse> DeviceUsage() const { return {}; }
  // OK, or why evaluations cannot go on (a cluster that stopped answering): the engine then
  // stops the run with this status; the run stays resumable.
  virtual Status Health() const { return Status::Ok(); }
  // Events since the last call, for events.jsonl, in order.
  virtual std::vector<BackendEvent> TakeEvents() { return {}; }
};

// The sandboxed evaluator pool of the eval module. `scratch_root` receives per-evaluation folders.
Result<std::unique_ptr<EvalBackend>> MakePoolBackend(const EvaluatorConfig& config,
                                                     const std::string& task_dir,
                                                     const std::string& scratch_root);

// One Slurm job per evaluation (evaluator.backend: slurm; cluster/queue.h): checks at start
// that a node sees evaluator.slurm.shared_dir and can evaluate there, and takes over the jobs a
// killed controller of `run_id` left. The nodes run evaluator.slurm.kevolve, or this binary.
Result<std::unique_ptr<EvalBackend>> MakeSlurmBackend(const Config& config,
                                                      const std::string& run_id);

}  // namespace kevolve::engine
