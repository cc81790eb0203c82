// The trusted side of a compiled task's evaluator: runs the program the candidate is compiled
// into, reads what it writes on its file descriptor 3 into memory, and kills whatever it left.
// Shared by the checkers of examples/bin_packing, circle_packing and matmul_decomposition; none
// of them ever includes the candidate. Header-only, so a checker is one `g++ checker.cc`.
//
// Defences (docs/security.md, "Forged results"):
// - Call ForbidInspection() first: the candidate (same uid) can then neither ptrace the checker
//   nor open its stdout through /proc/PID/fd/1.
// - The child's stdout goes to stderr, so nothing the candidate prints can be taken for the
//   answer; only fd 3 is read, and only into memory.
// - When the child is done, its process group is killed, and, where kill -1 reaches only this
//   evaluation (KEVOLVE_SANDBOX=bwrap or a containment other than process-group), everything
//   else it left, before the checker looks at the bytes and prints its answer.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace untrusted {

constexpr int kOutputFd = 3;

// What the child wrote to its fd 3 (at most `cap` bytes are kept), and how it ended.
struct ChildRun {
  char* data = nullptr;
  size_t size = 0;
  size_t cap = 0;
  bool too_big = false;
  bool timed_out = false;
  int wait_status = 0;
};

inline void ForbidInspection() { prctl(PR_SET_DUMPABLE, 0, 0, 0, 0); }

