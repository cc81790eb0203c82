// The watcher of a sandboxed run (sandbox_run.h): polls the run's stdout and stderr, enforces
// the deadline, the output and disk caps and cancellation, and collects the report.
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "eval/disk_usage.h"
#include "eval/sandbox_run.h"

namespace kevolve::eval::internal {
namespace {

constexpr int64_t kDrainMs = 200;        // how long leftover writers may hold stdout (no PID ns)
constexpr int kReadsPerRound = 16;       // bounded, so a flood cannot starve the deadline checks
constexpr int64_t kDiskPollMs = 100;     // how often what a run wrote to disk is added up

// Reads what is available now. Returns true when the stream passed its cap.
bool ReadAvailable(Capture& c) {
  char buffer[65536];
  bool over = false;
  for (int round = 0; round < kReadsPerRound && c.open; ++round) {
    const ssize_t n = read(c.fd, buffer, sizeof buffer);
    if (n > 0) {
      const size_t room = c.cap - std::min(c.cap, c.text->size());
      const size_t keep = std::min(room, static_cast<size_t>(n));
      c.text->append(buffer, keep);
      if (keep < static_cast<size_t>(n)) {
        *c.truncated = true;
        over = true;
      }
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) break;
    c.open = false;  // end of file, or an error that ends the stream just the same
  }
  return over;
}

}  // namespace

// What a run has written to disk: below its workdir, and (as another uid in process mode) in
// the shared temporary folders. Records the peak in the outcome; true when over a cap.
bool DiskOverCap(const SandboxSpec& spec, const Launch& launch, ProcessOutcome* outcome) {
  if (spec.workdir.empty()) return false;
  const int64_t cap = spec.limits.disk_mb > 0 ? spec.limits.disk_mb << 20 : 0;
  const int64_t max_entries = MaxEntries(spec.limits.disk_mb);
  DiskUsage usage;
  AddTreeUsage(spec.workdir, cap, max_entries, &usage);
  if (launch.watch_shared_tmp) {
    for (const std::string& path :
         EntriesOwnedBy(launch.uid, spec.workdir, WatchedTempFolders(launch))) {
      ++usage.entries;
      AddTreeUsage(path, cap, max_entries, &usage);
    }
  }
  outcome->disk_peak_bytes = std::max(outcome->disk_peak_bytes, usage.bytes);
  outcome->disk_peak_entries = std::max(outcome->disk_peak_entries, usage.entries);
  return (cap > 0 && usage.bytes > cap) || (max_entries > 0 && usage.entries > max_entries);
}

namespace {

// Watches one run until its report is complete.
class Watcher {
 public:
  Watcher(const SandboxSpec& spec, const Launch& launch, TreeControl& control, Clock& clock)
      : spec_(spec), launch_(launch), control_(control), clock_(clock) {}

  std::string Run(Capture& out, Capture& err, int report_fd, ProcessOutcome* outcome) {
    const int64_t start = clock_.NowMs();
    const int64_t deadline = spec_.timeout_ms > 0 ? start + spec_.timeout_ms : kNoDeadline;
    next_ms_ = deadline;
    next_disk_ms_ = spec_.workdir.empty() ? kNoDeadline : start + kDiskPollMs;
    std::string report;
    bool report_open = true;
    while (report_open) {
      const int64_t now = clock_.NowMs();
      if (!outcome->cancelled && spec_.cancel != nullptr && spec_.cancel->load()) {
        outcome->cancelled = true;
        HardKill(now);
      }
      Escalate(now, deadline, outcome);
      if (now >= next_disk_ms_) WatchDisk(now, outcome);
      const int64_t wait_ms =
          std::clamp<int64_t>(std::min(next_ms_, next_disk_ms_) - now, 0, kTickMs);
      struct pollfd fds[3] = {{out.open ? out.fd : -1, POLLIN, 0},
                              {err.open ? err.fd : -1, POLLIN, 0},
                              {report_fd, POLLIN, 0}};
      if (poll(fds, 3, static_cast<int>(wait_ms)) < 0 && errno != EINTR) break;
      bool over = false;
      if (fds[0].revents != 0) over |= ReadAvailable(out);
      if (fds[1].revents != 0) over |= ReadAvailable(err);
      if (over && !outcome->killed_for_output) {
        outcome->killed_for_output = true;
        HardKill(clock_.NowMs());
      }
      if (fds[2].revents != 0) report_open = control_.ReadReport(report_fd, &report);
    }
    return report;
  }

 private:
  enum class Phase { kRunning, kTerminating, kKilling };

  // Polls the disk use; a scan that takes long (a hostile tree of many files) is run less often,
  // so the watcher keeps most of its time for the pipes and the deadline.
  void WatchDisk(int64_t now, ProcessOutcome* outcome) {
    const bool over = DiskOverCap(spec_, launch_, outcome);
    const int64_t after = clock_.NowMs();
    next_disk_ms_ = after + std::max<int64_t>(kDiskPollMs, 4 * (after - now));
    if (over && !outcome->killed_for_disk && phase_ == Phase::kRunning) {
      outcome->killed_for_disk = true;
      HardKill(after);
    }
    if (phase_ != Phase::kRunning) next_disk_ms_ = kNoDeadline;  // it is being killed anyway
  }

  void Escalate(int64_t now, int64_t deadline, ProcessOutcome* outcome) {
    if (phase_ == Phase::kRunning && now >= deadline) {
      outcome->timed_out = true;
      control_.Terminate();
      phase_ = Phase::kTerminating;
      next_ms_ = now + std::max<int64_t>(spec_.grace_ms, 0);
    } else if (phase_ == Phase::kTerminating && now >= next_ms_) {
      HardKill(now);
    } else if (phase_ == Phase::kKilling && now >= next_ms_) {
      control_.Backstop();
      next_ms_ = kNoDeadline;
    }
  }

