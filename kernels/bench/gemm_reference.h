// Trusted reference side of the GEMM harness: random inputs, poisoning, checksums, element-wise
// comparison on the device, cuBLAS as the reference GEMM, and a float64 reference on sampled
// elements computed on the host. Every CUDA and cuBLAS call is checked.
//
// Tolerance (documented in docs/gemm.md): an output element x passes against a reference r
// when |x - r| <= kRelTol * |r| + abs_of_rms * rms(reference); NaN or Inf never passes.
// The reference for every element is cuBLAS with an fp32 output (bf16 inputs, fp32 compute):
// cuBLAS's bf16-output GEMM is not used as a reference because it can be off by more than a
// bf16 ulp (seen on H100 for 4097x4097x4104: 0.3% relative Frobenius error, single elements
// off by 1.3% of rms), presumably partial sums reduced in bf16.
//   kernel vs fp32 reference, every element:   abs_of_rms = kRefAbsOfRms (5e-3)
//   kernel vs float64, sampled elements:       abs_of_rms = kTightAbsOfRms (2e-3)
//   fp32 reference vs float64 (sanity):        abs_of_rms = kTightAbsOfRms
// The family accumulates in fp32 (split-K partials too), so only the bf16 output rounding
// (<= 2^-8 |r|) remains; dropping a single k term (~rms / sqrt(K)) already fails.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <cuda_runtime_api.h>

#include "core/status.h"
#include "gemm/gemm_shape.h"

namespace kevolve::gemm::bench {

inline constexpr double kRelTol = 1e-2;
inline constexpr double kTightAbsOfRms = 2e-3;
inline constexpr double kRefAbsOfRms = 5e-3;

// bf16 values uniform on [-1, 1) drawn from (seed, index); deterministic for a seed.
Status FillRandomBf16(void* dst, int64_t count, uint64_t seed, cudaStream_t stream);

// Every element set to the bf16 bit pattern `bits` (0x7FC0 is a quiet NaN).
Status FillBf16Bits(void* dst, int64_t count, uint16_t bits, cudaStream_t stream);

// Order-sensitive 64-bit checksum of `bytes` bytes (multiple of 2), to prove inputs unchanged.
Result<uint64_t> DeviceChecksum(const void* data, int64_t bytes, cudaStream_t stream);

// Writes `bytes` of `scratch` so that later reads of anything else miss in L2.
Status FlushL2(void* scratch, size_t bytes, cudaStream_t stream);

struct CompareResult {
  int64_t count = 0;
  int64_t bad = 0;        // elements outside tolerance, NaN/Inf included
  int64_t nonfinite = 0;  // NaN or Inf in the output
  int64_t first_bad = -1; // linear index of one bad element, -1 if none
  double rel_fro = 0;     // ||out - ref||_F / ||ref||_F over finite elements
  double ref_rms = 0;
  bool passed() const { return bad == 0 && count > 0; }
  std::string Describe() const;
};

// Compares `count` bf16 elements of `out` with `ref` (both device; ref is fp32 when
// `ref_is_fp32`, else bf16) under the tolerance above.
Result<CompareResult> CompareToReference(const void* out, const void* ref, bool ref_is_fp32,
                                         int64_t count, cudaStream_t stream, double abs_of_rms);
inline Result<CompareResult> CompareBf16(const void* out, const void* ref, int64_t count,
                                         cudaStream_t stream) {
  return CompareToReference(out, ref, false, count, stream, kRefAbsOfRms);
}

// cuBLAS bf16 GEMM (fp32 compute) in the family's row-major convention. Owns its handle.
class CublasGemm {
 public:
  static Result<std::unique_ptr<CublasGemm>> Create(cudaStream_t stream);
  ~CublasGemm();
  CublasGemm(const CublasGemm&) = delete;
  CublasGemm& operator=(const CublasGemm&) = delete;
  // C in bf16, or in fp32 when `c_fp32` (the reference path).
  Status Run(const GemmShape& shape, const void* a, const void* b, void* c, bool c_fp32 = false);
  int Version() const { return version_; }

 private:
  CublasGemm() = default;
  void* handle_ = nullptr;  // cublasHandle_t
  int version_ = 0;
};

struct SampledCheck {
  int64_t samples = 0;
  int64_t bad = 0;
  double max_rel_err = 0;  // max |x - r| / (|r| + rms)
  std::string first_bad;   // "C[i,j]=x, float64 reference r" for the first failure
  bool passed() const { return bad == 0 && samples > 0; }
};

// Float64 reference for rows x cols sampled elements (first, last and random rows/columns,
// from `seed`), computed on the host from A and B copied back, compared with device C (bf16,
// or fp32 when `c_fp32`).
Result<SampledCheck> CheckSampledFloat64(const GemmShape& shape, const void* a, const void* b,
                                         const void* c, bool c_fp32, int samples_per_dim,
                                         uint64_t seed, double abs_of_rms);

}  // namespace kevolve::gemm::bench
