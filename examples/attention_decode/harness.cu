// The decode-attention task's problem for the kernel evaluation kit (kernels/kit/kevolve_kit.h):
// its tensors, speed-of-light bytes, trusted reference and tolerance. The candidate is
// ::AttentionDecode (program.cu); the seed, compiled in here as baseline::AttentionDecode, is
// what it is timed against. README.md explains the fill ranges and the tolerance.
//
// Shape parameters (shapes.txt): B, Hq, Hkv, S, D (attention_decode.h has the contract).

// Every header the seed includes comes first, so that its includes inside namespace baseline are
// no-ops and the seed's own code is all that lands there.
#include <cuda_bf16.h>
#include <cuda_pipeline.h>
#include <cuda_runtime.h>
#include <math_constants.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "attention_decode.h"
#include "kevolve_kit.h"
#include "planted_keys.h"

namespace baseline {
#include "initial_program.cu"
}  // namespace baseline

namespace {

using kevolve::kit::DType;
using kevolve::kit::Shape;
using kevolve::kit::Tensor;
using kevolve::kit::TensorSpec;

// From this context length on, q's fill widens (Tensors).
constexpr int64_t kLongContext = 8192;

constexpr int kRefWarps = 8;
constexpr int kRefMaxD = 128;
constexpr int kRefPerLane = kRefMaxD / 32;  // columns d = lane + 32 * i, i < D / 32

// The reference: grid (Hq, B), kRefWarps warps; one block per query head, nothing shared with
// the candidate's method. Two passes over the context in double precision, scores recomputed
// rather than stored (S * B * Hq scores would not fit for the longest shapes): pass 1 finds the
// maximum score, pass 2 sums exp(s - max) and the weighted V rows. Warps take every kRefWarps-th
// key; lanes take the columns d = lane + 32 i.
__global__ void __launch_bounds__(kRefWarps * 32)
    ReferenceKernel(const __nv_bfloat16* q, const __nv_bfloat16* k, const __nv_bfloat16* v,
                    float* out, int q_heads, int kv_heads, int seq_len, int head_dim,
                    double scale) {
  __shared__ double s_warp_max[kRefWarps];
  __shared__ double s_warp_sum[kRefWarps];
  __shared__ double s_warp_acc[kRefWarps][kRefMaxD];
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  const int h = blockIdx.x, b = blockIdx.y;
  const int kv = h / (q_heads / kv_heads);
  const int per_lane = head_dim / 32;
  const __nv_bfloat16* q_row = q + (static_cast<int64_t>(b) * q_heads + h) * head_dim;
  const int64_t kv_row0 = (static_cast<int64_t>(b) * kv_heads + kv) * seq_len;

  // Loops over i run to the compile-time kRefPerLane and skip i >= per_lane, so the arrays stay
  // in registers.
  double q_reg[kRefPerLane] = {};
#pragma unroll
  for (int i = 0; i < kRefPerLane; ++i) {
    if (i < per_lane) q_reg[i] = __bfloat162float(q_row[lane + 32 * i]);
  }
  auto score = [&](int j) {
    const __nv_bfloat16* k_row = k + (kv_row0 + j) * head_dim;
    double dot = 0;
#pragma unroll
    for (int i = 0; i < kRefPerLane; ++i) {
      if (i < per_lane) dot += q_reg[i] * __bfloat162float(k_row[lane + 32 * i]);
    }
    for (int offset = 16; offset > 0; offset /= 2) dot += __shfl_xor_sync(0xffffffffu, dot, offset);
    return dot * scale;
  };

  double m = -CUDART_INF;
  for (int j = warp; j < seq_len; j += kRefWarps) m = fmax(m, score(j));
  if (lane == 0) s_warp_max[warp] = m;
  __syncthreads();
  m = -CUDART_INF;
  for (int w = 0; w < kRefWarps; ++w) m = fmax(m, s_warp_max[w]);

  double sum = 0, acc[kRefPerLane] = {};
  for (int j = warp; j < seq_len; j += kRefWarps) {
    const double p = exp(score(j) - m);
    sum += p;
    const __nv_bfloat16* v_row = v + (kv_row0 + j) * head_dim;
#pragma unroll
    for (int i = 0; i < kRefPerLane; ++i) {
      if (i < per_lane) acc[i] += p * __bfloat162float(v_row[lane + 32 * i]);
    }
  }
  if (lane == 0) s_warp_sum[warp] = sum;
#pragma unroll
  for (int i = 0; i < kRefPerLane; ++i) {
    if (i < per_lane) s_warp_acc[warp][lane + 32 * i] = acc[i];
  }
  __syncthreads();
  for (int d = threadIdx.x; d < head_dim; d += blockDim.x) {
    double total = 0, total_sum = 0;
    for (int w = 0; w < kRefWarps; ++w) {
      total += s_warp_acc[w][d];
      total_sum += s_warp_sum[w];
    }
    out[(static_cast<int64_t>(b) * q_heads + h) * head_dim + d] =
        static_cast<float>(total / total_sum);
  }
}

// Planted keys (README.md, "Inputs and tolerance"; planted_keys.h). Block (kv, b), one thread
// per column d: one query head of the slice's group gets one key row set from its query, so that
// the key holds all but about 1e-10 of that head's softmax weight. The other heads keep the
// uniform scores.
__global__ void PlantKeysKernel(const __nv_bfloat16* q, __nv_bfloat16* k, int q_heads,
                                int kv_heads, int seq_len, int head_dim, uint64_t seed) {
  const int slice = blockIdx.y * kv_heads + blockIdx.x, d = threadIdx.x;
  const PlantedKey planted = PlantedKeyOf(slice, q_heads, kv_heads, seq_len, seed);
  const float qd = __bfloat162float(q[planted.q_row * head_dim + d]);
  k[planted.k_row * head_dim + d] = __float2bfloat16(PlantedValue(qd));
}

// The scratch candidates get in AttentionArgs::workspace: allocated here, not by the kit, so the
// kit's input checksums and output comparisons never see it. One buffer for the process, grown
// to the largest shape's need (the first launch of a shape is a checked one, before any timing)
// and shared by candidate and seed, which run one after the other on the kit's stream. The kit
// runs launches from one host thread.
cudaError_t WorkspaceFor(size_t bytes, float** out) {
  static float* buffer = nullptr;
  static size_t capacity = 0;
  if (bytes > capacity) {
    if (buffer != nullptr) {
      if (cudaError_t e = cudaFree(buffer); e != cudaSuccess) return e;
      buffer = nullptr;
      capacity = 0;
    }
    if (cudaError_t e = cudaMalloc(&buffer, bytes); e != cudaSuccess) return e;
    capacity = bytes;
  }
  *out = buffer;
  return cudaSuccess;
}

// A shape line's parameters (B, Hq, Hkv, S, D), and whether the reference and the planted keys
// can take them (attention_decode.h has the contract).
struct Dims {
  int b, hq, hkv, seq, d;
  explicit Dims(const Shape& s)
      : b(static_cast<int>(s.Get("B"))),
        hq(static_cast<int>(s.Get("Hq"))),
        hkv(static_cast<int>(s.Get("Hkv"))),
        seq(static_cast<int>(s.Get("S"))),
        d(static_cast<int>(s.Get("D"))) {}
  bool InContract() const {
    return d % 32 == 0 && d <= kRefMaxD && hkv >= 1 && hq % hkv == 0 && seq >= 1 && b >= 1;
  }
};

cudaError_t MakeArgs(const Shape& s, const std::vector<Tensor>& t, AttentionArgs* a) {
  const Dims dims(s);
  a->q = t[0].As<const __nv_bfloat16>();
  a->k = t[1].As<const __nv_bfloat16>();
  a->v = t[2].As<const __nv_bfloat16>();
  a->o = t[3].As<__nv_bfloat16>();
  a->batch = dims.b;
  a->q_heads = dims.hq;
  a->kv_heads = dims.hkv;
  a->seq_len = dims.seq;
  a->head_dim = dims.d;
  a->scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(a->head_dim)));
  a->workspace_bytes = AttentionWorkspaceBytes(a->batch, a->q_heads, a->head_dim);
  return WorkspaceFor(a->workspace_bytes, &a->workspace);
}

