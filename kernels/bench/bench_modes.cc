#include "bench/bench_modes.h"

#include <chrono>
#include <cmath>
#include <map>
#include <cstdio>
#include <fstream>
#include <set>
#include <tuple>

#include "bench/bench_common.h"
#include "core/files.h"
#include "gemm/gemm_heuristics.h"
#include "gemm/gemm_operation.h"

namespace kevolve::gemm::bench {
namespace {

using Clock = std::chrono::steady_clock;

const FlagSpec kHelp{"help", "", "show this help", true};

// Parses flags or prints help; returns the exit code to use when parsing ends the mode.
std::optional<int> ParseOrHelp(const char* mode, const std::vector<std::string>& args,
                               const std::vector<FlagSpec>& specs, Flags& out) {
  Result<Flags> f = Flags::Parse(args, specs);
  if (!f.ok()) {
    std::fprintf(stderr, "%s: %s\n%s", mode, f.status().message().c_str(),
                 FlagHelp(specs).c_str());
    return kExitUsage;
  }
  if (f->IsSet("help")) {
    std::printf("kevolve-gemm-bench %s\n%s", mode, FlagHelp(specs).c_str());
    return kExitOk;
  }
  out = std::move(*f);
  return std::nullopt;
}

Result<GemmShape> ParseShapeArg(const std::string& text) {
  GemmShape s;
  std::string body = text;
  if (body.size() > 3 && body.substr(body.size() - 3) == ":kn") {
    s.b_layout = BLayout::kKN;
    body.resize(body.size() - 3);
  }
  long long m = 0, n = 0, k = 0;
  char tail = 0;
  if (std::sscanf(body.c_str(), "%lldx%lldx%lld%c", &m, &n, &k, &tail) != 3 || m < 1 || n < 1 ||
      k < 1) {
    return Status::InvalidArgument("shape is MxNxK with an optional ':kn', got '" + text + "'");
  }
  s.m = m;
  s.n = n;
  s.k = k;
  return s;
}

}  // namespace

int RunListMode(const std::vector<std::string>& args) {
  Flags f;
  if (auto code = ParseOrHelp("list", args, {kHelp}, f)) return *code;
  std::printf("# compiled kernels\n");
  for (const std::string& key : CompiledKernelKeys()) std::printf("%s\n", key.c_str());
  std::printf("# menu (%zu configs)\n", GemmMenu().size());
  for (const GemmConfig& c : GemmMenu()) std::printf("%s\n", ToString(c).c_str());
  return kExitOk;
}

int RunCheckMode(const std::vector<std::string>& args) {
  const std::vector<FlagSpec> specs = {
      {"shapes", "", "shape suite CSV (m,n,k,origin[,layout])"},
      {"configs", "menu", "'menu' or a file of canonical configs"},
      {"kernels", "", "comma-separated substrings of kernel keys to keep"},
      {"out", "", "CSV of results, appended as checks finish (optional)"},
      {"require-coverage", "", "fail when some shape is computed by no config", true},
      kHelp};
  Flags f;
  if (auto code = ParseOrHelp("check", args, specs, f)) return *code;
  Result<std::vector<ShapeEntry>> shapes = LoadShapes(f.Get("shapes"));
  if (!shapes.ok()) return Fail(shapes.status(), kExitUsage);
  Result<std::vector<GemmConfig>> configs = LoadConfigs(f.Get("configs"), f.Get("kernels"));
  if (!configs.ok()) return Fail(configs.status(), kExitUsage);
  Result<std::unique_ptr<Workbench>> wb = OpenWorkbench();
  if (!wb.ok()) return Fail(wb.status(), kExitGpuFailed);
  const std::string out_path = f.Get("out");
  if (!out_path.empty()) {
    if (const Status w = WriteFileAtomic(out_path, "m,n,k,layout,config,result,detail,seed\n");
        !w.ok()) {
      return Fail(w, kExitUsage);
    }
  }
  int passed = 0, failed = 0, refused = 0, uncovered = 0;
  for (const ShapeEntry& e : *shapes) {
    bool covered = false;
    for (const GemmConfig& c : *configs) {
      Result<std::unique_ptr<GemmOperation>> op = MakeGemmOperation(c);
      if (!op.ok()) return Fail(op.status(), kExitUsage);
      std::string result, detail;
      const uint64_t seed = FreshSeed();
      Status can = (*op)->CanImplement(e.shape);
      if (can.ok()) can = CheckWorkspaceCap(**op, e.shape);
      if (!can.ok()) {
        result = "refused";
        detail = can.message();
        ++refused;
      } else {
        // Fresh inputs and a fresh cuBLAS reference for every check.
        if (const Status prep = (*wb)->PrepareInputs(e.shape, seed); !prep.ok()) {
          return Fail(prep, kExitGpuFailed);
        }
        Result<CheckOutcome> out = CheckOperation(**wb, **op, e.shape, seed + 7);
        if (!out.ok()) {
          std::fprintf(stderr, "FAIL %s %s: %s\n", ToString(e.shape).c_str(), ToString(c).c_str(),
                       out.status().ToString().c_str());
          return Fail(out.status(), kExitGpuFailed);
        }
        result = out->passed ? "pass" : "FAIL";
        detail = out->detail;
        out->passed ? ++passed : ++failed;
        covered = covered || out->passed;
        std::fprintf(stderr, "%s %-22s %s  %s\n", result.c_str(), ToString(e.shape).c_str(),
                     ToString(c).c_str(), detail.c_str());
      }
      for (char& ch : detail) ch = ch == ',' ? ';' : ch;
      if (!out_path.empty()) {
        const Status w = AppendFile(
            out_path, std::to_string(e.shape.m) + "," + std::to_string(e.shape.n) + "," +
                          std::to_string(e.shape.k) + "," + BLayoutName(e.shape.b_layout) + "," +
                          ToString(c) + "," + result + "," + detail + "," +
                          std::to_string(seed) + "\n");
        if (!w.ok()) return Fail(w, kExitUsage);
      }
    }
    if (!covered) {
      ++uncovered;
      std::fprintf(stderr, "UNCOVERED %s: no config computed it\n", ToString(e.shape).c_str());
    }
  }
  std::printf("check: %d passed, %d FAILED, %d refused by CanImplement, %d shapes uncovered\n",
              passed, failed, refused, uncovered);
  const bool coverage_ok = uncovered == 0 || !f.IsSet("require-coverage");
  return failed == 0 && coverage_ok ? kExitOk : kExitCheckFailed;
}

int RunOneMode(const std::vector<std::string>& args) {
  std::vector<FlagSpec> specs = {{"config", "", "canonical config string"},
                                 {"shape", "", "MxNxK, optionally :kn"}};
  for (const FlagSpec& s : TimingSpecs()) specs.push_back(s);
  specs.push_back(kHelp);
  Flags f;
  if (auto code = ParseOrHelp("run", args, specs, f)) return *code;
  Result<GemmConfig> config = ParseGemmConfig(f.Get("config"));
  if (!config.ok()) return Fail(config.status(), kExitUsage);
  Result<GemmShape> shape = ParseShapeArg(f.Get("shape"));
  if (!shape.ok()) return Fail(shape.status(), kExitUsage);
  Result<TimingOptions> timing = TimingFromFlags(f);
  if (!timing.ok()) return Fail(timing.status(), kExitUsage);
  Result<std::unique_ptr<Workbench>> wb = OpenWorkbench();
  if (!wb.ok()) return Fail(wb.status(), kExitGpuFailed);
  if (const Status prep = (*wb)->PrepareInputs(*shape, FreshSeed()); !prep.ok()) {
    return Fail(prep, kExitGpuFailed);
  }
  Result<PerfRow> ref = MeasureCublas(**wb, *shape, *timing);
  if (!ref.ok()) return Fail(ref.status(), kExitGpuFailed);
  Result<PerfRow> row =
      MeasureConfig(**wb, *config, *shape, *timing, PeakRatesFor((*wb)->facts()), ref->median_us);
  if (!row.ok()) return Fail(row.status(), kExitGpuFailed);
  std::printf("%s\n%s\n%s\n", std::string(kPerfTableHeader).c_str(), FormatPerfRow(*ref).c_str(),
              FormatPerfRow(*row).c_str());
  if (Result<std::unique_ptr<GemmOperation>> op = MakeGemmOperation(*config); op.ok()) {
    const GemmArgs launch_args = (*wb)->Args(*shape);
    if ((*op)->Initialize(launch_args).ok()) {
      std::printf("# launch: %s\n", (*op)->Describe().c_str());
    }
  }
  if (row->status == "ok") {
    std::printf("# %.1f TFLOP/s, %.2f TB/s, %.3fx cuBLAS\n",
                shape->Flops() / (row->median_us * 1e-6) / 1e12,
                shape->MinBytes() / (row->median_us * 1e-6) / 1e12,
                ref->median_us / row->median_us);
  }
  return row->status == "ok" ? kExitOk : kExitCheckFailed;
}

int RunReplayMode(const std::vector<std::string>& args) {
  const std::vector<FlagSpec> specs = {
      {"table", "", "performance table CSV"},
      {"sms", "132", "multiprocessor count the heuristic is told"},
      kHelp};
  Flags f;
  if (auto code = ParseOrHelp("replay", args, specs, f)) return *code;
  Result<std::string> text = ReadFile(f.Get("table"));
  if (!text.ok()) return Fail(text.status(), kExitUsage);
  Result<std::vector<PerfRow>> rows = ParsePerfTable(*text);
  if (!rows.ok()) return Fail(rows.status(), kExitUsage);
  Result<int> sms = f.GetInt("sms");
  if (!sms.ok()) return Fail(sms.status(), kExitUsage);
  // shape -> (config -> median) over rows that ran.
  std::map<std::tuple<int64_t, int64_t, int64_t>, std::map<std::string, double>> by_shape;
  for (const PerfRow& r : *rows) {
    if (r.status == "ok") by_shape[{r.m, r.n, r.k}][r.config] = r.median_us;
  }
  double log_vs_cublas = 0, log_vs_oracle = 0;
  int scored = 0, missing = 0;
  for (const auto& [key, times] : by_shape) {
    const auto [m, n, k] = key;
    const auto cublas = times.find("cublas");
    double oracle = 0;
    for (const auto& [config, us] : times) {
      if (config != "cublas" && (oracle == 0 || us < oracle)) oracle = us;
    }
    const std::string pick = ToString(SelectGemmConfig({m, n, k, BLayout::kNK}, *sms));
    const auto chosen = times.find(pick);
    if (cublas == times.end() || oracle == 0 || chosen == times.end()) {
      ++missing;
      std::printf("missing %lldx%lldx%lld %s\n", static_cast<long long>(m),
                  static_cast<long long>(n), static_cast<long long>(k), pick.c_str());
      continue;
    }
    log_vs_cublas += std::log(cublas->second / chosen->second);
    log_vs_oracle += std::log(oracle / chosen->second);
    ++scored;
  }
  if (scored == 0) return Fail(Status::InvalidArgument("no shape could be scored"), kExitUsage);
  std::printf("baseline heuristic over %d shapes (%d without a measured choice): geomean "
              "%.3f of cuBLAS speed, %.3f of the per-shape best config\n",
              scored, missing, std::exp(log_vs_cublas / scored), std::exp(log_vs_oracle / scored));
  return kExitOk;
}

int RunCeilingsMode(const std::vector<std::string>& args) {
  Flags f;
  if (auto code = ParseOrHelp("ceilings", args, {kHelp}, f)) return *code;
  Result<std::unique_ptr<Workbench>> wb = OpenWorkbench();
  if (!wb.ok()) return Fail(wb.status(), kExitGpuFailed);
  Result<Ceilings> c = MeasureCeilings(**wb, TimingOptions{});
  if (!c.ok()) return Fail(c.status(), kExitGpuFailed);
  std::printf("{\"gpu\": %s, \"copy_tbps\": %.3f, \"cublas_4096_tflops\": %.1f, "
              "\"cublas_8192_tflops\": %.1f}\n",
              JsonString((*wb)->facts().name).c_str(), c->copy_tbps, c->cublas_4096_tflops,
              c->cublas_8192_tflops);
  return kExitOk;
}

}  // namespace kevolve::gemm::bench
