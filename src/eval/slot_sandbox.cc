#include "eval/slot_sandbox.h"

#include <fcntl.h>
#include <linux/filter.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>

#include "core/clock.h"
#include "eval/sandbox_internal.h"
#include "eval/sandbox_run.h"
#include "eval/slot_wire.h"

namespace kevolve::eval {
namespace {

using internal::Capture;
using internal::ChildReport;
using internal::ErrnoText;
using internal::Launch;
using internal::UniqueFd;

static_assert(sizeof(SlotReport) == sizeof(ChildReport), "slot_wire.h: SlotReport != ChildReport");
static_assert(kSlotReportSetupError == ChildReport::kSetupError);
static_assert(kSlotReportFinished == ChildReport::kFinished);

constexpr int64_t kStartTimeoutMs = 10'000;

// Blocks until one message arrives or `timeout_ms` passes; 0 on end-of-file, -1 on timeout or
// error.
ssize_t ReceiveReport(int fd, SlotReport* report, int64_t timeout_ms) {
  struct pollfd p = {fd, POLLIN, 0};
  const int ready = poll(&p, 1, static_cast<int>(timeout_ms));
  if (ready <= 0) return -1;
  return recv(fd, report, sizeof *report, MSG_DONTWAIT);
}

// The request of one run: header, rlimits, seccomp filter, strings.
Result<std::string> EncodeRun(const SandboxSpec& spec, const Launch& launch,
                              bool server_landlock) {
  SlotRunHeader header = {};
  header.magic = KEVOLVE_SLOT_MAGIC;
  header.kind = kSlotRun;
  header.switch_user = launch.switch_user ? 1 : 0;
  header.uid = launch.uid;
  header.gid = launch.gid;
  header.rlimit_count = static_cast<int32_t>(launch.rlimits.size());
  header.filter_count = launch.seccomp != nullptr ? launch.seccomp->len : 0;
  header.has_landlock = launch.landlock ? 1 : 0;
  header.has_server_landlock = server_landlock ? 1 : 0;
  if (launch.landlock) {
    header.proc_access = launch.landlock->proc_access;
  }
  header.argc = static_cast<int32_t>(launch.argv.size());
  header.envc = static_cast<int32_t>(spec.env.size());
  std::string strings;
  const auto add = [&strings](const std::string& s) {
    strings += s;
    strings += '\0';
  };
  add(launch.exec_path);
  add(spec.workdir.empty() ? "/" : spec.workdir);
  for (const std::string& word : launch.argv) add(word);
  for (const std::string& entry : spec.env) add(entry);
  header.strings_bytes = static_cast<uint32_t>(strings.size());
  header.fork_server = spec.fork_server && launch.argv.size() >= 3 ? 1 : 0;
  if (header.rlimit_count > KEVOLVE_SLOT_MAX_RLIMITS ||
      header.filter_count > KEVOLVE_SLOT_MAX_FILTER) {
    return Status::Internal("slot sandbox: too many rlimits or seccomp instructions");
  }
  std::string message(reinterpret_cast<const char*>(&header), sizeof header);
  for (const internal::ChildRlimit& limit : launch.rlimits) {
    const SlotRlimit wire = {limit.resource, 0, limit.soft, limit.hard};
    message.append(reinterpret_cast<const char*>(&wire), sizeof wire);
  }
  for (int i = 0; i < header.filter_count; ++i) {
    const sock_filter& op = launch.seccomp->filter[i];
    const SlotFilterOp wire = {op.code, op.jt, op.jf, op.k};
    message.append(reinterpret_cast<const char*>(&wire), sizeof wire);
  }
  message += strings;
  if (message.size() > KEVOLVE_SLOT_MAX_MESSAGE) {
    return Status::InvalidArgument(
        "the evaluator's command line and environment take " + std::to_string(message.size()) +
        " bytes, more than a slot request carries (" + std::to_string(KEVOLVE_SLOT_MAX_MESSAGE) +
        ")");
  }
  return message;
}

Status SendRun(int control_fd, const std::string& message, const std::vector<int>& fds) {
  union {
    char buffer[CMSG_SPACE(5 * sizeof(int))];
    struct cmsghdr align;
  } control = {};
  struct iovec io = {const_cast<char*>(message.data()), message.size()};
  struct msghdr header = {};
  header.msg_iov = &io;
  header.msg_iovlen = 1;
  header.msg_control = control.buffer;
  header.msg_controllen = CMSG_SPACE(fds.size() * sizeof(int));
  struct cmsghdr* c = CMSG_FIRSTHDR(&header);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(fds.size() * sizeof(int));
  std::memcpy(CMSG_DATA(c), fds.data(), fds.size() * sizeof(int));
  for (;;) {
    if (sendmsg(control_fd, &header, MSG_NOSIGNAL) >= 0) return Status::Ok();
    if (errno != EINTR) {
      return Status::Unavailable("slot sandbox: cannot send the request: " + ErrnoText(errno));
    }
  }
}

void SendSignal(int control_fd, int sig) {
  const SlotSignal message = {KEVOLVE_SLOT_MAGIC, kSlotSignal, sig, 0};
  while (send(control_fd, &message, sizeof message, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 &&
         errno == EINTR) {
  }
}

// The agent ends the tree: it signals every process of its namespace but itself.
class SlotControl : public internal::TreeControl {
 public:
  SlotControl(int control_fd, pid_t agent) : control_fd_(control_fd), agent_(agent) {}
  void Terminate() override { SendSignal(control_fd_, SIGTERM); }
  bool Kill() override {
    SendSignal(control_fd_, SIGKILL);
    return false;  // an agent that does not answer is killed by the backstop
  }
  void Backstop() override {
    kill(agent_, SIGKILL);
    agent_killed_ = true;
  }
  bool ReadReport(int fd, std::string* report) override {
    for (;;) {
      SlotReport message = {};
      const ssize_t n = recv(fd, &message, sizeof message, MSG_DONTWAIT);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) return true;
      if (n <= 0) {
        agent_gone_ = true;
        return false;
      }
      if (n == sizeof message &&
          (message.kind == kSlotReportFinished || message.kind == kSlotReportSetupError)) {
        report->append(reinterpret_cast<const char*>(&message), sizeof message);
        return false;
      }
    }
  }
  bool agent_gone() const { return agent_gone_ || agent_killed_; }

 private:
  int control_fd_;
  pid_t agent_;
  bool agent_gone_ = false;
  bool agent_killed_ = false;
};

}  // namespace

bool SlotSandbox::Supported(SandboxMode mode, bool gpu) {
  const internal::NamespaceSupport& support = internal::ProbeNamespaces();
  return mode == SandboxMode::kProcess && !gpu &&
         support.containment == Containment::kPidNamespaceAndUid && support.own_proc;
}

Result<std::unique_ptr<SlotSandbox>> SlotSandbox::Start(const std::string& agent_path) {
  if (!Supported(SandboxMode::kProcess, false)) {
    return Status::FailedPrecondition("persistent slots need pid-namespace+uid containment");
  }
  const internal::NamespaceSupport& support = internal::ProbeNamespaces();
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) {
    return Status::Unavailable("slot sandbox: socketpair: " + ErrnoText(errno));
  }
  UniqueFd ours(pair[0]), theirs(pair[1]);
  UniqueFd error_read, error_write;
  KEVOLVE_RETURN_IF_ERROR(internal::MakePipe(&error_read, &error_write));
  UniqueFd dev_null(open("/dev/null", O_RDONLY | O_CLOEXEC));
  const internal::CStringArray argv(std::vector<std::string>{agent_path});
  const internal::CStringArray envp(std::vector<std::string>{});
  internal::SlotAgentPlan plan;
  plan.agent_path = agent_path.c_str();
  plan.argv = argv.get();
  plan.envp = envp.get();
  plan.stdin_fd = dev_null.get();
  plan.stderr_fd = error_write.get();
  plan.control_fd = theirs.get();
  plan.parent_pid = getpid();
  plan.net_namespace = support.network_namespace;
  plan.own_proc = true;
  unsigned long flags = CLONE_NEWPID | CLONE_NEWNS;
  if (support.network_namespace) flags |= CLONE_NEWNET | CLONE_NEWIPC;
  int clone_error = 0;
  const pid_t pid = internal::CloneWithSignalsBlocked(
      [&] { return internal::StartSlotAgent(plan, flags); }, &clone_error);
  theirs.Reset();
  error_write.Reset();
  if (pid < 0) return Status::Unavailable("slot sandbox: clone: " + ErrnoText(clone_error));
  std::unique_ptr<SlotSandbox> slot(new SlotSandbox(pid, ours.get()));
  ours.Release();
  SlotReport ready = {};
  const ssize_t n = ReceiveReport(slot->control_fd_, &ready, kStartTimeoutMs);
  if (n == sizeof ready && ready.kind == kSlotReportReady) return slot;
  slot->Kill();
  std::string said;
  char buffer[1024];
  ssize_t got;
  while ((got = read(error_read.get(), buffer, sizeof buffer)) > 0) said.append(buffer, got);
  while (!said.empty() && said.back() == '\n') said.pop_back();
  return Status::Unavailable("the slot sandbox (" + agent_path + ") did not start" +
                             (said.empty() ? std::string() : ": " + said));
}