struct AttentionDecodeProblem : kevolve::kit::Problem {
  // k fills [-3, 3] and q [-3, 3], or [-4, 4] from S = 8192 on: scores spread with a standard
  // deviation of 3 (4), a peaked softmax as in trained models, whose output keeps its scale as S
  // grows instead of fading to the mean of V (README.md, "Inputs and tolerance"). v fills
  // [-1, 1].
  std::vector<TensorSpec> Tensors(const Shape& s) const override {
    const int64_t b = s.Get("B"), hq = s.Get("Hq"), hkv = s.Get("Hkv"), seq = s.Get("S"),
                  d = s.Get("D");
    const double q_bound = seq >= kLongContext ? 4.0 : 3.0;
    return {
        {"q", DType::kBF16, b * hq * d, false, -q_bound, q_bound},
        {"k", DType::kBF16, b * hkv * seq * d, false, -3.0, 3.0},
        {"v", DType::kBF16, b * hkv * seq * d, false, -1.0, 1.0},
        {"o", DType::kBF16, b * hq * d, true},
    };
  }

  // Planted keys: in every (batch, KV head) slice one key dominates one head's softmax
  // (PlantKeysKernel). The reference sees the inputs the candidate gets.
  cudaError_t AdjustInputs(const Shape& s, const std::vector<Tensor>& t, uint64_t seed,
                           cudaStream_t stream) const override {
    const Dims x(s);
    if (!x.InContract()) return cudaErrorInvalidValue;  // a shape line outside the contract
    PlantKeysKernel<<<dim3(x.hkv, x.b), x.d, 0, stream>>>(
        t[0].As<const __nv_bfloat16>(), t[1].As<__nv_bfloat16>(), x.hq, x.hkv, x.seq, x.d, seed);
    return cudaGetLastError();
  }

