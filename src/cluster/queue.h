// The controller side of the Slurm backend: one Slurm job per evaluation.
//
// Submit writes the candidate into its job folder on the shared file system and submits a job
// that runs `kevolve slurm-job` there (cluster/node.h); WaitNext hands back results as their
// files appear. Slurm's own view (squeue, every evaluator.slurm.poll_seconds) is used only to
// notice jobs that ended without a result, and to start each job's deadline.
//
// What happens on every failure (docs/distributed.md says the same for users):
//   - a stage past its deadline: the node's sandbox kills it, as locally (failure timeout).
//     If the job itself runs past its time limit (the stage deadlines plus grace plus
//     evaluator.slurm.time_margin_seconds; a hung node), the controller cancels it (scancel)
//     and records a timeout; Slurm's own --time is the same limit, whichever comes first.
//   - slurmctld unreachable: submissions wait and are retried every poll; results keep coming
//     from the shared folder; after evaluator.slurm.unavailable_seconds without an answer,
//     Health() fails and the engine stops the run (resumable).
//   - sbatch refuses a job (bad partition, account, resources): Health() fails at once.
//   - Slurm requeues a running job itself (node failure or preemption with requeue): it would
//     wait out a begin time in the queue, so it is cancelled and treated as lost (below).
//   - a job ends without a result (node failure, preemption, cancelled from outside, the
//     kevolve on the node failed): resubmitted up to evaluator.slurm.max_retries times, then
//     recorded as failure `sandbox` with the states and the job's log. TIMEOUT is a timeout and
//     OUT_OF_MEMORY a crash, without retries.
// Each is an event (TakeEvents) for events.jsonl.
//
// Resume: jobs of the run (found by their name, kevolve-<run id>) that a killed controller left
// are adopted: a Submit of the same evaluation (same code, seed and repeat count, the job's
// comment) waits for that job instead of starting another, and a result already in the shared
// folder is taken without running anything. Adopted jobs nobody claims are cancelled with the
// others when the queue is destroyed (Ctrl-C, SIGTERM, the end of the run).
//
// Not thread-safe: the controller thread calls everything (sbatch and squeue run on helper
// threads it starts and collects).
#pragma once

#include <cstdint>
#include <deque>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cluster/slurm.h"
#include "cluster/wire.h"
#include "config/config.h"
#include "core/clock.h"
#include "core/json.h"
#include "core/program.h"
#include "core/status.h"

namespace kevolve::cluster {

struct QueueEvent {
  std::string type;  // slurm_probe, slurm_resume, slurm_job, slurm_job_lost, ...
  Json fields;
};

class SlurmQueue {
 public:
  // Prepares the run's shared folder (config, run file), checks that a node sees it and can
  // evaluate there (a probe job, waited for up to probe_timeout_seconds), and adopts the jobs
  // of the run left by an earlier controller. `kevolve_binary`: what the nodes run.
  // Errors: FailedPrecondition (the shared folder is missing or not writable, Slurm is not
  // installed, the probe failed: the message says what the node saw), Unavailable (slurmctld
  // did not answer), InvalidArgument (sbatch refused the probe: a bad partition, account...).
  static Result<std::unique_ptr<SlurmQueue>> Create(const Config& config,
                                                    const std::string& run_id,
                                                    const std::string& kevolve_binary);
  // Cancels every job of the run still queued or running.
  ~SlurmQueue();
  SlurmQueue(const SlurmQueue&) = delete;
  SlurmQueue& operator=(const SlurmQueue&) = delete;

  void Submit(int64_t ticket, const std::string& code, uint64_t seed, int repeats);
  // The next finished evaluation (ticket, result), or nullopt after `timeout_ms`.
  std::optional<std::pair<int64_t, EvalResult>> WaitNext(int64_t timeout_ms);
  size_t InFlight() const { return jobs_.size() + done_.size(); }
  int Slots() const { return config_.evaluator.workers; }
  // OK, or why the run cannot go on (slurmctld away too long, a job refused).
  Status Health() const { return fatal_; }
  std::vector<QueueEvent> TakeEvents();

  // The job's time limit in seconds: every stage's deadline and grace, plus the margin.
  static double TimeLimitSeconds(const EvaluatorConfig& e);
  // The sbatch options of one evaluation's job (resources of evaluator.slurm).
  static std::vector<std::string> ResourceOptions(const EvaluatorConfig& e);

 private:
  static constexpr int64_t kSubmitting = -2;  // Job::slurm_id while sbatch runs
  static constexpr int64_t kSettled = -1;     // Job::slurm_id of a job about to be erased
  struct Job {
    int64_t ticket = 0;
    std::string key;
    std::string dir;
    int64_t slurm_id = 0;    // 0: not submitted (yet, or again after a loss); see above
    int submissions = 0;
    std::vector<std::string> lost;  // "<id> <STATE> on <node>" of each job lost
    int64_t started_ms = 0;  // when the controller first saw it running; 0 = not yet
    int64_t missing_since_ms = 0;  // ended (or unknown to squeue) without a result since
    bool adopted = false;
    std::string last_state;  // as squeue last said
  };

  SlurmQueue(Config config, std::string run_id, std::string kevolve_binary);
  Status Probe();
  Status Adopt();
  JobSpec Spec(const std::string& key, const std::string& dir) const;
  void Pump();
  void SubmitWaiting(int64_t now);
  void SubmitDone(std::vector<std::pair<int64_t, Result<int64_t>>> ids, int64_t now);
  void CheckResults(int64_t now);
  void PollScheduler(int64_t now);
  void JobEnded(Job& job, const JobInfo* info, int64_t now);
  void Finish(int64_t ticket, EvalResult result, const std::string& how);
  void Emit(std::string type, Json fields) { events_.push_back({std::move(type), std::move(fields)}); }
  void SchedulerAnswered(int64_t now);
  void SchedulerDidNotAnswer(const Status& why, int64_t now);

  Config config_;
  std::string run_id_;
  std::string kevolve_;
  RunLayout layout_;
  std::string name_;
  Clock& clock_;
  std::map<int64_t, Job> jobs_;               // in flight, by ticket
  std::map<std::string, int64_t> adopted_;    // key -> Slurm job id left by a killed controller
  std::deque<std::pair<int64_t, EvalResult>> done_;
  std::vector<QueueEvent> events_;
  Status fatal_;
  int64_t next_submit_ms_ = 0;
  int64_t submit_backoff_ms_ = 0;
  int64_t next_poll_ms_ = 0;
  int64_t next_result_check_ms_ = 0;
  int64_t unavailable_since_ms_ = 0;  // 0 = slurmctld answered last time
  int64_t poll_asked_ms_ = 0;         // when the squeue under way (or last) was started
  // sbatch and squeue calls under way on helper threads (they block while slurmctld is away).
  std::future<std::vector<std::pair<int64_t, Result<int64_t>>>> submitting_;
  std::future<Result<std::vector<JobInfo>>> polling_;
};

}  // namespace kevolve::cluster
