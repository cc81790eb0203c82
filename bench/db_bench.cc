// Population cost per evaluated program with 10k and 100k programs already in the database.
// The engine's budget is 0.5 ms of controller CPU per evaluated program, all modules included;
// the population's share (one Sample + one Insert) should be a small part of it.
//
//   build/<dir>/bench/db_bench --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include <cstdio>

#include "bench_programs.h"
#include "core/text.h"
#include "db/population.h"

namespace kevolve {
namespace {

DatabaseConfig BenchConfig() {
  DatabaseConfig c;  // defaults: 4 islands, capacity 1000, archive 50, 3 inspirations
  FeatureConfig x;
  x.name = "complexity";
  x.min = 0;
  x.max = 1;
  x.bins = 10;
  FeatureConfig y = x;
  y.name = "diversity";
  c.features = {x, y};
  return c;
}

// Makes evaluated programs the way a run does: a child of a sampled parent, scored near it,
// one in ten invalid. Code is a copy of a ~2 KB string; the hash is synthetic (hashing is the
// engine's cost, measured by BM_CodeHash).
class ProgramFactory {
 public:
  ProgramFactory() : pool_(bench::MakeCodePool(64)), rng_(7) {}

  Program Make(int64_t id, const Program* parent, int island) {
    Program p;
    p.id = id;
    p.code = pool_[static_cast<size_t>(id) % pool_.size()];
    char hash[17];
    std::snprintf(hash, sizeof(hash), "%016llx", static_cast<unsigned long long>(id));
    p.code_hash = hash;
    p.parent_id = parent ? parent->id : 0;
    p.generation = parent ? parent->generation + 1 : 0;
    p.island = island;
    p.origin = "mutator:literal";
    p.result.valid = rng_.Below(10) != 0;
    p.result.failure = p.result.valid ? Failure::kNone : Failure::kCrash;
    p.result.combined_score = (parent ? parent->result.combined_score : 0) + 0.1 * rng_.Normal();
    p.result.features = {{"complexity", rng_.Uniform()}, {"diversity", rng_.Uniform()}};
    p.result.metrics = {{"speedup", p.result.combined_score}};
    return p;
  }

 private:
  std::vector<std::string> pool_;
  Rng rng_;
};

void Preload(Population& pop, ProgramFactory& factory, Rng& rng, int64_t count) {
  for (int64_t id = 1; id <= count; ++id) {
    const int island = static_cast<int>(id % pop.islands());
    const Program* parent = pop.Best() ? pop.Sample(island, rng)->parent : nullptr;
    (void)pop.Insert(factory.Make(id, parent, island));
  }
}

void BM_SampleAndInsert(benchmark::State& state) {
  Population pop(BenchConfig());
  ProgramFactory factory;
  Rng rng(1);
  int64_t id = state.range(0);
  Preload(pop, factory, rng, id);
  for (auto _ : state) {
    ++id;
    const int island = static_cast<int>(id % pop.islands());
    auto selection = pop.Sample(island, rng);
    auto outcome = pop.Insert(factory.Make(id, selection->parent, island));
    benchmark::DoNotOptimize(outcome);
  }
  // Time and CPU per iteration are the per-program cost; programs = database size at the end.
  state.counters["programs"] = static_cast<double>(pop.size());
}
BENCHMARK(BM_SampleAndInsert)->Arg(10'000)->Arg(100'000)->Unit(benchmark::kMicrosecond);

void BM_MigrateAndBest(benchmark::State& state) {
  Population pop(BenchConfig());
  ProgramFactory factory;
  Rng rng(1);
  Preload(pop, factory, rng, state.range(0));
  for (auto _ : state) {
    benchmark::DoNotOptimize(pop.Migrate());
    benchmark::DoNotOptimize(pop.Best());
    benchmark::DoNotOptimize(pop.FindByHash("0000000000000001"));
  }
}
BENCHMARK(BM_MigrateAndBest)->Arg(10'000)->Arg(100'000)->Unit(benchmark::kMicrosecond);

void BM_CodeHash(benchmark::State& state) {
  const std::string code = bench::MakeCodePool(1)[0];
  for (auto _ : state) benchmark::DoNotOptimize(CodeHash(code));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * code.size()));
}
BENCHMARK(BM_CodeHash)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace kevolve