inline double NowSeconds() {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

// In the child: fd 3 is the pipe, stdout goes to stderr, nothing else stays open.
[[noreturn]] inline void ExecChild(int pipe_write, char** argv) {
  setpgid(0, 0);
  if (pipe_write == kOutputFd) {
    fcntl(kOutputFd, F_SETFD, 0);
  } else {
    dup2(pipe_write, kOutputFd);
  }
  dup2(STDERR_FILENO, STDOUT_FILENO);
  const long max_fd = sysconf(_SC_OPEN_MAX);
  for (int fd = kOutputFd + 1; fd < (max_fd > 0 && max_fd < 65536 ? max_fd : 1024); ++fd) {
    close(fd);
  }
  execv(argv[0], argv);
  std::fprintf(stderr, "checker: cannot run %s: %s\n", argv[0], std::strerror(errno));
  _exit(127);
}

// Whether the child has exited; it stays a zombie (not reaped), so its process group id stays
// its own until the group is killed.
inline bool Exited(pid_t pid) {
  siginfo_t info = {};
  return waitid(P_PID, pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid;
}

// Reads what is available on `fd`: the bytes read, 0 at end of file, -1 when nothing is there
// now (or on an error). Past the cap, sets too_big and reports end of file.
inline ssize_t ReadSome(int fd, ChildRun* run) {
  const ssize_t n = read(fd, run->data + run->size, run->cap + 1 - run->size);
  if (n > 0) run->size += static_cast<size_t>(n);
  if (run->size > run->cap) {
    run->too_big = true;
    return 0;
  }
  return n;
}

// Reads until end of file and the child's exit, or until the child has exited and the pipe is
// drained (a process it left may hold the pipe open; what that writes later is not read), the
// deadline passes, or the cap is reached.
inline void ReadOutput(int fd, pid_t pid, double deadline, ChildRun* run) {
  bool eof = false;
  for (;;) {
    if (!eof) {
      struct pollfd p = {fd, POLLIN, 0};
      if (poll(&p, 1, 20) > 0 && ReadSome(fd, run) == 0) eof = true;
    } else {
      const struct timespec pause = {0, 1'000'000};
      nanosleep(&pause, nullptr);
    }
    if (run->too_big) return;
    if (Exited(pid)) {
      fcntl(fd, F_SETFL, O_NONBLOCK);
      while (!eof && ReadSome(fd, run) > 0) {
      }
      return;
    }
    if (NowSeconds() > deadline) {
      run->timed_out = true;
      return;
    }
  }
}

// kill -1 reaches only this evaluation's processes where kevolve contains it by namespace or
// uid (docs/protocol.md); elsewhere it would reach all of the user's processes.
inline bool KillAllIsConfined() {
  const char* sandbox = std::getenv("KEVOLVE_SANDBOX");
  const char* containment = std::getenv("KEVOLVE_CONTAINMENT");
  if (sandbox != nullptr && std::strcmp(sandbox, "bwrap") == 0) return true;
  return containment != nullptr && *containment != '\0' &&
         std::strcmp(containment, "process-group") != 0;
}

// Runs argv[0] to its end (or the deadline), keeping at most `cap` bytes of its fd 3, then kills
// whatever it left: its process group, then, where confined, every other process this one may
// signal. Exits the checker (code 2) if it cannot make a pipe or fork.
inline ChildRun Run(char** argv, double timeout_seconds, size_t cap) {
  ChildRun run;
  run.cap = cap;
  run.data = static_cast<char*>(std::malloc(cap + 1));
  int fds[2];
  if (run.data == nullptr || pipe2(fds, O_CLOEXEC) != 0) {
    std::perror("checker: pipe");
    std::exit(2);
  }
  const pid_t pid = fork();
  if (pid < 0) {
    std::perror("checker: fork");
    std::exit(2);
  }
  if (pid == 0) ExecChild(fds[1], argv);
  close(fds[1]);
  setpgid(pid, pid);  // also here, so that the kill below cannot miss the group
  ReadOutput(fds[0], pid, NowSeconds() + timeout_seconds, &run);
  close(fds[0]);
  kill(-pid, SIGKILL);
  waitpid(pid, &run.wait_status, 0);
  if (KillAllIsConfined()) {
    const struct timespec pause = {0, 10'000'000};
    for (int i = 0; i < 100 && kill(-1, SIGKILL) == 0; ++i) nanosleep(&pause, nullptr);
  }
  return run;
}

// ---- Feedback: the reason of an invalid answer ------------------------------------------------

inline char g_feedback[1024];

// Sets the feedback; %s arguments that come from the child must go through Quote first.
[[gnu::format(printf, 1, 2)]] inline void Fail(const char* format, ...) {
  va_list args;
  va_start(args, format);
  std::vsnprintf(g_feedback, sizeof g_feedback, format, args);
  va_end(args);
}

// At most 40 characters of a line the child wrote, printable ASCII only, safe inside JSON.
inline const char* Quote(const char* s, size_t n) {
  static char out[2 * 40 + 4];
  size_t k = 0;
  for (size_t i = 0; i < n && i < 40; ++i) {
    const char c = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
    if (c == '"' || c == '\\') out[k++] = '\\';
    out[k++] = c;
  }
  if (n > 40) out[k++] = '.', out[k++] = '.', out[k++] = '.';
  out[k] = '\0';
  return out;
}

// Prints the invalid answer with the feedback last set by Fail.
inline int PrintInvalid() {
  std::printf("{\"protocol\":1,\"valid\":false,\"artifacts\":{\"feedback\":\"%s\"}}\n",
              g_feedback);
  return 0;
}

// Why the child's run cannot be checked, in the feedback; false if it can. `who` names the
// child ("the packer") and `hint` says what to look at when it was too slow.
inline bool RunFailed(const ChildRun& run, double timeout_seconds, const char* who,
                      const char* hint) {
  if (run.timed_out) {
    Fail("%s did not finish within %g s (%s)", who, timeout_seconds, hint);
  } else if (run.too_big) {
    Fail("%s wrote more than %zu bytes on its file descriptor 3", who, run.cap);
  } else if (WIFSIGNALED(run.wait_status)) {
    Fail("%s was killed by signal %d (%s)", who, WTERMSIG(run.wait_status),
         strsignal(WTERMSIG(run.wait_status)));
  } else if (WEXITSTATUS(run.wait_status) != 0) {
    Fail("%s exited with code %d", who, WEXITSTATUS(run.wait_status));
  } else {
    return false;
  }
  return true;
}

// ---- Reading the output line by line ----------------------------------------------------------

struct Cursor {
  const char* p;
  const char* end;
  long line = 0;  // number of the line last read (1-based)
};

// The next line without its newline; false at the end of the output.
inline bool NextLine(Cursor* c, const char** s, size_t* n) {
  if (c->p >= c->end) return false;
  const char* newline = static_cast<const char*>(std::memchr(c->p, '\n', c->end - c->p));
  const char* stop = newline != nullptr ? newline : c->end;
  *s = c->p;
  *n = static_cast<size_t>(stop - c->p);
  c->p = newline != nullptr ? newline + 1 : c->end;
  ++c->line;
  return true;
}

// Parses `argv` after the program name as "--name value" pairs up to "--"; returns the index of
// the word after "--", or 0 if there is none. `on_option(name, value)` returns false for a name
// it does not know.
template <typename OnOption>
int ParseOptions(int argc, char** argv, OnOption on_option) {
  int i = 1;
  for (; i + 1 < argc && std::strcmp(argv[i], "--") != 0; i += 2) {
    if (!on_option(argv[i], argv[i + 1])) return 0;
  }
  return i < argc - 1 && std::strcmp(argv[i], "--") == 0 ? i + 1 : 0;
}

}  // namespace untrusted
