#include "cluster/queue.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <chrono>
#include <filesystem>

#include "cluster/node.h"
#include "config/load.h"
#include "core/files.h"
#include "core/log.h"
#include "core/text.h"

namespace kevolve::cluster {
namespace {

constexpr int64_t kResultCheckMs = 50;       // how often result files are looked for
constexpr int64_t kSliceMs = 20;             // sleep between looks while waiting
constexpr int64_t kMaxSubmitBackoffMs = 30'000;
// A job that ended without a result file gets this long (at least) for the file to show up
// (a shared file system may show it to this machine later than the job ends).
constexpr int64_t kResultGraceMs = 3'000;
// The controller cancels a running job this long after its time limit, if Slurm has not.
constexpr int64_t kDeadlineSlackMs = 10'000;
// The status of the submissions of a batch that were not tried after one failed.
constexpr char kNotTried[] = "not tried";

std::string FormatTime(double seconds) {
  const int64_t s = static_cast<int64_t>(std::ceil(seconds));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld:%02lld", static_cast<long long>(s / 60),
                static_cast<long long>(s % 60));
  return buf;
}

// A number of seconds as people write it: 2, 0.5, 600.
std::string Seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", s);
  return buf;
}

bool WantsGpus(const EvaluatorConfig& e) {
  if (e.slurm.gpus <= 0) return false;
  if (e.stages.empty()) return true;  // one stage, device shared
  for (const StageConfig& s : e.stages) {
    if (s.device != "none") return true;
  }
  return false;
}

Status CheckSharedDir(const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return Status::FailedPrecondition(
        "evaluator.slurm.shared_dir '" + dir +
        "' is not a folder here; make it on a file system the nodes share (NFS, Lustre, ...)");
  }
  if (access(dir.c_str(), W_OK | X_OK) != 0) {
    return Status::FailedPrecondition("evaluator.slurm.shared_dir '" + dir +
                                      "' is not writable by this user");
  }
  return Status::Ok();
}

}  // namespace

double SlurmQueue::TimeLimitSeconds(const EvaluatorConfig& e) {
  double total = 0;
  if (e.stages.empty()) {
    total = e.timeout_seconds + e.grace_seconds;
  } else {
    for (const StageConfig& s : e.stages) {
      total += (s.timeout_seconds > 0 ? s.timeout_seconds : e.timeout_seconds) + e.grace_seconds;
    }
  }
  return total + e.slurm.time_margin_seconds;
}

std::vector<std::string> SlurmQueue::ResourceOptions(const EvaluatorConfig& e) {
  const SlurmConfig& s = e.slurm;
  std::vector<std::string> o = {"--nodes=1", "--ntasks=1",
                                "--cpus-per-task=" + std::to_string(s.cpus)};
  if (!s.partition.empty()) o.push_back("--partition=" + s.partition);
  if (!s.account.empty()) o.push_back("--account=" + s.account);
  if (s.memory_mb > 0) o.push_back("--mem=" + std::to_string(s.memory_mb) + "M");
  if (WantsGpus(e)) {
    o.push_back("--gres=gpu:" + (s.gpu_type.empty() ? "" : s.gpu_type + ":") +
                std::to_string(s.gpus));
  }
  o.insert(o.end(), s.extra_args.begin(), s.extra_args.end());
  return o;
}

SlurmQueue::SlurmQueue(Config config, std::string run_id, std::string kevolve_binary)
    : config_(std::move(config)),
      run_id_(std::move(run_id)),
      kevolve_(std::move(kevolve_binary)),
      layout_(LayoutFor(config_.evaluator.slurm.shared_dir, run_id_)),
      name_(JobName(run_id_)),
      clock_(RealClock()) {}

