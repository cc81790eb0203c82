// The kit's own device code: random fills, poison, checksums and the comparison with the
// reference. Trusted (part of the kit runtime, never of a candidate); simple grid-stride loops,
// since none of it is timed.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>

#include "kevolve_kit.h"

namespace kevolve::kit::device {

constexpr int kThreads = 256;
constexpr int kMaxExamples = 8;  // mismatches recorded with their indices

__host__ __device__ inline uint64_t SplitMix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// Element i of a fill from `seed`: uniform in [lo, hi], a pure function of (seed, i), so a
// re-fill with another seed changes every element.
template <typename T>
__global__ void FillUniform(T* data, int64_t count, uint64_t seed, float lo, float hi) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < count;
       i += int64_t{gridDim.x} * blockDim.x) {
    const uint64_t bits = SplitMix64(seed ^ SplitMix64(static_cast<uint64_t>(i)));
    const float u = static_cast<float>(bits >> 40) * (1.0f / 16777216.0f);  // [0, 1)
    const float v = lo + (hi - lo) * u;
    if constexpr (std::is_same_v<T, __nv_bfloat16>) {
      data[i] = __float2bfloat16(v);
    } else if constexpr (std::is_same_v<T, __half>) {
      data[i] = __float2half(v);
    } else if constexpr (std::is_same_v<T, int32_t>) {
      data[i] = static_cast<int32_t>(floorf(v));
    } else {
      data[i] = v;
    }
  }
}

// An order-independent hash of `words` 32-bit words (position mixed in), summed into *out.
__global__ void Checksum(const uint32_t* words, int64_t count, unsigned long long* out) {
  unsigned long long local = 0;
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < count;
       i += int64_t{gridDim.x} * blockDim.x) {
    local += SplitMix64((static_cast<uint64_t>(i) << 32) ^ words[i]);
  }
  atomicAdd(out, local);
}

template <typename T>
__device__ inline float ToFloat(T v) {
  if constexpr (std::is_same_v<T, __nv_bfloat16>) {
    return __bfloat162float(v);
  } else if constexpr (std::is_same_v<T, __half>) {
    return __half2float(v);
  } else {
    return static_cast<float>(v);
  }
}

struct CompareCounters {
  unsigned long long wrong;       // outside the tolerance, NaN and Inf included
  unsigned long long not_finite;  // NaN or Inf in the output
  unsigned long long first_wrong; // smallest wrong index (starts at ~0)
  unsigned int examples;          // slots of example_index used (may pass kMaxExamples)
  unsigned int max_err_bits;      // largest |out - ref| among finite outputs, as float bits
  long long example_index[kMaxExamples];
};

template <typename T>
__global__ void Compare(const T* out, const float* ref, int64_t count, float atol, float rtol,
                        CompareCounters* c) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < count;
       i += int64_t{gridDim.x} * blockDim.x) {
    const float o = ToFloat(out[i]);
    const float r = ref[i];
    const bool finite = isfinite(o);
    const float err = fabsf(o - r);
    if (finite) atomicMax(&c->max_err_bits, __float_as_uint(err));  // err >= 0: bits order
    if (finite && err <= atol + rtol * fabsf(r)) continue;
    atomicAdd(&c->wrong, 1ull);
    if (!finite) atomicAdd(&c->not_finite, 1ull);
    atomicMin(&c->first_wrong, static_cast<unsigned long long>(i));
    const unsigned int slot = atomicAdd(&c->examples, 1u);
    if (slot < kMaxExamples) c->example_index[slot] = i;
  }
}

inline int BlocksFor(int64_t count) {
  const int64_t blocks = (count + kThreads - 1) / kThreads;
  return static_cast<int>(blocks < 4096 ? (blocks > 0 ? blocks : 1) : 4096);
}

inline cudaError_t LaunchFill(DType dtype, void* data, int64_t count, uint64_t seed, double lo,
                              double hi, cudaStream_t stream) {
  const int blocks = BlocksFor(count);
  const float flo = static_cast<float>(lo), fhi = static_cast<float>(hi);
  switch (dtype) {
    case DType::kBF16:
      FillUniform<<<blocks, kThreads, 0, stream>>>(static_cast<__nv_bfloat16*>(data), count, seed,
                                                   flo, fhi);
      break;
    case DType::kF16:
      FillUniform<<<blocks, kThreads, 0, stream>>>(static_cast<__half*>(data), count, seed, flo,
                                                   fhi);
      break;
    case DType::kF32:
      FillUniform<<<blocks, kThreads, 0, stream>>>(static_cast<float*>(data), count, seed, flo,
                                                   fhi);
      break;
    case DType::kI32:
      FillUniform<<<blocks, kThreads, 0, stream>>>(static_cast<int32_t*>(data), count, seed, flo,
                                                   fhi);
      break;
  }
  return cudaGetLastError();
}

inline cudaError_t LaunchCompare(DType dtype, const void* out, const float* ref, int64_t count,
                                 float atol, float rtol, CompareCounters* c, cudaStream_t stream) {
  const int blocks = BlocksFor(count);
  switch (dtype) {
    case DType::kBF16:
      Compare<<<blocks, kThreads, 0, stream>>>(static_cast<const __nv_bfloat16*>(out), ref, count,
                                               atol, rtol, c);
      break;
    case DType::kF16:
      Compare<<<blocks, kThreads, 0, stream>>>(static_cast<const __half*>(out), ref, count, atol,
                                               rtol, c);
      break;
    case DType::kF32:
      Compare<<<blocks, kThreads, 0, stream>>>(static_cast<const float*>(out), ref, count, atol,
                                               rtol, c);
      break;
    case DType::kI32:
      Compare<<<blocks, kThreads, 0, stream>>>(static_cast<const int32_t*>(out), ref, count, atol,
                                               rtol, c);
      break;
  }
  return cudaGetLastError();
}

inline cudaError_t LaunchChecksum(const void* data, int64_t bytes, unsigned long long* out,
                                  cudaStream_t stream) {
  const int64_t words = bytes / 4;  // tensors and guards are multiples of 4 bytes
  Checksum<<<BlocksFor(words), kThreads, 0, stream>>>(static_cast<const uint32_t*>(data), words,
                                                      out);
  return cudaGetLastError();
}

}  // namespace kevolve::kit::device
