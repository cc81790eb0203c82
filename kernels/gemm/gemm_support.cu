#include "gemm/gemm_support.h"

#include <cudaTypedefs.h>

#include <array>
#include <string>

#include "gemm/gemm_device_common.cuh"

namespace kevolve::gemm {
namespace {

constexpr int kMaxDevices = 64;

bool Aligned(const void* p, uintptr_t bytes) {
  return (reinterpret_cast<uintptr_t>(p) % bytes) == 0;
}

Result<PFN_cuTensorMapEncodeTiled_v12000> EncodeTiledFunction() {
  static std::once_flag once;
  static PFN_cuTensorMapEncodeTiled_v12000 fn = nullptr;
  static Status status;
  std::call_once(once, [] {
    void* ptr = nullptr;
    cudaDriverEntryPointQueryResult query = cudaDriverEntryPointSymbolNotFound;
    status = KEVOLVE_CUDA_STATUS(cudaGetDriverEntryPointByVersion(
        "cuTensorMapEncodeTiled", &ptr, 12000, cudaEnableDefault, &query));
    if (status.ok() && (query != cudaDriverEntryPointSuccess || ptr == nullptr)) {
      status = Status::FailedPrecondition("the driver has no cuTensorMapEncodeTiled (CUDA 12+)");
    }
    fn = reinterpret_cast<PFN_cuTensorMapEncodeTiled_v12000>(ptr);
  });
  if (!status.ok()) return status;
  return fn;
}

__global__ void SplitKReduceKernel(const float* __restrict__ ws, int split_k, int64_t mn,
                                   device::bf16* __restrict__ c) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < mn;
       i += stride) {
    float sum = 0.0f;
    for (int s = 0; s < split_k; ++s) sum += ws[s * mn + i];
    c[i] = __float2bfloat16_rn(sum);
  }
}

// Four outputs per thread; REQUIRES mn % 4 == 0 and C 8-byte aligned.
__global__ void SplitKReduceKernelVec4(const float* __restrict__ ws, int split_k, int64_t mn,
                                       device::bf16* __restrict__ c) {
  const int64_t n4 = mn / 4;
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n4;
       i += stride) {
    float4 sum = make_float4(0.f, 0.f, 0.f, 0.f);
    for (int s = 0; s < split_k; ++s) {
      const float4 v = reinterpret_cast<const float4*>(ws + s * mn)[i];
      sum.x += v.x;
      sum.y += v.y;
      sum.z += v.z;
      sum.w += v.w;
    }
    __nv_bfloat162 lo = __floats2bfloat162_rn(sum.x, sum.y);
    __nv_bfloat162 hi = __floats2bfloat162_rn(sum.z, sum.w);
    uint2 packed;
    packed.x = *reinterpret_cast<uint32_t*>(&lo);
    packed.y = *reinterpret_cast<uint32_t*>(&hi);
    reinterpret_cast<uint2*>(c)[i] = packed;
  }
}

}  // namespace

size_t GemmOperation::WorkspaceBytes(const GemmShape& shape) const {
  if (config_.split_k <= 1) return 0;
  return static_cast<size_t>(config_.split_k) * static_cast<size_t>(shape.m) *
         static_cast<size_t>(shape.n) * sizeof(float);
}

Status GemmOperation::Run(const GemmArgs& args, cudaStream_t stream) {
  KEVOLVE_RETURN_IF_ERROR(Initialize(args));
  return Launch(stream);
}

Status CheckShapeBasics(const GemmShape& s) {
  constexpr int64_t kLimit = int64_t{1} << 31;
  if (s.m < 1 || s.n < 1 || s.k < 1) {
    return Status::InvalidArgument("M, N and K must be at least 1, got " + ToString(s));
  }
  if (s.m >= kLimit || s.n >= kLimit || s.k >= kLimit) {
    return Status::InvalidArgument("M, N and K must be below 2^31, got " + ToString(s));
  }
  return Status::Ok();
}

Status CheckArgsCommon(const GemmOperation& op, const GemmArgs& args, bool needs_16b_operands) {
  KEVOLVE_RETURN_IF_ERROR(op.CanImplement(args.shape));
  if (args.a == nullptr || args.b == nullptr || args.c == nullptr) {
    return Status::InvalidArgument("A, B and C must be device pointers, not null");
  }
  if (needs_16b_operands && (!Aligned(args.a, 16) || !Aligned(args.b, 16))) {
    return Status::InvalidArgument(std::string(AlgoName(op.config().algo)) +
                                   " needs 16-byte aligned A and B");
  }
  if (!Aligned(args.c, 4)) return Status::InvalidArgument("C must be 4-byte aligned");
  const size_t need = op.WorkspaceBytes(args.shape);
  if (need > 0 && (args.workspace == nullptr || args.workspace_bytes < need ||
                   !Aligned(args.workspace, 16))) {
    return Status::InvalidArgument("split_k " + std::to_string(op.config().split_k) + " needs " +
                                   std::to_string(need) +
                                   " bytes of 16-byte aligned workspace, got " +
                                   std::to_string(args.workspace_bytes));
  }
  return Status::Ok();
}

Status RequireSm90a() {
  int dev = 0;
  KEVOLVE_CUDA_RETURN_IF_ERROR(cudaGetDevice(&dev));
  int major = 0;
  int minor = 0;
  KEVOLVE_CUDA_RETURN_IF_ERROR(
      cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, dev));
  KEVOLVE_CUDA_RETURN_IF_ERROR(
      cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, dev));
  if (major != 9 || minor != 0) {
    return Status::FailedPrecondition("wgmma_tma needs an sm_90 GPU (H100/H200), this one is sm_" +
                                      std::to_string(major) + std::to_string(minor));
  }
  return Status::Ok();
}