Result<std::unique_ptr<SlurmQueue>> SlurmQueue::Create(const Config& config,
                                                       const std::string& run_id,
                                                       const std::string& kevolve_binary) {
  KEVOLVE_RETURN_IF_ERROR(CheckSharedDir(config.evaluator.slurm.shared_dir));
  std::unique_ptr<SlurmQueue> q(new SlurmQueue(config, run_id, kevolve_binary));
  KEVOLVE_RETURN_IF_ERROR(MakeDirs(q->layout_.jobs()));
  for (const std::string& d : {q->layout_.dir, q->layout_.jobs()}) {
    std::error_code ec;  // the slot uids of the nodes' sandboxes must reach the job folders
    std::filesystem::permissions(d, std::filesystem::perms(0755), ec);
  }
  KEVOLVE_RETURN_IF_ERROR(WriteFileAtomic(
      RunFile(q->layout_.dir),
      DumpJson(Json{{"config_yaml", ConfigToYaml(config)}, {"task_dir", config.task.dir}}) + "\n"));
  KEVOLVE_RETURN_IF_ERROR(q->Probe());
  KEVOLVE_RETURN_IF_ERROR(q->Adopt());
  return q;
}

SlurmQueue::~SlurmQueue() {
  // A submission under way: wait for its ids, so that they are cancelled too.
  if (submitting_.valid()) SubmitDone(submitting_.get(), clock_.NowMs());
  if (polling_.valid()) (void)polling_.get();
  std::vector<int64_t> ids;
  for (const auto& [ticket, job] : jobs_) {
    if (job.slurm_id > 0) ids.push_back(job.slurm_id);
  }
  for (const auto& [key, id] : adopted_) ids.push_back(id);
  Status s = cluster::Cancel(ids);
  if (s.ok()) s = CancelByName(name_);  // also any job whose sbatch answer was lost
  if (!s.ok()) {
    log::Error("could not cancel the run's Slurm jobs ({}); `kevolve resume` finds and settles "
               "them, or cancel them with: scancel --name={}",
               s.ToString(), name_);
  }
}

JobSpec SlurmQueue::Spec(const std::string& key, const std::string& dir) const {
  JobSpec spec;
  spec.name = name_;
  spec.comment = "kevolve " + run_id_ + " " + key;
  spec.output = JobLog(dir);
  spec.workdir = dir;
  spec.time = FormatTime(TimeLimitSeconds(config_.evaluator));
  spec.options = ResourceOptions(config_.evaluator);
  spec.command = {kevolve_, "slurm-job", layout_.dir, key};
  return spec;
}

Status SlurmQueue::Probe() {
  const int64_t start = clock_.NowMs();
  const std::string dir = layout_.probe_dir();
  (void)RemoveTree(dir);
  KEVOLVE_RETURN_IF_ERROR(MakeDirs(dir));
  JobSpec spec = Spec("probe", dir);
  spec.comment = "kevolve " + run_id_ + " probe";
  spec.output = dir + "/probe.out";
  spec.command = {kevolve_, "slurm-job", "--probe", layout_.dir};
  auto id = cluster::Submit(spec);
  if (!id.ok()) {
    return id.status().WithContext("submitting the start-up probe job (evaluator.slurm)");
  }
  const std::string answer_file = dir + "/answer.json";
  const int64_t deadline =
      start + static_cast<int64_t>(config_.evaluator.slurm.probe_timeout_seconds * 1000);
  std::string last_state = "PENDING", last_reason;
  int64_t next_poll = 0, ended_at = 0;
  while (!PathExists(answer_file)) {
    const int64_t now = clock_.NowMs();
    if (now >= deadline) {
      (void)cluster::Cancel({*id});
      return Status::FailedPrecondition(
          "the start-up probe job " + std::to_string(*id) + " gave no answer within " +
          Seconds(config_.evaluator.slurm.probe_timeout_seconds) +
          " s (evaluator.slurm.probe_timeout_seconds); it was " + last_state +
          (last_reason.empty() || last_reason == "None" ? "" : " (" + last_reason + ")") +
          "; check the partition and resources with sinfo and squeue");
    }
    if (now >= next_poll) {
      next_poll = now + 500;
      auto jobs = ListJobs(name_);
      if (jobs.ok()) {
        const JobInfo* info = nullptr;
        for (const JobInfo& j : *jobs) {
          if (j.id == *id) info = &j;
        }
        if (info != nullptr) {
          last_state = info->state;
          last_reason = info->reason;
        }
        if ((info == nullptr || !IsActiveState(info->state)) && ended_at == 0) ended_at = now;
      }
    }
    if (ended_at > 0 && now - ended_at > kResultGraceMs) {
      const std::string log = TailOfFile(dir + "/probe.out", 5);
      return Status::FailedPrecondition(
          "the start-up probe job " + std::to_string(*id) + " ended (" + last_state +
          ") without an answer in " + dir + ": the node does not see " +
          "evaluator.slurm.shared_dir at the same path, or cannot run " + kevolve_ +
          " (evaluator.slurm.kevolve)" + (log.empty() ? "" : "; its log: " + log));
    }
    clock_.SleepMs(kSliceMs);
  }
  KEVOLVE_ASSIGN_OR_RETURN(std::string text, ReadFile(answer_file));
  KEVOLVE_ASSIGN_OR_RETURN(Json answer, ParseJson(text));
  if (!answer.value("ok", false)) {
    return Status::FailedPrecondition("on node " + answer.value("host", std::string("?")) +
                                      ", the start-up probe found: " +
                                      answer.value("error", std::string("?")));
  }
  Emit("slurm_probe", {{"job", *id},
                       {"node", answer.value("host", std::string())},
                       {"sandbox", answer.value("sandbox", std::string())},
                       {"seconds", static_cast<double>(clock_.NowMs() - start) / 1000.0}});
  (void)RemoveTree(dir);
  return Status::Ok();
}

