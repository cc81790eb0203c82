// The RMSNorm task's harness for the kernel kit (docs/kernels.md): the tensors of a shape, the
// speed of light, the fp32 reference and the two launches (the candidate, and the seed as the
// baseline it is timed against).
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <cmath>

#include "kevolve_kit.h"
#include "rmsnorm.h"

// The seed, compiled into a namespace of its own so that it links beside the candidate (its
// headers are included above, so its own #includes add nothing inside the namespace).
namespace baseline {
#include "initial_program.cu"
}  // namespace baseline

namespace {

using kevolve::kit::DType;
using kevolve::kit::Shape;
using kevolve::kit::Tensor;
using kevolve::kit::TensorSpec;

constexpr float kEps = 1e-6f;

// One CTA per row, fp32 throughout, the sum in a fixed order: slow and plainly right.
__global__ void ReferenceKernel(const __nv_bfloat16* x, const __nv_bfloat16* w, float* y,
                                int cols) {
  __shared__ float partial[256];
  const __nv_bfloat16* row = x + static_cast<size_t>(blockIdx.x) * cols;
  float sum = 0.0f;
  for (int c = threadIdx.x; c < cols; c += blockDim.x) {
    const float v = __bfloat162float(row[c]);
    sum += v * v;
  }
  partial[threadIdx.x] = sum;
  __syncthreads();
  for (int stride = blockDim.x / 2; stride > 0; stride /= 2) {
    if (threadIdx.x < stride) partial[threadIdx.x] += partial[threadIdx.x + stride];
    __syncthreads();
  }
  const float inv_rms = 1.0f / sqrtf(partial[0] / cols + kEps);
  for (int c = threadIdx.x; c < cols; c += blockDim.x) {
    y[static_cast<size_t>(blockIdx.x) * cols + c] =
        __bfloat162float(row[c]) * inv_rms * __bfloat162float(w[c]);
  }
}

RmsNormArgs Args(const Shape& s, const std::vector<Tensor>& t) {
  return RmsNormArgs{t[0].As<const __nv_bfloat16>(), t[1].As<const __nv_bfloat16>(),
                     t[2].As<__nv_bfloat16>(), static_cast<int>(s.Get("rows")),
                     static_cast<int>(s.Get("cols")), kEps};
}

struct RmsNormProblem : kevolve::kit::Problem {
  std::vector<TensorSpec> Tensors(const Shape& s) const override {
    const int64_t rows = s.Get("rows"), cols = s.Get("cols");
    return {
        {"x", DType::kBF16, rows * cols, false, -2.0, 2.0},
        {"weight", DType::kBF16, cols, false, 0.5, 1.5},
        {"y", DType::kBF16, rows * cols, true},
    };
  }
  double MinBytes(const Shape& s) const override {
    const double rows = static_cast<double>(s.Get("rows")), cols = static_cast<double>(s.Get("cols"));
    return 2.0 * (2.0 * rows * cols + cols);  // x read, y written, w read once (bf16)
  }
  cudaError_t Reference(const Shape& s, const std::vector<Tensor>& t,
                        const std::vector<float*>& ref, cudaStream_t stream) const override {
    ReferenceKernel<<<static_cast<unsigned>(s.Get("rows")), 256, 0, stream>>>(
        t[0].As<const __nv_bfloat16>(), t[1].As<const __nv_bfloat16>(), ref[0],
        static_cast<int>(s.Get("cols")));
    return cudaGetLastError();
  }
  cudaError_t Launch(const Shape& s, const std::vector<Tensor>& t,
                     cudaStream_t stream) const override {
    return RmsNorm(Args(s, t), stream);
  }
  bool HasBaseline() const override { return true; }
  cudaError_t LaunchBaseline(const Shape& s, const std::vector<Tensor>& t,
                             cudaStream_t stream) const override {
    return baseline::RmsNorm(Args(s, t), stream);
  }
  // bf16 output: a correctly rounded result is within 2^-8 relative of the fp32 value; the
  // rest covers a different order of the fp32 sum. |y| is at most ~5 here (x in [-2, 2],
  // w in [0.5, 1.5]).
  double Atol() const override { return 1e-2; }
  double Rtol() const override { return 1e-2; }
};

}  // namespace

KEVOLVE_KIT_PROBLEM(RmsNormProblem)
