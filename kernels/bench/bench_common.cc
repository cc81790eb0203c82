#include "bench/bench_common.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <memory>

#include <unistd.h>

#include "common/cuda_check.h"
#include "core/files.h"
#include "core/text.h"
#include "gemm/gemm_operation.h"

#ifndef KEVOLVE_NVCC_VERSION
#define KEVOLVE_NVCC_VERSION "unknown"
#endif

namespace kevolve::gemm::bench {
namespace {

std::string Num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.6g", v);
  return buf;
}

std::string VersionString(int v) {  // 13000 -> "13.0"
  return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10);
}

}  // namespace

Result<std::vector<ShapeEntry>> LoadShapes(const std::string& paths) {
  std::vector<ShapeEntry> all;
  size_t pos = 0;
  while (pos <= paths.size()) {
    const size_t comma = std::min(paths.find(',', pos), paths.size());
    const std::string path = paths.substr(pos, comma - pos);
    pos = comma + 1;
    if (path.empty()) continue;
    KEVOLVE_ASSIGN_OR_RETURN(const std::string text, ReadFile(path));
    Result<std::vector<ShapeEntry>> shapes = ParseShapeSuite(text);
    if (!shapes.ok()) return shapes.status().WithContext(path);
    all.insert(all.end(), shapes->begin(), shapes->end());
  }
  if (all.empty()) return Status::InvalidArgument("no shapes in '" + paths + "'");
  return all;
}

Result<std::vector<GemmConfig>> LoadConfigs(const std::string& source, const std::string& kernels) {
  std::vector<GemmConfig> configs;
  if (source == "menu") {
    configs = GemmMenu();
  } else {
    KEVOLVE_ASSIGN_OR_RETURN(const std::string text, ReadFile(source));
    for (const std::string& line : SplitLines(text)) {
      const std::string_view t = Trim(line);
      if (t.empty() || t.front() == '#') continue;
      Result<GemmConfig> c = ParseGemmConfig(t);
      if (!c.ok()) return c.status().WithContext(source);
      configs.push_back(*c);
    }
  }
  if (kernels.empty()) return configs;
  std::vector<std::string> filters;
  size_t pos = 0;
  while (pos <= kernels.size()) {
    const size_t comma = std::min(kernels.find(',', pos), kernels.size());
    if (comma > pos) filters.push_back(kernels.substr(pos, comma - pos));
    pos = comma + 1;
  }
  std::vector<GemmConfig> kept;
  for (const GemmConfig& c : configs) {
    const std::string key = KernelKey(c);
    for (const std::string& f : filters) {
      if (key.find(f) != std::string::npos) {
        kept.push_back(c);
        break;
      }
    }
  }
  return kept;
}

Result<Ceilings> MeasureCeilings(Workbench& wb, const TimingOptions& options) {
  Ceilings out;
  // Copy bandwidth: 1 GiB device to device, counted as bytes read plus bytes written.
  const size_t bytes = size_t{1} << 30;
  void* src = nullptr;
  void* dst = nullptr;
  KEVOLVE_CUDA_RETURN_IF_ERROR(cudaMalloc(&src, bytes));
  std::unique_ptr<void, void (*)(void*)> src_guard(src, [](void* p) { cudaFree(p); });
  KEVOLVE_CUDA_RETURN_IF_ERROR(cudaMalloc(&dst, bytes));
  std::unique_ptr<void, void (*)(void*)> dst_guard(dst, [](void* p) { cudaFree(p); });
  KEVOLVE_RETURN_IF_ERROR(FillBf16Bits(src, static_cast<int64_t>(bytes / 2), 0x3F80, wb.stream()));
  KEVOLVE_ASSIGN_OR_RETURN(
      const TimingStats copy,
      TimeLaunches(wb, [&] { return KEVOLVE_CUDA_STATUS(cudaMemcpyAsync(dst, src, bytes,
                                                            cudaMemcpyDeviceToDevice,
                                                            wb.stream())); },
                   options, 0));
  out.copy_tbps = 2.0 * static_cast<double>(bytes) / (copy.median_us * 1e-6) / 1e12;
  for (int size : {8192, 4096}) {
    const GemmShape s{size, size, size, BLayout::kNK};
    KEVOLVE_RETURN_IF_ERROR(wb.PrepareInputs(s, FreshSeed()));
    TimingOptions warm = options;
    warm.warmup_ms = 200.0;
    KEVOLVE_ASSIGN_OR_RETURN(
        const TimingStats t,
        TimeLaunches(wb, [&] { return wb.cublas().Run(s, wb.Args(s).a, wb.Args(s).b,
                                                      wb.Args(s).c); },
                     warm, 0));
    const double tflops = s.Flops() / (t.median_us * 1e-6) / 1e12;
    (size == 8192 ? out.cublas_8192_tflops : out.cublas_4096_tflops) = tflops;
  }
  return out;
}

