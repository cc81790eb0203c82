#include "bench/gemm_reference.h"

#include <cublas_v2.h>
#include <cuda_bf16.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <random>
#include <set>

#include "common/cuda_check.h"

namespace kevolve::gemm::bench {
namespace {

constexpr int kThreads = 256;
constexpr int kBlocks = 1024;

__device__ __forceinline__ uint64_t SplitMix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

__global__ void FillRandomKernel(__nv_bfloat16* dst, int64_t count, uint64_t seed) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
       i += stride) {
    const uint64_t r = SplitMix64(seed ^ (static_cast<uint64_t>(i) * 0xD1B54A32D192ED03ull));
    const float u = static_cast<float>(r >> 40) * (1.0f / 16777216.0f);  // [0, 1)
    dst[i] = __float2bfloat16_rn(2.0f * u - 1.0f);
  }
}

__global__ void FillBitsKernel(uint16_t* dst, int64_t count, uint16_t bits) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
       i += stride) {
    dst[i] = bits;
  }
}

__global__ void ChecksumKernel(const uint16_t* data, int64_t count, unsigned long long* out) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  unsigned long long local = 0;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
       i += stride) {
    local += SplitMix64(static_cast<uint64_t>(data[i]) | (static_cast<uint64_t>(i) << 16));
  }
  atomicAdd(out, local);
}

__global__ void FlushKernel(int4* dst, int64_t count, int value) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
       i += stride) {
    dst[i] = make_int4(value, value, value, value);
  }
}

__device__ double BlockSum(double v) {
  __shared__ double partial[kThreads / 32];
  for (int off = 16; off > 0; off /= 2) v += __shfl_down_sync(0xffffffffu, v, off);
  const int warp = static_cast<int>(threadIdx.x) / 32, lane = static_cast<int>(threadIdx.x) % 32;
  if (lane == 0) partial[warp] = v;
  __syncthreads();
  double total = 0;
  if (threadIdx.x == 0) {
    for (int w = 0; w < kThreads / 32; ++w) total += partial[w];
  }
  __syncthreads();
  return total;
}

__device__ __forceinline__ double ToDouble(__nv_bfloat16 v) { return __bfloat162float(v); }
__device__ __forceinline__ double ToDouble(float v) { return v; }

template <class TRef>
__global__ void SumSquaresKernel(const TRef* ref, int64_t count, double* out) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  double local = 0;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
       i += stride) {
    const double r = ToDouble(ref[i]);
    local += r * r;
  }
  const double total = BlockSum(local);
  if (threadIdx.x == 0) atomicAdd(out, total);
}

struct CompareAccum {
  unsigned long long bad;
  unsigned long long nonfinite;
  unsigned long long first_bad;
  double diff_sq;
};

template <class TRef>
__global__ void CompareKernel(const __nv_bfloat16* out, const TRef* ref, int64_t count,
                              double rel_tol, double abs_tol, CompareAccum* acc) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  unsigned long long bad = 0, nonfinite = 0, first = ~0ull;
  double diff_sq = 0;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
       i += stride) {
    const double x = __bfloat162float(out[i]);
    const double r = ToDouble(ref[i]);
    const double d = fabs(x - r);
    const bool finite = isfinite(x);
    // Written so that NaN fails: a comparison with NaN is false.
    const bool ok = finite && d <= rel_tol * fabs(r) + abs_tol;
    if (!finite) ++nonfinite;
    if (!ok) {
      ++bad;
      first = min(first, static_cast<unsigned long long>(i));
    }
    if (finite) diff_sq += d * d;
  }
  const double total = BlockSum(diff_sq);
  if (threadIdx.x == 0) atomicAdd(&acc->diff_sq, total);
  if (bad) {
    atomicAdd(&acc->bad, bad);
    atomicMin(&acc->first_bad, first);
  }
  if (nonfinite) atomicAdd(&acc->nonfinite, nonfinite);
}

unsigned GridFor(int64_t count) {
  return static_cast<unsigned>(std::clamp<int64_t>((count + kThreads - 1) / kThreads, 1, kBlocks));
}

