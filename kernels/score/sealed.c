// kevolve-sealed PROGRAM [ARGS...]: runs PROGRAM with the file system closed to it (Linux Landlock) but
// for reading and running what lies below the system folders and PROGRAM's own folder. The GEMM
// selector is candidate code: it must not read the performance table it is scored against (nor
// split.csv), and it has nothing to write. Its stdin, stdout and stderr stay as they were opened.
// Where the kernel has no Landlock it says so on stderr and runs PROGRAM unsealed.
// PROGRAM's stdout is relayed through a pipe of sealed's own, which sealed closes when PROGRAM
// exits: a process PROGRAM leaves behind (setsid, double fork) cannot hold the caller's stdout
// open, so `$(timeout 2 sealed ...)` returns when PROGRAM or the timeout ends, not when the
// leftover does. A TERM to sealed (timeout's) kills PROGRAM, and PROGRAM dies with sealed.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

// The kernel's Landlock ABI, spelled out so that older kernel headers do not matter.
enum {
  kExecute = 1 << 0, kWriteFile = 1 << 1, kReadFile = 1 << 2, kReadDir = 1 << 3,
  kAbi1Rights = (1 << 13) - 1,  // every file-system right of ABI 1
  kRefer = 1 << 13, kTruncate = 1 << 14, kIoctlDev = 1 << 15,
};
struct RulesetAttr {
  uint64_t handled_access_fs;
};
struct __attribute__((packed)) PathBeneathAttr {
  uint64_t allowed_access;
  int32_t parent_fd;
};
#define kRulePathBeneath 1
#define kCreateRulesetVersion 1

static void Allow(int ruleset, const char* path, uint64_t access) {
  const int fd = open(path, O_PATH | O_CLOEXEC);
  if (fd < 0) return;  // a system folder this machine does not have
  struct PathBeneathAttr rule = {access, fd};
  if (syscall(SYS_landlock_add_rule, ruleset, kRulePathBeneath, &rule, 0) != 0) {
    perror("sealed: landlock_add_rule");
    _exit(126);
  }
  close(fd);
}

static void Seal(const char* program_path);

static volatile pid_t child = 0;

static void KillChild(int sig) {
  if (child > 0) kill(child, SIGKILL);
  signal(sig, SIG_DFL);
  raise(sig);
}

// Copies one read of `from` to stdout: what read returned (0 at end of file, -1 on an error or
// when nothing is there now).
static ssize_t Relay(int from) {
  char buf[1 << 16];
  const ssize_t got = read(from, buf, sizeof(buf));
  for (ssize_t done = 0; done < got;) {
    const ssize_t put = write(STDOUT_FILENO, buf + done, (size_t)(got - done));
    if (put < 0 && errno == EINTR) continue;
    if (put <= 0) return -1;
    done += put;
  }
  return got;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: kevolve-sealed PROGRAM [ARGS...]\n");
    return 2;
  }
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) {
    perror("sealed: pipe");
    return 126;
  }
  const pid_t parent = getpid();
  signal(SIGTERM, KillChild);
  signal(SIGINT, KillChild);
  signal(SIGHUP, KillChild);
  child = fork();
  if (child < 0) {
    perror("sealed: fork");
    return 126;
  }
  if (child == 0) {
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) _exit(126);
    if (dup2(out[1], STDOUT_FILENO) < 0) _exit(126);
    Seal(argv[1]);
    execv(argv[1], argv + 1);
    perror("sealed: exec");
    _exit(127);
  }
  close(out[1]);
  fcntl(out[0], F_SETFL, O_NONBLOCK);
  int status = 0;
  for (;;) {
    struct pollfd p = {out[0], POLLIN, 0};
    if (poll(&p, 1, 20) > 0) {
      const ssize_t got = Relay(out[0]);
      if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) break;
    }
    if (waitpid(child, &status, WNOHANG) == child) {
      while (Relay(out[0]) > 0) {  // what PROGRAM wrote before it exited
      }
      child = 0;
      break;
    }
  }
  if (child > 0 && waitpid(child, &status, 0) != child) return 126;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Closes the file system to this process but for reading and running the system folders and
// the folder of `program_path`.
static void Seal(const char* program_path) {
  const long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, kCreateRulesetVersion);
  if (abi < 1) {
    fprintf(stderr, "sealed: this kernel has no Landlock; %s runs unsealed\n", program_path);
  } else {
    uint64_t handled = kAbi1Rights;
    if (abi >= 2) handled |= kRefer;
    if (abi >= 3) handled |= kTruncate;
    if (abi >= 5) handled |= kIoctlDev;
    struct RulesetAttr attr = {handled};
    const int ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
    if (ruleset < 0) {
      perror("sealed: landlock_create_ruleset");
      _exit(126);
    }
    const uint64_t read_run = kReadFile | kReadDir | kExecute;
    static const char* const kSystem[] = {"/usr", "/bin", "/sbin", "/lib", "/lib32",
                                          "/lib64", "/libx32", "/etc"};
    for (size_t i = 0; i < sizeof(kSystem) / sizeof(kSystem[0]); ++i) Allow(ruleset, kSystem[i], read_run);
    char* program = strdup(program_path);
    Allow(ruleset, dirname(program), read_run);
    free(program);
    Allow(ruleset, "/dev/null", kReadFile | kWriteFile);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
        syscall(SYS_landlock_restrict_self, ruleset, 0) != 0) {
      perror("sealed: landlock_restrict_self");
      _exit(126);
    }
    close(ruleset);
  }
}
