// Process mode's view of the file system: a Landlock ruleset that lets the evaluation read what
// bwrap would show it and write only its scratch folder, and, where Landlock cannot restrict
// Unix sockets by path, a seccomp filter that refuses them (docs/protocol.md, "Modes").
//
// The ruleset is built here, in kevolve, before the clone; the evaluator only enforces it on
// itself (sandbox_child.cc), which is one async-signal-safe system call.
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "eval/sandbox_internal.h"

namespace kevolve::eval::internal {
namespace {

// The rest of Landlock's user-space ABI (the file-system rights are in sandbox_internal.h).
constexpr uint64_t kNetBindTcp = 1ULL << 0;         // ABI 4
constexpr uint64_t kNetConnectTcp = 1ULL << 1;      // ABI 4
constexpr uint64_t kScopeAbstractUnix = 1ULL << 0;  // ABI 6
constexpr uint64_t kScopeSignal = 1ULL << 1;        // ABI 6
constexpr unsigned kCreateRulesetVersion = 1U << 0;
constexpr int kRulePathBeneath = 1;
// The rights a rule on a file (not a folder) may carry; the kernel refuses the others there.
constexpr uint64_t kFileRights =
    kFsExecute | kFsWriteFile | kFsReadFile | kFsTruncate | kFsIoctlDev;

struct RulesetAttr {
  uint64_t handled_access_fs = 0;
  uint64_t handled_access_net = 0;  // ABI 4; must be 0 below, and is
  uint64_t scoped = 0;              // ABI 6; must be 0 below, and is
};

struct __attribute__((packed)) PathBeneathAttr {
  uint64_t allowed_access = 0;
  int32_t parent_fd = -1;
};

constexpr uint64_t kRead = kFsReadFile | kFsReadDir;
constexpr uint64_t kReadExecute = kRead | kFsExecute;
// Device nodes are opened for reading and writing (`> /dev/null` truncates), and take ioctls.
constexpr uint64_t kDevice = kFsReadFile | kFsWriteFile | kFsTruncate | kFsIoctlDev;
// The nodes of bwrap's minimal /dev (its --dev); the GPU nodes come as spec.dev_binds. Not
// /dev/pts or /dev/ptmx: bwrap's are private, here they would be the user's own terminals (an
// evaluation of the same uid could read what is typed there).
constexpr const char* kDevices[] = {"/dev/null", "/dev/zero", "/dev/full",
                                    "/dev/random", "/dev/urandom", "/dev/tty"};

uint64_t FsRights(int abi) {
  uint64_t rights = kFsAbi1;
  if (abi >= 2) rights |= kFsRefer;
  if (abi >= 3) rights |= kFsTruncate;
  if (abi >= 5) rights |= kFsIoctlDev;
  if (abi >= kLandlockUnixSocketAbi) rights |= kFsResolveUnix;
  return rights;
}

// A few classic BPF instructions with forward jumps to named labels, resolved at the end.
class BpfBuilder {
 public:
  void Load(uint32_t offset) { Emit(BPF_LD | BPF_W | BPF_ABS, offset); }
  void And(uint32_t mask) { Emit(BPF_ALU | BPF_AND | BPF_K, mask); }
  void Return(uint32_t value) { Emit(BPF_RET | BPF_K, value); }
  // Jumps to label `if_equal` when the accumulator is `value`, else to label `otherwise`; a
  // label of kNext goes on with the next instruction.
  static constexpr int kNext = -1;
  void JumpIfEqual(uint32_t value, int if_equal, int otherwise = kNext) {
    jumps_.push_back({code_.size(), if_equal, otherwise});
    Emit(BPF_JMP | BPF_JEQ | BPF_K, value);
  }
  void Place(int label) { labels_[label] = code_.size(); }
  std::vector<sock_filter> Finish() {
    for (const Jump& j : jumps_) {
      code_[j.at].jt = Offset(j.at, j.if_equal);
      code_[j.at].jf = Offset(j.at, j.otherwise);
    }
    return std::move(code_);
  }

