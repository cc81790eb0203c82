// The ticket pipeline of the controller: sample a parent and submit a proposal; apply the edit
// that comes back; queue the candidate for evaluation; resolve the ticket (commit, rejection,
// duplicate, no proposal). See engine.h for the ordering rules that make runs reproducible.
#include <algorithm>
#include <cmath>

#include "core/files.h"
#include "core/log.h"
#include "core/text.h"
#include "db/population.h"
#include "edit/edit.h"
#include "engine/engine.h"
#include "engine/noise.h"
#include "store/store.h"

namespace kevolve::engine {
namespace {

// A proposal that fails (no edit, rejected, duplicate) costs no evaluation; this many in a row
// means the search cannot produce anything new and the run stops with an explanation.
constexpr int64_t kMaxFailedProposalsInARow = 2000;
// This many LLM proposals in a row without any usable reply (every model failed, every retry
// spent) means the endpoint is down or misconfigured: stop rather than spin.
constexpr int64_t kMaxNoProposalInARow = 10;
// Failed LLM programs kept as candidates for a repair prompt.
constexpr size_t kRepairableKept = 32;

Json ResultJson(const Program& p) {
  Json json = {{"id", p.id},
               {"parent", p.parent_id},
               {"island", p.island},
               {"origin", p.origin},
               {"valid", p.result.valid},
               {"score", p.result.valid ? Json(p.result.combined_score) : Json(nullptr)},
               {"failure", FailureName(p.result.failure)},
               {"duration_ms", p.result.duration_ms}};
  if (!p.result.device.empty()) {
    json["device"] = p.result.device;
    json["device_wait_ms"] = p.result.device_wait_ms;
    json["device_held_ms"] = p.result.device_held_ms;
    json["device_held_from"] = p.result.device_held_from_unix_ms;
    json["device_held_until"] = p.result.device_held_until_unix_ms;
  }
  return json;
}

std::string FailureText(const Program& p) {
  std::string text = std::string(FailureName(p.result.failure));
  if (!p.result.reason.empty()) text += ": " + p.result.reason;
  return text;
}

}  // namespace

bool Engine::Ordered() const { return backend_->Slots() == 1 || config_.run.reproducible; }

bool Engine::CanSample() {
  if (!budget_reason_.empty()) return false;
  if (std::string reached = llm::BudgetExceeded(config_.llm.budget, usage_); !reached.empty()) {
    budget_reason_ = reached;
    events_->Emit("budget_reached", {{"reason", reached}});
    log::Info("{}; finishing the calls and evaluations in flight", reached);
    return false;
  }
  const size_t window = static_cast<size_t>(backend_->Slots()) +
                        static_cast<size_t>(std::max(1, proposer_->Concurrency()));
  if (tickets_.size() >= window) return false;
  return evaluations_ + static_cast<int64_t>(tickets_.size()) < config_.run.iterations;
}

Status Engine::TrySample() {
  while (CanSample()) {
    KEVOLVE_ASSIGN_OR_RETURN(ProposalRequest request, NextRequest());
    const int64_t id = next_ticket_++;
    Ticket ticket;
    ticket.parent_id = request.parent.id;
    ticket.island = request.island;
    ticket.kind = request.kind;
    ticket.repair_attempt = request.repair_attempt;
    // Fixed when the ticket is sampled, not when it is submitted: with one evaluator slot
    // tickets are sampled at fixed points of the resolution order, so the count each
    // evaluation gets does not depend on timing.
    ticket.repeats = repeats_;
    tickets_.emplace(id, std::move(ticket));
    proposer_->Submit(id, std::move(request));
  }
  return Status::Ok();
}

Result<ProposalRequest> Engine::NextRequest() {
  const Program* best = population_->Best();
  if (best == nullptr) return Status::Internal("no valid program to start from");
  ProposalRequest request;
  request.seed = rng_.Next();
  const bool prompts = proposer_->WantsPrompts();
  // An edit that did not apply goes back to the model first, with what went wrong.
  while (prompts && !repairs_.empty()) {
    RepairJob job = std::move(repairs_.front());
    repairs_.pop_front();
    const Program* parent = population_->Get(job.parent_id);
    if (parent == nullptr) continue;
    request.parent = *parent;
    request.island = job.island;
    request.selection = "repair";
    request.kind = prompt::KindName(prompt::Kind::kRepair);
    request.failed_edit = std::move(job.failed_edit);
    request.failure = std::move(job.failure);
    request.repair_attempt = job.attempt;
    AddPromptContext(request);
    return request;
  }
  const Program* parent = nullptr;
  std::vector<const Program*> inspirations;
  if (config_.run.strategy == Strategy::kHillClimb) {
    const Program* current = climb_id_ != 0 ? population_->Get(climb_id_) : nullptr;
    const bool tie = current != nullptr && current->id != best->id &&
                     current->result.combined_score == best->result.combined_score;
    parent = tie ? current : best;
    request.selection = tie ? "equal-best" : "best";
  } else if (config_.run.strategy == Strategy::kRandom) {
    parent = population_->Get(initial_id_);
    request.selection = "initial";
  } else {
    const int island = next_island_;
    next_island_ = (next_island_ + 1) % std::max(1, config_.database.islands);
    KEVOLVE_ASSIGN_OR_RETURN(Selection sel, population_->Sample(island, rng_));
    parent = sel.parent;
    inspirations = std::move(sel.inspirations);
    request.island = island;
    request.selection = SelectionModeName(sel.mode);
  }
  if (parent == nullptr) return Status::Internal("selection returned no parent");
  request.parent = *parent;
  for (const Program* p : inspirations) request.inspirations.push_back(*p);
  if (!prompts) return request;

  const prompt::Kind kind = prompt::ChooseKind(config_.prompt, !request.inspirations.empty(),
                                               !failed_programs_.empty(), rng_);
  request.kind = prompt::KindName(kind);
  if (kind == prompt::Kind::kRepair) {
    const Program* failed = population_->Get(failed_programs_.front());
    failed_programs_.pop_front();
    if (failed != nullptr) {
      request.parent = *failed;
      request.island = failed->island;
      request.selection = "repair";
      request.failure = FailureText(*failed);
      request.inspirations.clear();
    }
  } else if (kind == prompt::Kind::kCrossover) {
    request.partner = request.inspirations.front();
  }
  AddPromptContext(request);
  return request;
}

void Engine::AddPromptContext(ProposalRequest& request) {
  const size_t depth = static_cast<size_t>(std::max(0, config_.prompt.lineage_depth));
  for (const Program* p : population_->Lineage(request.parent.id, depth)) {
    request.lineage.push_back(*p);
  }
  auto note = [&](int64_t id) {
    if (auto it = notes_.find(id); it != notes_.end()) request.notes[id] = it->second;
  };
  note(request.parent.id);
  for (const Program& p : request.lineage) note(p.id);
  for (const Program& p : request.inspirations) note(p.id);
  if (request.partner) note(request.partner->id);
  if (const Program* best = population_->Best()) request.best_score = best->result.combined_score;
}

Status Engine::CollectProposals(int64_t timeout_ms, bool* progressed) {
  int64_t wait = timeout_ms;
  while (auto done = proposer_->Poll(wait)) {
    wait = 0;
    auto it = tickets_.find(done->ticket);
    if (it == tickets_.end() || it->second.stage != Stage::kProposing) {
      return Status::Internal("a proposal came back for unknown ticket " +
                              std::to_string(done->ticket));
    }
    it->second.done = std::move(*done);
    it->second.stage = Stage::kReady;
    *progressed = true;
  }
  return Status::Ok();
}

Status Engine::ConsumeReady(bool* progressed) {
  for (auto& [id, ticket] : tickets_) {
    if (ticket.stage == Stage::kProposing && Ordered()) break;  // edits are applied in order
    if (ticket.stage != Stage::kReady) continue;
    KEVOLVE_RETURN_IF_ERROR(Consume(id, ticket));
    *progressed = true;
  }
  return Status::Ok();
}

// Every attempt goes to run.db and events.jsonl as soon as the proposal is back, so money spent
// is on record even if the run dies before the ticket resolves.
Status Engine::RecordCalls(Ticket& ticket) {
  const std::vector<LlmCall>& calls = ticket.done->calls;
  if (calls.empty()) return Status::Ok();
  KEVOLVE_ASSIGN_OR_RETURN(ticket.call_ids, store_->RecordLlmCalls(calls));
  for (const LlmCall& c : calls) {
    events_->Emit("llm_call", {{"proposal", c.proposal},
                               {"call", c.call},
                               {"attempt", c.attempt},
                               {"model", c.model},
                               {"purpose", c.purpose},
                               {"http_status", c.http_status},
                               {"failure", c.failure},
                               {"tokens_in", c.tokens_in},
                               {"tokens_out", c.tokens_out},
                               {"cost", c.cost},
                               {"latency_ms", c.latency_ms}});
  }
  return Status::Ok();
}

Status Engine::Consume(int64_t ticket_id, Ticket& ticket) {
  KEVOLVE_RETURN_IF_ERROR(RecordCalls(ticket));
  ticket.stage = Stage::kDone;
  const ProposalDone& done = *ticket.done;
  if (!done.status.ok()) {
    ticket.outcome = Outcome::kNoProposal;
    return Status::Ok();
  }
  const Program* parent = population_->Get(ticket.parent_id);
  if (parent == nullptr) {
    return Status::Internal("ticket " + std::to_string(ticket_id) + " names unknown parent " +
                            std::to_string(ticket.parent_id));
  }
  const Proposal& proposal = done.proposal;
  edit::EditOutcome applied = edit::ApplyEdit(parent->code, proposal.edit);
  if (!applied.ok) {
    ++rejected_edits_;
    RejectedEdit rejected;
    rejected.parent_id = parent->id;
    rejected.origin = proposal.origin;
    rejected.edit = proposal.edit;
    rejected.kind = edit::EditRejectionName(applied.rejection.kind);
    rejected.message = applied.rejection.message;
    rejected.created_unix_ms = env_.clock->UnixMs();
    KEVOLVE_RETURN_IF_ERROR(
        store_->RecordRejectedEdit(rejected, StateSnapshot(), ticket.call_ids).status());
    events_->Emit("rejected_edit", {{"proposal", ticket_id},
                                    {"parent", parent->id},
                                    {"origin", rejected.origin},
                                    {"kind", rejected.kind}});
    ticket.outcome = Outcome::kRejected;
    ticket.rejected_edit = proposal.edit;
    ticket.rejection = rejected.kind + ": " + rejected.message;
    return Status::Ok();
  }
  Program& candidate = ticket.candidate;
  candidate.code = std::move(applied.code);
  candidate.code_hash = CodeHash(candidate.code);
  if (population_->FindByHash(candidate.code_hash) != nullptr ||
      in_flight_hashes_.count(candidate.code_hash) != 0) {
    ++duplicates_;
    ticket.outcome = Outcome::kDuplicate;
    return store_->LinkLlmCalls(ticket.call_ids, "duplicate");
  }
  candidate.parent_id = parent->id;
  candidate.generation = parent->generation + 1;
  candidate.island = ticket.island;
  candidate.origin = proposal.origin;
  candidate.edit = proposal.edit;
  in_flight_hashes_.insert(candidate.code_hash);
  ticket.stage = Stage::kQueued;
  eval_queue_.push_back(ticket_id);
  return Status::Ok();
}

void Engine::SubmitEvaluations() {
  // One more than the slots, so no evaluator waits for the controller between two evaluations.
  const size_t max_in_flight = static_cast<size_t>(backend_->Slots()) + 1;
  while (!eval_queue_.empty() && backend_->InFlight() < max_in_flight) {
    const int64_t id = eval_queue_.front();
    eval_queue_.pop_front();
    Ticket& ticket = tickets_.at(id);
    backend_->SetRepeats(ticket.repeats);
    backend_->Submit(id, ticket.candidate.code, config_.run.seed);
    ticket.stage = Stage::kEvaluating;
  }
}

Status Engine::CollectEvaluations(int64_t timeout_ms, bool* progressed) {
  int64_t wait = timeout_ms;
  while (auto done = backend_->WaitNext(wait)) {
    wait = 0;
    auto it = tickets_.find(done->ticket);
    if (it == tickets_.end() || it->second.stage != Stage::kEvaluating) {
      return Status::Internal("evaluation finished for unknown ticket " +
                              std::to_string(done->ticket));
    }
    it->second.result = std::move(done->result);
    it->second.outcome = Outcome::kEvaluated;
    it->second.stage = Stage::kDone;
    *progressed = true;
  }
  return DrainBackend();
}

Status Engine::DrainBackend() {
  for (BackendEvent& e : backend_->TakeEvents()) events_->Emit(e.type, std::move(e.fields));
  return backend_->Health();
}

Status Engine::ResolveDone(bool* progressed) {
  if (Ordered()) {
    // Strictly in ticket order, sampling right after each: the population each new parent is
    // drawn from depends on the results alone, never on timing.
    while (!tickets_.empty() && tickets_.begin()->second.stage == Stage::kDone) {
      auto it = tickets_.begin();
      KEVOLVE_RETURN_IF_ERROR(Resolve(it->first, it->second));
      tickets_.erase(it);
      *progressed = true;
      KEVOLVE_RETURN_IF_ERROR(TrySample());
    }
    return Status::Ok();
  }
  for (auto it = tickets_.begin(); it != tickets_.end();) {
    if (it->second.stage != Stage::kDone) {
      ++it;
      continue;
    }
    KEVOLVE_RETURN_IF_ERROR(Resolve(it->first, it->second));
    it = tickets_.erase(it);
    *progressed = true;
  }
  return TrySample();
}

Status Engine::Resolve(int64_t ticket_id, Ticket& ticket) {
  const bool prompts = proposer_->WantsPrompts();
  for (const LlmCall& c : ticket.done ? ticket.done->calls : std::vector<LlmCall>{}) {
    usage_.calls += 1;
    usage_.tokens_in += c.tokens_in;
    usage_.tokens_out += c.tokens_out;
    usage_.cost += c.cost;
  }
  double improvement = 0;
  switch (ticket.outcome) {
    case Outcome::kEvaluated: {
      failed_proposals_in_a_row_ = 0;
      no_proposal_in_a_row_ = 0;
      KEVOLVE_ASSIGN_OR_RETURN(improvement, ResolveEvaluated(ticket));
      break;
    }
    case Outcome::kRejected:
      ++failed_proposals_in_a_row_;
      no_proposal_in_a_row_ = 0;
      if (prompts && ticket.repair_attempt < config_.prompt.max_repair_attempts) {
        repairs_.push_back(RepairJob{ticket.parent_id, ticket.island,
                                     std::move(ticket.rejected_edit), std::move(ticket.rejection),
                                     ticket.repair_attempt + 1});
      }
      break;
    case Outcome::kDuplicate:
      ++failed_proposals_in_a_row_;
      no_proposal_in_a_row_ = 0;
      break;
    case Outcome::kNoProposal:
    case Outcome::kNone: {
      ++failed_proposals_in_a_row_;
      const std::string error = ticket.done ? ticket.done->status.message() : "no proposal";
      KEVOLVE_RETURN_IF_ERROR(store_->LinkLlmCalls(ticket.call_ids, "no_proposal"));
      if (prompts) {
        ++no_proposal_in_a_row_;
        events_->Emit("proposal_failed", {{"proposal", ticket_id}, {"error", error}});
        if (no_proposal_in_a_row_ >= kMaxNoProposalInARow) {
          return Status::Unavailable(
              "the LLM gave no usable reply to " + std::to_string(kMaxNoProposalInARow) +
              " proposals in a row (last: " + error +
              "); `kevolve status` lists the failures by kind; fix the endpoint and `kevolve "
              "resume` the run");
        }
      }
      break;
    }
  }
  if (prompts) {
    proposer_->Outcome(ticket_id, improvement);
    // What the outcome taught model selection, and the repair queues, as of this resolution (the
    // commit above wrote them as they were before it).
    KEVOLVE_RETURN_IF_ERROR(store_->CommitPlacements({}, StateSnapshot()));
  }
  if (failed_proposals_in_a_row_ >= kMaxFailedProposalsInARow) {
    return Status::FailedPrecondition(
        std::to_string(kMaxFailedProposalsInARow) +
        " proposals in a row were rejected or duplicates: the search has nothing new to "
        "try from this population (widen the EVOLVE-BLOCK or add tunable constants)");
  }
  return Status::Ok();
}

Result<double> Engine::ResolveEvaluated(Ticket& ticket) {
  Program program = std::move(ticket.candidate);
  in_flight_hashes_.erase(program.code_hash);
  program.result = std::move(ticket.result);
  AdaptRepeats(program.result, ticket.repeats);
  const Proposal& proposal = ticket.done->proposal;
  KEVOLVE_ASSIGN_OR_RETURN(const int64_t id,
                           Commit(std::move(program), ticket.call_ids, proposal.feedback));
  if (!proposal.reasoning.empty() || !proposal.expected_impact.empty()) {
    notes_[id] = prompt::ProgramNote{proposal.reasoning, proposal.expected_impact};
  }
  const Program* child = population_->Get(id);
  const Program* parent = population_->Get(ticket.parent_id);
  if (child == nullptr) return 0.0;
  // A failed LLM program may come back as a repair prompt (prompt.repair_ratio).
  if (proposer_->WantsPrompts() && !child->result.valid &&
      child->result.failure != Failure::kSandbox) {
    failed_programs_.push_front(id);
    if (failed_programs_.size() > kRepairableKept) failed_programs_.pop_back();
  }
  if (!child->result.valid || parent == nullptr || !parent->result.valid) return 0.0;
  const double gained = child->result.combined_score - parent->result.combined_score;
  return std::isfinite(gained) ? std::max(0.0, gained) : 0.0;
}

Result<int64_t> Engine::Commit(Program program, const std::vector<int64_t>& call_ids,
                               const std::optional<double>& feedback) {
  program.created_unix_ms = env_.clock->UnixMs();
  const bool initial = program.origin == "initial";
  if (!initial) ++evaluations_;
  if (program.result.valid) ++valid_;
  // The council's score counts with its configured weight; both parts stay visible as metrics.
  if (feedback && program.result.valid && config_.llm.feedback.weight > 0) {
    program.result.metrics["evaluator_score"] = program.result.combined_score;
    program.result.metrics["llm_feedback"] = *feedback;
    program.result.combined_score += config_.llm.feedback.weight * *feedback;
    ShiftScoreSamples(program.result, config_.llm.feedback.weight * *feedback);
  }

  // The initial program lives on every island: island 0 holds it, the others get copies
  // committed in the same transaction (program_id 0 = the program being committed).
  std::vector<Placement> placements;
  if (initial && program.result.valid && std::isfinite(program.result.combined_score)) {
    for (int island = 1; island < config_.database.islands; ++island) {
      placements.push_back(Placement{0, island, "initial"});
    }
  }
  KEVOLVE_ASSIGN_OR_RETURN(int64_t id,
                           store_->CommitProgram(program, placements, StateSnapshot(), call_ids));
  program.id = id;
  if (initial) initial_id_ = id;
  KEVOLVE_ASSIGN_OR_RETURN(const InsertOutcome inserted, population_->Insert(program));
  for (const Placement& pl : placements) {
    KEVOLVE_RETURN_IF_ERROR(population_->Place(id, pl.island));
  }
  events_->Emit("program", ResultJson(program));
  // What noise-aware selection decided: whether the program's score samples beat those of the
  // best or of its cell's elite by more than the noise (only when both sides have samples).
  for (const PromotionTest& test : inserted.promotion_tests) {
    events_->Emit("promotion", {{"id", id},
                                {"role", test.role},
                                {"incumbent", test.incumbent},
                                {"promoted", test.allowed},
                                {"why", test.why}});
  }
  if (config_.run.strategy == Strategy::kHillClimb && program.result.valid) {
    const Program* best = population_->Best();
    if (inserted.new_best_overall ||
        (best != nullptr && program.result.combined_score == best->result.combined_score)) {
      climb_id_ = id;
    }
  }
  if (inserted.new_best_overall) {
    events_->Emit("new_best", {{"id", id}, {"score", program.result.combined_score}});
    Status s = WriteFileAtomic(paths_.best(config_.task.initial_program), program.code);
    if (!s.ok()) log::Warn("could not write best.cc: {}", s.ToString());
    KEVOLVE_RETURN_IF_ERROR(RecordBest());
  }
  KEVOLVE_RETURN_IF_ERROR(MaybeMigrate());
  ReportProgress();
  return id;
}

}  // namespace kevolve::engine
