// Internal to the sandbox: the parent's side of one run, shared by RunSandboxed (a supervisor
// per evaluation, sandbox.cc) and a worker slot's persistent sandbox (slot_sandbox.cc): what is
// decided before the start (Launch), the pipes, and the watcher that enforces the deadline, the
// output and disk caps and cancellation while the run goes (sandbox_watch.cc).
#pragma once

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "eval/disk_usage.h"
#include "eval/sandbox.h"
#include "eval/sandbox_internal.h"

namespace kevolve::eval::internal {

constexpr int64_t kTickMs = 50;          // longest sleep between cancellation checks
constexpr int64_t kBackstopMs = 2'000;   // after asking for the tree's end, before forcing it
constexpr int64_t kNoDeadline = std::numeric_limits<int64_t>::max();

std::string ErrnoText(int error);

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { Reset(); }
  int get() const { return fd_; }
  int Release() { return std::exchange(fd_, -1); }
  void Reset(int fd = -1) {
    if (fd_ >= 0) close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

inline Status MakePipe(UniqueFd* read_end, UniqueFd* write_end) {
  int fds[2];
  // O_CLOEXEC: other threads fork and exec too, and must not inherit this run's pipes.
  if (pipe2(fds, O_CLOEXEC) != 0) {
    return Status::Unavailable("sandbox: cannot create a pipe: " + ErrnoText(errno));
  }
  read_end->Reset(fds[0]);
  write_end->Reset(fds[1]);
  return Status::Ok();
}

// Owns strings and the null-terminated pointer array over them that execve wants. Neither moves
// after construction, so the child's copy of the pointers stays valid.
class CStringArray {
 public:
  explicit CStringArray(std::vector<std::string> strings) : strings_(std::move(strings)) {
    for (std::string& s : strings_) pointers_.push_back(s.data());
    pointers_.push_back(nullptr);
  }
  CStringArray(const CStringArray&) = delete;
  CStringArray& operator=(const CStringArray&) = delete;
  char* const* get() const { return pointers_.data(); }

 private:
  std::vector<std::string> strings_;
  std::vector<char*> pointers_;
};

struct Launch {
  std::string exec_path;
  std::vector<std::string> argv;
  std::vector<ChildRlimit> rlimits;
  unsigned long clone_flags = 0;
  bool pid_namespace = false;
  bool net_namespace = false;
  bool own_proc = false;  // a mount namespace with the PID namespace's own /proc
  bool switch_user = false;
  // Process mode as another uid: the shared temporary folders are watched for its files too.
  bool watch_shared_tmp = false;
  // ... only /dev/shm of them, where Landlock leaves nothing else of them writable.
  bool watch_only_dev_shm = false;
  // Process mode where the kernel has Landlock: the ruleset, and the Unix-socket filter.
  std::optional<internal::LandlockPlan> landlock;
  const struct sock_fprog* seccomp = nullptr;
  uid_t uid = 0;
  gid_t gid = 0;
};

// Calls `clone` (which starts a child with RawClone) with every signal blocked in this thread,
// so that no handler of this process runs in the child before it resets them. Returns its pid,
// or -1 with the clone's errno in *error.
template <typename Clone>
pid_t CloneWithSignalsBlocked(Clone clone, int* error) {
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  const pid_t pid = clone();
  *error = errno;
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  return pid;
}

// Resolves the command and decides namespaces, uid, confinement and rlimits for `spec`.
// Errors: InvalidArgument (empty command, not on PATH), FailedPrecondition (bwrap missing).
Result<Launch> PrepareLaunch(const SandboxSpec& spec, const NamespaceSupport& support);

// One captured stream.
struct Capture {
  int fd = -1;
  std::string* text = nullptr;
  bool* truncated = nullptr;
  size_t cap = 0;
  bool open = true;
};

// How the watcher ends a run's tree and learns that it ended.
class TreeControl {
 public:
  virtual ~TreeControl() = default;
  virtual void Terminate() = 0;  // SIGTERM to every process of the tree
  // SIGKILL to every process of the tree. True when that is final; false when Backstop must
  // follow if the run has not ended kBackstopMs later.
  virtual bool Kill() = 0;
  virtual void Backstop() = 0;  // Kill did not end the run in time: kill what runs the tree
  // Reads what the report descriptor holds into `report`; false once the run's report is
  // complete or its writer is gone.
  virtual bool ReadReport(int fd, std::string* report) = 0;
};

// Watches one run until its report is complete, enforcing the deadline, the output and disk caps
// and cancellation. Returns the report's bytes.
std::string WatchRun(const SandboxSpec& spec, const Launch& launch, TreeControl& control,
                     Clock& clock, Capture& out, Capture& err, int report_fd,
                     ProcessOutcome* outcome);

// Once the tree is gone: reads what is left of stdout and stderr (briefly: a leftover writer
// outside a PID namespace may hold them), takes a last look at the disk (what was written
// between two polls), and removes what a slot uid left in the shared temporary folders.
void SettleRun(const SandboxSpec& spec, const Launch& launch, Clock& clock, Capture& out,
               Capture& err, ProcessOutcome* outcome);

// What a run has written to disk, into the outcome's peaks; true when over a cap.
bool DiskOverCap(const SandboxSpec& spec, const Launch& launch, ProcessOutcome* outcome);

// Fills the outcome from the reports (ChildReport records); a setup error becomes the returned
// Status. `killed_usage`: the CPU of what ran the tree, used when no report says it finished.
Status ApplyReports(const std::string& bytes, const SandboxSpec& spec, const Launch& launch,
                    const struct rusage& killed_usage, ProcessOutcome* outcome);

}  // namespace kevolve::eval::internal

namespace kevolve::eval::internal {

// The shared temporary folders `launch` watches for the files of its uid.
inline std::vector<std::string> WatchedTempFolders(const Launch& launch) {
  if (!launch.watch_only_dev_shm) return SharedTempFolders();
  std::vector<std::string> folders;
  for (const std::string& folder : SharedTempFolders()) {
    if (folder == "/dev/shm") folders.push_back(folder);
  }
  return folders;
}

}  // namespace kevolve::eval::internal