const char* CublasName(cublasStatus_t s) {
  switch (s) {
    case CUBLAS_STATUS_SUCCESS: return "CUBLAS_STATUS_SUCCESS";
    case CUBLAS_STATUS_NOT_INITIALIZED: return "CUBLAS_STATUS_NOT_INITIALIZED";
    case CUBLAS_STATUS_ALLOC_FAILED: return "CUBLAS_STATUS_ALLOC_FAILED";
    case CUBLAS_STATUS_INVALID_VALUE: return "CUBLAS_STATUS_INVALID_VALUE";
    case CUBLAS_STATUS_ARCH_MISMATCH: return "CUBLAS_STATUS_ARCH_MISMATCH";
    case CUBLAS_STATUS_EXECUTION_FAILED: return "CUBLAS_STATUS_EXECUTION_FAILED";
    case CUBLAS_STATUS_NOT_SUPPORTED: return "CUBLAS_STATUS_NOT_SUPPORTED";
    default: return "CUBLAS_STATUS_other";
  }
}

Status CublasStatus(cublasStatus_t s, const char* what) {
  if (s == CUBLAS_STATUS_SUCCESS) return Status::Ok();
  return Status::Internal(std::string(what) + " failed: " + CublasName(s));
}

double Bf16ToDouble(uint16_t bits) {
  const uint32_t word = static_cast<uint32_t>(bits) << 16;
  float f;
  std::memcpy(&f, &word, sizeof(f));
  return f;
}

std::vector<int64_t> SampleIndices(int64_t extent, int count, std::mt19937_64& rng) {
  std::set<int64_t> picked = {0, extent - 1};
  std::uniform_int_distribution<int64_t> dist(0, extent - 1);
  while (static_cast<int64_t>(picked.size()) < std::min<int64_t>(count, extent)) {
    picked.insert(dist(rng));
  }
  return {picked.begin(), picked.end()};
}

}  // namespace

Status FillRandomBf16(void* dst, int64_t count, uint64_t seed, cudaStream_t stream) {
  FillRandomKernel<<<GridFor(count), kThreads, 0, stream>>>(static_cast<__nv_bfloat16*>(dst),
                                                            count, seed);
  return KEVOLVE_CUDA_STATUS(cudaGetLastError());
}

Status FillBf16Bits(void* dst, int64_t count, uint16_t bits, cudaStream_t stream) {
  FillBitsKernel<<<GridFor(count), kThreads, 0, stream>>>(static_cast<uint16_t*>(dst), count,
                                                          bits);
  return KEVOLVE_CUDA_STATUS(cudaGetLastError());
}

Result<uint64_t> DeviceChecksum(const void* data, int64_t bytes, cudaStream_t stream) {
  unsigned long long* dev = nullptr;
  KEVOLVE_CUDA_RETURN_IF_ERROR(cudaMallocAsync(&dev, sizeof(*dev), stream));
  Status st = KEVOLVE_CUDA_STATUS(cudaMemsetAsync(dev, 0, sizeof(*dev), stream));
  if (st.ok()) {
    ChecksumKernel<<<GridFor(bytes / 2), kThreads, 0, stream>>>(
        static_cast<const uint16_t*>(data), bytes / 2, dev);
    st = KEVOLVE_CUDA_STATUS(cudaGetLastError());
  }
  unsigned long long host = 0;
  if (st.ok()) {
    st = KEVOLVE_CUDA_STATUS(
        cudaMemcpyAsync(&host, dev, sizeof(host), cudaMemcpyDeviceToHost, stream));
  }
  if (st.ok()) st = KEVOLVE_CUDA_STATUS(cudaStreamSynchronize(stream));
  const Status freed = KEVOLVE_CUDA_STATUS(cudaFreeAsync(dev, stream));
  KEVOLVE_RETURN_IF_ERROR(st);
  KEVOLVE_RETURN_IF_ERROR(freed);
  return static_cast<uint64_t>(host);
}

Status FlushL2(void* scratch, size_t bytes, cudaStream_t stream) {
  const int64_t count = static_cast<int64_t>(bytes / sizeof(int4));
  static int value = 0;
  FlushKernel<<<GridFor(count), kThreads, 0, stream>>>(static_cast<int4*>(scratch), count,
                                                       ++value);
  return KEVOLVE_CUDA_STATUS(cudaGetLastError());
}

std::string CompareResult::Describe() const {
  char buf[256];
  std::snprintf(buf, sizeof(buf), "%lld of %lld elements out of tolerance (%lld NaN/Inf), "
                "first at %lld, rel_fro %.3e",
                static_cast<long long>(bad), static_cast<long long>(count),
                static_cast<long long>(nonfinite), static_cast<long long>(first_bad), rel_fro);
  return buf;
}

