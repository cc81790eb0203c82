// The kernel evaluation kit: what a kernel task's harness implements (docs/kernels.md).
//
// A task brings three things: the candidate (`program.cu`, evolved), a harness (`harness.cu`,
// fixed) and a shape suite. `kevolve-kernel build` compiles the candidate, the harness and the
// kit's runtime into one program; that program, run on a GPU, checks the candidate against the
// harness's reference on every shape of the suite and times it, then prints the protocol-1
// answer. The harness only describes the problem:
//
//   struct RmsNorm : kevolve::kit::Problem {
//     std::vector<TensorSpec> Tensors(const Shape& s) const override { ... }   // x, w, y
//     double MinBytes(const Shape& s) const override { ... }                  // speed of light
//     cudaError_t Reference(...) const override { ... }   // trusted, fp32 out
//     cudaError_t Launch(...) const override { ... }      // calls the candidate
//   };
//   KEVOLVE_KIT_PROBLEM(RmsNorm)
//
// Everything else is the kit's and the same for every task: fresh random inputs from a hidden
// seed each run, outputs poisoned before each launch, inputs checksummed, guard bytes around
// every tensor, a re-check at the same addresses and at new ones, held-out shapes, the output
// checked again after the timed launches, the host clock against the events, the speed-of-light
// bound, host threads counted, NaN/Inf refused (docs/kernels.md lists each defence and the
// cheat it catches). This header is the whole interface: plain CUDA runtime and the standard
// library, nothing of kevolve's.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace kevolve::kit {

enum class DType { kBF16, kF16, kF32, kI32 };

// One shape of the suite: a line `NAME key=value ... [split=train|heldout]` of the shape file.
struct Shape {
  std::string name;
  std::map<std::string, int64_t> params;
  bool held_out = false;
  // The parameter `key`; a harness asking for a key the line lacks is a bad suite: the run
  // stops with a message naming the shape and the key.
  int64_t Get(const std::string& key) const;
  // The parameter `key`, or `fallback` when the line does not set it.
  int64_t GetOr(const std::string& key, int64_t fallback) const;
};

// A tensor the kit allocates (with guard bytes on both sides) for one shape.
struct TensorSpec {
  std::string name;
  DType dtype = DType::kF32;
  int64_t count = 0;    // elements
  bool output = false;  // written by the kernel: poisoned before each launch, compared after
  // Inputs: uniform random values in [fill_lo, fill_hi], fresh each check (I32: integers).
  double fill_lo = -1.0, fill_hi = 1.0;
};

// A tensor on the device, in the order Tensors() listed them.
struct Tensor {
  void* data = nullptr;
  DType dtype = DType::kF32;
  int64_t count = 0;
  template <typename T>
  T* As() const {
    return static_cast<T*>(data);
  }
};

class Problem {
 public:
  virtual ~Problem() = default;

  virtual std::vector<TensorSpec> Tensors(const Shape& s) const = 0;

  // The fewest bytes a kernel for `s` must move between the GPU's memory and its SMs: the
  // speed-of-light time is MinBytes / (the copy bandwidth measured in the same run).
  virtual double MinBytes(const Shape& s) const = 0;

  // The fewest floating-point operations a kernel for `s` must do (a GEMM's 2 M N K), for a
  // problem that can be compute bound; 0 (the default) for one that is only memory bound. With
  // FlopRate, the speed-of-light time becomes the larger of the memory time and MinFlops over
  // that rate.
  virtual double MinFlops(const Shape& /*s*/) const { return 0; }

  // The highest rate, in FLOP/s, this GPU reaches on the problem's arithmetic, measured now on
  // `stream` (for a GEMM: a large cuBLAS GEMM of the same types). Called once per run, before
  // any candidate launch; 0 (the default) means no compute bound.
  virtual double FlopRate(cudaStream_t /*stream*/) const { return 0; }

  // Called after the kit fills a check's inputs with uniform random values and before its
  // reference: a problem may give the inputs structure a uniform fill lacks (the decode-attention
  // task makes chosen keys dominate their heads' softmax, so a kernel that skips any one key
  // fails). `seed` differs for every check; the inputs of the last check are the timed ones.
  // May use `stream` only. The default leaves the inputs as filled.
  virtual cudaError_t AdjustInputs(const Shape& /*s*/, const std::vector<Tensor>& /*tensors*/,
                                   uint64_t /*seed*/, cudaStream_t /*stream*/) const {
    return cudaSuccess;
  }

  // The trusted reference: for each output tensor in order, writes `count` fp32 values into
  // `reference[i]` (device memory the kit owns). May use `stream` only.
  virtual cudaError_t Reference(const Shape& s, const std::vector<Tensor>& tensors,
                                const std::vector<float*>& reference, cudaStream_t stream) const = 0;

  // Runs the candidate on `stream`: the kernel the run evolves.
  virtual cudaError_t Launch(const Shape& s, const std::vector<Tensor>& tensors,
                             cudaStream_t stream) const = 0;

  // The kernel the candidate is compared with (the seed, typically), timed alternately with it
  // on the same inputs. Without one, the score is the fraction of the speed of light.
  virtual bool HasBaseline() const { return false; }
  virtual cudaError_t LaunchBaseline(const Shape& /*s*/, const std::vector<Tensor>& /*t*/,
                                     cudaStream_t /*stream*/) const {
    return cudaErrorNotSupported;
  }

  // An output value passes when |out - ref| <= atol + rtol * |ref|.
  virtual double Atol() const { return 1e-2; }
  virtual double Rtol() const { return 1e-2; }
};

// Registers the harness's problem: exactly one per harness.
void RegisterProblem(std::unique_ptr<Problem> problem);
struct ProblemRegistration {
  explicit ProblemRegistration(std::unique_ptr<Problem> p) { RegisterProblem(std::move(p)); }
};

}  // namespace kevolve::kit

#define KEVOLVE_KIT_PROBLEM(Type)                                      \
  static ::kevolve::kit::ProblemRegistration kevolve_kit_registration_{ \
      std::unique_ptr<::kevolve::kit::Problem>(new Type())};
