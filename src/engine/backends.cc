#include "engine/backends.h"

#include <filesystem>

#include "cluster/queue.h"
#include "core/random.h"
#include "eval/pool.h"
#include "mutate/mutate.h"

namespace kevolve::engine {
namespace {

class MutatorProposer final : public ImmediateProposer {
 public:
  explicit MutatorProposer(const MutatorConfig& config) : config_(config) {}

 private:
  ProposalDone Answer(const ProposalRequest& request) override {
    std::vector<std::string> inspirations;
    inspirations.reserve(request.inspirations.size());
    for (const Program& p : request.inspirations) inspirations.push_back(p.code);
    Rng rng(request.seed);
    ProposalDone done;
    auto m = mutate::Propose(request.parent.code, inspirations, config_, rng);
    if (m.ok()) {
      done.proposal.edit = std::move(m->edit);
      done.proposal.origin = "mutator:" + m->kind;
      done.proposal.description = std::move(m->description);
    } else {
      done.status = m.status();
    }
    return done;
  }

  MutatorConfig config_;
};

class PoolBackend final : public EvalBackend {
 public:
  explicit PoolBackend(std::unique_ptr<eval::EvalPool> pool, int slots)
      : pool_(std::move(pool)), slots_(slots) {}

  void Submit(int64_t ticket, const std::string& code, uint64_t seed) override {
    pool_->Submit(eval::EvalJob{ticket, code, seed, repeats_});
  }
  void SetRepeats(int repeats) override { repeats_ = repeats; }
  std::optional<EvalDone> WaitNext(int64_t timeout_ms) override {
    auto done = pool_->WaitNext(timeout_ms);
    if (!done) return std::nullopt;
    return EvalDone{done->ticket, std::move(done->result)};
  }
  size_t InFlight() const override { return pool_->in_flight(); }
  int Slots() const override { return slots_; }
  std::vector<eval::DeviceUse> DeviceUsage() const override { return pool_->DeviceUsage(); }

 private:
  std::unique_ptr<eval::EvalPool> pool_;
  int slots_;
  int repeats_ = 0;  // 0 = evaluator.repeats.initial
};

class SlurmBackend final : public EvalBackend {
 public:
  explicit SlurmBackend(std::unique_ptr<cluster::SlurmQueue> queue) : queue_(std::move(queue)) {}

  void Submit(int64_t ticket, const std::string& code, uint64_t seed) override {
    queue_->Submit(ticket, code, seed, repeats_);
  }
  void SetRepeats(int repeats) override { repeats_ = repeats; }
  std::optional<EvalDone> WaitNext(int64_t timeout_ms) override {
    auto done = queue_->WaitNext(timeout_ms);
    if (!done) return std::nullopt;
    return EvalDone{done->first, std::move(done->second)};
  }
  size_t InFlight() const override { return queue_->InFlight(); }
  int Slots() const override { return queue_->Slots(); }
  Status Health() const override { return queue_->Health(); }
  std::vector<BackendEvent> TakeEvents() override {
    std::vector<BackendEvent> out;
    for (cluster::QueueEvent& e : queue_->TakeEvents()) {
      out.push_back(BackendEvent{std::move(e.type), std::move(e.fields)});
    }
    return out;
  }

 private:
  std::unique_ptr<cluster::SlurmQueue> queue_;
  int repeats_ = 0;
};

}  // namespace

Result<std::unique_ptr<EvalBackend>> MakeSlurmBackend(const Config& config,
                                                      const std::string& run_id) {
  std::string binary = config.evaluator.slurm.kevolve;
  if (binary.empty()) {
    std::error_code ec;
    binary = std::filesystem::read_symlink("/proc/self/exe", ec).string();
    if (ec) return Status::Internal("cannot find this kevolve binary: " + ec.message());
  }
  KEVOLVE_ASSIGN_OR_RETURN(auto queue, cluster::SlurmQueue::Create(config, run_id, binary));
  return std::unique_ptr<EvalBackend>(new SlurmBackend(std::move(queue)));
}

std::unique_ptr<Proposer> MakeMutatorProposer(const MutatorConfig& config) {
  return std::make_unique<MutatorProposer>(config);
}

Result<std::unique_ptr<EvalBackend>> MakePoolBackend(const EvaluatorConfig& config,
                                                     const std::string& task_dir,
                                                     const std::string& scratch_root) {
  KEVOLVE_ASSIGN_OR_RETURN(auto pool, eval::EvalPool::Create(config, task_dir, scratch_root));
  return std::unique_ptr<EvalBackend>(new PoolBackend(std::move(pool), config.workers));
}

}  // namespace kevolve::engine