namespace {

template <class TRef>
Result<CompareResult> CompareTyped(const __nv_bfloat16* o, const TRef* r, int64_t count,
                                   cudaStream_t stream, double abs_of_rms) {
  struct Scratch {
    double sum_sq;
    CompareAccum acc;
  };
  Scratch* dev = nullptr;
  KEVOLVE_CUDA_RETURN_IF_ERROR(cudaMalloc(&dev, sizeof(Scratch)));
  std::unique_ptr<Scratch, void (*)(Scratch*)> guard(dev, [](Scratch* p) { cudaFree(p); });
  Scratch host = {};
  host.acc.first_bad = ~0ull;
  KEVOLVE_CUDA_RETURN_IF_ERROR(cudaMemcpy(dev, &host, sizeof(host), cudaMemcpyHostToDevice));
  SumSquaresKernel<<<GridFor(count), kThreads, 0, stream>>>(r, count, &dev->sum_sq);
  KEVOLVE_CUDA_RETURN_IF_ERROR(cudaGetLastError());
  KEVOLVE_CUDA_RETURN_IF_ERROR(
      cudaMemcpyAsync(&host.sum_sq, &dev->sum_sq, sizeof(double), cudaMemcpyDeviceToHost, stream));
  KEVOLVE_CUDA_RETURN_IF_ERROR(cudaStreamSynchronize(stream));
  CompareResult res;
  res.count = count;
  res.ref_rms = std::sqrt(host.sum_sq / static_cast<double>(std::max<int64_t>(count, 1)));
  CompareKernel<<<GridFor(count), kThreads, 0, stream>>>(o, r, count, kRelTol,
                                                         abs_of_rms * res.ref_rms, &dev->acc);
  KEVOLVE_CUDA_RETURN_IF_ERROR(cudaGetLastError());
  KEVOLVE_CUDA_RETURN_IF_ERROR(
      cudaMemcpyAsync(&host.acc, &dev->acc, sizeof(host.acc), cudaMemcpyDeviceToHost, stream));
  KEVOLVE_CUDA_RETURN_IF_ERROR(cudaStreamSynchronize(stream));
  res.bad = static_cast<int64_t>(host.acc.bad);
  res.nonfinite = static_cast<int64_t>(host.acc.nonfinite);
  res.first_bad = host.acc.bad ? static_cast<int64_t>(host.acc.first_bad) : -1;
  res.rel_fro = host.sum_sq > 0 ? std::sqrt(host.acc.diff_sq / host.sum_sq) : 0.0;
  return res;
}

}  // namespace

Result<CompareResult> CompareToReference(const void* out, const void* ref, bool ref_is_fp32,
                                         int64_t count, cudaStream_t stream, double abs_of_rms) {
  const auto* o = static_cast<const __nv_bfloat16*>(out);
  if (ref_is_fp32) {
    return CompareTyped(o, static_cast<const float*>(ref), count, stream, abs_of_rms);
  }
  return CompareTyped(o, static_cast<const __nv_bfloat16*>(ref), count, stream, abs_of_rms);
}

Result<std::unique_ptr<CublasGemm>> CublasGemm::Create(cudaStream_t stream) {
  std::unique_ptr<CublasGemm> g(new CublasGemm());
  cublasHandle_t h = nullptr;
  KEVOLVE_RETURN_IF_ERROR(CublasStatus(cublasCreate(&h), "cublasCreate"));
  g->handle_ = h;
  KEVOLVE_RETURN_IF_ERROR(CublasStatus(cublasSetStream(h, stream), "cublasSetStream"));
  KEVOLVE_RETURN_IF_ERROR(CublasStatus(cublasGetVersion(h, &g->version_), "cublasGetVersion"));
  return Result<std::unique_ptr<CublasGemm>>(std::move(g));
}

CublasGemm::~CublasGemm() {
  if (handle_ != nullptr) cublasDestroy(static_cast<cublasHandle_t>(handle_));
}

Status CublasGemm::Run(const GemmShape& s, const void* a, const void* b, void* c, bool c_fp32) {
  // Row-major C[M,N] = A[M,K] op(B) is column-major C^T[N,M] = op(B)^T A^T.
  const float alpha = 1.0f, beta = 0.0f;
  const bool nk = s.b_layout == BLayout::kNK;
  return CublasStatus(
      cublasGemmEx(static_cast<cublasHandle_t>(handle_), nk ? CUBLAS_OP_T : CUBLAS_OP_N,
                   CUBLAS_OP_N, static_cast<int>(s.n), static_cast<int>(s.m),
                   static_cast<int>(s.k), &alpha, b, CUDA_R_16BF,
                   static_cast<int>(nk ? s.k : s.n), a, CUDA_R_16BF, static_cast<int>(s.k), &beta,
                   c, c_fp32 ? CUDA_R_32F : CUDA_R_16BF, static_cast<int>(s.n), CUBLAS_COMPUTE_32F,
                   CUBLAS_GEMM_DEFAULT),
      "cublasGemmEx");
}

