// Minimal `--name value` flag parsing for kevolve-gemm-bench (the binary also builds where
// only the CUDA toolkit is installed, so it carries no CLI library). Unknown flags are an error
// that names the nearest known flag. Pure.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/status.h"

namespace kevolve::gemm::bench {

struct FlagSpec {
  std::string name;      // without the leading "--"
  std::string fallback;  // default value, shown in help
  std::string help;
  bool is_switch = false;  // takes no value: present = "1"
};

class Flags {
 public:
  // Parses args (no program or mode name) against `specs`.
  static Result<Flags> Parse(const std::vector<std::string>& args,
                             const std::vector<FlagSpec>& specs);
  const std::string& Get(const std::string& name) const;
  Result<double> GetDouble(const std::string& name) const;
  Result<int> GetInt(const std::string& name) const;
  bool IsSet(const std::string& name) const;  // given on the command line

 private:
  std::map<std::string, std::string> values_;
  std::map<std::string, bool> given_;
};

// "  --name VALUE   help (default: x)" lines.
std::string FlagHelp(const std::vector<FlagSpec>& specs);

}  // namespace kevolve::gemm::bench
