// The floor under a timed decode-attention launch: what CUDA events read around launches that do
// (almost) nothing, measured as the kernel kit measures (an L2 flush by a memset of twice the L2,
// then events around the launches). Small decode shapes move 1-17 MB, a few microseconds at the
// copy bandwidth, so this floor decides how close to it any kernel can get.
//
//   nvcc -O2 -gencode=arch=compute_90a,code=sm_90a bench/gpu/launch_floor.cu -o /tmp/launch_floor
//   /tmp/launch_floor
//
// Prints one line per pattern: the median and p10-p90 of 200 timed repetitions, in microseconds.
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <vector>

namespace {

void Check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) {
    std::fprintf(stderr, "launch_floor: %s: %s\n", what, cudaGetErrorString(e));
    std::exit(1);
  }
}

__global__ void Empty(int* sink) {
  if (sink != nullptr && threadIdx.x == 1024) *sink = 1;  // never: keeps the kernel a kernel
}

// Reads `bytes` with `blocks` CTAs, one 16-byte load per thread per step: a memory-latency probe.
__global__ void Read(const int4* p, size_t n, int* sink) {
  int acc = 0;
  for (size_t i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
    acc ^= p[i].x;
  }
  if (acc == 0x7fffffff) *sink = acc;
}

__global__ void PdlSecondary(int* sink) {
  asm volatile("griddepcontrol.wait;\n" ::: "memory");
  if (sink != nullptr && threadIdx.x == 1024) *sink = 2;
}

}  // namespace

int main() {
  cudaDeviceProp props;
  Check(cudaGetDeviceProperties(&props, 0), "properties");
  cudaStream_t stream;
  Check(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), "stream");
  const size_t flush_bytes = 2 * static_cast<size_t>(props.l2CacheSize);
  void* flush = nullptr;
  Check(cudaMalloc(&flush, flush_bytes), "flush buffer");
  int* small = nullptr;
  Check(cudaMalloc(&small, 4096), "small buffer");
  const size_t read_bytes = size_t{16} << 20;
  int4* data = nullptr;
  Check(cudaMalloc(&data, read_bytes), "read buffer");
  Check(cudaMemset(data, 1, read_bytes), "fill");
  cudaEvent_t e0, e1;
  Check(cudaEventCreate(&e0), "event");
  Check(cudaEventCreate(&e1), "event");

  auto pdl = [&] {
    cudaLaunchAttribute early;
    early.id = cudaLaunchAttributeProgrammaticStreamSerialization;
    early.val.programmaticStreamSerializationAllowed = 1;
    cudaLaunchConfig_t config = {};
    config.gridDim = dim3(64);
    config.blockDim = dim3(128);
    config.stream = stream;
    config.attrs = &early;
    config.numAttrs = 1;
    Check(cudaLaunchKernelEx(&config, PdlSecondary, static_cast<int*>(nullptr)), "pdl launch");
  };
  const struct {
    const char* name;
    std::function<void()> launch;
  } patterns[] = {
      {"nothing between the events", [] {}},
      {"one empty kernel (132 CTAs)", [&] { Empty<<<132, 128, 0, stream>>>(nullptr); }},
      {"two empty kernels", [&] {
         Empty<<<132, 128, 0, stream>>>(nullptr);
         Empty<<<64, 128, 0, stream>>>(nullptr);
       }},
      {"memset 4 KB + empty kernel", [&] {
         Check(cudaMemsetAsync(small, 0, 4096, stream), "memset");
         Empty<<<132, 128, 0, stream>>>(nullptr);
       }},
      {"empty kernel + PDL empty kernel", [&] {
         Empty<<<132, 128, 0, stream>>>(nullptr);
         pdl();
       }},
      {"read 1 MB, 64 CTAs", [&] { Read<<<64, 256, 0, stream>>>(data, (1 << 20) / 16, small); }},
      {"read 1 MB, 256 CTAs", [&] { Read<<<256, 256, 0, stream>>>(data, (1 << 20) / 16, small); }},
      {"read 8 MB, 264 CTAs", [&] { Read<<<264, 256, 0, stream>>>(data, (8 << 20) / 16, small); }},
      {"read 16 MB, 528 CTAs", [&] { Read<<<528, 256, 0, stream>>>(data, (16 << 20) / 16, small); }},
  };
  for (const auto& pattern : patterns) {
    std::vector<double> us;
    for (int i = 0; i < 220; ++i) {
      Check(cudaMemsetAsync(flush, 0x5A, flush_bytes, stream), "flush");
      Check(cudaEventRecord(e0, stream), "event");
      pattern.launch();
      Check(cudaEventRecord(e1, stream), "event");
      Check(cudaEventSynchronize(e1), "sync");
      float ms = 0;
      Check(cudaEventElapsedTime(&ms, e0, e1), "elapsed");
      if (i >= 20) us.push_back(ms * 1e3);  // the first 20 warm up
    }
    std::sort(us.begin(), us.end());
    std::printf("%-36s median %6.2f us  p10-p90 %6.2f-%6.2f\n", pattern.name, us[us.size() / 2],
                us[us.size() / 10], us[us.size() * 9 / 10]);
  }
  return 0;
}
