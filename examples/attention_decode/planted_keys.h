// Which key the harness plants in each (batch, KV head) slice of a check's inputs, and for which
// query head (harness.cu, PlantKeysKernel; README.md, "Inputs and tolerance"). Host and device
// code: tests/kernel_kit/attention_planting_test.cc plants through the same function on the CPU
// and checks that a kernel that drops one key fails and a correct one passes.
#pragma once

#include <cstdint>

#ifdef __CUDACC__
#define PLANTED_KEYS_HD __host__ __device__
#else
#define PLANTED_KEYS_HD
#endif

struct PlantedKey {
  int64_t key = 0;    // the key j < S of the slice that is planted
  int head = 0;       // the query head h < Hq whose softmax it dominates
  int64_t k_row = 0;  // the planted row of k (and v), in rows of D elements: slice * S + key
  int64_t q_row = 0;  // the head's row of q, in rows of D elements: b * Hq + head
};

PLANTED_KEYS_HD inline uint64_t PlantMix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// Slice b * Hkv + kv of a check drawn from `seed`. Which key rotates over the slices, offset by
// the seed: the last (S - 1), the first (0), or one at a position drawn from the seed. Which
// head of the KV head's group rotates over the slices too, offset by the seed, so that over
// checks every head is sometimes planted and sometimes not.
PLANTED_KEYS_HD inline PlantedKey PlantedKeyOf(int slice, int q_heads, int kv_heads, int seq_len,
                                               uint64_t seed) {
  const int group = q_heads / kv_heads;
  const int b = slice / kv_heads, kv = slice % kv_heads;
  const int kind = static_cast<int>((static_cast<uint64_t>(slice) + seed % 3) % 3);
  PlantedKey planted;
  planted.key = seq_len - 1;
  if (kind == 1) planted.key = 0;
  if (kind == 2) {
    planted.key = static_cast<int64_t>(PlantMix64(seed ^ static_cast<uint64_t>(slice)) %
                                       static_cast<uint64_t>(seq_len));
  }
  planted.head = kv * group + static_cast<int>((static_cast<uint64_t>(slice) + seed / 3) % group);
  planted.k_row = static_cast<int64_t>(slice) * seq_len + planted.key;
  planted.q_row = static_cast<int64_t>(b) * q_heads + planted.head;
  return planted;
}

// Column d of the planted key row, from column d of the head's query: the head's score on it is
// 3 * sum|q| / sqrt(D): about 50 for D = 128 with q in [-3, 3] (68 with [-4, 4]), 35 (48) for
// D = 64, against at most about 20 for a key of the uniform fill.
PLANTED_KEYS_HD inline float PlantedValue(float q) { return q >= 0 ? 3.0f : -3.0f; }

#undef PLANTED_KEYS_HD