Result<SampledCheck> CheckSampledFloat64(const GemmShape& s, const void* a, const void* b,
                                         const void* c, bool c_fp32, int samples_per_dim,
                                         uint64_t seed, double abs_of_rms) {
  std::mt19937_64 rng(seed);
  const std::vector<int64_t> rows = SampleIndices(s.m, samples_per_dim, rng);
  const std::vector<int64_t> cols = SampleIndices(s.n, samples_per_dim, rng);
  const auto* a16 = static_cast<const uint16_t*>(a);
  const auto* b16 = static_cast<const uint16_t*>(b);
  const size_t k = static_cast<size_t>(s.k);
  const size_t n = static_cast<size_t>(s.n);
  const size_t c_elem = c_fp32 ? 4 : 2;
  std::vector<std::vector<double>> a_rows(rows.size(), std::vector<double>(k));
  std::vector<std::vector<double>> b_cols(cols.size(), std::vector<double>(k));
  std::vector<uint16_t> tmp(k);
  for (size_t i = 0; i < rows.size(); ++i) {
    KEVOLVE_CUDA_RETURN_IF_ERROR(
        cudaMemcpy(tmp.data(), a16 + rows[i] * s.k, k * 2, cudaMemcpyDeviceToHost));
    for (size_t e = 0; e < k; ++e) a_rows[i][e] = Bf16ToDouble(tmp[e]);
  }
  for (size_t j = 0; j < cols.size(); ++j) {
    if (s.b_layout == BLayout::kNK) {
      KEVOLVE_CUDA_RETURN_IF_ERROR(
          cudaMemcpy(tmp.data(), b16 + cols[j] * s.k, k * 2, cudaMemcpyDeviceToHost));
    } else {
      KEVOLVE_CUDA_RETURN_IF_ERROR(cudaMemcpy2D(tmp.data(), 2, b16 + cols[j],
                                                static_cast<size_t>(s.n) * 2, 2, k,
                                                cudaMemcpyDeviceToHost));
    }
    for (size_t e = 0; e < k; ++e) b_cols[j][e] = Bf16ToDouble(tmp[e]);
  }
  std::vector<double> ref(rows.size() * cols.size()), got(ref.size());
  std::vector<unsigned char> c_row(n * c_elem);
  double sum_sq = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    // One copy per sampled row of C, not one per element.
    const auto* c_bytes = static_cast<const unsigned char*>(c);
    KEVOLVE_CUDA_RETURN_IF_ERROR(cudaMemcpy(c_row.data(),
                                            c_bytes + static_cast<size_t>(rows[i]) * n * c_elem,
                                            n * c_elem, cudaMemcpyDeviceToHost));
    for (size_t j = 0; j < cols.size(); ++j) {
      double acc = 0;
      for (size_t e = 0; e < k; ++e) acc += a_rows[i][e] * b_cols[j][e];
      const size_t col = static_cast<size_t>(cols[j]);
      double value = 0;
      if (c_fp32) {
        float f;
        std::memcpy(&f, c_row.data() + col * 4, sizeof(f));
        value = f;
      } else {
        uint16_t bits;
        std::memcpy(&bits, c_row.data() + col * 2, sizeof(bits));
        value = Bf16ToDouble(bits);
      }
      ref[i * cols.size() + j] = acc;
      got[i * cols.size() + j] = value;
      sum_sq += acc * acc;
    }
  }
  SampledCheck out;
  out.samples = static_cast<int64_t>(ref.size());
  const double rms = std::sqrt(sum_sq / static_cast<double>(ref.size()));
  for (size_t idx = 0; idx < ref.size(); ++idx) {
    const double d = std::fabs(got[idx] - ref[idx]);
    const bool ok = std::isfinite(got[idx]) && d <= kRelTol * std::fabs(ref[idx]) +
                                                        abs_of_rms * rms;
    out.max_rel_err = std::max(out.max_rel_err,
                               std::isfinite(got[idx]) ? d / (std::fabs(ref[idx]) + rms)
                                                       : INFINITY);
    if (!ok) {
      if (out.bad == 0) {
        out.first_bad = "C[" + std::to_string(rows[idx / cols.size()]) + "," +
                        std::to_string(cols[idx % cols.size()]) + "]=" +
                        std::to_string(got[idx]) + ", float64 reference " +
                        std::to_string(ref[idx]);
      }
      ++out.bad;
    }
  }
  return out;
}

}  // namespace kevolve::gemm::bench
