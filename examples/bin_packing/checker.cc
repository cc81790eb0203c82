// The trusted side of the bin-packing evaluator: runs the packer (the program the candidate's
// Priority is compiled into), reads its packing from a pipe on the packer's file descriptor 3,
// checks that it is a legal online packing of the instances it regenerates itself
// (instances.h), scores it, and prints the one protocol-v1 JSON answer on stdout. It never
// includes the candidate; the packer's own stdout goes to stderr, so nothing the candidate
// prints can be taken for the answer.
//
// Usage: checker --stage N [--timeout-seconds S] -- PACKER [ARGS...]
//
// Defences (docs/security.md, "Forged results"):
// - This process is not dumpable, so the candidate (same uid) can neither ptrace it nor open
//   its stdout through /proc/PID/fd/1. evaluate execs it, so no shell stays behind to attack.
// - When the packer is done, everything it left is killed (its process group; and kill -1 where
//   that reaches only this evaluation) before the packing is checked and the answer printed.
// - The packing is checked and scored from the bytes read into memory, not from a file.
// The running and reading is ../common/untrusted.h, shared with the other compiled examples.
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "../common/untrusted.h"
#include "instances.h"

namespace {

using untrusted::Cursor;
using untrusted::Fail;
using untrusted::NextLine;
using untrusted::PrintInvalid;
using untrusted::Quote;

constexpr size_t kMaxPackingBytes = 8u << 20;  // an honest stage-2 packing is about 220 KB

// ---- Checking the packing ---------------------------------------------------------------------

bool Is(const char* s, size_t n, const char* tag) {
  return n == std::strlen(tag) && std::memcmp(s, tag, n) == 0;
}

// A bin number: 1 to 6 decimal digits. -1 if the line is not one.
long ParseBin(const char* s, size_t n) {
  if (n == 0 || n > 6) return -1;
  long value = 0;
  for (size_t i = 0; i < n; ++i) {
    if (s[i] < '0' || s[i] > '9') return -1;
    value = value * 10 + (s[i] - '0');
  }
  return value;
}

struct Packing {
  int bins = 0;
  int lower_bound = 0;
  int exact_fits = 0;
};

enum class Verdict { kPacked, kNonFinite, kIllegal };

// Places one item into `bin` by the online rules, or says (Fail) why it may not go there.
// free_count[f] counts the open bins with f free.
bool Place(const Cursor& c, uint64_t seed, int index, int item, long bin, int* remaining,
           int* free_count, Packing* p) {
  const unsigned long long s = seed;
  if (bin > p->bins) {
    Fail("line %ld: item %d of instance %llu goes to bin %ld, but %d bins are open (a new bin is "
         "number %d)", c.line, index, s, bin, p->bins, p->bins);
    return false;
  }
  if (bin == p->bins) {
    for (int f = item; f <= binpack::kCapacity; ++f) {
      if (free_count[f] > 0) {
        Fail("line %ld: item %d of instance %llu (size %d) opens bin %ld, but an open bin with "
             "%d free takes it (online: a bin opens only when none fits)", c.line, index, s,
             item, bin, f);
        return false;
      }
    }
    remaining[p->bins++] = binpack::kCapacity;
    ++free_count[binpack::kCapacity];
  } else if (remaining[bin] < item) {
    Fail("line %ld: item %d of instance %llu (size %d) does not fit bin %ld (%d free)", c.line,
         index, s, item, bin, remaining[bin]);
    return false;
  }
  --free_count[remaining[bin]];
  remaining[bin] -= item;
  ++free_count[remaining[bin]];
  if (remaining[bin] == 0) ++p->exact_fits;
  return true;
}

Verdict CheckInstance(Cursor* c, uint64_t seed, Packing* p) {
  static int items[binpack::kItems];
  static int remaining[binpack::kItems];
  int free_count[binpack::kCapacity + 1] = {};
  char header[64];
  std::snprintf(header, sizeof header, "%s%llu", binpack::kInstanceTag,
                static_cast<unsigned long long>(seed));
  const char* s = nullptr;
  size_t n = 0;
  if (!NextLine(c, &s, &n)) {
    if (c->line == 0) {
      Fail("the packing is empty; expected \\\"%s\\\" first", header);
    } else {
      Fail("the packing ends after line %ld; expected \\\"%s\\\"", c->line, header);
    }
    return Verdict::kIllegal;
  }
  if (Is(s, n, binpack::kNonFiniteTag)) return Verdict::kNonFinite;
  if (!Is(s, n, header)) {
    Fail("line %ld: expected \\\"%s\\\", got \\\"%s\\\"", c->line, header, Quote(s, n));
    return Verdict::kIllegal;
  }
  binpack::MakeInstance(seed, items);
  long total = 0;
  for (int i = 0; i < binpack::kItems; ++i) {
    if (!NextLine(c, &s, &n)) {
      Fail("the packing ends after line %ld, after %d of the %d items of instance %llu", c->line,
           i, binpack::kItems, static_cast<unsigned long long>(seed));
      return Verdict::kIllegal;
    }
    if (Is(s, n, binpack::kNonFiniteTag)) return Verdict::kNonFinite;
    const long bin = ParseBin(s, n);
    if (bin < 0) {
      Fail("line %ld: expected a bin number, got \\\"%s\\\"", c->line, Quote(s, n));
      return Verdict::kIllegal;
    }
    if (!Place(*c, seed, i, items[i], bin, remaining, free_count, p)) return Verdict::kIllegal;
    total += items[i];
  }
  p->lower_bound = static_cast<int>((total + binpack::kCapacity - 1) / binpack::kCapacity);
  return Verdict::kPacked;
}

// Mean excess (%) and exact-fit rate over `count` instances from `seed_base`.
struct Mean {
  double excess_pct = 0;
  double exact_fit_rate = 0;
};

Verdict CheckInstances(Cursor* c, uint64_t seed_base, int count, Mean* mean) {
  double sum = 0, fits = 0;
  for (int i = 0; i < count; ++i) {
    Packing p;
    const Verdict v = CheckInstance(c, seed_base + static_cast<uint64_t>(i), &p);
    if (v != Verdict::kPacked) return v;
    sum += 100.0 * (p.bins - p.lower_bound) / p.lower_bound;
    fits += static_cast<double>(p.exact_fits) / binpack::kItems;
  }
  mean->excess_pct = count > 0 ? sum / count : 0;
  mean->exact_fit_rate = count > 0 ? fits / count : 0;
  return Verdict::kPacked;
}

bool AtEnd(Cursor* c) {
  const char* s = nullptr;
  size_t n = 0;
  if (!NextLine(c, &s, &n)) return true;
  Fail("line %ld: unexpected \\\"%s\\\" after the last instance", c->line, Quote(s, n));
  return false;
}

// ---- The answer -------------------------------------------------------------------------------

int Score(const untrusted::ChildRun& run, int stage) {
  Cursor c{run.data, run.data + run.size};
  const int train = binpack::StageTrainInstances(stage);
  Mean mean;
  Verdict v = CheckInstances(&c, binpack::kTrainSeedBase, train, &mean);
  if (v == Verdict::kNonFinite) Fail("Priority returned NaN or infinity for some bin");
  if (v != Verdict::kPacked) return PrintInvalid();
  Mean held;
  const int held_count = binpack::StageHeldOutInstances(stage);
  v = CheckInstances(&c, binpack::kHeldOutSeedBase, held_count, &held);
  if (v == Verdict::kIllegal || !AtEnd(&c)) return PrintInvalid();
  std::printf("{\"protocol\":1,\"valid\":true,\"combined_score\":%.6f,"
              "\"metrics\":{\"excess_bins_pct\":%.6f,\"train_instances\":%d},"
              "\"features\":{\"exact_fit_rate\":%.6f}",
              -mean.excess_pct, mean.excess_pct, train, mean.exact_fit_rate);
  if (v == Verdict::kNonFinite) {
    std::printf(",\"hidden_metrics\":{\"heldout_valid\":0}");
  } else if (held_count > 0) {
    std::printf(",\"hidden_metrics\":{\"heldout_excess_bins_pct\":%.6f}", held.excess_pct);
  }
  std::printf("}\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // First, before any candidate code runs: no ptrace, no /proc/PID/fd of this process.
  untrusted::ForbidInspection();
  int stage = 2;
  double timeout_seconds = 20;
  const int packer = untrusted::ParseOptions(argc, argv, [&](const char* name, const char* value) {
    if (std::strcmp(name, "--stage") == 0) {
      stage = std::atoi(value);
    } else if (std::strcmp(name, "--timeout-seconds") == 0) {
      timeout_seconds = std::atof(value);
    } else {
      return false;
    }
    return true;
  });
  if (packer == 0) {
    std::fprintf(stderr, "usage: checker --stage N [--timeout-seconds S] -- PACKER [ARGS...]\n");
    return 2;
  }
  const untrusted::ChildRun run =
      untrusted::Run(argv + packer, timeout_seconds, kMaxPackingBytes);
  if (untrusted::RunFailed(run, timeout_seconds, "the packer", "is Priority too slow?")) {
    return PrintInvalid();
  }
  return Score(run, stage);
}