  // Q and K and V read once, O written once, in bf16.
  double MinBytes(const Shape& s) const override {
    const double b = s.Get("B"), hq = s.Get("Hq"), hkv = s.Get("Hkv"), seq = s.Get("S"),
                 d = s.Get("D");
    return 2.0 * (2 * b * hq * d + 2 * b * hkv * seq * d);
  }

  cudaError_t Reference(const Shape& s, const std::vector<Tensor>& t,
                        const std::vector<float*>& reference, cudaStream_t stream) const override {
    const Dims x(s);
    if (!x.InContract()) return cudaErrorInvalidValue;  // a shape line outside the contract
    ReferenceKernel<<<dim3(x.hq, x.b), kRefWarps * 32, 0, stream>>>(
        t[0].As<const __nv_bfloat16>(), t[1].As<const __nv_bfloat16>(),
        t[2].As<const __nv_bfloat16>(), reference[0], x.hq, x.hkv, x.seq, x.d,
        1.0 / std::sqrt(double(x.d)));
    return cudaGetLastError();
  }

  cudaError_t Launch(const Shape& s, const std::vector<Tensor>& t,
                     cudaStream_t stream) const override {
    AttentionArgs a;
    if (cudaError_t e = MakeArgs(s, t, &a); e != cudaSuccess) return e;
    return ::AttentionDecode(a, stream);
  }

  bool HasBaseline() const override { return true; }
  cudaError_t LaunchBaseline(const Shape& s, const std::vector<Tensor>& t,
                             cudaStream_t stream) const override {
    AttentionArgs a;
    if (cudaError_t e = MakeArgs(s, t, &a); e != cudaSuccess) return e;
    return baseline::AttentionDecode(a, stream);
  }

  // bf16 output: rounding o costs up to 2^-8 |o| (inside rtol); softmax weights rounded to bf16
  // before a tensor-core P x V cost up to 2^-8 max|v| = 3.9e-3 in the worst case (inside atol).
  double Atol() const override { return 4e-3; }
  double Rtol() const override { return 1e-2; }
};

}  // namespace

KEVOLVE_KIT_PROBLEM(AttentionDecodeProblem)
