// The GEMM harness: device buffers, correctness checks and timing, following the kernel
// contract in /DESIGN.md (fresh random inputs per check, poisoned outputs, cuBLAS and float64
// references, inputs proven unchanged, cold L2, warm-up by time, CUDA events, median and
// spread). Used by kevolve-gemm-bench and the gpu tests. Not thread-safe: one Workbench per
// thread, all work on its stream.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <cuda_runtime_api.h>

#include "bench/bench_io.h"
#include "bench/gemm_reference.h"
#include "core/status.h"
#include "gemm/gemm_operation.h"

namespace kevolve::gemm::bench {

// True when a CUDA device is present and usable (cudaGetDeviceCount succeeds with >= 1).
bool HasCudaDevice();

// A seed from std::random_device: a kernel under test cannot know it in advance.
uint64_t FreshSeed();

// Waits for `stream`, giving up after `timeout_s` (Timeout: a kernel hung; the process should
// exit, the device state is unknown). Internal for a CUDA error.
Status SyncWithTimeout(cudaStream_t stream, double timeout_s);

// Waits for all work on the device, every stream of every thread, giving up after `timeout_s`
// (Timeout, as above; the waiting thread is then left behind). A candidate may enqueue work on
// streams the harness does not know: outputs are read, and clocks stopped, only after this.
Status SyncDevice(double timeout_s);

struct DeviceFacts {
  std::string name;
  int sm_count = 0;
  int cc_major = 0, cc_minor = 0;
  int64_t l2_bytes = 0;
  int64_t memory_bytes = 0;
  int driver_version = 0;
  int runtime_version = 0;
  int cublas_version = 0;
  int clock_khz = 0;      // max SM clock the driver reports
  int mem_clock_khz = 0;
};

class Workbench {
 public:
  static Result<std::unique_ptr<Workbench>> Create();
  ~Workbench();
  Workbench(const Workbench&) = delete;
  Workbench& operator=(const Workbench&) = delete;

  cudaStream_t stream() const { return stream_; }
  CublasGemm& cublas() { return *cublas_; }
  const DeviceFacts& facts() const { return facts_; }

  // Grows A, B, C, C_ref and the workspace to fit `shape` and `workspace_bytes`.
  Status Reserve(const GemmShape& shape, size_t workspace_bytes);

  // Fresh inputs for `shape` from `seed`, the reference in C_ref (cuBLAS with fp32 output,
  // itself checked against float64 on sampled elements), and checksums of A and B for later.
  Status PrepareInputs(const GemmShape& shape, uint64_t seed);

  GemmArgs Args(const GemmShape& shape) const;
  void* c_ref() const { return c_ref_; }  // fp32 [M,N]
  Status FlushL2() { return bench::FlushL2(flush_, flush_bytes_, stream_); }

  // OK when A and B still hash to what PrepareInputs saw.
  Status VerifyInputsUnchanged(const GemmShape& shape);

  // Moves A, B and C to new device addresses (the old blocks are scrubbed and freed after the
  // new ones exist, so the addresses differ). Call PrepareInputs afterwards. A candidate that
  // keys anything on buffer addresses sees new ones.
  Status Relocate(const GemmShape& shape);

 private:
  Workbench() = default;
  // Frees are preceded by a scrub (every byte 0xFF, a NaN pattern), so that no later allocation,
  // the candidate's included, finds a reference output or inputs in recycled memory.
  Status Grow(void** ptr, size_t* cap, size_t bytes);
  Status ScrubAndFree(void** ptr, size_t* cap);

  cudaStream_t stream_ = nullptr;
  std::unique_ptr<CublasGemm> cublas_;
  DeviceFacts facts_;
  void* a_ = nullptr; size_t a_cap_ = 0;
  void* b_ = nullptr; size_t b_cap_ = 0;
  void* c_ = nullptr; size_t c_cap_ = 0;
  void* c_ref_ = nullptr; size_t c_ref_cap_ = 0;
  void* ws_ = nullptr; size_t ws_cap_ = 0;
  void* flush_ = nullptr; size_t flush_bytes_ = 0;
  uint64_t a_sum_ = 0, b_sum_ = 0;
};

// The harness allocates split-K workspaces up to this size; a config that needs more for a
// shape is skipped there (its row says so), not run.
inline constexpr size_t kMaxWorkspaceBytes = size_t{4} << 30;

// ResourceExhausted naming the sizes when `op` needs more than kMaxWorkspaceBytes for `shape`.
Status CheckWorkspaceCap(const GemmOperation& op, const GemmShape& shape);

struct CheckOutcome {
  bool passed = false;
  std::string detail;       // why it failed, or a summary of the errors when it passed
  double rel_fro = 0;       // vs the fp32 cuBLAS reference, all elements
  double fp64_max_rel = 0;  // vs float64, sampled elements
};

// Runs `op` once on poisoned C (and workspace), waits for the whole device (SyncDevice), compares
// every element with the fp32 cuBLAS reference and sampled elements with float64, checks A and B
// were not written, and that C no longer changes a few milliseconds later (work left running on
// a thread or stream of the candidate's after the call returned fails).
// REQUIRES: PrepareInputs(shape, ...) on this workbench. A non-OK Result is a harness or
// launch error (Timeout for a hang); a wrong answer is an OK Result with passed = false.
Result<CheckOutcome> CheckOperation(Workbench& wb, GemmOperation& op, const GemmShape& shape,
                                    uint64_t sample_seed);

struct TimingOptions {
  double warmup_ms = 5.0;     // per measured pair, after a global warm-up
  double target_ms = 20.0;    // timed runs aim at this much kernel time
  int min_reps = 5;
  int max_reps = 30;
  double prune_factor = 3.0;  // a probe slower than this x best_known_us gets only 3 reps
  double timeout_s = 30.0;
};

// Times `launch` (which enqueues on wb.stream()): each run is preceded by an L2 flush and
// bracketed by CUDA events; returns median, p10, p90 of the runs.
Result<TimingStats> TimeLaunches(Workbench& wb, const std::function<Status()>& launch,
                                 const TimingOptions& options, double best_known_us);

// The host-clock time per launch of `launches` back-to-back launches, from an idle device to
// the end of a device-wide wait: it counts work on any stream or thread the launch started.
// Microseconds. (Warm L2, so an honest kernel is no slower here than under the events.)
Result<double> HostTimedPerLaunchUs(const std::function<Status()>& launch, int launches);

// OK when the events on the harness's stream saw the work: the host-clock time per launch is at
// most 1.25x the event median plus 10 us of launch overhead. Otherwise FailedPrecondition: the
// work ran outside the timed stream (a side stream, a host thread), so the event time is not
// the kernel's time.
Status CheckTimedStreamHoldsTheWork(double event_median_us, double host_per_launch_us);

}  // namespace kevolve::gemm::bench
