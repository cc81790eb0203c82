#include "core/program.h"

namespace kevolve {

namespace {
constexpr struct {
  Failure failure;
  const char* name;
} kFailureNames[] = {
    {Failure::kNone, "none"},
    {Failure::kInvalid, "invalid"},
    {Failure::kTimeout, "timeout"},
    {Failure::kCrash, "crash"},
    {Failure::kExitCode, "exit_code"},
    {Failure::kBadOutput, "bad_output"},
    {Failure::kOutputLimit, "output_limit"},
    {Failure::kStageThreshold, "stage_threshold"},
    {Failure::kEditRejected, "edit_rejected"},
    {Failure::kSandbox, "sandbox"},
};
}  // namespace

const char* FailureName(Failure f) {
  for (const auto& e : kFailureNames) {
    if (e.failure == f) return e.name;
  }
  return "invalid";
}

Failure FailureFromName(const std::string& name) {
  for (const auto& e : kFailureNames) {
    if (name == e.name) return e.failure;
  }
  return Failure::kInvalid;
}

}  // namespace kevolve
