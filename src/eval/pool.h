// The evaluator pool: N worker threads, each owning one slot (its uid and device), that take
// submitted programs, evaluate them with the Evaluator, and hand results back in completion
// order.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "config/config.h"
#include "core/program.h"
#include "core/status.h"
#include "eval/evaluator.h"

namespace kevolve::eval {

struct EvalJob {
  int64_t ticket = 0;  // the caller's id for this evaluation, returned with its result
  std::string code;
  uint64_t seed = 0;   // {seed} and KEVOLVE_SEED
  int repeats = 0;     // {repeats} and KEVOLVE_REPEATS; 0 = evaluator.repeats.initial
};

struct EvalDone {
  int64_t ticket = 0;
  int slot = 0;        // the worker slot that ran it
  EvalResult result;
};

class EvalPool {
 public:
  // An Evaluator for `config` (see Evaluator::Create for the errors) and config.workers
  // workers (InvalidArgument unless 1..256).
  static Result<std::unique_ptr<EvalPool>> Create(const EvaluatorConfig& config,
                                                  const std::string& task_dir,
                                                  const std::string& scratch_root);

  // Starts `workers` threads (slots 0..workers-1). REQUIRES: evaluator non-null, workers >= 1.
  EvalPool(std::shared_ptr<const Evaluator> evaluator, int workers);
  // Shutdown().
  ~EvalPool();
  EvalPool(const EvalPool&) = delete;
  EvalPool& operator=(const EvalPool&) = delete;

  // Queues a job; a free worker starts it at once. Ignored after Shutdown.
  void Submit(EvalJob job);

  // The next finished job, in completion order. Waits up to `timeout_ms` (0: just look);
  // returns nullopt on timeout, or at once when nothing is in flight.
  std::optional<EvalDone> WaitNext(int64_t timeout_ms);

  // Jobs submitted and not yet returned by WaitNext (queued, running or finished).
  size_t in_flight() const;
  int workers() const { return static_cast<int>(threads_.size()); }
  // Evaluator::DeviceUsage. Thread-safe.
  std::vector<DeviceUse> DeviceUsage() const { return evaluator_->DeviceUsage(); }

  // Kills running evaluations (promptly: the sandbox checks every 50 ms), drops queued ones,
  // and joins the workers. Results not yet collected are dropped. Idempotent.
  void Shutdown();

 private:
  void WorkerLoop(int slot);

  std::shared_ptr<const Evaluator> evaluator_;
  mutable std::mutex mu_;
  std::condition_variable work_ready_;
  std::condition_variable done_ready_;
  std::deque<EvalJob> queue_;    // guarded by mu_
  std::deque<EvalDone> done_;    // guarded by mu_
  size_t in_flight_ = 0;         // guarded by mu_
  bool stopping_ = false;        // guarded by mu_
  std::atomic<bool> cancel_{false};
  std::vector<std::thread> threads_;
};

}  // namespace kevolve::eval
