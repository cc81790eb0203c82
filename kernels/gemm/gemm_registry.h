// The table the generator fills (kernels/gemm/generated/gemm_registry.cc): which kernels this
// build compiles and the sweep menu. Read through MakeGemmOperation / GemmMenu, not directly.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "gemm/gemm_operation.h"

namespace kevolve::gemm::generated {

struct KernelEntry {
  const char* key;  // KernelKey() of the configs this kernel serves
  std::unique_ptr<GemmOperation> (*make)(const GemmConfig& config);
};

// Kernels compiled into this build (the CI subset, or all with KEVOLVE_GEMM_FULL).
const std::vector<KernelEntry>& Kernels();

// The whole sweep menu as canonical config strings, whatever this build compiles.
const std::vector<std::string>& MenuConfigs();

}  // namespace kevolve::gemm::generated
