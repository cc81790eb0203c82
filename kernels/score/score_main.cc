// kevolve-gemm-score: the GEMM tile-heuristic case study's evaluator and report (docs/gemm.md).
// CPU only; built by the main build and by the kernels' own build.
//
//   kevolve-gemm-score evaluate --task DIR --program FILE [--table CSV] [--live [--live-out CSV]]
//                               [--emit-choices]
//     Compiles the candidate selector, runs it sealed over the split's shapes and prints the
//     protocol v1 result of its choices against the table (replay) or against a table measured
//     now on the GPU (--live). Run in the evaluation's scratch folder, exec'd by the task's
//     `evaluate` (it kills what the selector left running, which would include a parent shell).
//   kevolve-gemm-score report --task DIR --run RUN --choices CSV --evaluations N [--table CSV]
//     Writes RUN/report.md, RUN/summary.json and RUN/progress.svg for the selector's choices.
//   kevolve-gemm-score summary --table CSV --shapes SUITE.csv[,SUITE.csv...] [--markdown]
//     Prints the table's per-shape best configs against cuBLAS (data/gemm/summary_h100.md).
// Exit status: 0 with a result printed (valid or not), 2 for a bad command line, 1 for a report
// that cannot be written.
#include <unistd.h>

#include <climits>
#include <optional>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "bench/bench_flags.h"
#include "core/files.h"
#include "core/text.h"
#include "score/replay_data.h"
#include "score/replay_score.h"
#include "score/selector_run.h"
#include "score/table_summary.h"

