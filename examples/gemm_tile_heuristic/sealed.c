// sealed PROGRAM [ARGS...]: runs PROGRAM with the file system closed to it (Linux Landlock) but
// for reading and running what lies below the system folders and PROGRAM's own folder. The GEMM
// selector is candidate code: it must not read the performance table it is scored against (nor
// split.csv), and it has nothing to write. Its stdin, stdout and stderr stay as they were opened.
// Where the kernel has no Landlock it says so on stderr and runs PROGRAM unsealed.
#define _GNU_SOURCE
#include <fcntl.h>
#include <libgen.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
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
    exit(126);
  }
  close(fd);
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: sealed PROGRAM [ARGS...]\n");
    return 2;
  }
  const long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, kCreateRulesetVersion);
  if (abi < 1) {
    fprintf(stderr, "sealed: this kernel has no Landlock; %s runs unsealed\n", argv[1]);
  } else {
    uint64_t handled = kAbi1Rights;
    if (abi >= 2) handled |= kRefer;
    if (abi >= 3) handled |= kTruncate;
    if (abi >= 5) handled |= kIoctlDev;
    struct RulesetAttr attr = {handled};
    const int ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
    if (ruleset < 0) {
      perror("sealed: landlock_create_ruleset");
      return 126;
    }
    const uint64_t read_run = kReadFile | kReadDir | kExecute;
    static const char* const kSystem[] = {"/usr", "/bin", "/sbin", "/lib", "/lib32",
                                          "/lib64", "/libx32", "/etc"};
    for (size_t i = 0; i < sizeof(kSystem) / sizeof(kSystem[0]); ++i) Allow(ruleset, kSystem[i], read_run);
    char* program = strdup(argv[1]);
    Allow(ruleset, dirname(program), read_run);
    free(program);
    Allow(ruleset, "/dev/null", kReadFile | kWriteFile);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
        syscall(SYS_landlock_restrict_self, ruleset, 0) != 0) {
      perror("sealed: landlock_restrict_self");
      return 126;
    }
    close(ruleset);
  }
  execv(argv[1], argv + 1);
  perror("sealed: exec");
  return 127;
}
