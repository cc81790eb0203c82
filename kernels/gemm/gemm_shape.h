// GemmShape: the problem a GEMM kernel is asked to solve, independent of any buffer.
//
// C[M,N] (row-major, bf16) = A[M,K] (row-major, bf16) x op(B), accumulated in fp32, where B is
// either the nn.Linear weight [N,K] (row-major, K contiguous; the main case) or a [K,N]
// row-major matrix. Pure value type; no CUDA.
#pragma once

#include <cstdint>
#include <string>

namespace kevolve::gemm {

enum class BLayout {
  kNK,  // B is [N,K], K contiguous: C = A x B^T (nn.Linear weight)
  kKN,  // B is [K,N], N contiguous: C = A x B
};

struct GemmShape {
  int64_t m = 0;
  int64_t n = 0;
  int64_t k = 0;
  BLayout b_layout = BLayout::kNK;

  double Flops() const { return 2.0 * static_cast<double>(m) * static_cast<double>(n) *
                                static_cast<double>(k); }
  // Fewest bytes a GEMM must move: each operand read once, C written once (bf16 = 2 bytes).
  double MinBytes() const {
    return 2.0 * (static_cast<double>(m) * static_cast<double>(k) +
                  static_cast<double>(n) * static_cast<double>(k) +
                  static_cast<double>(m) * static_cast<double>(n));
  }
  friend bool operator==(const GemmShape&, const GemmShape&) = default;
};

inline const char* BLayoutName(BLayout layout) { return layout == BLayout::kNK ? "nk" : "kn"; }

// "MxNxK" plus ":kn" when B is [K,N].
inline std::string ToString(const GemmShape& s) {
  std::string out = std::to_string(s.m) + "x" + std::to_string(s.n) + "x" + std::to_string(s.k);
  if (s.b_layout == BLayout::kKN) out += ":kn";
  return out;
}

}  // namespace kevolve::gemm
