#include "bench/gemm_harness.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <future>
#include <memory>
#include <random>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "common/cuda_check.h"

namespace kevolve::gemm::bench {
namespace {

constexpr uint16_t kBf16Nan = 0x7FC0;
constexpr int kSamplesPerDim = 12;
constexpr int kSettleMs = 5;  // pause before checking that an output no longer changes
// Host clock vs events (CheckTimedStreamHoldsTheWork): ratio, and launch overhead per launch.
constexpr double kHostOverEvent = 1.25;
constexpr double kHostSlackUs = 10;

double SecondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

Status ReadFacts(DeviceFacts& f) {
  int dev = 0;
  KEVOLVE_CUDA_RETURN_IF_ERROR(cudaGetDevice(&dev));
  cudaDeviceProp prop{};
  KEVOLVE_CUDA_RETURN_IF_ERROR(cudaGetDeviceProperties(&prop, dev));
  f.name = prop.name;
  f.sm_count = prop.multiProcessorCount;
  f.cc_major = prop.major;
  f.cc_minor = prop.minor;
  f.l2_bytes = prop.l2CacheSize;
  f.memory_bytes = static_cast<int64_t>(prop.totalGlobalMem);
  KEVOLVE_CUDA_RETURN_IF_ERROR(cudaDeviceGetAttribute(&f.clock_khz, cudaDevAttrClockRate, dev));
  KEVOLVE_CUDA_RETURN_IF_ERROR(
      cudaDeviceGetAttribute(&f.mem_clock_khz, cudaDevAttrMemoryClockRate, dev));
  KEVOLVE_CUDA_RETURN_IF_ERROR(cudaDriverGetVersion(&f.driver_version));
  KEVOLVE_CUDA_RETURN_IF_ERROR(cudaRuntimeGetVersion(&f.runtime_version));
  return Status::Ok();
}

// Whether C still hashes to `expected` after a pause and another device-wide wait: a kernel's
// output is final when its call returns and the device is idle.
Result<bool> OutputSettled(const void* c, const GemmShape& s, uint64_t expected, Workbench& wb) {
  std::this_thread::sleep_for(std::chrono::milliseconds(kSettleMs));
  KEVOLVE_RETURN_IF_ERROR(SyncDevice(30));
  KEVOLVE_ASSIGN_OR_RETURN(const uint64_t now, DeviceChecksum(c, s.m * s.n * 2, wb.stream()));
  return now == expected;
}

}  // namespace

bool HasCudaDevice() {
  int count = 0;
  return cudaGetDeviceCount(&count) == cudaSuccess && count > 0;
}

uint64_t FreshSeed() {
  std::random_device rd;
  return (static_cast<uint64_t>(rd()) << 32) ^ rd();
}

Status SyncWithTimeout(cudaStream_t stream, double timeout_s) {
  const auto t0 = std::chrono::steady_clock::now();
  while (true) {
    const cudaError_t err = cudaStreamQuery(stream);
    if (err == cudaSuccess) return Status::Ok();
    if (err != cudaErrorNotReady) return KEVOLVE_CUDA_STATUS(err);
    if (SecondsSince(t0) > timeout_s) {
      return Status::Timeout("GPU work did not finish within " + std::to_string(timeout_s) +
                             " s (a kernel hangs)");
    }
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
}

Status SyncDevice(double timeout_s) {
  // cudaDeviceSynchronize has no timeout: wait for it on a helper thread, which is left behind
  // (detached) if the device hangs; the caller then stops using the GPU.
  auto done = std::make_shared<std::promise<cudaError_t>>();
  std::future<cudaError_t> result = done->get_future();
  int device = 0;
  KEVOLVE_CUDA_RETURN_IF_ERROR(cudaGetDevice(&device));
  std::thread([done, device] {
    cudaSetDevice(device);
    done->set_value(cudaDeviceSynchronize());
  }).detach();
  const auto wait = std::chrono::duration<double>(timeout_s);
  if (result.wait_for(wait) != std::future_status::ready) {
    return Status::Timeout("the device did not finish its work within " +
                           std::to_string(timeout_s) + " s (a kernel hangs)");
  }
  return KEVOLVE_CUDA_STATUS(result.get());
}

Result<std::unique_ptr<Workbench>> Workbench::Create() {
  std::unique_ptr<Workbench> wb(new Workbench());
  KEVOLVE_RETURN_IF_ERROR(ReadFacts(wb->facts_));
  KEVOLVE_CUDA_RETURN_IF_ERROR(cudaStreamCreateWithFlags(&wb->stream_, cudaStreamNonBlocking));
  KEVOLVE_ASSIGN_OR_RETURN(wb->cublas_, CublasGemm::Create(wb->stream_));
  wb->facts_.cublas_version = wb->cublas_->Version();
  // Twice the L2, so a flush evicts everything a previous run left there.
  wb->flush_bytes_ = static_cast<size_t>(std::max<int64_t>(wb->facts_.l2_bytes, 1 << 20)) * 2;
  KEVOLVE_CUDA_RETURN_IF_ERROR(cudaMalloc(&wb->flush_, wb->flush_bytes_));
  return wb;
}

Workbench::~Workbench() {
  for (auto [ptr, cap] : {std::pair{&a_, &a_cap_}, std::pair{&b_, &b_cap_}, std::pair{&c_, &c_cap_},
                          std::pair{&c_ref_, &c_ref_cap_}, std::pair{&ws_, &ws_cap_}}) {
    (void)ScrubAndFree(ptr, cap);
  }
  if (flush_ != nullptr) cudaFree(flush_);
  cublas_.reset();
  if (stream_ != nullptr) cudaStreamDestroy(stream_);
}

Status Workbench::ScrubAndFree(void** ptr, size_t* cap) {
  if (*ptr == nullptr) return Status::Ok();
  const Status scrubbed = KEVOLVE_CUDA_STATUS(cudaMemsetAsync(*ptr, 0xFF, *cap, stream_));
  const Status synced = scrubbed.ok() ? SyncWithTimeout(stream_, 30) : scrubbed;
  const Status freed = KEVOLVE_CUDA_STATUS(cudaFree(*ptr));
  *ptr = nullptr;
  *cap = 0;
  return synced.ok() ? freed : synced;
}

Status Workbench::Grow(void** ptr, size_t* cap, size_t bytes) {
  if (bytes <= *cap) return Status::Ok();
  KEVOLVE_RETURN_IF_ERROR(ScrubAndFree(ptr, cap));
  KEVOLVE_CUDA_RETURN_IF_ERROR(cudaMalloc(ptr, bytes));
  *cap = bytes;
  return Status::Ok();
}

Status Workbench::Relocate(const GemmShape& s) {
  const auto bytes = [](int64_t x, int64_t y) { return static_cast<size_t>(x * y * 2); };
  for (auto [ptr, cap, size] : {std::tuple{&a_, &a_cap_, bytes(s.m, s.k)},
                                std::tuple{&b_, &b_cap_, bytes(s.n, s.k)},
                                std::tuple{&c_, &c_cap_, bytes(s.m, s.n)}}) {
    void* fresh = nullptr;
    const size_t fresh_cap = std::max(size, *cap);
    KEVOLVE_CUDA_RETURN_IF_ERROR(cudaMalloc(&fresh, fresh_cap));
    KEVOLVE_RETURN_IF_ERROR(ScrubAndFree(ptr, cap));
    *ptr = fresh;
    *cap = fresh_cap;
  }
  return Status::Ok();
}

Status Workbench::Reserve(const GemmShape& s, size_t workspace_bytes) {
  const auto bytes = [](int64_t x, int64_t y) { return static_cast<size_t>(x * y * 2); };
  KEVOLVE_RETURN_IF_ERROR(Grow(&a_, &a_cap_, bytes(s.m, s.k)));
  KEVOLVE_RETURN_IF_ERROR(Grow(&b_, &b_cap_, bytes(s.n, s.k)));
  KEVOLVE_RETURN_IF_ERROR(Grow(&c_, &c_cap_, bytes(s.m, s.n)));
  KEVOLVE_RETURN_IF_ERROR(Grow(&c_ref_, &c_ref_cap_, 2 * bytes(s.m, s.n)));  // fp32
  return Grow(&ws_, &ws_cap_, std::max<size_t>(workspace_bytes, 16));
}

Status Workbench::PrepareInputs(const GemmShape& s, uint64_t seed) {
  KEVOLVE_RETURN_IF_ERROR(Reserve(s, 0));
  KEVOLVE_RETURN_IF_ERROR(FillRandomBf16(a_, s.m * s.k, seed, stream_));
  KEVOLVE_RETURN_IF_ERROR(FillRandomBf16(b_, s.n * s.k, seed ^ 0x5bd1e995u, stream_));
  KEVOLVE_RETURN_IF_ERROR(FillBf16Bits(c_ref_, 2 * s.m * s.n, kBf16Nan, stream_));
  KEVOLVE_RETURN_IF_ERROR(cublas_->Run(s, a_, b_, c_ref_, /*c_fp32=*/true));
  KEVOLVE_RETURN_IF_ERROR(SyncWithTimeout(stream_, 60));
  KEVOLVE_ASSIGN_OR_RETURN(const SampledCheck ref_check,
                           CheckSampledFloat64(s, a_, b_, c_ref_, /*c_fp32=*/true,
                                                               kSamplesPerDim, seed + 1,
                                                               kTightAbsOfRms));
  if (!ref_check.passed()) {
    return Status::Internal("cuBLAS reference disagrees with float64 for " + ToString(s) + ": " +
                            ref_check.first_bad);
  }
  KEVOLVE_ASSIGN_OR_RETURN(a_sum_, DeviceChecksum(a_, s.m * s.k * 2, stream_));
  KEVOLVE_ASSIGN_OR_RETURN(b_sum_, DeviceChecksum(b_, s.n * s.k * 2, stream_));
  return Status::Ok();
}

GemmArgs Workbench::Args(const GemmShape& s) const {
  GemmArgs args;
  args.shape = s;
  args.a = a_;
  args.b = b_;
  args.c = c_;
  args.workspace = ws_;
  args.workspace_bytes = ws_cap_;
  return args;
}

Status Workbench::VerifyInputsUnchanged(const GemmShape& s) {
  KEVOLVE_ASSIGN_OR_RETURN(const uint64_t a_now, DeviceChecksum(a_, s.m * s.k * 2, stream_));
  KEVOLVE_ASSIGN_OR_RETURN(const uint64_t b_now, DeviceChecksum(b_, s.n * s.k * 2, stream_));
  if (a_now != a_sum_ || b_now != b_sum_) {
    return Status::Internal("an input changed during the GEMM (A or B was written)");
  }
  return Status::Ok();
}

Status CheckWorkspaceCap(const GemmOperation& op, const GemmShape& shape) {
  const size_t need = op.WorkspaceBytes(shape);
  if (need <= kMaxWorkspaceBytes) return Status::Ok();
  char buf[160];
  std::snprintf(buf, sizeof(buf),
                "split-K workspace of %.1f GiB exceeds the harness cap of %.0f GiB",
                static_cast<double>(need) / (1 << 30),
                static_cast<double>(kMaxWorkspaceBytes) / (1 << 30));
  return Status::ResourceExhausted(buf);
}

Result<CheckOutcome> CheckOperation(Workbench& wb, GemmOperation& op, const GemmShape& s,
                                    uint64_t sample_seed) {
  KEVOLVE_RETURN_IF_ERROR(CheckWorkspaceCap(op, s));
  const size_t ws_bytes = op.WorkspaceBytes(s);
  KEVOLVE_RETURN_IF_ERROR(wb.Reserve(s, ws_bytes));
  const GemmArgs args = wb.Args(s);
  KEVOLVE_RETURN_IF_ERROR(FillBf16Bits(args.c, s.m * s.n, kBf16Nan, wb.stream()));
  if (ws_bytes > 0) {
    // A split that forgets its slice leaves NaN partials, which the reduction propagates.
    KEVOLVE_RETURN_IF_ERROR(FillBf16Bits(args.workspace, static_cast<int64_t>(ws_bytes / 2),
                                         kBf16Nan, wb.stream()));
  }
  KEVOLVE_RETURN_IF_ERROR(op.Run(args, wb.stream()));
  KEVOLVE_RETURN_IF_ERROR(SyncWithTimeout(wb.stream(), 30));
  KEVOLVE_RETURN_IF_ERROR(SyncDevice(30));  // work the candidate put on streams of its own
  KEVOLVE_ASSIGN_OR_RETURN(const uint64_t c_after_call, DeviceChecksum(args.c, s.m * s.n * 2,
                                                                        wb.stream()));
  KEVOLVE_ASSIGN_OR_RETURN(const CompareResult cmp,
                           CompareToReference(args.c, wb.c_ref(), /*ref_is_fp32=*/true,
                                              s.m * s.n, wb.stream(), kRefAbsOfRms));
  KEVOLVE_ASSIGN_OR_RETURN(const SampledCheck f64,
                           CheckSampledFloat64(s, args.a, args.b, args.c, /*c_fp32=*/false,
                                               kSamplesPerDim, sample_seed, kTightAbsOfRms));
  CheckOutcome out;
  out.rel_fro = cmp.rel_fro;
  out.fp64_max_rel = f64.max_rel_err;
  const Status inputs = wb.VerifyInputsUnchanged(s);
  KEVOLVE_ASSIGN_OR_RETURN(const bool settled, OutputSettled(args.c, s, c_after_call, wb));
  out.passed = cmp.passed() && f64.passed() && inputs.ok() && settled;
  if (!settled) {
    out.detail = "the output changed after the call returned and the device was idle: work "
                 "left running on a thread or stream of the candidate's";
  } else if (!cmp.passed()) {
    out.detail = "vs fp32 reference: " + cmp.Describe();
  } else if (!f64.passed()) {
    out.detail = "vs float64: " + std::to_string(f64.bad) + " of " + std::to_string(f64.samples) +
                 " samples out of tolerance; " + f64.first_bad;
  } else if (!inputs.ok()) {
    out.detail = inputs.message();
  } else {
    char buf[128];
    std::snprintf(buf, sizeof(buf), "rel_fro %.2e vs fp32 reference, max rel %.2e vs float64",
                  cmp.rel_fro, f64.max_rel_err);
    out.detail = buf;
  }
  return out;
}

Result<TimingStats> TimeLaunches(Workbench& wb, const std::function<Status()>& launch,
                                 const TimingOptions& o, double best_known_us) {
  cudaStream_t stream = wb.stream();
  // Warm-up by time: at least one run, until warmup_ms of wall time has passed.
  const auto t0 = std::chrono::steady_clock::now();
  do {
    KEVOLVE_RETURN_IF_ERROR(launch());
    KEVOLVE_RETURN_IF_ERROR(SyncWithTimeout(stream, o.timeout_s));
  } while (SecondsSince(t0) * 1e3 < o.warmup_ms);

  const int max_events = std::max(o.max_reps, 1) + 1;
  std::vector<cudaEvent_t> start(static_cast<size_t>(max_events)),
      stop(static_cast<size_t>(max_events));
  Status st;
  for (size_t i = 0; i < start.size() && st.ok(); ++i) {
    st = KEVOLVE_CUDA_STATUS(cudaEventCreate(&start[i]));
    if (st.ok()) st = KEVOLVE_CUDA_STATUS(cudaEventCreate(&stop[i]));
  }
  const auto timed = [&](int first, int count) -> Status {
    for (int i = first; i < first + count; ++i) {
      KEVOLVE_RETURN_IF_ERROR(wb.FlushL2());
      KEVOLVE_CUDA_RETURN_IF_ERROR(cudaEventRecord(start[static_cast<size_t>(i)], stream));
      KEVOLVE_RETURN_IF_ERROR(launch());
      KEVOLVE_CUDA_RETURN_IF_ERROR(cudaEventRecord(stop[static_cast<size_t>(i)], stream));
    }
    return SyncWithTimeout(stream, o.timeout_s + 1e-3 * o.target_ms * count);
  };
  const auto elapsed_us = [&](int i, double& us) -> Status {
    float ms = 0;
    KEVOLVE_CUDA_RETURN_IF_ERROR(
        cudaEventElapsedTime(&ms, start[static_cast<size_t>(i)], stop[static_cast<size_t>(i)]));
    us = 1e3 * static_cast<double>(ms);
    return Status::Ok();
  };
  std::vector<double> samples;
  double probe_us = 0;
  if (st.ok()) st = timed(0, 1);
  if (st.ok()) st = elapsed_us(0, probe_us);
  if (st.ok()) {
    int reps = static_cast<int>(std::ceil(o.target_ms * 1e3 / std::max(probe_us, 1.0)));
    reps = std::clamp(reps, o.min_reps, o.max_reps);
    if (best_known_us > 0 && probe_us > o.prune_factor * best_known_us) reps = 3;
    st = timed(1, reps);
    for (int i = 1; i <= reps && st.ok(); ++i) {
      double us = 0;
      st = elapsed_us(i, us);
      samples.push_back(us);
    }
  }
  for (size_t i = 0; i < start.size(); ++i) {
    if (start[i] != nullptr) cudaEventDestroy(start[i]);
    if (stop[i] != nullptr) cudaEventDestroy(stop[i]);
  }
  KEVOLVE_RETURN_IF_ERROR(st);
  return Summarize(std::move(samples));
}

Result<double> HostTimedPerLaunchUs(const std::function<Status()>& launch, int launches) {
  launches = std::max(launches, 1);
  KEVOLVE_RETURN_IF_ERROR(SyncDevice(30));
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < launches; ++i) KEVOLVE_RETURN_IF_ERROR(launch());
  // Plain cudaDeviceSynchronize: SyncDevice's helper thread would add its start-up to the time.
  // These launches already finished once under SyncDevice, so a hang is not expected here.
  KEVOLVE_CUDA_RETURN_IF_ERROR(cudaDeviceSynchronize());
  return SecondsSince(t0) * 1e6 / launches;
}

Status CheckTimedStreamHoldsTheWork(double event_median_us, double host_per_launch_us) {
  if (host_per_launch_us <= kHostOverEvent * event_median_us + kHostSlackUs) return Status::Ok();
  char buf[220];
  std::snprintf(buf, sizeof(buf),
                "the work ran outside the timed stream: %.1f us per launch by the host clock "
                "around a device-wide wait, %.1f us by the events",
                host_per_launch_us, event_median_us);
  return Status::FailedPrecondition(buf);
}

}  // namespace kevolve::gemm::bench
