// Cost of committing one evaluated program (2 KB of code, metrics, state) to the run database,
// the store's share of the engine's 0.5 ms per-program budget. Real time includes the WAL write;
// CPU time is what the controller thread spends. Uses a temp folder under $TMPDIR or /tmp.
//
//   build/<dir>/bench/store_bench
#include <benchmark/benchmark.h>

#include <cstdlib>

#include "bench_programs.h"
#include "core/files.h"
#include "core/random.h"
#include "core/text.h"
#include "store/store.h"

namespace kevolve {
namespace {

std::string TempParent() {
  const char* tmp = std::getenv("TMPDIR");
  return tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
}

void BM_CommitProgram(benchmark::State& state) {
  auto dir = MakeTempDir(TempParent(), "kevolve-store-bench-");
  if (!dir.ok()) {
    state.SkipWithError(dir.status().ToString().c_str());
    return;
  }
  {
    auto store = Store::Create(*dir + "/run.db");
    if (!store.ok()) {
      state.SkipWithError(store.status().ToString().c_str());
      return;
    }
    const std::vector<std::string> pool = bench::MakeCodePool(64);
    Rng rng(3);
    int64_t n = 0;
    for (auto _ : state) {
      Program p;
      p.code = pool[static_cast<size_t>(n++) % pool.size()];
      p.code_hash = CodeHash(p.code);
      p.parent_id = n - 1;
      p.origin = "mutator:literal";
      p.result.valid = true;
      p.result.combined_score = rng.Uniform();
      p.result.metrics = {{"speedup", 1.5}, {"gflops", 812.25}};
      p.result.features = {{"complexity", 0.5}};
      auto id =
          (*store)->CommitProgram(p, {}, {{"rng", rng.Save()}, {"evaluations", std::to_string(n)}});
      if (!id.ok()) state.SkipWithError(id.status().ToString().c_str());
    }
  }
  (void)RemoveTree(*dir);
}
BENCHMARK(BM_CommitProgram)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace kevolve