SlotSandbox::~SlotSandbox() { Kill(); }

void SlotSandbox::Kill() {
  if (control_fd_ >= 0) {
    close(control_fd_);  // the agent exits at end-of-file; SIGKILL makes sure at once
    control_fd_ = -1;
  }
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    while (waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
  }
  dead_ = true;
}

Result<ProcessOutcome> SlotSandbox::Run(const SandboxSpec& spec) {
  if (!alive()) return Status::Unavailable("slot sandbox: the slot's agent is gone");
  const internal::NamespaceSupport& support = internal::ProbeNamespaces();
  KEVOLVE_ASSIGN_OR_RETURN(Launch launch, internal::PrepareLaunch(spec, support));
  // Under Landlock /tmp and /var/tmp are not writable: only /dev/shm can hold the candidate's
  // files, so only it is searched (a busy machine's /tmp holds hundreds of entries, a stat each,
  // twice per evaluation).
  if (launch.landlock) launch.watch_only_dev_shm = true;
  // A fork server sees what any evaluation may see, every evaluation folder below the scratch
  // root writable (slot_fork_server.c); each process it forks narrows that to its own folder.
  std::optional<internal::LandlockPlan> server_plan;
  if (spec.fork_server && launch.landlock && !spec.workdir.empty()) {
    SandboxSpec server_spec = spec;
    server_spec.workdir = std::filesystem::path(spec.workdir).parent_path().string();
    server_plan = internal::PlanLandlock(server_spec, launch.exec_path, support.landlock_abi,
                                         launch.net_namespace);
  }
  KEVOLVE_ASSIGN_OR_RETURN(const std::string message,
                           EncodeRun(spec, launch, server_plan.has_value()));
  UniqueFd out_read, out_write, err_read, err_write;
  KEVOLVE_RETURN_IF_ERROR(internal::MakePipe(&out_read, &out_write));
  KEVOLVE_RETURN_IF_ERROR(internal::MakePipe(&err_read, &err_write));
  UniqueFd dev_null(open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (dev_null.get() < 0) {
    return Status::Unavailable("sandbox: cannot open /dev/null: " + ErrnoText(errno));
  }
  UniqueFd landlock, server_landlock;
  std::vector<int> fds = {dev_null.get(), out_write.get(), err_write.get()};
  if (launch.landlock) {
    KEVOLVE_ASSIGN_OR_RETURN(const int ruleset, internal::CreateLandlockRuleset(*launch.landlock));
    landlock.Reset(ruleset);
    fds.push_back(ruleset);
  }
  if (server_plan) {
    KEVOLVE_ASSIGN_OR_RETURN(const int ruleset, internal::CreateLandlockRuleset(*server_plan));
    server_landlock.Reset(ruleset);
    fds.push_back(ruleset);
  }
  Clock& clock = spec.clock != nullptr ? *spec.clock : RealClock();
  const int64_t start_ms = clock.NowMs();
  const Status sent = SendRun(control_fd_, message, fds);
  // The agent holds its copies now: ours would hide end-of-file.
  out_write.Reset();
  err_write.Reset();
  dev_null.Reset();
  landlock.Reset();
  server_landlock.Reset();
  if (!sent.ok()) {
    Kill();
    return sent;
  }
  for (int fd : {out_read.get(), err_read.get()}) {
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  }
  ProcessOutcome outcome;
  outcome.containment = support.containment;
  const size_t cap = static_cast<size_t>(std::max<int64_t>(spec.limits.output_bytes, 0));
  Capture out{out_read.get(), &outcome.stdout_text, &outcome.stdout_truncated, cap};
  Capture err{err_read.get(), &outcome.stderr_text, &outcome.stderr_truncated, cap};
  SlotControl control(control_fd_, pid_);
  const std::string report_bytes =
      internal::WatchRun(spec, launch, control, clock, out, err, control_fd_, &outcome);
  // An agent that ended (or was ended) takes the whole namespace with it.
  if (control.agent_gone()) Kill();
  internal::SettleRun(spec, launch, clock, out, err, &outcome);
  outcome.wall_ms = clock.NowMs() - start_ms;
  const struct rusage none = {};
  KEVOLVE_RETURN_IF_ERROR(internal::ApplyReports(report_bytes, spec, launch, none, &outcome));
  return outcome;
}

}  // namespace kevolve::eval
