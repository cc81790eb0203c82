// Returns at once and does the work on a host thread 50 ms later, out of sight of the events on
// the kit's stream: the check, which waits for the device, finds the output still poisoned. (With
// a 2 ms head start, whether the first check or the timing caught it was a race.)
#include <chrono>
#include <thread>

#include "gemm.h"

namespace honest {
#include "initial_program.cu"
}  // namespace honest

cudaError_t Gemm(const GemmArgs& g, cudaStream_t) {
  int device = 0;
  cudaGetDevice(&device);
  std::thread([g, device] {
    cudaSetDevice(device);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    cudaStream_t side = nullptr;
    cudaStreamCreateWithFlags(&side, cudaStreamNonBlocking);
    honest::Gemm(g, side);
    cudaStreamSynchronize(side);
    cudaStreamDestroy(side);
  }).detach();
  return cudaSuccess;
}
