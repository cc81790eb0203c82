// Online bin packing harness (FunSearch's setup): items arrive one at a time and go into the open
// bin with the highest priority among those they fit in; when none fits, a new bin opens.
// The candidate supplies Priority(); this harness reports the excess bins over the L1 lower bound
// ceil(sum of sizes / capacity) as one protocol-v1 JSON object on stdout.
//
// Build: g++ -std=c++17 -O2 -DKEVOLVE_CANDIDATE='"program.cc"' harness.cc
// Run:   ./a.out --stage N --seed S     (stage 1: one training instance, stage 2: all)
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include KEVOLVE_CANDIDATE

namespace {

constexpr int kCapacity = 100;
constexpr int kItems = 5000;
constexpr double kWeibullShape = 3.0;   // k
constexpr double kWeibullScale = 45.0;  // lambda
constexpr int kTrainInstances = 5;
constexpr int kHeldOutInstances = 5;
constexpr uint64_t kTrainSeedBase = 1000;
constexpr uint64_t kHeldOutSeedBase = 9000;  // never shown to the search

// splitmix64: a tiny, portable generator so instances are identical on every machine.
struct Generator {
  uint64_t state;
  uint64_t Next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
};

// Item sizes: Weibull(k=3, lambda=45) by inverse transform, rounded, clipped to [1, capacity].
std::vector<int> MakeInstance(uint64_t seed) {
  Generator g{seed};
  std::vector<int> items(kItems);
  for (int& size : items) {
    double u = g.Uniform();
    double x = kWeibullScale * std::pow(-std::log1p(-u), 1.0 / kWeibullShape);
    int s = static_cast<int>(std::lround(x));
    size = s < 1 ? 1 : (s > kCapacity ? kCapacity : s);
  }
  return items;
}

struct Packing {
  int bins = 0;
  int lower_bound = 0;
  int exact_fits = 0;
  bool bad_priority = false;
};

Packing Pack(const std::vector<int>& items) {
  Packing p;
  std::vector<int> remaining;  // remaining capacity of each open bin
  remaining.reserve(items.size());
  long total = 0;
  for (int item : items) {
    total += item;
    int best = -1;
    double best_priority = 0;
    for (size_t b = 0; b < remaining.size(); ++b) {
      if (remaining[b] < item) continue;
      double pr = Priority(static_cast<double>(item), static_cast<double>(remaining[b]),
                           static_cast<double>(kCapacity));
      if (!std::isfinite(pr)) {
        p.bad_priority = true;
        return p;
      }
      if (best < 0 || pr > best_priority) {
        best = static_cast<int>(b);
        best_priority = pr;
      }
    }
    if (best < 0) {
      remaining.push_back(kCapacity - item);
      best = static_cast<int>(remaining.size()) - 1;
    } else {
      remaining[best] -= item;
    }
    if (remaining[best] == 0) ++p.exact_fits;
  }
  p.bins = static_cast<int>(remaining.size());
  p.lower_bound = static_cast<int>((total + kCapacity - 1) / kCapacity);
  return p;
}

// Mean excess percentage over `count` instances; false if the priority misbehaved.
bool MeanExcess(uint64_t seed_base, int count, double* excess_pct, double* exact_fit_rate) {
  double sum = 0, fits = 0;
  for (int i = 0; i < count; ++i) {
    Packing p = Pack(MakeInstance(seed_base + static_cast<uint64_t>(i)));
    if (p.bad_priority) return false;
    sum += 100.0 * (p.bins - p.lower_bound) / p.lower_bound;
    fits += static_cast<double>(p.exact_fits) / kItems;
  }
  *excess_pct = sum / count;
  *exact_fit_rate = fits / count;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  int stage = 2;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--stage") == 0) stage = std::atoi(argv[i + 1]);
  }
  const int train = stage <= 1 ? 1 : kTrainInstances;
  double excess = 0, fit_rate = 0;
  if (!MeanExcess(kTrainSeedBase, train, &excess, &fit_rate)) {
    std::printf("{\"protocol\":1,\"valid\":false,\"artifacts\":{\"feedback\":"
                "\"Priority returned NaN or infinity for some bin\"}}\n");
    return 0;
  }
  std::printf("{\"protocol\":1,\"valid\":true,\"combined_score\":%.6f,"
              "\"metrics\":{\"excess_bins_pct\":%.6f,\"train_instances\":%d},"
              "\"features\":{\"exact_fit_rate\":%.6f}",
              -excess, excess, train, fit_rate);
  if (stage >= 2) {
    double held = 0, held_fit = 0;
    if (!MeanExcess(kHeldOutSeedBase, kHeldOutInstances, &held, &held_fit)) {
      std::printf(",\"hidden_metrics\":{\"heldout_valid\":0}}\n");
      return 0;
    }
    std::printf(",\"hidden_metrics\":{\"heldout_excess_bins_pct\":%.6f}", held);
  }
  std::printf("}\n");
  return 0;
}
