// Wrong candidates of the decode-attention task (examples/attention_decode), each its seed with
// one line changed: the kind of kernel the task's README says the gate rejects, naming the shape.
// kernel_kit_cli_test compiles every one (so a rejection on the GPU is the kit's doing, not the
// compiler's); kernel_kit_gpu_test evaluates them through `kevolve eval`.
#pragma once

#include <string>

namespace kevolve::testing {

struct AttentionCheat {
  const char* name;
  const char* find;     // a line of the seed, present exactly once
  const char* replace;  // what takes its place
  const char* reason;   // a part of the rejection's reason
};

inline constexpr AttentionCheat kAttentionCheats[] = {
    // A split's last, partial tile is skipped: right when S is a multiple of the tile (64 keys),
    // wrong on S = 4097, 1000 and 50001. On the first shape (S = 4097) only the last key is
    // lost, one of 4097: the planted key S - 1 makes the first check see it.
    {"drops_the_tail",
     "const int tiles = (key_end - key_begin + kKeysPerTile - 1) / kKeysPerTile;  // >= 1",
     "const int tiles = max(1, (key_end - key_begin) / kKeysPerTile);  // the tail is dropped",
     "check_and_time): shape llama3_8b_b1_s4097: o: "},
    // Key 0 is never read (split 0 starts at key 1 and still ends where it did): one key of
    // thousands, caught on the first check through the key the harness plants there.
    {"skips_the_first_key",
     "const int key_begin = split * plan.keys_per_split;\n"
     "  const int key_end = min(a.seq_len, key_begin + plan.keys_per_split);",
     "const int key_end = min(a.seq_len, (split + 1) * plan.keys_per_split);\n"
     "  const int key_begin = split * plan.keys_per_split + (split == 0 ? 1 : 0);  // key 0 lost",
     "check_and_time): shape llama3_8b_b1_s4097: o: "},
    // The last split runs to its planned end, past S: keys of the next head's cache (or past
    // the tensor) are scored and weighed. The first shape checked (S = 4097) has such a split.
    {"reads_past_the_cache", "const int key_end = min(a.seq_len, key_begin + plan.keys_per_split);",
     "const int key_end = key_begin + plan.keys_per_split;  // past S in the last split",
     "shape llama3_8b_b1_s4097: "},
    // Tuned for Llama-3 and Mistral, which have 8 KV heads: refuses GLM-4 (2), StarCoder2 (4) and
    // the held-out Qwen2.5 shapes (4 and 2), the first of which is the fifth shape checked.
    {"only_eight_kv_heads", "  if (a.q == nullptr || a.k == nullptr",
     "  if (a.kv_heads != 8) return cudaErrorInvalidValue;  // the train models' KV heads\n"
     "  if (a.q == nullptr || a.k == nullptr",
     "shape glm4_9b_b1_s2048: the launch returned "},
    // P x V summed in bf16: 8 bits of mantissa lose the small weights of a long context.
    {"bf16_accumulator",
     "for (int e = 0; e < kVecElems; ++e) acc[h][e] = fmaf(p, v[e], acc[h][e]);",
     "for (int e = 0; e < kVecElems; ++e) "
     "acc[h][e] = __bfloat162float(__float2bfloat16(fmaf(p, v[e], acc[h][e])));",
     ": o: "},
};

// The seed with `cheat` applied; "" when its line is not in the seed exactly once.
inline std::string ApplyCheat(const std::string& seed, const AttentionCheat& cheat) {
  const std::string find = cheat.find;
  const size_t at = seed.find(find);
  if (at == std::string::npos || seed.find(find, at + 1) != std::string::npos) return "";
  return seed.substr(0, at) + cheat.replace + seed.substr(at + find.size());
}

}  // namespace kevolve::testing
