#include "eval/pool.h"

#include <chrono>
#include <exception>
#include <utility>

namespace kevolve::eval {

namespace {
constexpr int kMaxWorkers = 256;
}  // namespace

Result<std::unique_ptr<EvalPool>> EvalPool::Create(const EvaluatorConfig& config,
                                                   const std::string& task_dir,
                                                   const std::string& scratch_root) {
  if (config.workers < 1 || config.workers > kMaxWorkers) {
    return Status::InvalidArgument("evaluator.workers must be 1.." + std::to_string(kMaxWorkers) +
                                   ", not " + std::to_string(config.workers));
  }
  KEVOLVE_ASSIGN_OR_RETURN(std::unique_ptr<Evaluator> evaluator,
                           Evaluator::Create(config, EvaluatorOptions{task_dir, scratch_root}));
  return std::make_unique<EvalPool>(std::shared_ptr<const Evaluator>(std::move(evaluator)),
                                    config.workers);
}

EvalPool::EvalPool(std::shared_ptr<const Evaluator> evaluator, int workers)
    : evaluator_(std::move(evaluator)) {
  threads_.reserve(static_cast<size_t>(workers));
  for (int slot = 0; slot < workers; ++slot) {
    threads_.emplace_back([this, slot] { WorkerLoop(slot); });
  }
}

EvalPool::~EvalPool() { Shutdown(); }

void EvalPool::Submit(EvalJob job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    queue_.push_back(std::move(job));
    ++in_flight_;
  }
  work_ready_.notify_one();
}

std::optional<EvalDone> EvalPool::WaitNext(int64_t timeout_ms) {
  std::unique_lock<std::mutex> lock(mu_);
  if (done_.empty() && in_flight_ == 0) return std::nullopt;
  done_ready_.wait_for(lock, std::chrono::milliseconds(std::max<int64_t>(timeout_ms, 0)),
                       [this] { return !done_.empty() || stopping_; });
  if (done_.empty()) return std::nullopt;
  EvalDone done = std::move(done_.front());
  done_.pop_front();
  --in_flight_;
  return done;
}

size_t EvalPool::in_flight() const {
  std::lock_guard<std::mutex> lock(mu_);
  return in_flight_;
}

void EvalPool::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
    in_flight_ -= queue_.size();
    queue_.clear();
  }
  cancel_.store(true);
  work_ready_.notify_all();
  done_ready_.notify_all();
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

void EvalPool::WorkerLoop(int slot) {
  for (;;) {
    EvalJob job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      work_ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    EvalDone done;
    done.ticket = job.ticket;
    done.slot = slot;
    // Evaluate does not throw; this catch is the last line that keeps a worker (and so the run)
    // alive if something underneath does (std::bad_alloc).
    try {
      done.result = evaluator_->Evaluate(job.code, job.seed, slot, &cancel_, job.repeats);
    } catch (const std::exception& e) {
      done.result.failure = Failure::kSandbox;
      done.result.reason = std::string("internal error in the evaluator pool: ") + e.what();
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
      done_.push_back(std::move(done));
    }
    done_ready_.notify_one();
  }
}

}  // namespace kevolve::eval