namespace kevolve::gemm::score {
namespace {

using bench::FlagSpec;
using bench::Flags;

constexpr int kExitUsage = 2;

// Parses a mode's flags; on a bad flag or a missing required one prints why and the mode's flags
// to stderr and returns nothing (exit kExitUsage).
std::optional<Flags> ParseFlags(const std::string& mode, const std::vector<std::string>& args,
                                const std::vector<FlagSpec>& specs,
                                const std::vector<std::string>& required) {
  auto flags = Flags::Parse(args, specs);
  std::string why = flags.ok() ? "" : flags.status().message();
  for (const std::string& name : required) {
    if (why.empty() && flags->Get(name).empty()) why = "--" + name + " is required";
  }
  if (why.empty()) return *flags;
  std::fprintf(stderr, "%s: %s\nusage: kevolve-gemm-score %s FLAGS\n%s", mode.c_str(), why.c_str(),
               mode.c_str(), bench::FlagHelp(specs).c_str());
  return std::nullopt;
}

// The first failure of a mode that writes files: "MODE: why" on stderr, exit 1.
int Fail(const std::string& mode, const Status& s) {
  std::fprintf(stderr, "%s: %s\n", mode.c_str(), s.message().c_str());
  return 1;
}

std::string DefaultTable(const std::string& task) {
  const char* env = std::getenv("KEVOLVE_GEMM_TABLE");
  return env != nullptr ? env : task + "/../../data/gemm/perf_h100.csv";
}

// The folder of this executable: kevolve-sealed is built beside it.
std::string OwnFolder() {
  char path[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) return ".";
  std::string exe(path, static_cast<size_t>(n));
  return exe.substr(0, exe.rfind('/'));
}

int PrintInvalid(const std::string& feedback) {
  std::fputs(InvalidResult(feedback).c_str(), stdout);
  return 0;
}

Result<ReplayData> LoadData(const std::string& task, const std::string& table) {
  KEVOLVE_ASSIGN_OR_RETURN(const std::string table_csv, ReadFile(table));
  KEVOLVE_ASSIGN_OR_RETURN(const std::string split_csv, ReadFile(task + "/split.csv"));
  KEVOLVE_ASSIGN_OR_RETURN(const std::string baseline_csv,
                           ReadFile(task + "/baseline_choices.csv"));
  return ReplayData::Load(table_csv, split_csv, baseline_csv);
}

// --live: the chosen configs and the baseline's, checked and timed on every shape by
// kevolve-gemm-bench sweep into workdir/live.csv. Returns the new table's path, or feedback.
Result<std::string> MeasureLive(const std::string& task, const std::string& workdir,
                                const std::vector<ScoredShape>& shapes, const std::string& choices,
                                const std::string& live_out) {
  const char* env = std::getenv("KEVOLVE_GEMM_BENCH");
  const std::string bench = env != nullptr ? env : task + "/../../build/kernels/kevolve-gemm-bench";
  if (access(bench.c_str(), X_OK) != 0) {
    return Status::FailedPrecondition(
        "--live needs kevolve-gemm-bench (set KEVOLVE_GEMM_BENCH; build it with cmake -S kernels)");
  }
  std::string suite = "m,n,k,origin\n";
  for (const ScoredShape& s : shapes) suite += s.key + "," + s.origin + "\n";
  KEVOLVE_RETURN_IF_ERROR(WriteFileAtomic(workdir + "/live_shapes.csv", suite));
  KEVOLVE_ASSIGN_OR_RETURN(const std::string baseline, ReadFile(task + "/baseline_choices.csv"));
  std::set<std::string> configs;
  for (const std::string& text : {choices, baseline}) {
    for (const auto& [shape, config] : ParseChoices(text)) configs.insert(config);
  }
  std::string config_list;
  for (const std::string& c : configs) config_list += c + "\n";
  KEVOLVE_RETURN_IF_ERROR(WriteFileAtomic(workdir + "/live_configs.txt", config_list));
  const std::string table = workdir + "/live.csv";
  const std::string log = workdir + "/live.log";
  KEVOLVE_ASSIGN_OR_RETURN(
      const int status, RunLogged({bench, "sweep", "--shapes", workdir + "/live_shapes.csv",
                                   "--configs", workdir + "/live_configs.txt", "--out", table},
                                  log));
  if (status != 0) {
    auto text = ReadFile(log);
    return Status::FailedPrecondition("live measurement failed: " +
                                      TailLines(text.ok() ? *text : "", 5));
  }
  if (!live_out.empty()) {
    KEVOLVE_ASSIGN_OR_RETURN(const std::string measured, ReadFile(table));
    KEVOLVE_RETURN_IF_ERROR(WriteFileAtomic(live_out, measured));
  }
  return table;
}

int Evaluate(const std::vector<std::string>& args) {
  const std::vector<FlagSpec> specs = {
      {"task", "", "the task folder (split.csv, baseline_choices.csv, select_main.cc)"},
      {"program", "", "the candidate selector's source file"},
      {"table", "", "performance table; none: $KEVOLVE_GEMM_TABLE, else the H100 table"},
      {"live", "", "measure the chosen configs on this machine's GPU", true},
      {"live-out", "", "with --live: keep the measured table here"},
      {"emit-choices", "", "add the selector's choices to the result (artifacts.choices)", true}};
  const auto flags = ParseFlags("evaluate", args, specs, {"task", "program"});
  if (!flags) return kExitUsage;
  const std::string task = flags->Get("task");
  std::string table = flags->IsSet("table") ? flags->Get("table") : DefaultTable(task);
  const std::string workdir = AbsolutePath(".");
  setenv("TMPDIR", workdir.c_str(), 1);
  if (access(table.c_str(), R_OK) != 0) {
    return PrintInvalid("performance table '" + table + "' cannot be read");
  }
  SelectorJob job;
  job.task_dir = task;
  job.program = AbsolutePath(flags->Get("program"));
  job.workdir = workdir;
  job.sealed = OwnFolder() + "/kevolve-sealed";
  if (const char* cxx = std::getenv("CXX"); cxx != nullptr && *cxx != '\0') job.cxx = cxx;
  if (access(job.sealed.c_str(), X_OK) != 0) {
    return PrintInvalid("the trusted launcher '" + job.sealed + "' is missing (rebuild kevolve)");
  }
  auto split = ReadFile(task + "/split.csv");
  if (!split.ok()) return PrintInvalid(split.status().message());
  auto shapes = ParseSplit(*split);
  if (!shapes.ok()) return PrintInvalid(shapes.status().message());
  // Counted before the candidate runs: nothing it starts can change the file first.
  auto source = ReadFile(job.program);
  const int rules = source.ok() ? CountRules(*source) : 0;
  if (Status s = CompileSelector(job); !s.ok()) return PrintInvalid(s.message());
  std::string shape_lines;
  for (const ScoredShape& s : *shapes) {
    shape_lines += std::to_string(s.m) + " " + std::to_string(s.n) + " " + std::to_string(s.k) + "\n";
  }
  auto choices = RunSelector(job, shape_lines, static_cast<int>(shapes->size()));
  // Whatever the selector left running dies before anything is read or measured
  // (docs/security.md, "Forged results", rule 3).
  if (EvaluationIsContained()) KillLeftovers();
  if (!choices.ok()) return PrintInvalid(choices.status().message());
  if (flags->IsSet("live")) {
    auto live = MeasureLive(task, workdir, *shapes, *choices, flags->Get("live-out"));
    if (!live.ok()) return PrintInvalid(live.status().message());
    table = *live;
  }
  auto data = LoadData(task, table);
  if (!data.ok()) return PrintInvalid(data.status().message());
  ScoreOptions options;
  options.rule_count = rules;
  if (flags->IsSet("emit-choices")) options.choices_artifact = *choices;
  std::fputs(ScoreResult(*data, ParseChoices(*choices), options).c_str(), stdout);
  return 0;
}

// The summary lines the report prints: "  name   value" for the held-out headline figures and the
// references.
void PrintHeadline(const std::string& summary_json) {
  for (const std::string& line : SplitLines(summary_json)) {
    bool shown = false;
    for (const char* key : {"heldout_geomean_speedup_vs_baseline", "heldout_fraction_of_oracle\"",
                            "heldout_regressions", "decision_tree\"", "best_single\""}) {
      shown = shown || line.find(key) != std::string::npos;
    }
    if (!shown) continue;
    std::string plain;
    for (char ch : line) {
      if (ch != '"' && ch != ',') plain += ch;
    }
    const size_t colon = plain.find(": ");
    std::printf("  %-44s %s\n", plain.substr(0, colon).c_str(), plain.substr(colon + 2).c_str());
  }
}

int Report(const std::vector<std::string>& args) {
  const std::vector<FlagSpec> specs = {
      {"task", "", "the task folder (split.csv, baseline_choices.csv)"},
      {"run", "", "the run folder (events.jsonl); the report is written into it"},
      {"choices", "", "the best program's choices (m,n,k,config lines)"},
      {"evaluations", "0", "the run's evaluations"},
      {"table", "", "performance table; none: the H100 table"}};
  const auto flags = ParseFlags("report", args, specs, {"task", "run", "choices"});
  if (!flags) return kExitUsage;
  const auto fail = [](const Status& s) { return Fail("report", s); };
  const std::string task = flags->Get("task");
  const std::string run = flags->Get("run");
  RunFacts facts;
  facts.table = flags->IsSet("table") ? flags->Get("table") : task + "/../../data/gemm/perf_h100.csv";
  auto evaluations = flags->GetInt("evaluations");
  if (!evaluations.ok()) return fail(evaluations.status());
  facts.evaluations = *evaluations;
  auto events = ReadFile(run + "/events.jsonl");
  if (!events.ok()) return fail(events.status());
  facts.wall_seconds = WallSeconds(*events);
  auto choices = ReadFile(flags->Get("choices"));
  if (!choices.ok()) return fail(choices.status());
  auto data = LoadData(task, facts.table);
  if (!data.ok()) return fail(data.status());
  auto files = BuildReport(*data, ParseChoices(*choices), facts);
  if (!files.ok()) return fail(files.status());
  for (const auto& [name, text] : {std::pair{"/report.md", files->report_md},
                                   std::pair{"/summary.json", files->summary_json},
                                   std::pair{"/progress.svg", ProgressSvg(*events)}}) {
    if (Status s = WriteFileAtomic(run + name, text); !s.ok()) return fail(s);
  }
  PrintHeadline(files->summary_json);
  return 0;
}

// The copy bandwidth of the table's provenance (TABLE.json, else TABLE with .json for its
// extension: "ceilings": {"copy_tbps": X}); 3.0 TB/s where there is none.
double CopyTbps(const std::string& table) {
  std::string path = table + ".json";
  if (!PathExists(path)) path = table.substr(0, table.rfind('.')) + ".json";
  auto text = ReadFile(path);
  if (!text.ok()) return 3.0;
  const size_t at = text->find("\"copy_tbps\"");
  if (at == std::string::npos) return 3.0;
  const size_t colon = text->find(':', at);
  return colon == std::string::npos ? 3.0 : std::strtod(text->c_str() + colon + 1, nullptr);
}

int Summary(const std::vector<std::string>& args) {
  const std::vector<FlagSpec> specs = {
      {"table", "", "the performance table"},
      {"shapes", "", "shape suites, comma-separated (shapes_NAME.csv; NAME llm is split into "
                     "decode and prefill, every other suite is edge)"},
      {"markdown", "", "add one markdown row per shape", true}};
  const auto flags = ParseFlags("summary", args, specs, {"table", "shapes"});
  if (!flags) return kExitUsage;
  const auto fail = [](const Status& s) { return Fail("summary", s); };
  const std::string table_path = flags->Get("table");
  auto table_csv = ReadFile(table_path);
  if (!table_csv.ok()) return fail(table_csv.status());
  auto table = bench::ParsePerfTable(*table_csv);
  if (!table.ok()) return fail(table.status());
  std::vector<ShapeSuite> suites;
  for (const std::string& path : bench::SplitCsv(flags->Get("shapes"))) {
    auto csv = ReadFile(path);
    if (!csv.ok()) return fail(csv.status());
    auto shapes = bench::ParseShapeSuite(*csv);
    if (!shapes.ok()) return fail(shapes.status().WithContext(path));
    std::string name = path.substr(path.rfind('/') + 1);
    if (StartsWith(name, "shapes_")) name = name.substr(7);
    if (EndsWith(name, ".csv")) name.resize(name.size() - 4);
    suites.push_back({name, std::move(*shapes)});
  }
  std::fputs(SummarizeTable(*table, suites, CopyTbps(table_path), flags->IsSet("markdown")).c_str(),
             stdout);
  return 0;
}

}  // namespace
}  // namespace kevolve::gemm::score

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + std::min(argc, 2), argv + argc);
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "evaluate") return kevolve::gemm::score::Evaluate(args);
  if (mode == "report") return kevolve::gemm::score::Report(args);
  if (mode == "summary") return kevolve::gemm::score::Summary(args);
  std::fprintf(stderr,
               "usage: kevolve-gemm-score evaluate --task DIR --program FILE [...]\n"
               "       kevolve-gemm-score report --task DIR --run RUN --choices CSV [...]\n"
               "       kevolve-gemm-score summary --table CSV --shapes A,B [--markdown]\n");
  return 2;
}
