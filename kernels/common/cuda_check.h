// The one checking macro for CUDA runtime calls: a failed call becomes an Internal Status that
// names the expression, the CUDA error and the file:line, so no error passes unseen.
#pragma once

#include <string>

#include <cuda_runtime_api.h>

#include "core/status.h"

namespace kevolve::cuda {

inline Status CudaStatus(cudaError_t err, const char* expr, const char* file, int line) {
  if (err == cudaSuccess) return Status::Ok();
  return Status::Internal(std::string(expr) + " failed: " + cudaGetErrorName(err) + " (" +
                          cudaGetErrorString(err) + ") at " + file + ":" + std::to_string(line));
}

}  // namespace kevolve::cuda

#define KEVOLVE_CUDA_STATUS(expr) ::kevolve::cuda::CudaStatus((expr), #expr, __FILE__, __LINE__)

// Returns an Internal Status from the enclosing function when the CUDA call fails.
#define KEVOLVE_CUDA_RETURN_IF_ERROR(expr) KEVOLVE_RETURN_IF_ERROR(KEVOLVE_CUDA_STATUS(expr))