 private:
  struct Jump {
    size_t at;
    int if_equal;
    int otherwise;
  };
  void Emit(uint16_t op, uint32_t k) { code_.push_back(sock_filter{op, 0, 0, k}); }
  uint8_t Offset(size_t at, int label) const {
    if (label == kNext) return 0;
    return static_cast<uint8_t>(labels_[static_cast<size_t>(label)] - at - 1);
  }
  std::vector<sock_filter> code_;
  std::vector<Jump> jumps_;
  size_t labels_[8] = {};
};

// The system calls that make Unix sockets, per architecture the kernel may be asked in.
struct SocketCalls {
  uint32_t arch;
  uint32_t socket;
  uint32_t socketpair;
  int64_t socketcall;  // the multiplexer (its call number is an argument); -1: none
  uint32_t io_uring_setup;
  uint32_t number_mask;  // bits of the number that select a sub-ABI (x32), cleared
};

#if defined(__x86_64__)
#define KEVOLVE_UNIX_SOCKET_FILTER 1
constexpr SocketCalls kArchs[] = {{AUDIT_ARCH_X86_64, 41, 53, -1, 425, 0x40000000U},
                                  {AUDIT_ARCH_I386, 359, 360, 102, 425, 0}};
#elif defined(__aarch64__)
#define KEVOLVE_UNIX_SOCKET_FILTER 1
constexpr SocketCalls kArchs[] = {{AUDIT_ARCH_AARCH64, 198, 199, -1, 425, 0},
                                  {AUDIT_ARCH_ARM, 281, 288, -1, 425, 0}};
#endif

#ifdef KEVOLVE_UNIX_SOCKET_FILTER
std::vector<sock_filter> BuildUnixSocketFilter() {
  enum Label { kAllow, kRefuse, kSocket, kSocketPair, kSocketCall, kSecondArch };
  constexpr uint32_t kArch = offsetof(struct seccomp_data, arch);
  constexpr uint32_t kNr = offsetof(struct seccomp_data, nr);
  // The low 32 bits of an argument (little-endian): the domain and the type are ints.
  constexpr uint32_t kArg0 = offsetof(struct seccomp_data, args);
  constexpr uint32_t kArg1 = kArg0 + sizeof(uint64_t);
  static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__);
  BpfBuilder b;
  for (size_t i = 0; i < 2; ++i) {
    const SocketCalls& a = kArchs[i];
    if (i == 1) b.Place(kSecondArch);
    b.Load(kArch);
    b.JumpIfEqual(a.arch, BpfBuilder::kNext, i == 0 ? kSecondArch : kAllow);
    b.Load(kNr);
    if (a.number_mask != 0) b.And(~a.number_mask);
    if (a.socketcall >= 0) b.JumpIfEqual(static_cast<uint32_t>(a.socketcall), kSocketCall);
    b.JumpIfEqual(a.socket, kSocket);
    b.JumpIfEqual(a.socketpair, kSocketPair);
    b.JumpIfEqual(a.io_uring_setup, kRefuse);
    b.Return(SECCOMP_RET_ALLOW);
  }
  b.Place(kSocket);
  b.Load(kArg0);
  b.JumpIfEqual(AF_UNIX, kRefuse, kAllow);
  b.Place(kSocketPair);
  b.Load(kArg0);
  b.JumpIfEqual(AF_UNIX, BpfBuilder::kNext, kAllow);
  b.Load(kArg1);
  b.And(0xf);  // SOCK_TYPE_MASK: the flags (SOCK_CLOEXEC, SOCK_NONBLOCK) are above it
  b.JumpIfEqual(SOCK_DGRAM, kRefuse, kAllow);
  // socketcall(call, args): the domain is behind a pointer, so every socket it makes is refused.
  b.Place(kSocketCall);
  b.Load(kArg0);
  b.JumpIfEqual(1, kRefuse);          // SYS_SOCKET
  b.JumpIfEqual(8, kRefuse, kAllow);  // SYS_SOCKETPAIR
  b.Place(kRefuse);
  b.Return(SECCOMP_RET_ERRNO | (EACCES & SECCOMP_RET_DATA));
  b.Place(kAllow);
  b.Return(SECCOMP_RET_ALLOW);
  return b.Finish();
}
#endif

}  // namespace

int LandlockAbi() {
  static const int abi = [] {
#ifdef SYS_landlock_create_ruleset
    const long version = syscall(SYS_landlock_create_ruleset, nullptr, 0, kCreateRulesetVersion);
    return version > 0 ? static_cast<int>(version) : 0;
#else
    return 0;
#endif
  }();
  return abi;
}

