// Online bin packing packer (FunSearch's setup): items arrive one at a time and go into the open
// bin with the highest priority among those they fit in; when none fits, a new bin opens.
// The candidate supplies Priority() and is compiled into this program, so nothing this program
// says is trusted: it only writes its decisions (the bin of every item, format in instances.h)
// to file descriptor 3. The checker (checker.cc) runs it, verifies the packing and scores it.
//
// Build: g++ -std=c++17 -O2 -DKEVOLVE_CANDIDATE='"program.cc"' packer.cc
// Run:   ./a.out --stage N 3> packing.txt   (stage 1: one training instance, stage 2: all)
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include KEVOLVE_CANDIDATE

#include "instances.h"

namespace {

// Packs one instance, writing the bin of every item to `out`. False when Priority returned NaN
// or infinity (then "nonfinite" is the last line written).
bool Pack(const int* items, std::FILE* out) {
  std::vector<int> remaining;  // remaining capacity of each open bin
  remaining.reserve(binpack::kItems);
  for (int i = 0; i < binpack::kItems; ++i) {
    const int item = items[i];
    int best = -1;
    double best_priority = 0;
    for (size_t b = 0; b < remaining.size(); ++b) {
      if (remaining[b] < item) continue;
      double pr = Priority(static_cast<double>(item), static_cast<double>(remaining[b]),
                           static_cast<double>(binpack::kCapacity));
      if (!std::isfinite(pr)) {
        std::fprintf(out, "%s\n", binpack::kNonFiniteTag);
        return false;
      }
      if (best < 0 || pr > best_priority) {
        best = static_cast<int>(b);
        best_priority = pr;
      }
    }
    if (best < 0) {
      remaining.push_back(binpack::kCapacity - item);
      best = static_cast<int>(remaining.size()) - 1;
    } else {
      remaining[best] -= item;
    }
    std::fprintf(out, "%d\n", best);
  }
  return true;
}

// Packs `count` instances from `seed_base`; false at the first non-finite priority.
bool PackAll(uint64_t seed_base, int count, std::FILE* out) {
  static int items[binpack::kItems];
  for (int i = 0; i < count; ++i) {
    const uint64_t seed = seed_base + static_cast<uint64_t>(i);
    binpack::MakeInstance(seed, items);
    std::fprintf(out, "%s%llu\n", binpack::kInstanceTag, static_cast<unsigned long long>(seed));
    if (!Pack(items, out)) return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  int stage = 2;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--stage") == 0) stage = std::atoi(argv[i + 1]);
  }
  std::FILE* out = fdopen(3, "w");
  if (out == nullptr) {
    std::perror("packer: file descriptor 3 (where the packing goes) is not open");
    return 2;
  }
  if (PackAll(binpack::kTrainSeedBase, binpack::StageTrainInstances(stage), out)) {
    PackAll(binpack::kHeldOutSeedBase, binpack::StageHeldOutInstances(stage), out);
  }
  return std::fclose(out) == 0 ? 0 : 1;
}
