// The trusted side of the bin-packing evaluator: runs the packer (the program the candidate's
// Priority is compiled into), reads its packing from a pipe on the packer's file descriptor 3,
// checks that it is a legal online packing of the instances it regenerates itself
// (instances.h), scores it, and prints the one protocol-v1 JSON answer on stdout. It never
// includes the candidate; the packer's own stdout goes to stderr, so nothing the candidate
// prints can be taken for the answer.
//
// Usage: checker --stage N [--timeout-seconds S] -- PACKER [ARGS...]
//
// Defences (docs/security.md, "Forged results"):
// - This process is not dumpable, so the candidate (same uid) can neither ptrace it nor open
//   its stdout through /proc/PID/fd/1. evaluate execs it, so no shell stays behind to attack.
// - When the packer is done, everything it left is killed (its process group; and kill -1 where
//   that reaches only this evaluation) before the packing is checked and the answer printed.
// - The packing is checked and scored from the bytes read into memory, not from a file.
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

#include "instances.h"

namespace {

constexpr size_t kMaxPackingBytes = 8u << 20;  // an honest stage-2 packing is about 220 KB
constexpr int kPackingFd = 3;

// ---- Running the packer -----------------------------------------------------------------------

struct PackerRun {
  char* data = nullptr;  // what the packer wrote to its fd 3
  size_t size = 0;
  bool too_big = false;
  bool timed_out = false;
  int wait_status = 0;
};

double NowSeconds() {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

// In the child: fd 3 is the pipe, stdout goes to stderr, nothing else stays open.
[[noreturn]] void ExecPacker(int pipe_write, char** argv) {
  setpgid(0, 0);
  if (pipe_write == kPackingFd) {
    fcntl(kPackingFd, F_SETFD, 0);
  } else {
    dup2(pipe_write, kPackingFd);
  }
  dup2(STDERR_FILENO, STDOUT_FILENO);
  const long max_fd = sysconf(_SC_OPEN_MAX);
  for (int fd = kPackingFd + 1; fd < (max_fd > 0 && max_fd < 65536 ? max_fd : 1024); ++fd) {
    close(fd);
  }
  execv(argv[0], argv);
  std::fprintf(stderr, "checker: cannot run %s: %s\n", argv[0], std::strerror(errno));
  _exit(127);
}

// Whether the packer has exited; it stays a zombie (not reaped), so its process group id stays
// its own until the group is killed.
bool Exited(pid_t pid) {
  siginfo_t info = {};
  return waitid(P_PID, pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid;
}

// Reads what is available on `fd` into run->data: the bytes read, 0 at end of file, -1 when
// nothing is there now (or on an error). Past the cap, sets too_big and reports end of file.
ssize_t ReadSome(int fd, PackerRun* run) {
  const ssize_t n = read(fd, run->data + run->size, kMaxPackingBytes + 1 - run->size);
  if (n > 0) run->size += static_cast<size_t>(n);
  if (run->size > kMaxPackingBytes) {
    run->too_big = true;
    return 0;
  }
  return n;
}

// Reads the packing until end of file and the packer's exit, or until the packer has exited and
// the pipe is drained (a process it left may hold the pipe open; what that writes later is not
// read), the deadline passes, or the cap is reached.
void ReadPacking(int fd, pid_t pid, double deadline, PackerRun* run) {
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
bool KillAllIsConfined() {
  const char* sandbox = std::getenv("KEVOLVE_SANDBOX");
  const char* containment = std::getenv("KEVOLVE_CONTAINMENT");
  if (sandbox != nullptr && std::strcmp(sandbox, "bwrap") == 0) return true;
  return containment != nullptr && *containment != '\0' &&
         std::strcmp(containment, "process-group") != 0;
}

// Runs the packer to its end (or the deadline), then kills whatever it left: its process group,
// then, where confined, every other process this one may signal.
PackerRun RunPacker(char** argv, double timeout_seconds) {
  PackerRun run;
  run.data = static_cast<char*>(std::malloc(kMaxPackingBytes + 1));
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
  if (pid == 0) ExecPacker(fds[1], argv);
  close(fds[1]);
  setpgid(pid, pid);  // also here, so that the kill below cannot miss the group
  ReadPacking(fds[0], pid, NowSeconds() + timeout_seconds, &run);
  close(fds[0]);
  kill(-pid, SIGKILL);
  waitpid(pid, &run.wait_status, 0);
  if (KillAllIsConfined()) {
    const struct timespec pause = {0, 10'000'000};
    for (int i = 0; i < 100 && kill(-1, SIGKILL) == 0; ++i) nanosleep(&pause, nullptr);
  }
  return run;
}

// ---- Feedback ---------------------------------------------------------------------------------

char g_feedback[1024];

// Sets the feedback; %s arguments that come from the packer must go through Quote first.
[[gnu::format(printf, 1, 2)]] void Fail(const char* format, ...) {
  va_list args;
  va_start(args, format);
  std::vsnprintf(g_feedback, sizeof g_feedback, format, args);
  va_end(args);
}

// At most 40 characters of a line the packer wrote, printable ASCII only, safe inside JSON.
const char* Quote(const char* s, size_t n) {
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

// ---- Checking the packing ---------------------------------------------------------------------

struct Cursor {
  const char* p;
  const char* end;
  long line = 0;  // number of the line last read (1-based)
};

// The next line without its newline; false at the end of the packing.
bool NextLine(Cursor* c, const char** s, size_t* n) {
  if (c->p >= c->end) return false;
  const char* newline = static_cast<const char*>(std::memchr(c->p, '\n', c->end - c->p));
  const char* stop = newline != nullptr ? newline : c->end;
  *s = c->p;
  *n = static_cast<size_t>(stop - c->p);
  c->p = newline != nullptr ? newline + 1 : c->end;
  ++c->line;
  return true;
}

bool Is(const char* s, size_t n, const char* tag) {
  return n == std::strlen(tag) && std::memcmp(s, tag, n) == 0;
}

// A bin number: 1 to 6 decimal digits. -1 if the line is not one.
long ParseBin(const char* s, size_t n) {
  if (n == 0 || n > 6) return -1;
  long value = 0;
  for (size_t i = 0; i < n; ++i) {
    if (s[i] < '0' || s[i] > '9') return -1;
    value = value * 10 + (s[i] - '0');
  }
  return value;
}

struct Packing {
  int bins = 0;
  int lower_bound = 0;
  int exact_fits = 0;
};

enum class Verdict { kPacked, kNonFinite, kIllegal };

// Places one item into `bin` by the online rules, or says (Fail) why it may not go there.
// free_count[f] counts the open bins with f free.
bool Place(const Cursor& c, uint64_t seed, int index, int item, long bin, int* remaining,
           int* free_count, Packing* p) {
  const unsigned long long s = seed;
  if (bin > p->bins) {
    Fail("line %ld: item %d of instance %llu goes to bin %ld, but %d bins are open (a new bin is "
         "number %d)", c.line, index, s, bin, p->bins, p->bins);
    return false;
  }
  if (bin == p->bins) {
    for (int f = item; f <= binpack::kCapacity; ++f) {
      if (free_count[f] > 0) {
        Fail("line %ld: item %d of instance %llu (size %d) opens bin %ld, but an open bin with "
             "%d free takes it (online: a bin opens only when none fits)", c.line, index, s,
             item, bin, f);
        return false;
      }
    }
    remaining[p->bins++] = binpack::kCapacity;
    ++free_count[binpack::kCapacity];
  } else if (remaining[bin] < item) {
    Fail("line %ld: item %d of instance %llu (size %d) does not fit bin %ld (%d free)", c.line,
         index, s, item, bin, remaining[bin]);
    return false;
  }
  --free_count[remaining[bin]];
  remaining[bin] -= item;
  ++free_count[remaining[bin]];
  if (remaining[bin] == 0) ++p->exact_fits;
  return true;
}

Verdict CheckInstance(Cursor* c, uint64_t seed, Packing* p) {
  static int items[binpack::kItems];
  static int remaining[binpack::kItems];
  int free_count[binpack::kCapacity + 1] = {};
  char header[64];
  std::snprintf(header, sizeof header, "%s%llu", binpack::kInstanceTag,
                static_cast<unsigned long long>(seed));
  const char* s = nullptr;
  size_t n = 0;
  if (!NextLine(c, &s, &n)) {
    if (c->line == 0) {
      Fail("the packing is empty; expected \\\"%s\\\" first", header);
    } else {
      Fail("the packing ends after line %ld; expected \\\"%s\\\"", c->line, header);
    }
    return Verdict::kIllegal;
  }
  if (Is(s, n, binpack::kNonFiniteTag)) return Verdict::kNonFinite;
  if (!Is(s, n, header)) {
    Fail("line %ld: expected \\\"%s\\\", got \\\"%s\\\"", c->line, header, Quote(s, n));
    return Verdict::kIllegal;
  }
  binpack::MakeInstance(seed, items);
  long total = 0;
  for (int i = 0; i < binpack::kItems; ++i) {
    if (!NextLine(c, &s, &n)) {
      Fail("the packing ends after line %ld, after %d of the %d items of instance %llu", c->line,
           i, binpack::kItems, static_cast<unsigned long long>(seed));
      return Verdict::kIllegal;
    }
    if (Is(s, n, binpack::kNonFiniteTag)) return Verdict::kNonFinite;
    const long bin = ParseBin(s, n);
    if (bin < 0) {
      Fail("line %ld: expected a bin number, got \\\"%s\\\"", c->line, Quote(s, n));
      return Verdict::kIllegal;
    }
    if (!Place(*c, seed, i, items[i], bin, remaining, free_count, p)) return Verdict::kIllegal;
    total += items[i];
  }
  p->lower_bound = static_cast<int>((total + binpack::kCapacity - 1) / binpack::kCapacity);
  return Verdict::kPacked;
}

// Mean excess (%) and exact-fit rate over `count` instances from `seed_base`.
struct Mean {
  double excess_pct = 0;
  double exact_fit_rate = 0;
};

Verdict CheckInstances(Cursor* c, uint64_t seed_base, int count, Mean* mean) {
  double sum = 0, fits = 0;
  for (int i = 0; i < count; ++i) {
    Packing p;
    const Verdict v = CheckInstance(c, seed_base + static_cast<uint64_t>(i), &p);
    if (v != Verdict::kPacked) return v;
    sum += 100.0 * (p.bins - p.lower_bound) / p.lower_bound;
    fits += static_cast<double>(p.exact_fits) / binpack::kItems;
  }
  mean->excess_pct = count > 0 ? sum / count : 0;
  mean->exact_fit_rate = count > 0 ? fits / count : 0;
  return Verdict::kPacked;
}

bool AtEnd(Cursor* c) {
  const char* s = nullptr;
  size_t n = 0;
  if (!NextLine(c, &s, &n)) return true;
  Fail("line %ld: unexpected \\\"%s\\\" after the last instance", c->line, Quote(s, n));
  return false;
}

// ---- The answer -------------------------------------------------------------------------------

int PrintInvalid() {
  std::printf("{\"protocol\":1,\"valid\":false,\"artifacts\":{\"feedback\":\"%s\"}}\n",
              g_feedback);
  return 0;
}

// Why the packer's run cannot be scored, in g_feedback; false if it can.
bool RunFailed(const PackerRun& run, double timeout_seconds) {
  if (run.timed_out) {
    Fail("the packer did not finish within %g s (is Priority too slow?)", timeout_seconds);
  } else if (run.too_big) {
    Fail("the packer wrote more than %zu bytes of packing", kMaxPackingBytes);
  } else if (WIFSIGNALED(run.wait_status)) {
    Fail("the packer was killed by signal %d (%s)", WTERMSIG(run.wait_status),
         strsignal(WTERMSIG(run.wait_status)));
  } else if (WEXITSTATUS(run.wait_status) != 0) {
    Fail("the packer exited with code %d", WEXITSTATUS(run.wait_status));
  } else {
    return false;
  }
  return true;
}

int Score(const PackerRun& run, int stage) {
  Cursor c{run.data, run.data + run.size};
  const int train = binpack::StageTrainInstances(stage);
  Mean mean;
  Verdict v = CheckInstances(&c, binpack::kTrainSeedBase, train, &mean);
  if (v == Verdict::kNonFinite) Fail("Priority returned NaN or infinity for some bin");
  if (v != Verdict::kPacked) return PrintInvalid();
  Mean held;
  const int held_count = binpack::StageHeldOutInstances(stage);
  v = CheckInstances(&c, binpack::kHeldOutSeedBase, held_count, &held);
  if (v == Verdict::kIllegal || !AtEnd(&c)) return PrintInvalid();
  std::printf("{\"protocol\":1,\"valid\":true,\"combined_score\":%.6f,"
              "\"metrics\":{\"excess_bins_pct\":%.6f,\"train_instances\":%d},"
              "\"features\":{\"exact_fit_rate\":%.6f}",
              -mean.excess_pct, mean.excess_pct, train, mean.exact_fit_rate);
  if (v == Verdict::kNonFinite) {
    std::printf(",\"hidden_metrics\":{\"heldout_valid\":0}");
  } else if (held_count > 0) {
    std::printf(",\"hidden_metrics\":{\"heldout_excess_bins_pct\":%.6f}", held.excess_pct);
  }
  std::printf("}\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // First, before any candidate code runs: no ptrace, no /proc/PID/fd of this process.
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  int stage = 2;
  double timeout_seconds = 20;
  int i = 1;
  for (; i + 1 < argc && std::strcmp(argv[i], "--") != 0; i += 2) {
    if (std::strcmp(argv[i], "--stage") == 0) {
      stage = std::atoi(argv[i + 1]);
    } else if (std::strcmp(argv[i], "--timeout-seconds") == 0) {
      timeout_seconds = std::atof(argv[i + 1]);
    } else {
      break;
    }
  }
  if (i >= argc - 1 || std::strcmp(argv[i], "--") != 0) {
    std::fprintf(stderr, "usage: checker --stage N [--timeout-seconds S] -- PACKER [ARGS...]\n");
    return 2;
  }
  const PackerRun run = RunPacker(argv + i + 1, timeout_seconds);
  if (RunFailed(run, timeout_seconds)) return PrintInvalid();
  return Score(run, stage);
}