Status WarmUp(Workbench& wb) {
  const GemmShape s{8192, 8192, 8192, BLayout::kNK};
  KEVOLVE_RETURN_IF_ERROR(wb.PrepareInputs(s, FreshSeed()));
  const GemmArgs args = wb.Args(s);
  const auto t0 = std::chrono::steady_clock::now();
  while (std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() < 1.0) {
    for (int i = 0; i < 50; ++i) {
      KEVOLVE_RETURN_IF_ERROR(wb.cublas().Run(s, args.a, args.b, args.c));
    }
    KEVOLVE_RETURN_IF_ERROR(SyncWithTimeout(wb.stream(), 30));
  }
  return Status::Ok();
}

PeakRates PeakRatesFor(const DeviceFacts& facts) {
  PeakRates peak;
  if (facts.name.find("H200") != std::string::npos) peak.tbps = 4.8;
  return peak;
}

Result<PerfRow> MeasureConfig(Workbench& wb, const GemmConfig& config, const GemmShape& shape,
                              const TimingOptions& options, const PeakRates& peak,
                              double best_known_us) {
  PerfRow row;
  row.m = shape.m;
  row.n = shape.n;
  row.k = shape.k;
  row.config = ToString(config);
  Result<std::unique_ptr<GemmOperation>> made = MakeGemmOperation(config);
  if (!made.ok()) {
    row.status = "not compiled: " + made.status().message();
    return row;
  }
  GemmOperation& op = **made;
  if (const Status can = op.CanImplement(shape); !can.ok()) {
    row.status = "refused: " + can.message();
    return row;
  }
  if (const Status cap = CheckWorkspaceCap(op, shape); !cap.ok()) {
    row.status = "skipped: " + cap.message();
    return row;
  }
  Result<CheckOutcome> check = CheckOperation(wb, op, shape, FreshSeed());
  if (!check.ok()) {
    if (check.status().code() == StatusCode::kTimeout ||
        check.status().code() == StatusCode::kInternal) {
      return check.status();
    }
    row.status = "error: " + check.status().message();
    return row;
  }
  if (!check->passed) {
    row.status = "wrong: " + check->detail;
    return row;
  }
  Result<TimingStats> t =
      TimeLaunches(wb, [&] { return op.Launch(wb.stream()); }, options, best_known_us);
  if (!t.ok()) return t.status();
  row.median_us = t->median_us;
  row.p10_us = t->p10_us;
  row.p90_us = t->p90_us;
  // Speed of light: faster than the chip can compute or than HBM can stream from a cold L2
  // is a measurement error, never a result.
  const double tflops = shape.Flops() / (t->median_us * 1e-6) / 1e12;
  const double tbps = shape.MinBytes() / (t->median_us * 1e-6) / 1e12;
  if (tflops > 1.05 * peak.tflops || tbps > 1.25 * peak.tbps) {
    row.status = "error: faster than the speed of light (" + Num(tflops) + " TFLOP/s, " +
                 Num(tbps) + " TB/s): measurement error";
    return row;
  }
  // The events saw the whole of the work (none of it on another stream or thread). Enough
  // launches to amortize launch overhead, about 20 ms of them at most.
  const int launches = std::clamp(static_cast<int>(20'000 / std::max(t->median_us, 1.0)), 3, 20);
  KEVOLVE_ASSIGN_OR_RETURN(const double host_us,
                           HostTimedPerLaunchUs([&] { return op.Launch(wb.stream()); }, launches));
  if (const Status held = CheckTimedStreamHoldsTheWork(t->median_us, host_us); !held.ok()) {
    row.status = "error: " + held.message();
  }
  return row;
}

Result<PerfRow> MeasureCublas(Workbench& wb, const GemmShape& s, const TimingOptions& options) {
  PerfRow row;
  row.m = s.m;
  row.n = s.n;
  row.k = s.k;
  row.config = "cublas";
  const GemmArgs args = wb.Args(s);
  TimingOptions warm = options;
  warm.warmup_ms = std::max(options.warmup_ms, 30.0);  // it follows host-side reference work
  KEVOLVE_ASSIGN_OR_RETURN(
      const TimingStats t,
      TimeLaunches(wb, [&] { return wb.cublas().Run(s, args.a, args.b, args.c); }, warm, 0));
  row.median_us = t.median_us;
  row.p10_us = t.p10_us;
  row.p90_us = t.p90_us;
  return row;
}

std::string UtcNow() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string NvidiaSmiClocks() {
  return NvidiaSmiQuery(
      "clocks.sm,clocks.mem,clocks.max.sm,temperature.gpu,power.draw,power.limit,pstate");
}

std::string NvidiaSmiQuery(const std::string& fields) {
  const std::string command =
      "nvidia-smi --query-gpu=" + fields + " --format=csv,noheader 2>/dev/null";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return "unavailable";
  std::string out;
  char buf[256];
  while (std::fgets(buf, sizeof(buf), pipe) != nullptr) out += buf;
  pclose(pipe);
  const std::string_view t = Trim(out);
  return t.empty() ? "unavailable" : std::string(t);
}

std::string ProvenanceJson(const Workbench& wb, const ProvenanceInputs& in) {
  const DeviceFacts& f = wb.facts();
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  const TimingOptions& t = in.timing;
  std::string j = "{\n";
  j += "  \"format\": \"kevolve-gemm-perf-table/1\",\n";
  j += "  \"table\": " + JsonString(in.table_file) + ",\n";
  j += "  \"shapes_file\": " + JsonString(in.shapes_file) + ",\n";
  j += "  \"shapes\": " + std::to_string(in.shapes) + ",\n";
  j += "  \"configs\": " + std::to_string(in.configs) + ",\n";
  j += "  \"complete\": " + std::string(in.complete ? "true" : "false") + ",\n";
  j += "  \"resumed\": " + std::string(in.resumed ? "true" : "false") + ",\n";
  j += "  \"dtype\": \"bf16 in, fp32 accumulate, bf16 out\",\n";
  j += "  \"b_layout\": \"nk (B is the [N,K] nn.Linear weight)\",\n";
  j += "  \"gpu\": {\"name\": " + JsonString(f.name) + ", \"sm_count\": " +
       std::to_string(f.sm_count) + ", \"compute_capability\": \"" + std::to_string(f.cc_major) +
       "." + std::to_string(f.cc_minor) + "\", \"l2_bytes\": " + std::to_string(f.l2_bytes) +
       ", \"memory_bytes\": " + std::to_string(f.memory_bytes) + ", \"max_sm_clock_mhz\": " +
       std::to_string(f.clock_khz / 1000) + ", \"memory_clock_mhz\": " +
       std::to_string(f.mem_clock_khz / 1000) + "},\n";
  j += "  \"driver_cuda_version\": \"" + VersionString(f.driver_version) + "\",\n";
  j += "  \"cuda_runtime_version\": \"" + VersionString(f.runtime_version) + "\",\n";
  j += "  \"cublas_version\": " + std::to_string(f.cublas_version) + ",\n";
  j += "  \"nvcc_version\": \"" KEVOLVE_NVCC_VERSION "\",\n";
  j += "  \"nvidia_driver\": " + JsonString(NvidiaSmiQuery("driver_version")) + ",\n";
  j += "  \"host\": " + JsonString(host) + ",\n";
  j += "  \"git_commit\": " + JsonString(in.git_commit) + ",\n";
  j += "  \"started_utc\": " + JsonString(in.started_utc) + ",\n";
  j += "  \"finished_utc\": " + JsonString(UtcNow()) + ",\n";
  j += "  \"nvidia_smi_fields\": \"clocks.sm,clocks.mem,clocks.max.sm,temperature.gpu,"
       "power.draw,power.limit,pstate\",\n";
  j += "  \"clocks_start\": " + JsonString(in.clocks_start) + ",\n";
  j += "  \"clocks_end\": " + JsonString(NvidiaSmiClocks()) + ",\n";
  j += "  \"ceilings\": {\"copy_tbps\": " + Num(in.ceilings.copy_tbps) +
       ", \"cublas_4096_tflops\": " + Num(in.ceilings.cublas_4096_tflops) +
       ", \"cublas_8192_tflops\": " + Num(in.ceilings.cublas_8192_tflops) + "},\n";
  j += "  \"method\": {\n";
  j += "    \"inputs\": \"uniform [-1,1) bf16, fresh seed per shape; C and workspace poisoned "
       "with NaN before the checked run\",\n";
  j += "    \"correctness\": \"every element vs cuBLAS (|x-r| <= 1e-2|r| + 1e-2 rms(r)) and 144 "
       "sampled elements vs float64 (|x-r| <= 1e-2|r| + 2e-3 rms(r)); NaN/Inf fail; A and B "
       "checksummed unchanged\",\n";
  j += "    \"cold_l2\": \"a kernel writes " + std::to_string(2 * f.l2_bytes) +
       " bytes (2x L2) before every timed run\",\n";
  j += "    \"timer\": \"cudaEventRecord before/after each run on one stream\",\n";
  j += "    \"warmup\": \"1 s of cuBLAS 8192^3 at start (ceilings measured at the end); "
       "then per pair runs until " +
       Num(t.warmup_ms) + " ms have passed (at least one); cuBLAS rows warm up for 30 ms and are "
       "timed before and after the shape's configs, keeping the lower median\",\n";
  j += "    \"repetitions\": \"one probe run, then ceil(" + Num(t.target_ms) +
       " ms / probe) runs clamped to [" + std::to_string(t.min_reps) + ", " +
       std::to_string(t.max_reps) + "]; 3 runs when the probe is over " + Num(t.prune_factor) +
       "x the best time so far on the shape\",\n";
  j += "    \"statistics\": \"median, p10, p90 (linear interpolation) of the timed runs, "
       "microseconds\",\n";
  j += "    \"speed_of_light\": \"rows implying > 1.05x 989.4 TFLOP/s or > 1.25x 3.35 TB/s "
       "(4.8 TB/s on H200) are marked error, and so are rows whose host-clock time per launch "
       "(3 to 20 back to back, around a device-wide wait) exceeds 1.25x the event median + 10 us\",\n";
  j += "    \"cublas\": \"cublasGemmEx bf16, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT\"\n";
  j += "  }\n}\n";
  return j;
}

Result<TimingOptions> TimingFromFlags(const Flags& f) {
  TimingOptions o;
  KEVOLVE_ASSIGN_OR_RETURN(o.warmup_ms, f.GetDouble("warmup-ms"));
  KEVOLVE_ASSIGN_OR_RETURN(o.target_ms, f.GetDouble("target-ms"));
  KEVOLVE_ASSIGN_OR_RETURN(o.min_reps, f.GetInt("min-reps"));
  KEVOLVE_ASSIGN_OR_RETURN(o.max_reps, f.GetInt("max-reps"));
  KEVOLVE_ASSIGN_OR_RETURN(o.prune_factor, f.GetDouble("prune-factor"));
  if (o.min_reps < 1 || o.max_reps < o.min_reps) {
    return Status::InvalidArgument("need 1 <= --min-reps <= --max-reps");
  }
  return o;
}

std::vector<FlagSpec> TimingSpecs() {
  return {{"warmup-ms", "5", "per-pair warm-up, milliseconds of wall time"},
          {"target-ms", "20", "timed runs aim at this much kernel time"},
          {"min-reps", "5", "fewest timed runs"},
          {"max-reps", "30", "most timed runs"},
          {"prune-factor", "3", "probe slower than this x best so far: 3 runs only"}};
}

Result<std::unique_ptr<Workbench>> OpenWorkbench() {
  if (!HasCudaDevice()) return Status::FailedPrecondition("no CUDA device");
  return Workbench::Create();
}

int Fail(const Status& s, int code) {
  std::fprintf(stderr, "error: %s\n", s.ToString().c_str());
  return code;
}

}  // namespace kevolve::gemm::bench
