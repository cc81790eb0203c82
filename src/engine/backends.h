// The two seams the controller drives: where proposals come from, and where evaluations run.
// Real implementations: MutatorProposer (the built-in mutator) and PoolBackend (the sandboxed
// evaluator pool). Tests substitute in-process fakes.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/program.h"
#include "core/random.h"
#include "core/status.h"

namespace kevolve::engine {

struct ProposalRequest {
  const Program* parent = nullptr;                 // never null
  std::vector<const Program*> inspirations;        // may be empty
  int island = 0;
  std::string selection;                           // exploit | explore | elite | best | initial
};

struct Proposal {
  std::string edit;         // edit text in any format edit::ApplyEdit accepts
  std::string origin;       // "mutator:literal", "model:<name>", ...
  std::string description;  // one line for people and prompts
};

// Produces an edit for a parent. Called from the controller thread only.
class Proposer {
 public:
  virtual ~Proposer() = default;
  // FailedPrecondition when the parent offers nothing to change; other errors are counted and
  // the controller moves on to another parent.
  virtual Result<Proposal> Propose(const ProposalRequest& request, Rng& rng) = 0;
};

std::unique_ptr<Proposer> MakeMutatorProposer(const MutatorConfig& config);

struct EvalDone {
  int64_t ticket = 0;
  EvalResult result;
};

// Runs evaluations concurrently. Submit/WaitNext/InFlight are called from the controller thread.
class EvalBackend {
 public:
  virtual ~EvalBackend() = default;
  virtual void Submit(int64_t ticket, const std::string& code, uint64_t seed) = 0;
  // The next finished evaluation, or nullopt when none finished within timeout_ms.
  virtual std::optional<EvalDone> WaitNext(int64_t timeout_ms) = 0;
  virtual size_t InFlight() const = 0;
  // How many evaluations run at once.
  virtual int Slots() const = 0;
};

// The sandboxed evaluator pool of the eval module. `scratch_root` receives per-evaluation folders.
Result<std::unique_ptr<EvalBackend>> MakePoolBackend(const EvaluatorConfig& config,
                                                     const std::string& task_dir,
                                                     const std::string& scratch_root);

}  // namespace kevolve::engine