  void HardKill(int64_t now) {
    if (phase_ == Phase::kKilling) return;
    phase_ = Phase::kKilling;
    next_ms_ = control_.Kill() ? kNoDeadline : now + kBackstopMs;
  }

  const SandboxSpec& spec_;
  const Launch& launch_;
  TreeControl& control_;
  Clock& clock_;
  Phase phase_ = Phase::kRunning;
  int64_t next_ms_ = kNoDeadline;
  int64_t next_disk_ms_ = kNoDeadline;
};

void DrainAfterExit(Capture& out, Capture& err, Clock& clock) {
  const int64_t until = clock.NowMs() + kDrainMs;
  while ((out.open || err.open) && clock.NowMs() < until) {
    struct pollfd fds[2] = {{out.open ? out.fd : -1, POLLIN, 0}, {err.open ? err.fd : -1, POLLIN, 0}};
    if (poll(fds, 2, static_cast<int>(kTickMs)) < 0 && errno != EINTR) break;
    if (fds[0].revents != 0) ReadAvailable(out);
    if (fds[1].revents != 0) ReadAvailable(err);
  }
}

Status SetupError(const ChildReport& report, const SandboxSpec& spec, const Launch& launch) {
  const auto step = static_cast<ChildStep>(report.step);
  const std::string why = ErrnoText(report.error);
  const std::string as_uid = launch.switch_user ? " as uid " + std::to_string(launch.uid) : "";
  switch (step) {
    case ChildStep::kExec:
      return Status::FailedPrecondition("cannot run '" + launch.exec_path + "'" + as_uid + ": " +
                                        why + " (is it an executable file that uid may read?)");
    case ChildStep::kChdir:
      return Status::FailedPrecondition("cannot enter the work folder '" + spec.workdir + "'" +
                                        as_uid + ": " + why +
                                        " (every folder above it must be searchable by others)");
    case ChildStep::kGroups:
    case ChildStep::kSetGid:
    case ChildStep::kSetUid:
      return Status::FailedPrecondition("cannot switch to uid " + std::to_string(launch.uid) +
                                        ": " + ChildStepName(step) + ": " + why);
    case ChildStep::kRlimit:
    case ChildStep::kNoNewPrivs:
    case ChildStep::kSeccomp:
    case ChildStep::kLandlock:
    case ChildStep::kMountProc:
      return Status::FailedPrecondition(std::string("sandbox setup failed: ") +
                                        ChildStepName(step) + ": " + why);
    default:
      return Status::Unavailable(std::string("sandbox setup failed: ") +
                                 ChildStepName(step) + ": " + why);
  }
}

}  // namespace

std::string WatchRun(const SandboxSpec& spec, const Launch& launch, TreeControl& control,
                     Clock& clock, Capture& out, Capture& err, int report_fd,
                     ProcessOutcome* outcome) {
  Watcher watcher(spec, launch, control, clock);
  return watcher.Run(out, err, report_fd, outcome);
}

void SettleRun(const SandboxSpec& spec, const Launch& launch, Clock& clock, Capture& out,
               Capture& err, ProcessOutcome* outcome) {
  DrainAfterExit(out, err, clock);
  if (!outcome->killed_for_disk && !outcome->cancelled && DiskOverCap(spec, launch, outcome)) {
    outcome->killed_for_disk = true;
  }
  if (launch.watch_shared_tmp) {
    outcome->stray_entries_removed =
        RemoveEntriesOwnedBy(launch.uid, spec.workdir, WatchedTempFolders(launch));
  }
}

Status ApplyReports(const std::string& bytes, const SandboxSpec& spec, const Launch& launch,
                    const struct rusage& supervisor_usage, ProcessOutcome* outcome) {
  std::optional<ChildReport> finished;
  for (size_t at = 0; at + sizeof(ChildReport) <= bytes.size(); at += sizeof(ChildReport)) {
    ChildReport r;
    std::memcpy(&r, bytes.data() + at, sizeof r);
    if (r.kind == ChildReport::kSetupError) return SetupError(r, spec, launch);
    if (r.kind == ChildReport::kFinished) finished = r;
  }
  if (finished) {
    const int status = finished->wait_status;
    if (WIFEXITED(status)) outcome->exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) outcome->term_signal = WTERMSIG(status);
    outcome->cpu_ms = finished->cpu_us / 1000;
    outcome->max_rss_kb = finished->max_rss_kb;
    outcome->leftover_processes_killed = finished->leftovers;
  } else {
    // The supervisor was killed (by us after the deadline, the cap or a cancellation; or by
    // the kernel when memory ran out), and the tree with it.
    outcome->term_signal = SIGKILL;
    const struct timeval& u = supervisor_usage.ru_utime;
    const struct timeval& s = supervisor_usage.ru_stime;
    outcome->cpu_ms = (u.tv_sec + s.tv_sec) * 1000 + (u.tv_usec + s.tv_usec) / 1000;
  }
  // bwrap reports a command killed by signal N as exit code 128 + N.
  if (spec.mode == SandboxMode::kBwrap && outcome->exit_code > 128 &&
      outcome->exit_code < 128 + 65) {
    outcome->term_signal = outcome->exit_code - 128;
    outcome->exit_code = -1;
  }
  return Status::Ok();
}

}  // namespace kevolve::eval::internal
