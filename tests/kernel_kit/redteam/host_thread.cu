// Does the work, and leaves a host thread behind (a thread that could do work later, out of
// sight of the events).
#include <chrono>
#include <thread>
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include "rmsnorm.h"

namespace honest {
#include "initial_program.cu"
}  // namespace honest

cudaError_t RmsNorm(const RmsNormArgs& a, cudaStream_t stream) {
  static bool started = false;
  if (!started) {
    started = true;
    std::thread([] { std::this_thread::sleep_for(std::chrono::hours(1)); }).detach();
  }
  return honest::RmsNorm(a, stream);
}