Status SlurmQueue::Adopt() {
  auto jobs = ListJobs(name_);
  if (!jobs.ok()) return jobs.status().WithContext("listing the run's Slurm jobs");
  int64_t active = 0;
  for (const JobInfo& j : *jobs) {
    if (!IsActiveState(j.state) || EndsWith(j.comment, " probe")) continue;
    ++active;
    // The comment is "kevolve <run id> <key>".
    const std::string prefix = "kevolve " + run_id_ + " ";
    if (StartsWith(j.comment, prefix) && j.comment.size() > prefix.size()) {
      const std::string key = j.comment.substr(prefix.size());
      if (key != "probe") adopted_[key] = j.id;
    }
  }
  if (active > 0) {
    Emit("slurm_resume", {{"active_jobs", active}, {"adopted", adopted_.size()}});
    log::Info("found {} Slurm jobs of this run left by an earlier kevolve; their evaluations are "
              "taken over when asked for again, the others cancelled at the end",
              active);
  }
  return Status::Ok();
}

void SlurmQueue::Submit(int64_t ticket, const std::string& code, uint64_t seed, int repeats) {
  Job job;
  job.ticket = ticket;
  job.key = EvalKey(code, seed, repeats);
  job.dir = layout_.job(job.key);
  // Finished before (by a killed controller's job): take it, run nothing.
  if (auto r = ReadResult(job.dir); r.ok()) {
    Emit("slurm_job", {{"ticket", ticket}, {"key", job.key}, {"state", "harvested"}});
    done_.emplace_back(ticket, std::move(*r));
    return;
  }
  if (auto it = adopted_.find(job.key); it != adopted_.end()) {
    job.slurm_id = it->second;
    job.submissions = 1;
    job.adopted = true;
    adopted_.erase(it);
    Emit("slurm_job", {{"ticket", ticket}, {"key", job.key}, {"job", job.slurm_id},
                       {"state", "adopted"}});
    jobs_[ticket] = std::move(job);
    return;
  }
  (void)RemoveTree(job.dir);  // what a lost job of an earlier controller left
  Status s = MakeDirs(job.dir);
  if (s.ok()) s = WriteFileAtomic(ProgramFile(job.dir), code);
  if (s.ok()) {
    s = WriteFileAtomic(RequestFile(job.dir),
                        DumpJson(Json{{"seed", seed}, {"repeats", repeats}}) + "\n");
  }
  if (!s.ok()) {
    fatal_ = s.WithContext("writing the job folder on evaluator.slurm.shared_dir");
    return;
  }
  std::error_code ec;
  std::filesystem::permissions(job.dir, std::filesystem::perms(0755), ec);
  jobs_[ticket] = std::move(job);
}

std::vector<QueueEvent> SlurmQueue::TakeEvents() {
  std::vector<QueueEvent> out;
  out.swap(events_);
  return out;
}