LandlockPlan PlanLandlock(const SandboxSpec& spec, const std::string& command, int abi,
                          bool net_namespace) {
  LandlockPlan plan;
  plan.handled_fs = FsRights(abi);
  // With a network namespace only its own loopback is there, which an evaluator may use.
  if (abi >= 4 && !net_namespace) plan.handled_net = kNetBindTcp | kNetConnectTcp;
  if (abi >= 6) plan.scoped = kScopeAbstractUnix | kScopeSignal;
  const auto allow = [&plan](const std::string& path, uint64_t access) {
    plan.rules.push_back({path, access & plan.handled_fs});
  };
  for (const std::string& folder : SystemFolders()) allow(folder, kReadExecute);
  for (const std::string& dir : spec.ro_binds) allow(dir, kReadExecute);
  if (const std::string folder = CommandFolder(spec, command); !folder.empty()) {
    allow(folder, kReadExecute);
  }
  // Its own processes need /proc/self; the rest of /proc is guarded by uids and ptrace rules
  // (Landlock adds: no ptrace of processes outside the evaluation). The CUDA driver fails to
  // start unless it may also write there.
  plan.proc_access = (spec.gpu ? kRead | kFsWriteFile | kFsTruncate : kRead) & plan.handled_fs;
  allow("/proc", plan.proc_access);
  for (const char* device : kDevices) allow(device, kDevice | kFsReadDir);
  for (const std::string& device : spec.dev_binds) allow(device, kDevice | kFsReadDir);
  if (spec.gpu) allow("/sys", kRead);
  // Writable like scratch: POSIX shared memory and semaphores (shm_open, sem_open) live in
  // /dev/shm whatever TMPDIR says. As another uid, what is left there is removed after the run.
  const uint64_t writable = plan.handled_fs & ~(kFsMakeChar | kFsMakeBlock);
  allow("/dev/shm", writable);
  if (!spec.workdir.empty()) allow(spec.workdir, writable);
  return plan;
}

int AllowBeneath(int ruleset, const char* path, uint64_t access) {
#ifdef SYS_landlock_add_rule
  const int fd = open(path, O_PATH | O_CLOEXEC);
  if (fd < 0) return -1;  // not on this machine: nothing to allow
  struct stat st = {};
  PathBeneathAttr beneath;
  beneath.allowed_access = access;
  if (fstat(fd, &st) != 0 || !S_ISDIR(st.st_mode)) beneath.allowed_access &= kFileRights;
  beneath.parent_fd = fd;
  const long added = beneath.allowed_access == 0
                         ? 0
                         : syscall(SYS_landlock_add_rule, ruleset, kRulePathBeneath, &beneath, 0U);
  const int error = errno;
  close(fd);
  return added == 0 ? 0 : error;
#else
  (void)ruleset, (void)path, (void)access;
  return ENOSYS;
#endif
}

Result<int> CreateLandlockRuleset(const LandlockPlan& plan) {
#ifdef SYS_landlock_create_ruleset
  const RulesetAttr attr{plan.handled_fs, plan.handled_net, plan.scoped};
  const int ruleset =
      static_cast<int>(syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0U));
  if (ruleset < 0) {
    return Status::Unavailable(std::string("landlock: cannot create a ruleset: ") +
                               std::strerror(errno));
  }
  for (const LandlockRule& rule : plan.rules) {
    const int error = AllowBeneath(ruleset, rule.path.c_str(), rule.access);
    if (error > 0) {
      close(ruleset);
      return Status::Unavailable("landlock: cannot allow " + rule.path + ": " +
                                 std::strerror(error));
    }
  }
  return ruleset;
#else
  (void)plan;
  return Status::Unavailable("landlock: this build does not know its system calls");
#endif
}

const struct sock_fprog* UnixSocketFilter() {
#ifdef KEVOLVE_UNIX_SOCKET_FILTER
  static const std::vector<sock_filter> code = BuildUnixSocketFilter();
  static const sock_fprog program = {static_cast<unsigned short>(code.size()),
                                     const_cast<sock_filter*>(code.data())};
  return &program;
#else
  return nullptr;
#endif
}

}  // namespace kevolve::eval::internal
