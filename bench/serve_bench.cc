// Dashboard scale: how long `kevolve serve` takes to answer each endpoint of a run of 100,000
// programs over HTTP on loopback, and how much memory the server holds while it does.
//
// Usage: serve_bench [programs=100000] [repeats=5]
// Builds a synthetic run (tests/testing/run_fixture.h: three islands, a MAP-Elites grid, one
// timeout in ten, migrations) in a temporary folder, starts the server in this process, and
// for each endpoint prints the median of `repeats` requests, the response size, and the
// process's resident memory. "open run page" is what the run's page fetches when it opens
// (summary, series, the ten best programs), one after the other: the first time (the server
// reads the whole run once) and then as the page's polls do.
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/files.h"
#include "serve/server.h"
#include "testing/run_fixture.h"

namespace {

using namespace kevolve;

// "VmRSS" or "VmHWM" of this process, in MiB.
double MemoryMiB(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::atof(line.c_str() + field.size() + 1) / 1024.0;
  }
  return 0;
}

// Resets the peak resident size (VmHWM) to the current one.
void ResetPeakMemory() { std::ofstream("/proc/self/clear_refs") << "5"; }

struct Timing {
  double median_ms = 0;
  size_t bytes = 0;
  int status = 0;
};

Timing Measure(httplib::Client& cli, const std::vector<std::string>& paths, int repeats) {
  std::vector<double> ms;
  Timing t;
  for (int i = 0; i < repeats; ++i) {
    const auto start = std::chrono::steady_clock::now();
    t.bytes = 0;
    for (const std::string& path : paths) {
      auto res = cli.Get(path);
      t.status = res ? res->status : -1;
      t.bytes += res ? res->body.size() : 0;
    }
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(ms.begin(), ms.end());
  t.median_ms = ms[ms.size() / 2];
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t programs = argc > 1 ? std::atoll(argv[1]) : 100'000;
  const int repeats = argc > 2 ? std::atoi(argv[2]) : 5;
  auto root = MakeTempDir("/tmp", "kevolve-serve-bench-");
  if (!root.ok()) return 1;
  const auto build_start = std::chrono::steady_clock::now();
  {
    auto store = testing::CreateSyntheticRun(*root, "big-run", 3, 1'800'000'000'000);
    Status s = store.ok() ? testing::GrowSyntheticRun(**store, programs, 1, 1'800'000'000'000)
                          : store.status();
    if (!s.ok()) {
      std::fprintf(stderr, "serve_bench: %s\n", s.ToString().c_str());
      return 1;
    }
  }
  const double build_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - build_start).count();
  std::printf("run of %lld programs built in %.1f s (run.db %.1f MiB)\n",
              static_cast<long long>(programs), build_s,
              static_cast<double>(std::ifstream(*root + "/big-run/run.db", std::ios::ate).tellg()) /
                  (1024.0 * 1024.0));
  serve::ServerOptions options;
  options.port = 0;
  auto server = serve::Server::Start(options, {*root}, RealClock());
  if (!server.ok()) {
    std::fprintf(stderr, "serve_bench: %s\n", server.status().ToString().c_str());
    return 1;
  }
  httplib::Client cli("127.0.0.1", (*server)->port());
  ResetPeakMemory();
  const double rss_before = MemoryMiB("VmRSS");
  const std::string run = "/api/runs/big-run";
  const std::string best = std::to_string(programs - 1);  // a late program, a long line
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"open run page", {run + "/summary", run + "/series?points=400", run + "/programs?order=score&limit=10"}},
      {"runs list", {"/api/runs"}},
      {"summary", {run + "/summary"}},
      {"series (400 points)", {run + "/series?points=400"}},
      {"programs page by id", {run + "/programs?offset=50000&limit=100"}},
      {"programs page by score", {run + "/programs?order=score&limit=100"}},
      {"program (code, diff, calls)", {run + "/programs/" + best}},
      {"lineage (300 generations)", {run + "/lineage/" + best + "?depth=300"}},
      {"islands and grid", {run + "/islands"}},
      {"llm calls", {run + "/llm"}},
  };
  std::printf("%-30s %10s %12s %8s\n", "request", "median ms", "bytes", "status");
  // The first request of a run reads all of it once (the digest); later ones read what is new.
  const Timing first = Measure(cli, cases[0].second, 1);
  std::printf("%-30s %10.1f %12zu %8d\n", "open run page, first time", first.median_ms, first.bytes,
              first.status);
  for (const auto& [name, paths] : cases) {
    const Timing t = Measure(cli, paths, repeats);
    std::printf("%-30s %10.1f %12zu %8d\n", name.c_str(), t.median_ms, t.bytes, t.status);
  }
  std::printf("server memory: %.1f MiB resident before the requests, peak %.1f MiB during them\n",
              rss_before, MemoryMiB("VmHWM"));
  (*server)->Stop();
  if (std::getenv("KEVOLVE_BENCH_KEEP") != nullptr) {
    std::printf("run kept in %s\n", root->c_str());
  } else {
    (void)RemoveTree(*root);
  }
  return 0;
}
