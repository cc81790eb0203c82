// Helpers shared by the modes of kevolve-gemm-bench: loading shapes and configs, the measured
// ceilings of the GPU, one (shape, config) measurement, and the provenance record.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "bench/bench_flags.h"
#include "bench/bench_io.h"
#include "bench/gemm_harness.h"
#include "core/status.h"
#include "gemm/gemm_config.h"

namespace kevolve::gemm::bench {

inline constexpr int kExitOk = 0, kExitCheckFailed = 1, kExitUsage = 2, kExitGpuFailed = 3,
                     kExitOutOfTime = 4;

// One or more shape suite files, comma-separated, concatenated in order.
Result<std::vector<ShapeEntry>> LoadShapes(const std::string& paths);

// "menu" = every compiled menu config; otherwise a file with one canonical config per line.
// `kernels` (comma-separated substrings of kernel keys, or empty) filters the result.
Result<std::vector<GemmConfig>> LoadConfigs(const std::string& source, const std::string& kernels);

struct Ceilings {
  double copy_tbps = 0;           // device-to-device copy, bytes read + written
  double cublas_4096_tflops = 0;  // cuBLAS bf16 4096^3
  double cublas_8192_tflops = 0;  // cuBLAS bf16 8192^3 (also warms the GPU up)
};
Result<Ceilings> MeasureCeilings(Workbench& wb, const TimingOptions& options);

// Runs cuBLAS 8192^3 back to back for about a second so clocks and power settle.
Status WarmUp(Workbench& wb);

// Peak rates used by the speed-of-light rejection (H100 SXM datasheet values by default).
struct PeakRates {
  double tflops = 989.4;
  double tbps = 3.35;
};

// The datasheet peaks of the GPU `facts` describes: H200 (4.8 TB/s), else the H100 SXM values.
PeakRates PeakRatesFor(const DeviceFacts& facts);

// Checks then times `config` on the prepared shape. The row's status says what happened:
// "ok", "not compiled: ...", "refused: ...", "wrong: ...", "error: ...". A non-OK Result means
// the GPU is no longer usable (hang or sticky error); the caller must stop.
Result<PerfRow> MeasureConfig(Workbench& wb, const GemmConfig& config, const GemmShape& shape,
                              const TimingOptions& options, const PeakRates& peak,
                              double best_known_us);

// Times cuBLAS on the prepared shape as the `cublas` row.
Result<PerfRow> MeasureCublas(Workbench& wb, const GemmShape& shape, const TimingOptions& options);

std::string UtcNow();  // ISO 8601, seconds
std::string NvidiaSmiClocks();  // one CSV line of clocks/temperature/power, or "unavailable"
// `nvidia-smi --query-gpu=FIELDS` for the first GPU, or "unavailable".
std::string NvidiaSmiQuery(const std::string& fields);

struct ProvenanceInputs {
  std::string table_file;
  std::string shapes_file;
  size_t shapes = 0;
  size_t configs = 0;
  std::string started_utc;
  std::string clocks_start;
  std::string git_commit;
  bool resumed = false;
  bool complete = false;
  Ceilings ceilings;
  TimingOptions timing;
};
std::string ProvenanceJson(const Workbench& wb, const ProvenanceInputs& in);

// Flags shared by the timing modes and the options they give.
std::vector<FlagSpec> TimingSpecs();
Result<TimingOptions> TimingFromFlags(const Flags& flags);

// A workbench on the current device; FailedPrecondition when there is no GPU.
Result<std::unique_ptr<Workbench>> OpenWorkbench();

// Prints "error: <status>" to stderr and returns `code`.
int Fail(const Status& status, int code);

}  // namespace kevolve::gemm::bench