Result<int> CurrentDeviceSmCount() {
  static std::array<int, kMaxDevices> cache{};
  static std::mutex mu;
  int dev = 0;
  KEVOLVE_CUDA_RETURN_IF_ERROR(cudaGetDevice(&dev));
  std::lock_guard<std::mutex> lock(mu);
  if (dev < kMaxDevices && cache[static_cast<size_t>(dev)] > 0) {
    return cache[static_cast<size_t>(dev)];
  }
  int sms = 0;
  KEVOLVE_CUDA_RETURN_IF_ERROR(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev));
  if (dev < kMaxDevices) cache[static_cast<size_t>(dev)] = sms;
  return sms;
}

Status SetMaxDynamicSmem(const void* kernel, int bytes, std::once_flag& once, Status& status) {
  std::call_once(once, [&] {
    status = KEVOLVE_CUDA_STATUS(
        cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, bytes));
  });
  return status;
}

Result<int> MaxActiveClusters(const void* kernel, int threads, int smem_bytes, int cluster) {
  KEVOLVE_ASSIGN_OR_RETURN(const int sms, CurrentDeviceSmCount());
  if (cluster == 1) {
    int per_sm = 0;
    KEVOLVE_CUDA_RETURN_IF_ERROR(cudaOccupancyMaxActiveBlocksPerMultiprocessor(
        &per_sm, kernel, threads, static_cast<size_t>(smem_bytes)));
    if (per_sm < 1) return Status::Internal("kernel cannot be resident on an SM (occupancy 0)");
    return per_sm * sms;
  }
  cudaLaunchConfig_t cfg = {};
  cfg.gridDim = dim3(static_cast<unsigned>(sms / cluster * cluster), 1, 1);
  cfg.blockDim = dim3(static_cast<unsigned>(threads), 1, 1);
  cfg.dynamicSmemBytes = static_cast<size_t>(smem_bytes);
  cudaLaunchAttribute attr[1];
  attr[0].id = cudaLaunchAttributeClusterDimension;
  attr[0].val.clusterDim.x = static_cast<unsigned>(cluster);
  attr[0].val.clusterDim.y = 1;
  attr[0].val.clusterDim.z = 1;
  cfg.attrs = attr;
  cfg.numAttrs = 1;
  int clusters = 0;
  KEVOLVE_CUDA_RETURN_IF_ERROR(cudaOccupancyMaxActiveClusters(&clusters, kernel, &cfg));
  if (clusters < 1) return Status::Internal("no cluster of this kernel fits on the device");
  return clusters;
}

Result<CUtensorMap> MakeTensorMapBf16Sw128(const void* base, int64_t cols, int64_t rows,
                                            int box_rows) {
  if (cols % 8 != 0 || !Aligned(base, 16)) {
    return Status::InvalidArgument("TMA needs 16-byte aligned rows and base (cols % 8 == 0)");
  }
  KEVOLVE_ASSIGN_OR_RETURN(PFN_cuTensorMapEncodeTiled_v12000 encode, EncodeTiledFunction());
  CUtensorMap map;
  const cuuint64_t dims[2] = {static_cast<cuuint64_t>(cols), static_cast<cuuint64_t>(rows)};
  const cuuint64_t strides[1] = {static_cast<cuuint64_t>(cols) * 2};
  const cuuint32_t box[2] = {64, static_cast<cuuint32_t>(box_rows)};
  const cuuint32_t elem_strides[2] = {1, 1};
  const CUresult res = encode(&map, CU_TENSOR_MAP_DATA_TYPE_BFLOAT16, 2, const_cast<void*>(base),
                              dims, strides, box, elem_strides, CU_TENSOR_MAP_INTERLEAVE_NONE,
                              CU_TENSOR_MAP_SWIZZLE_128B, CU_TENSOR_MAP_L2_PROMOTION_L2_256B,
                              CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
  if (res != CUDA_SUCCESS) {
    return Status::Internal("cuTensorMapEncodeTiled failed with CUresult " + std::to_string(res) +
                            " for " + std::to_string(rows) + "x" + std::to_string(cols) +
                            " box 64x" + std::to_string(box_rows));
  }
  return map;
}

Status LaunchSplitKReduce(const float* workspace, int split_k, int64_t m, int64_t n, void* c,
                          cudaStream_t stream) {
  const int64_t mn = m * n;
  KEVOLVE_ASSIGN_OR_RETURN(const int sms, CurrentDeviceSmCount());
  constexpr int kThreads = 256;
  auto* out = static_cast<device::bf16*>(c);
  if (mn % 4 == 0 && Aligned(c, 8)) {
    const int64_t blocks = std::min<int64_t>((mn / 4 + kThreads - 1) / kThreads, sms * 8);
    SplitKReduceKernelVec4<<<static_cast<unsigned>(blocks), kThreads, 0, stream>>>(
        workspace, split_k, mn, out);
  } else {
    const int64_t blocks = std::min<int64_t>((mn + kThreads - 1) / kThreads, sms * 8);
    SplitKReduceKernel<<<static_cast<unsigned>(blocks), kThreads, 0, stream>>>(workspace, split_k,
                                                                              mn, out);
  }
  KEVOLVE_CUDA_RETURN_IF_ERROR(cudaGetLastError());
  return Status::Ok();
}

}  // namespace kevolve::gemm
