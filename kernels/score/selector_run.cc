#include "score/selector_run.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "core/files.h"
#include "core/text.h"

extern char** environ;

namespace kevolve::gemm::score {
namespace {

constexpr size_t kMaxChoicesBytes = size_t{8} << 20;
constexpr int kKillTries = 100;
constexpr auto kKillPause = std::chrono::milliseconds(10);
constexpr auto kTermGrace = std::chrono::milliseconds(1000);

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { Reset(); }
  int get() const { return fd_; }
  void Reset() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

// Spawns argv (PATH searched) with the given stdin, stdout and stderr; the parent's other
// descriptors are close-on-exec.
Result<pid_t> Spawn(const std::vector<std::string>& argv, int in_fd, int out_fd, int err_fd) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_fd, STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out_fd, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_fd, STDERR_FILENO);
  // The child gets SIGPIPE's default action back (this process ignores it while it feeds the
  // selector).
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int err = posix_spawnp(&pid, args[0], &actions, &attr, args.data(), environ);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  if (err != 0) {
    return Status::Internal("cannot start '" + argv[0] + "': " + std::strerror(err));
  }
  return pid;
}

int WaitStatus(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

Result<int> OpenFile(const std::string& path, int flags) {
  const int fd = open(path.c_str(), flags | O_CLOEXEC, 0644);
  if (fd < 0) return Status::Internal("cannot open '" + path + "': " + std::strerror(errno));
  return fd;
}

std::string ReadOrEmpty(const std::string& path) {
  auto text = ReadFile(path);
  return text.ok() ? *text : "";
}

}  // namespace

std::string HeadLines(std::string_view text, size_t count) {
  const std::vector<std::string> lines = SplitLines(text);
  return JoinLines({lines.begin(), lines.begin() + static_cast<ptrdiff_t>(std::min(count, lines.size()))});
}

std::string TailLines(std::string_view text, size_t count) {
  const std::vector<std::string> lines = SplitLines(text);
  return JoinLines({lines.end() - static_cast<ptrdiff_t>(std::min(count, lines.size())), lines.end()});
}

Result<int> RunLogged(const std::vector<std::string>& argv, const std::string& log) {
  KEVOLVE_ASSIGN_OR_RETURN(const int null_fd, OpenFile("/dev/null", O_RDONLY));
  Fd in(null_fd);
  KEVOLVE_ASSIGN_OR_RETURN(const int log_fd, OpenFile(log, O_WRONLY | O_CREAT | O_APPEND));
  Fd out(log_fd);
  KEVOLVE_ASSIGN_OR_RETURN(const pid_t pid, Spawn(argv, in.get(), out.get(), out.get()));
  return WaitStatus(pid);
}

Status CompileSelector(const SelectorJob& job) {
  const std::string unit = job.workdir + "/select_all.cc";
  KEVOLVE_RETURN_IF_ERROR(WriteFileAtomic(
      unit, "#include \"" + job.task_dir + "/select_main.cc\"\n#include \"" + job.program + "\"\n"));
  const std::string log = job.workdir + "/compile.log";
  KEVOLVE_ASSIGN_OR_RETURN(
      const int status,
      RunLogged({job.cxx, "-std=c++17", "-O0", "-pipe", "-w", "-static-libstdc++",
                 "-I" + job.task_dir, "-o", job.workdir + "/select", unit},
                log));
  if (status != 0) {
    return Status::FailedPrecondition("compile error: " + HeadLines(ReadOrEmpty(log), 30));
  }
  return Status::Ok();
}

Result<std::string> RunSelector(const SelectorJob& job, std::string_view shapes, int shape_count) {
  const std::string log = job.workdir + "/select.log";
  const auto failed = [&] {
    return Status::FailedPrecondition("the selector failed or took over " +
                                      std::to_string(job.timeout_ms / 1000) + " s for the " +
                                      std::to_string(shape_count) + " shapes: " +
                                      TailLines(ReadOrEmpty(log), 5));
  };
  int in_pipe[2], out_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) != 0 || pipe2(out_pipe, O_CLOEXEC) != 0) {
    return Status::Internal(std::string("pipe: ") + std::strerror(errno));
  }
  Fd in_read(in_pipe[0]), in_write(in_pipe[1]), out_read(out_pipe[0]), out_write(out_pipe[1]);
  KEVOLVE_ASSIGN_OR_RETURN(const int log_fd, OpenFile(log, O_WRONLY | O_CREAT | O_TRUNC));
  Fd err(log_fd);
  const auto start = std::chrono::steady_clock::now();
  KEVOLVE_ASSIGN_OR_RETURN(
      const pid_t pid,
      Spawn({job.sealed, job.workdir + "/select"}, in_read.get(), out_write.get(), err.get()));
  in_read.Reset();
  out_write.Reset();
  err.Reset();
  // The shapes fit the pipe's buffer (64 KiB), so this write does not wait for the selector;
  // a selector that does not read them gets EPIPE, not this process.
  signal(SIGPIPE, SIG_IGN);
  for (size_t done = 0; done < shapes.size();) {
    const ssize_t put = write(in_write.get(), shapes.data() + done, shapes.size() - done);
    if (put < 0 && errno == EINTR) continue;
    if (put <= 0) break;
    done += static_cast<size_t>(put);
  }
  in_write.Reset();
  std::string choices;
  bool over = false;
  const auto deadline = start + std::chrono::milliseconds(job.timeout_ms);
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      over = true;
      break;
    }
    pollfd p = {out_read.get(), POLLIN, 0};
    const int ready = poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;  // the deadline is checked above
    char buf[1 << 16];
    const ssize_t got = read(out_read.get(), buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;  // end of file: kevolve-sealed closes it when the selector exits
    choices.append(buf, static_cast<size_t>(got));
    if (choices.size() > kMaxChoicesBytes) {
      over = true;
      break;
    }
  }
  out_read.Reset();
  if (over) {
    kill(pid, SIGTERM);  // kevolve-sealed kills the selector, then itself
    const auto grace_end = std::chrono::steady_clock::now() + kTermGrace;
    int status = 0;
    while (waitpid(pid, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > grace_end) {
        kill(pid, SIGKILL);
        WaitStatus(pid);
        break;
      }
      std::this_thread::sleep_for(kKillPause);
    }
    return failed();
  }
  if (WaitStatus(pid) != 0) return failed();
  return choices;
}

bool EvaluationIsContained() {
  const char* sandbox = std::getenv("KEVOLVE_SANDBOX");
  const char* containment = std::getenv("KEVOLVE_CONTAINMENT");
  return (sandbox != nullptr && std::string_view(sandbox) == "bwrap") ||
         (containment != nullptr && std::string_view(containment) != "process-group");
}

void KillLeftovers() {
  for (int i = 0; i < kKillTries; ++i) {
    if (kill(-1, SIGKILL) != 0) break;  // nothing left this process may signal
    std::this_thread::sleep_for(kKillPause);
  }
}

}  // namespace kevolve::gemm::score
