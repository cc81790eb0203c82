#include "bench/candidate_vet.h"

#include <cstdio>

#include "bench/gemm_reference.h"
#include "common/cuda_check.h"

namespace kevolve::gemm::bench {
namespace {

constexpr uint16_t kBf16Nan = 0x7FC0;

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.4g", v);
  return buf;
}

// A rejection naming the shape and the step.
Result<std::string> Rejected(const GemmShape& s, const std::string& step, const std::string& why) {
  return ToString(s) + ": " + step + ": " + why;
}

// Fresh inputs from a hidden seed, then the full check. "" when it passed.
Result<std::string> CheckFresh(Workbench& wb, GemmOperation& op, const GemmShape& s,
                               const std::string& step) {
  KEVOLVE_RETURN_IF_ERROR(wb.PrepareInputs(s, FreshSeed()));
  KEVOLVE_ASSIGN_OR_RETURN(const CheckOutcome out, CheckOperation(wb, op, s, FreshSeed()));
  if (!out.passed) return Rejected(s, step, out.detail);
  return std::string();
}

// The checks of one shape: fresh inputs, again at the same addresses, again at new ones.
Result<std::string> CheckShape(Workbench& wb, GemmOperation& op, const GemmShape& s) {
  if (const Status can = op.CanImplement(s); !can.ok()) {
    return Rejected(s, "refused", can.message());
  }
  KEVOLVE_ASSIGN_OR_RETURN(std::string why, CheckFresh(wb, op, s, "check"));
  if (!why.empty()) return why;
  KEVOLVE_ASSIGN_OR_RETURN(why, CheckFresh(wb, op, s, "re-check with fresh inputs"));
  if (!why.empty()) return why;
  KEVOLVE_RETURN_IF_ERROR(wb.Relocate(s));
  return CheckFresh(wb, op, s, "re-check at new buffer addresses");
}

// Times a shape whose check just passed; "" when every timing defence agrees.
Result<std::string> TimeShape(Workbench& wb, GemmOperation& op, const GemmShape& s,
                              const VetOptions& o, TimingStats* stats) {
  const GemmArgs args = wb.Args(s);
  const auto launch = [&] { return op.Launch(wb.stream()); };
  // Poisoned before the timed runs and checked after them: the timed calls must do the work.
  KEVOLVE_RETURN_IF_ERROR(FillBf16Bits(args.c, s.m * s.n, kBf16Nan, wb.stream()));
  KEVOLVE_ASSIGN_OR_RETURN(*stats, TimeLaunches(wb, launch, o.timing, 0));
  KEVOLVE_RETURN_IF_ERROR(SyncDevice(30));
  KEVOLVE_ASSIGN_OR_RETURN(const CompareResult after,
                           CompareToReference(args.c, wb.c_ref(), /*ref_is_fp32=*/true, s.m * s.n,
                                              wb.stream(), kRefAbsOfRms));
  if (!after.passed()) {
    return Rejected(s, "output after the timed runs", after.Describe());
  }
  const double tflops = s.Flops() / (stats->median_us * 1e-6) / 1e12;
  const double tbps = s.MinBytes() / (stats->median_us * 1e-6) / 1e12;
  if (tflops > 1.05 * o.peak.tflops || tbps > 1.25 * o.peak.tbps) {
    return Rejected(s, "speed of light",
                    Num(stats->median_us) + " us implies " + Num(tflops) + " TFLOP/s and " +
                        Num(tbps) + " TB/s, more than this GPU can do");
  }
  KEVOLVE_ASSIGN_OR_RETURN(const double host_us,
                           HostTimedPerLaunchUs(launch, o.host_timed_launches));
  if (const Status held = CheckTimedStreamHoldsTheWork(stats->median_us, host_us); !held.ok()) {
    return Rejected(s, "timing", held.message());
  }
  return std::string();
}

}  // namespace

Result<VetVerdict> VetCandidate(Workbench& wb, GemmOperation& op, const VetOptions& o) {
  VetVerdict verdict;
  for (const GemmShape& s : o.shapes) {
    KEVOLVE_ASSIGN_OR_RETURN(verdict.reason, CheckShape(wb, op, s));
    if (!verdict.reason.empty()) return verdict;
    TimingStats stats;
    KEVOLVE_ASSIGN_OR_RETURN(verdict.reason, TimeShape(wb, op, s, o, &stats));
    if (!verdict.reason.empty()) return verdict;
    verdict.timings.push_back(stats);
    // After timing, once more on fresh inputs: what was timed still computes.
    KEVOLVE_ASSIGN_OR_RETURN(verdict.reason, CheckFresh(wb, op, s, "re-check after timing"));
    if (!verdict.reason.empty()) return verdict;
  }
  for (const GemmShape& s : o.held_out) {
    KEVOLVE_ASSIGN_OR_RETURN(verdict.reason, CheckShape(wb, op, s));
    if (!verdict.reason.empty()) {
      verdict.reason = "held-out " + verdict.reason;
      return verdict;
    }
  }
  verdict.accepted = true;
  verdict.reason = "checked on " + std::to_string(o.shapes.size() + o.held_out.size()) +
                   " shapes (" + std::to_string(o.held_out.size()) + " held out), timed on " +
                   std::to_string(o.shapes.size());
  return verdict;
}

Result<InterleavedTimes> TimeInterleaved(Workbench& wb, const std::function<Status()>& candidate,
                                         const std::function<Status()>& baseline, int rounds) {
  cudaEvent_t start = nullptr, stop = nullptr;
  KEVOLVE_CUDA_RETURN_IF_ERROR(cudaEventCreate(&start));
  KEVOLVE_CUDA_RETURN_IF_ERROR(cudaEventCreate(&stop));
  const auto time_one = [&](const std::function<Status()>& launch, double* us) -> Status {
    KEVOLVE_RETURN_IF_ERROR(wb.FlushL2());
    KEVOLVE_CUDA_RETURN_IF_ERROR(cudaEventRecord(start, wb.stream()));
    KEVOLVE_RETURN_IF_ERROR(launch());
    KEVOLVE_CUDA_RETURN_IF_ERROR(cudaEventRecord(stop, wb.stream()));
    KEVOLVE_RETURN_IF_ERROR(SyncDevice(30));
    float ms = 0;
    KEVOLVE_CUDA_RETURN_IF_ERROR(cudaEventElapsedTime(&ms, start, stop));
    *us = 1e3 * static_cast<double>(ms);
    return Status::Ok();
  };
  InterleavedTimes times;
  Status st;
  for (int i = 0; i < rounds && st.ok(); ++i) {
    double a = 0, b = 0;
    st = time_one(candidate, &a);
    if (st.ok()) st = time_one(baseline, &b);
    if (st.ok()) {
      times.candidate_us.push_back(a);
      times.baseline_us.push_back(b);
    }
  }
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  KEVOLVE_RETURN_IF_ERROR(st);
  return times;
}

}  // namespace kevolve::gemm::bench
