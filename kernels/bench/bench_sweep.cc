// sweep mode: every config x every shape -> the performance table and its provenance.
// Rows are appended and flushed one at a time, so a sweep cut short keeps what it measured;
// --resume continues a table, and a pair that was in flight when a process died is recorded
// as an error instead of being retried forever.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <set>
#include <tuple>

#include "bench/bench_common.h"
#include "bench/bench_modes.h"
#include "core/files.h"
#include "gemm/gemm_operation.h"

namespace kevolve::gemm::bench {
namespace {

using PairKey = std::tuple<int64_t, int64_t, int64_t, std::string>;

PairKey KeyOf(const PerfRow& r) { return {r.m, r.n, r.k, r.config}; }

constexpr std::string_view kDiedStatus =
    "error: the process died or hung on this pair in an earlier attempt";

struct SweepState {
  std::string table_path;
  std::string inflight_path;
  std::set<PairKey> done;
  std::set<std::string> poisoned;  // configs that killed a process: not run again
  bool resumed = false;
};

// Loads rows already in the table (resume) and turns a left-over in-flight marker into an
// error row, so the pair that killed a previous process is not run again.
Status LoadResumeState(SweepState& st, bool resume) {
  if (!resume || !PathExists(st.table_path)) {
    return WriteFileAtomic(st.table_path, std::string(kPerfTableHeader) + "\n");
  }
  KEVOLVE_ASSIGN_OR_RETURN(const std::string text, ReadFile(st.table_path));
  KEVOLVE_ASSIGN_OR_RETURN(const std::vector<PerfRow> rows, ParsePerfTable(text));
  for (const PerfRow& r : rows) {
    st.done.insert(KeyOf(r));
    if (r.status == kDiedStatus) st.poisoned.insert(r.config);
  }
  st.resumed = true;
  if (PathExists(st.inflight_path)) {
    KEVOLVE_ASSIGN_OR_RETURN(const std::string marker, ReadFile(st.inflight_path));
    KEVOLVE_ASSIGN_OR_RETURN(const std::vector<PerfRow> lost,
                             ParsePerfTable(std::string(kPerfTableHeader) + "\n" + marker));
    for (PerfRow r : lost) {
      if (st.done.count(KeyOf(r)) != 0) continue;
      r.status = std::string(kDiedStatus);
      KEVOLVE_RETURN_IF_ERROR(AppendFile(st.table_path, FormatPerfRow(r) + "\n"));
      st.done.insert(KeyOf(r));
      st.poisoned.insert(r.config);
    }
  }
  return Status::Ok();
}

Status Record(SweepState& st, const PerfRow& row) {
  st.done.insert(KeyOf(row));
  return AppendFile(st.table_path, FormatPerfRow(row) + "\n");
}

Status MarkInflight(const SweepState& st, const GemmShape& s, const std::string& config) {
  PerfRow r;
  r.m = s.m;
  r.n = s.n;
  r.k = s.k;
  r.config = config;
  r.status = "inflight";
  return WriteFileAtomic(st.inflight_path, FormatPerfRow(r) + "\n");
}

struct SweepArgs {
  std::vector<ShapeEntry> shapes;
  std::vector<GemmConfig> configs;
  TimingOptions timing;
  double max_minutes = 0;
};

// Measures one shape: cuBLAS first, then every config not yet in the table. Returns a non-OK
// Status only when the GPU is unusable.
Status SweepShape(Workbench& wb, SweepState& st, const SweepArgs& a, const GemmShape& s) {
  std::vector<const GemmConfig*> todo;
  for (const GemmConfig& c : a.configs) {
    if (st.done.count(PairKey{s.m, s.n, s.k, ToString(c)}) == 0) todo.push_back(&c);
  }
  const bool need_cublas = st.done.count(PairKey{s.m, s.n, s.k, "cublas"}) == 0;
  if (todo.empty() && !need_cublas) return Status::Ok();
  KEVOLVE_RETURN_IF_ERROR(wb.PrepareInputs(s, FreshSeed()));
  // cuBLAS is timed before and after the family's configs and keeps its better median, so
  // clock drift over the shape's measurements cannot favour the family.
  KEVOLVE_ASSIGN_OR_RETURN(PerfRow cublas, MeasureCublas(wb, s, a.timing));
  double best = cublas.median_us;
  for (const GemmConfig* c : todo) {
    const std::string text = ToString(*c);
    if (st.poisoned.count(text) != 0) {
      PerfRow skipped;
      skipped.m = s.m;
      skipped.n = s.n;
      skipped.k = s.k;
      skipped.config = text;
      skipped.status = "error: not run; this config killed the process on an earlier shape";
      KEVOLVE_RETURN_IF_ERROR(Record(st, skipped));
      continue;
    }
    KEVOLVE_RETURN_IF_ERROR(MarkInflight(st, s, text));
    Result<PerfRow> row = MeasureConfig(wb, *c, s, a.timing, PeakRatesFor(wb.facts()), best);
    if (!row.ok()) return row.status();  // the marker stays: a resume records this pair
    KEVOLVE_RETURN_IF_ERROR(Record(st, *row));
    if (row->status == "ok") best = std::min(best, row->median_us);
  }
  if (need_cublas) {
    KEVOLVE_ASSIGN_OR_RETURN(const PerfRow again, MeasureCublas(wb, s, a.timing));
    if (again.median_us < cublas.median_us) cublas = again;
    KEVOLVE_RETURN_IF_ERROR(Record(st, cublas));
  }
  return RemoveTree(st.inflight_path);
}

}  // namespace

int RunSweepMode(const std::vector<std::string>& args) {
  std::vector<FlagSpec> specs = {
      {"shapes", "", "shape suite CSV"},
      {"configs", "menu", "'menu' or a file of canonical configs"},
      {"kernels", "", "comma-separated substrings of kernel keys to keep"},
      {"out", "", "performance table CSV to write (appended with --resume)"},
      {"provenance", "", "provenance JSON to write (default: OUT with .json)"},
      {"resume", "", "continue an existing table", true},
      {"max-minutes", "0", "stop after this many minutes (0 = no limit); exit code 4"},
      {"git-commit", "", "commit of the sources, recorded in the provenance"}};
  for (const FlagSpec& s : TimingSpecs()) specs.push_back(s);
  specs.push_back({"help", "", "show this help", true});
  Result<Flags> parsed = Flags::Parse(args, specs);
  if (!parsed.ok() || parsed->IsSet("help") || parsed->Get("out").empty()) {
    if (!parsed.ok()) std::fprintf(stderr, "sweep: %s\n", parsed.status().message().c_str());
    std::fprintf(stderr, "kevolve-gemm-bench sweep --shapes F --out T.csv\n%s",
                 FlagHelp(specs).c_str());
    return parsed.ok() && parsed->IsSet("help") ? kExitOk : kExitUsage;
  }
  const Flags& f = *parsed;
  SweepArgs a;
  Result<std::vector<ShapeEntry>> shapes = LoadShapes(f.Get("shapes"));
  Result<std::vector<GemmConfig>> configs = LoadConfigs(f.Get("configs"), f.Get("kernels"));
  Result<TimingOptions> timing = TimingFromFlags(f);
  Result<double> max_minutes = f.GetDouble("max-minutes");
  for (const Status& s : {shapes.status(), configs.status(), timing.status(),
                          max_minutes.status()}) {
    if (!s.ok()) return Fail(s, kExitUsage);
  }
  a.shapes = *shapes;
  a.configs = *configs;
  a.timing = *timing;
  a.max_minutes = *max_minutes;
  SweepState st;
  st.table_path = f.Get("out");
  st.inflight_path = st.table_path + ".inflight";
  if (const Status s = LoadResumeState(st, f.IsSet("resume")); !s.ok()) return Fail(s, kExitUsage);

  Result<std::unique_ptr<Workbench>> wb = OpenWorkbench();
  if (!wb.ok()) return Fail(wb.status(), kExitGpuFailed);
  ProvenanceInputs prov;
  prov.table_file = st.table_path;
  prov.shapes_file = f.Get("shapes");
  prov.shapes = a.shapes.size();
  prov.configs = a.configs.size();
  prov.started_utc = UtcNow();
  prov.clocks_start = NvidiaSmiClocks();
  prov.git_commit = f.Get("git-commit");
  prov.resumed = st.resumed;
  prov.timing = a.timing;
  if (const Status w = WarmUp(**wb); !w.ok()) return Fail(w, kExitGpuFailed);
  std::fprintf(stderr, "sweep: %zu shapes x %zu configs on %s\n", a.shapes.size(),
               a.configs.size(), (*wb)->facts().name.c_str());

  const auto t0 = std::chrono::steady_clock::now();
  int exit_code = kExitOk;
  for (size_t i = 0; i < a.shapes.size(); ++i) {
    const double minutes =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / 60.0;
    if (a.max_minutes > 0 && minutes > a.max_minutes) {
      std::fprintf(stderr, "sweep: time budget reached after %zu of %zu shapes\n", i,
                   a.shapes.size());
      exit_code = kExitOutOfTime;
      break;
    }
    const Status s = SweepShape(**wb, st, a, a.shapes[i].shape);
    std::fprintf(stderr, "[%zu/%zu %.1f min] %s %s\n", i + 1, a.shapes.size(), minutes,
                 ToString(a.shapes[i].shape).c_str(), s.ok() ? "" : s.ToString().c_str());
    if (!s.ok()) {
      exit_code = kExitGpuFailed;
      break;
    }
  }
  prov.complete = exit_code == kExitOk;
  if (exit_code != kExitGpuFailed) {  // measured last, on a warm GPU
    Result<Ceilings> ceilings = MeasureCeilings(**wb, a.timing);
    if (!ceilings.ok()) return Fail(ceilings.status(), kExitGpuFailed);
    prov.ceilings = *ceilings;
    std::fprintf(stderr, "ceilings: copy %.2f TB/s, cuBLAS 4096^3 %.0f, 8192^3 %.0f TFLOP/s\n",
                 ceilings->copy_tbps, ceilings->cublas_4096_tflops, ceilings->cublas_8192_tflops);
  }
  std::string prov_path = f.Get("provenance");
  if (prov_path.empty()) prov_path = st.table_path + ".json";
  if (const Status w = WriteFileAtomic(prov_path, ProvenanceJson(**wb, prov)); !w.ok()) {
    return Fail(w, kExitUsage);
  }
  return exit_code;
}

}  // namespace kevolve::gemm::bench
