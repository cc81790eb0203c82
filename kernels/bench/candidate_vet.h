// The gate an untrusted GEMM operation (an evolved kernel, a config a model proposed) passes
// before any time of it is believed. It adds to CheckOperation and TimeLaunches the defences of
// docs/security.md ("GPU measurement integrity"), each aimed at a known way a kernel can lie:
//   - fresh inputs from a hidden seed for every check; re-checks with fresh inputs at the same
//     buffer addresses (a cache keyed by pointer returns a stale answer) and at new addresses;
//   - held-out shapes the candidate was not tuned on (a hard-coded shape is wrong there);
//   - the output poisoned before the timed runs and checked after them (a kernel that does its
//     work only when checked);
//   - device-wide waits before reading outputs, and the host clock around device-wide waits
//     against the events (work on a side stream or a host thread);
//   - the speed-of-light bound on every time;
//   - tolerances of bf16 output against an fp32-accumulated reference (lower precision fails).
// The reference of every check is computed (cuBLAS, fp32 output) before the candidate runs and
// lives in harness memory that is scrubbed before it is freed.
//
// Not thread-safe (one Workbench per thread). Needs a GPU.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "bench/bench_common.h"
#include "bench/gemm_harness.h"
#include "core/status.h"
#include "gemm/gemm_operation.h"

namespace kevolve::gemm::bench {

struct VetOptions {
  std::vector<GemmShape> shapes;    // the shapes the candidate is measured on
  std::vector<GemmShape> held_out;  // checked too (correctness only), never timed
  TimingOptions timing;
  PeakRates peak;
  int host_timed_launches = 20;  // back to back, for the host-clock cross-check
};

struct VetVerdict {
  bool accepted = false;
  std::string reason;                // the first failure, or "checked on N shapes" when accepted
  std::vector<TimingStats> timings;  // per shape of VetOptions::shapes, when accepted
};

// Checks and times `op` on every shape as above. A rejection is an OK Result with
// accepted = false and the reason; a non-OK Result is a harness or device failure (Timeout for
// a hang: stop using the GPU).
Result<VetVerdict> VetCandidate(Workbench& wb, GemmOperation& op, const VetOptions& options);

// Raw samples of two launches timed alternately (candidate, baseline, candidate, ...), each run
// after an L2 flush, so that drifting clocks and temperature affect both alike: the input of a
// noise-aware comparison (core/timing_stats.h, CompareRuns).
struct InterleavedTimes {
  std::vector<double> candidate_us;
  std::vector<double> baseline_us;
};
Result<InterleavedTimes> TimeInterleaved(Workbench& wb, const std::function<Status()>& candidate,
                                         const std::function<Status()>& baseline, int rounds);

}  // namespace kevolve::gemm::bench
