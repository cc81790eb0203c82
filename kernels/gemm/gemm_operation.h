// GemmOperation: the launcher layer of the bf16 GEMM family.
//
// One GemmOperation is one config (a compiled kernel plus its launch-time choices). The host
// code asks it, in order: CanImplement(shape) (pure shape/alignment rules, no GPU needed),
// WorkspaceBytes(shape), then Initialize(args) (binds buffers: builds TMA descriptors, grid,
// shared-memory limits) and Launch(stream) as often as it likes. Run() does the last two.
//
// Every Status names what is wrong: InvalidArgument for a shape or buffer the kernel refuses
// (with the reason, e.g. "K % 8 != 0: rows are not 16-byte aligned for TMA"), NotFound for a
// config whose kernel is not compiled into this build, Internal for a failed CUDA call (with
// the expression, file and line).
//
// Ownership: the operation never owns the buffers in GemmArgs. Thread safety: an operation is
// not safe to Initialize from two threads; distinct operations are independent.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <cuda_runtime_api.h>

#include "core/status.h"
#include "gemm/gemm_config.h"
#include "gemm/gemm_shape.h"

namespace kevolve::gemm {

struct GemmArgs {
  GemmShape shape;
  const void* a = nullptr;  // bf16 [M,K] row-major
  const void* b = nullptr;  // bf16 [N,K] or [K,N] row-major, per shape.b_layout
  void* c = nullptr;        // bf16 [M,N] row-major, written entirely
  void* workspace = nullptr;  // device memory of at least WorkspaceBytes(shape) bytes
  size_t workspace_bytes = 0;
};

class GemmOperation {
 public:
  explicit GemmOperation(const GemmConfig& config) : config_(config) {}
  virtual ~GemmOperation() = default;
  GemmOperation(const GemmOperation&) = delete;
  GemmOperation& operator=(const GemmOperation&) = delete;

  const GemmConfig& config() const { return config_; }

  // OK when this config computes `shape` correctly; otherwise InvalidArgument with the reason.
  // Pure: needs no device.
  virtual Status CanImplement(const GemmShape& shape) const = 0;

  // fp32 partial sums for split-K (split_k * M * N * 4 bytes), 0 when split_k == 1.
  size_t WorkspaceBytes(const GemmShape& shape) const;

  // Checks CanImplement, pointer alignment and workspace size, then prepares the launch.
  virtual Status Initialize(const GemmArgs& args) = 0;

  // Enqueues the GEMM (and the split-K reduction) on `stream` and checks the launch.
  // REQUIRES: Initialize() returned OK and the buffers are still alive.
  virtual Status Launch(cudaStream_t stream) = 0;

  Status Run(const GemmArgs& args, cudaStream_t stream);

  // Launch geometry after Initialize (grid, block, shared memory), for logs; "" if none.
  virtual std::string Describe() const { return ""; }

 private:
  GemmConfig config_;
};

// The operation for `config`. NotFound when its kernel (KernelKey) is not compiled into this
// build (CI builds a subset; KEVOLVE_GEMM_FULL=ON builds the whole menu); InvalidArgument when
// the config itself is malformed or its runtime fields do not fit its kernel.
Result<std::unique_ptr<GemmOperation>> MakeGemmOperation(const GemmConfig& config);

// Every config of the sweep menu whose kernel is compiled into this build, in menu order.
const std::vector<GemmConfig>& GemmMenu();

// Kernel keys compiled into this build.
std::vector<std::string> CompiledKernelKeys();

}  // namespace kevolve::gemm
