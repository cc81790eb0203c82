#include "gemm/gemm_registry.h"

#include "gemm/gemm_operation.h"

namespace kevolve::gemm {

Result<std::unique_ptr<GemmOperation>> MakeGemmOperation(const GemmConfig& config) {
  KEVOLVE_RETURN_IF_ERROR(ValidateConfig(config));
  const std::string key = KernelKey(config);
  for (const generated::KernelEntry& entry : generated::Kernels()) {
    if (key == entry.key) return entry.make(config);
  }
  return Status::NotFound("no kernel '" + key + "' in this build (configure with " +
                          "-DKEVOLVE_GEMM_FULL=ON for the whole menu)");
}

const std::vector<GemmConfig>& GemmMenu() {
  static const std::vector<GemmConfig> menu = [] {
    std::vector<GemmConfig> out;
    const std::vector<std::string> keys = CompiledKernelKeys();
    for (const std::string& text : generated::MenuConfigs()) {
      Result<GemmConfig> config = ParseGemmConfig(text);
      if (!config.ok()) continue;  // the generator checks the menu; tests check it parses
      for (const std::string& key : keys) {
        if (key == KernelKey(*config)) {
          out.push_back(*config);
          break;
        }
      }
    }
    return out;
  }();
  return menu;
}

std::vector<std::string> CompiledKernelKeys() {
  std::vector<std::string> keys;
  for (const generated::KernelEntry& entry : generated::Kernels()) keys.emplace_back(entry.key);
  return keys;
}

}  // namespace kevolve::gemm