std::optional<std::pair<int64_t, EvalResult>> SlurmQueue::WaitNext(int64_t timeout_ms) {
  const int64_t deadline = clock_.NowMs() + std::max<int64_t>(timeout_ms, 0);
  for (;;) {
    Pump();
    if (!done_.empty()) {
      auto d = std::move(done_.front());
      done_.pop_front();
      return d;
    }
    const int64_t now = clock_.NowMs();
    if (now >= deadline || jobs_.empty() || !fatal_.ok()) return std::nullopt;
    clock_.SleepMs(std::min(kSliceMs, deadline - now));
  }
}

void SlurmQueue::Pump() {
  const int64_t now = clock_.NowMs();
  if (!fatal_.ok()) return;
  SubmitWaiting(now);
  if (now >= next_result_check_ms_) {
    // Every 50 ms, but at most 500 stats per second on the shared file system in all (1,000
    // running jobs: each looked at every 2 s).
    next_result_check_ms_ =
        now + std::max<int64_t>(kResultCheckMs, 2 * static_cast<int64_t>(jobs_.size()));
    CheckResults(now);
  }
  PollScheduler(now);
}

// sbatch runs on a helper thread: while slurmctld does not answer, each call takes its
// MessageTimeout (10 s by default), and the controller must go on taking results meanwhile.
void SlurmQueue::SubmitWaiting(int64_t now) {
  if (submitting_.valid()) {
    if (submitting_.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return;
    SubmitDone(submitting_.get(), clock_.NowMs());
  }
  if (now < next_submit_ms_ || !fatal_.ok()) return;
  std::vector<std::pair<int64_t, JobSpec>> batch;
  for (auto& [ticket, job] : jobs_) {
    if (job.slurm_id != 0) continue;
    job.slurm_id = kSubmitting;
    batch.emplace_back(ticket, Spec(job.key, job.dir));
  }
  if (batch.empty()) return;
  submitting_ = std::async(std::launch::async, [batch = std::move(batch)] {
    std::vector<std::pair<int64_t, Result<int64_t>>> ids;
    for (const auto& [ticket, spec] : batch) {
      ids.emplace_back(ticket, cluster::Submit(spec));
      if (!ids.back().second.ok()) break;  // the rest wait for the next try
    }
    for (size_t i = ids.size(); i < batch.size(); ++i) {
      ids.emplace_back(batch[i].first, Status::Unavailable(kNotTried));
    }
    return ids;
  });
}

void SlurmQueue::SubmitDone(std::vector<std::pair<int64_t, Result<int64_t>>> ids, int64_t now) {
  bool answered = false;
  for (auto& [ticket, id] : ids) {
    auto it = jobs_.find(ticket);
    if (it == jobs_.end()) continue;
    Job& job = it->second;
    job.slurm_id = 0;
    if (!id.ok()) {
      if (id.status().message() == kNotTried) continue;
      if (id.status().code() == StatusCode::kUnavailable) {
        SchedulerDidNotAnswer(id.status(), now);
        submit_backoff_ms_ = std::clamp<int64_t>(submit_backoff_ms_ * 2, 500, kMaxSubmitBackoffMs);
        next_submit_ms_ = now + submit_backoff_ms_;
      } else if (fatal_.ok()) {
        fatal_ = id.status().WithContext("Slurm refused an evaluation job (evaluator.slurm)");
        Emit("slurm_refused", {{"error", fatal_.ToString()}});
      }
      continue;
    }
    answered = true;
    job.slurm_id = *id;
    job.submissions += 1;
    job.started_ms = 0;
    job.missing_since_ms = 0;
    job.last_state.clear();
    Emit("slurm_job", {{"ticket", ticket}, {"key", job.key}, {"job", *id}, {"state", "submitted"},
                       {"submission", job.submissions}});
  }
  if (answered) {
    SchedulerAnswered(now);
    submit_backoff_ms_ = 0;
  }
}

void SlurmQueue::CheckResults(int64_t now) {
  std::vector<int64_t> finished;
  for (auto& [ticket, job] : jobs_) {
    if (job.slurm_id <= 0) continue;
    if (job.started_ms == 0 && PathExists(StartedFile(job.dir))) job.started_ms = now;
    auto r = ReadResult(job.dir);
    if (r.status().code() == StatusCode::kNotFound) continue;
    if (!r.ok()) {
      EvalResult bad;
      bad.failure = Failure::kSandbox;
      bad.reason = "the result file of Slurm job " + std::to_string(job.slurm_id) +
                   " cannot be read: " + r.status().ToString();
      r = std::move(bad);
    }
    Emit("slurm_job", {{"ticket", ticket}, {"key", job.key}, {"job", job.slurm_id},
                       {"state", "finished"}});
    done_.emplace_back(ticket, std::move(*r));
    finished.push_back(ticket);
  }
  for (int64_t t : finished) jobs_.erase(t);
  // A running job past its time limit (a hung node, or slurmctld away so Slurm's own limit
  // cannot act): cancel it and record a timeout.
  const double limit_s = TimeLimitSeconds(config_.evaluator);
  const int64_t limit_ms = static_cast<int64_t>(limit_s * 1000) + kDeadlineSlackMs;
  for (auto it = jobs_.begin(); it != jobs_.end();) {
    Job& job = it->second;
    if (job.slurm_id <= 0 || job.started_ms == 0 || now - job.started_ms < limit_ms) {
      ++it;
      continue;
    }
    (void)cluster::Cancel({job.slurm_id});
    EvalResult r;
    r.failure = Failure::kTimeout;
    r.reason = "the Slurm job " + std::to_string(job.slurm_id) + " ran past its time limit of " +
               Seconds(limit_s) +
               " s (the stage deadlines plus evaluator.slurm.time_margin_seconds) without a "
               "result; it was cancelled (scancel)";
    Emit("slurm_job", {{"ticket", it->first}, {"key", job.key}, {"job", job.slurm_id},
                       {"state", "deadline_cancelled"}});
    done_.emplace_back(it->first, std::move(r));
    it = jobs_.erase(it);
  }
}

void SlurmQueue::SchedulerAnswered(int64_t now) {
  if (unavailable_since_ms_ == 0) return;
  Emit("slurm_available",
       {{"after_seconds", static_cast<double>(now - unavailable_since_ms_) / 1000.0}});
  log::Info("slurmctld answers again after {} s", (now - unavailable_since_ms_) / 1000);
  unavailable_since_ms_ = 0;
}

void SlurmQueue::SchedulerDidNotAnswer(const Status& why, int64_t now) {
  if (unavailable_since_ms_ == 0) {
    unavailable_since_ms_ = now;
    Emit("slurm_unavailable", {{"error", why.ToString()}});
    log::Warn("Slurm does not answer ({}); retrying every few seconds for up to {} s "
              "(evaluator.slurm.unavailable_seconds)",
              why.ToString(), Seconds(config_.evaluator.slurm.unavailable_seconds));
    return;
  }
  const double down_s = static_cast<double>(now - unavailable_since_ms_) / 1000.0;
  if (down_s >= config_.evaluator.slurm.unavailable_seconds) {
    fatal_ = Status::Unavailable(
        "Slurm has not answered for " + Seconds(std::floor(down_s)) +
        " s (evaluator.slurm.unavailable_seconds): " + why.ToString() +
        "; the run stopped and `kevolve resume` continues it once the cluster is back");
    Emit("slurm_gave_up", {{"error", fatal_.ToString()}});
  }
}

// squeue runs on a helper thread, for the reason SubmitWaiting gives.
void SlurmQueue::PollScheduler(int64_t now) {
  if (!polling_.valid()) {
    if (now < next_poll_ms_ || jobs_.empty()) return;
    next_poll_ms_ = now + static_cast<int64_t>(config_.evaluator.slurm.poll_seconds * 1000);
    poll_asked_ms_ = now;
    polling_ = std::async(std::launch::async, [name = name_] { return ListJobs(name); });
    return;
  }
  if (polling_.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return;
  auto jobs = polling_.get();
  now = clock_.NowMs();
  if (!jobs.ok()) {
    SchedulerDidNotAnswer(jobs.status(), now);
    return;
  }
  SchedulerAnswered(now);
  std::map<int64_t, const JobInfo*> by_id;
  for (const JobInfo& j : *jobs) by_id[j.id] = &j;
  for (auto& [ticket, job] : jobs_) {
    if (job.slurm_id <= 0) continue;
    auto it = by_id.find(job.slurm_id);
    const JobInfo* info = it == by_id.end() ? nullptr : it->second;
    if (info != nullptr && IsActiveState(info->state)) {
      if (info->state == "RUNNING" && job.started_ms == 0) job.started_ms = now;
      // Started (squeue said so, or the node wrote its started file) before this squeue was
      // asked, and back to waiting now.
      const bool started = job.last_state == "RUNNING" ||
                           (job.started_ms > 0 && job.started_ms < poll_asked_ms_);
      if (started && info->state != "RUNNING" && info->state != "COMPLETING") {
        // Slurm put it back in its queue itself (its node failed, or it was preempted with
        // requeue), where it would wait out a begin time: cancelled and submitted again now,
        // as a lost job.
        (void)cluster::Cancel({job.slurm_id});
        JobInfo requeued = *info;
        requeued.state = "REQUEUED";
        JobEnded(job, &requeued, now);
        continue;
      }
      job.last_state = info->state;
      job.missing_since_ms = 0;
      continue;
    }
    if (job.missing_since_ms == 0) {
      job.missing_since_ms = now;
      continue;
    }
    const int64_t grace = std::max<int64_t>(
        kResultGraceMs, 2 * static_cast<int64_t>(config_.evaluator.slurm.poll_seconds * 1000));
    if (now - job.missing_since_ms >= grace) JobEnded(job, info, now);
  }
  std::vector<int64_t> ended;
  for (auto& [ticket, job] : jobs_) {
    if (job.slurm_id == kSettled) ended.push_back(ticket);
  }
  for (int64_t t : ended) jobs_.erase(t);
}

// A job that ended without a result file: a timeout, an out-of-memory kill, or lost.
void SlurmQueue::JobEnded(Job& job, const JobInfo* info, int64_t /*now*/) {
  const std::string state = info == nullptr ? "GONE" : info->state;
  const std::string node = info == nullptr ? "" : info->node;
  const std::string id = std::to_string(job.slurm_id);
  const std::string log = TailOfFile(JobLog(job.dir), 5);
  auto settle = [&](Failure failure, std::string reason) {
    EvalResult r;
    r.failure = failure;
    r.reason = std::move(reason);
    if (!log.empty()) r.artifacts["stderr"] = log;
    Emit("slurm_job", {{"ticket", job.ticket}, {"key", job.key}, {"job", job.slurm_id},
                       {"state", ToLower(state)}});
    done_.emplace_back(job.ticket, std::move(r));
    job.slurm_id = kSettled;  // erased by the caller
  };
  if (state == "TIMEOUT") {
    settle(Failure::kTimeout, "the Slurm job " + id + " passed its time limit of " +
                                  Seconds(TimeLimitSeconds(config_.evaluator)) +
                                  " s (the stage deadlines plus "
                                  "evaluator.slurm.time_margin_seconds); Slurm ended it");
    return;
  }
  if (state == "OUT_OF_MEMORY") {
    settle(Failure::kCrash, "the Slurm job " + id + " ran out of its memory (--mem, "
                                "evaluator.slurm.memory_mb) on " + node);
    return;
  }
  job.lost.push_back(id + " " + state + (node.empty() ? "" : " on " + node));
  const int max_retries = config_.evaluator.slurm.max_retries;
  if (job.submissions <= max_retries) {
    Emit("slurm_job_lost", {{"ticket", job.ticket}, {"key", job.key}, {"job", job.slurm_id},
                            {"state", state}, {"node", node},
                            {"reason", info == nullptr ? "" : info->reason},
                            {"retry", job.submissions}, {"max_retries", max_retries},
                            {"log", log}});
    log::Warn("Slurm job {} ended {} without a result; submitting it again ({} of {})", id, state,
              job.submissions, max_retries);
    (void)RemoveTree(StartedFile(job.dir));
    job.slurm_id = 0;
    job.started_ms = 0;
    job.missing_since_ms = 0;
    return;
  }
  std::string lost;
  for (const std::string& l : job.lost) lost += (lost.empty() ? "" : ", ") + l;
  settle(Failure::kSandbox, "the cluster lost this evaluation's job " +
                                std::to_string(job.lost.size()) + " times (" + lost +
                                "; evaluator.slurm.max_retries: " + std::to_string(max_retries) +
                                ")" + (log.empty() ? "" : "; last log: " + log));
}

}  // namespace kevolve::cluster
