/* The messages between kevolve and a worker slot's agent (kevolve-slot, slot_agent.c), over a
 * SOCK_SEQPACKET socket pair: one message per datagram, so no framing. C and C++ both include
 * this header; the layouts are plain and fixed.
 *
 * kevolve -> agent:
 *   SlotRun      header + rlimits + seccomp filter + strings, with descriptors attached
 *                (SCM_RIGHTS): stdin, stdout, stderr, the Landlock ruleset when has_landlock,
 *                and the fork server's when has_server_landlock.
 *   SlotSignal   SIGTERM or SIGKILL to every process of the slot but the agent.
 * agent -> kevolve:
 *   SlotReport   ready (once, after start-up), setup_error (the candidate could not be
 *                started: step and errno), finished (wait status, CPU, peak memory, leftovers).
 * agent <-> fork server (kevolve_pyeval.py --serve, its descriptor 3):
 *   agent: workdir, "R", rlimits as "resource soft hard", "A", args..., "E", env..., each
 *          NUL-ended, with stdin, stdout, stderr and the Landlock ruleset (when any) attached.
 *   server: "done STATUS CPU_US MAX_RSS_KB" once the forked process is reaped.
 */
#ifndef KEVOLVE_EVAL_SLOT_WIRE_H_
#define KEVOLVE_EVAL_SLOT_WIRE_H_

#include <stdint.h>

#define KEVOLVE_SLOT_MAGIC 0x6b736c74u /* "kslt" */
#define KEVOLVE_SLOT_MAX_MESSAGE (256 * 1024)
#define KEVOLVE_SLOT_MAX_RLIMITS 16
#define KEVOLVE_SLOT_MAX_FILTER 256

enum {
  kSlotRun = 1,
  kSlotSignal = 2,
};

enum {
  kSlotReportSetupError = 1, /* == ChildReport::kSetupError */
  kSlotReportFinished = 2,   /* == ChildReport::kFinished */
  kSlotReportReady = 3,
};

struct SlotRlimit {
  int32_t resource;
  int32_t unused;
  uint64_t soft;
  uint64_t hard;
};

/* One struct sock_filter, spelled out. */
struct SlotFilterOp {
  uint16_t code;
  uint8_t jt;
  uint8_t jf;
  uint32_t k;
};

struct SlotRunHeader {
  uint32_t magic;
  uint32_t kind; /* kSlotRun */
  int32_t switch_user;
  uint32_t uid;
  uint32_t gid;
  int32_t rlimit_count;  /* SlotRlimit entries after the header */
  int32_t filter_count;  /* SlotFilterOp entries after the rlimits; 0: no seccomp filter */
  int32_t has_landlock;  /* the fourth descriptor is a Landlock ruleset to enforce */
  int32_t has_server_landlock; /* with fork_server: the next one is the server's ruleset */
  int32_t unused2;
  uint64_t proc_access;  /* Landlock rights to grant again on the slot's own /proc */
  int32_t argc;          /* strings: exec path, workdir, argv[argc], envp[envc], each NUL-ended */
  int32_t envc;
  uint32_t strings_bytes;
  /* 1: argv is [interpreter, host, evaluator, args...] of kevolve's Python host; the slot keeps
   * "interpreter host --serve evaluator" running (a fork server that imports the evaluator once)
   * and the run is a process forked from it with args. */
  int32_t fork_server;
};

struct SlotSignal {
  uint32_t magic;
  uint32_t kind; /* kSlotSignal */
  int32_t signal;
  int32_t unused;
};

/* The layout of kevolve::eval::internal::ChildReport (sandbox_internal.h), plus kind ready. */
struct SlotReport {
  int32_t kind;
  int32_t step;
  int32_t error;
  int32_t wait_status;
  int32_t leftovers;
  int32_t unused;
  int64_t cpu_us;
  int64_t max_rss_kb;
};

#endif /* KEVOLVE_EVAL_SLOT_WIRE_H_ */
