// The bin-packing instances, shared by the packer (which links the candidate) and the checker
// (which never does): both regenerate the same item sizes from the same seeds, so the checker
// needs nothing from the packer but its decisions.
#pragma once

#include <cstdint>

namespace binpack {

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

// Fills items[0..kItems) with sizes drawn from Weibull(k=3, lambda=45) by inverse transform,
// rounded, clipped to [1, kCapacity].
// The builtins are the C library's pow, log1p and lround (what std::pow and friends call), named
// without <cmath>: the checker is compiled for every evaluation, and <cmath> alone would be
// three quarters of that compile.
inline void MakeInstance(uint64_t seed, int* items) {
  Generator g{seed};
  for (int i = 0; i < kItems; ++i) {
    double u = g.Uniform();
    double x = kWeibullScale * __builtin_pow(-__builtin_log1p(-u), 1.0 / kWeibullShape);
    int s = static_cast<int>(__builtin_lround(x));
    items[i] = s < 1 ? 1 : (s > kCapacity ? kCapacity : s);
  }
}

// The instances a stage packs, in this order: the first `StageTrainInstances` training seeds
// (kTrainSeedBase + i), then the first `StageHeldOutInstances` held-out ones. Stage 1 packs one
// training instance; stage 2 and later pack all of them.
inline int StageTrainInstances(int stage) { return stage <= 1 ? 1 : kTrainInstances; }
inline int StageHeldOutInstances(int stage) { return stage <= 1 ? 0 : kHeldOutInstances; }

// The packing format, one decision per line, written by the packer to file descriptor 3:
//   instance SEED        before the items of each instance, in the order above
//   BIN                  per item in arrival order: the 0-based bin it went into; a new bin
//                        gets the number of bins open so far
//   nonfinite            instead of a BIN: Priority returned NaN or infinity; nothing follows
constexpr const char* kInstanceTag = "instance ";
constexpr const char* kNonFiniteTag = "nonfinite";

}  // namespace binpack
