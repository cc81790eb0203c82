// The kit runtime: main() of the program `kevolve-kernel build` links from a candidate and a
// task's harness. Run on a GPU, it checks the candidate on every shape of the suite, times it
// beside the baseline, and prints one protocol-1 answer (docs/protocol.md) on stdout.
//
//   bench --shapes FILE [--repeats N] [--seed S] [--sync-timeout-s T] [--check-only]
//
// The order of work, and the cheat each step is there for (docs/kernels.md, "The gate"):
//   1. every shape, train and held-out: fresh random inputs from a hidden seed, outputs and the
//      guard bytes around every tensor poisoned, the candidate run, then the device waited for
//      as a whole: inputs unchanged (checksums), guards intact, outputs within tolerance, no
//      NaN/Inf. Again with other fresh inputs at the same addresses (a cache keyed by pointer
//      returns a stale answer), and again at new addresses.
//   2. every shape: warm-up, then `repeats` rounds that time the candidate and the baseline
//      alternately (each launch after an L2 flush, CUDA events around it), the output poisoned
//      before and checked after (work done only when checked), a host-clock cross-check (work
//      on another stream or a host thread), and the speed-of-light bound.
//   3. host threads counted before the first candidate launch and at the end.
// Exit 0 with the answer, valid or not; exit 2 for bad usage or a bad suite, 3 when the harness
// or the GPU failed outside the candidate (the answer still says why).
#include <cuda_runtime.h>
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "kevolve_kit.h"
#include "kit_device.cuh"

namespace kevolve::kit {
namespace {

constexpr size_t kGuardBytes = 4096;
constexpr unsigned char kGuardByte = 0xA5;
constexpr unsigned char kPoisonByte = 0xFF;  // NaN in bf16, f16 and f32; -1 in i32

std::unique_ptr<Problem>& TheProblem() {
  static std::unique_ptr<Problem> problem;
  return problem;
}

// ---- the answer -------------------------------------------------------------------------------

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (const unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.6g", v);
  return buf;
}

// An ordered JSON object of numbers or strings; non-finite numbers are left out (JSON has none).
struct JsonObject {
  std::vector<std::pair<std::string, std::string>> fields;
  void Number(const std::string& key, double v) {
    if (std::isfinite(v)) fields.emplace_back(key, Num(v));
  }
  void Text(const std::string& key, const std::string& v) { fields.emplace_back(key, JsonString(v)); }
  std::string Render() const {
    std::string out = "{";
    for (size_t i = 0; i < fields.size(); ++i) {
      out += (i ? ", " : "") + JsonString(fields[i].first) + ": " + fields[i].second;
    }
    return out + "}";
  }
};

struct Answer {
  JsonObject metrics, hidden, features, artifacts;
  std::vector<double> samples;
};

// Where the answer goes: a pipe to the supervising parent (RunSupervised), which alone writes
// to the real stdout. What anything else prints to stdout (the candidate's host code, say) goes
// to stderr and cannot be mistaken for the answer.
int g_answer_fd = 1;

[[noreturn]] void Finish(Answer& a, bool valid, double score, const std::string& feedback,
                         int exit_code) {
  if (!valid) a.artifacts.Text("feedback", feedback);
  std::string out = std::string("{\"protocol\": 1, \"valid\": ") + (valid ? "true" : "false");
  if (valid) {
    out += ", \"combined_score\": " + Num(score);
    if (!a.samples.empty()) {
      out += ", \"score_samples\": [";
      for (size_t i = 0; i < a.samples.size(); ++i) out += (i ? ", " : "") + Num(a.samples[i]);
      out += "]";
    }
  }
  out += ", \"metrics\": " + a.metrics.Render() + ", \"features\": " + a.features.Render() +
         ", \"hidden_metrics\": " + a.hidden.Render() + ", \"artifacts\": " + a.artifacts.Render() +
         "}\n";
  std::fflush(stdout);
  for (size_t done = 0; done < out.size();) {
    const ssize_t n = write(g_answer_fd, out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  std::fflush(stderr);
  // No CUDA teardown: after a hung or faulted kernel it can block; the driver cleans up.
  std::_Exit(exit_code);
}

Answer& TheAnswer() {
  static Answer answer;
  return answer;
}

[[noreturn]] void Reject(const std::string& why) { Finish(TheAnswer(), false, 0, why, 0); }
[[noreturn]] void HarnessFailure(const std::string& why) {
  std::fprintf(stderr, "kevolve-kit: %s\n", why.c_str());
  Finish(TheAnswer(), false, 0, "harness or GPU failure (not the candidate's): " + why, 3);
}
[[noreturn]] void UsageFailure(const std::string& why) {
  std::fprintf(stderr, "kevolve-kit: %s\n", why.c_str());
  Finish(TheAnswer(), false, 0, why, 2);
}

// ---- the suite --------------------------------------------------------------------------------

std::vector<Shape> LoadSuite(const std::string& path) {
  std::ifstream in(path);
  if (!in) UsageFailure("cannot read the shape suite " + path);
  std::vector<Shape> shapes;
  std::string line;
  for (int line_no = 1; std::getline(in, line); ++line_no) {
    if (const size_t hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    std::istringstream words(line);
    Shape s;
    if (!(words >> s.name)) continue;
    const std::string where = path + ":" + std::to_string(line_no) + ": ";
    for (std::string word; words >> word;) {
      const size_t eq = word.find('=');
      if (eq == std::string::npos || eq == 0) UsageFailure(where + "expected key=value, got " + word);
      const std::string key = word.substr(0, eq), value = word.substr(eq + 1);
      if (key == "split") {
        if (value != "train" && value != "heldout") {
          UsageFailure(where + "split must be train or heldout, got " + value);
        }
        s.held_out = value == "heldout";
        continue;
      }
      char* end = nullptr;
      errno = 0;
      const long long v = std::strtoll(value.c_str(), &end, 10);
      if (errno != 0 || end == value.c_str() || *end != '\0') {
        UsageFailure(where + key + "=" + value + " is not an integer");
      }
      s.params[key] = v;
    }
    shapes.push_back(std::move(s));
  }
  if (std::none_of(shapes.begin(), shapes.end(), [](const Shape& s) { return !s.held_out; })) {
    UsageFailure("the shape suite " + path + " has no train shape (split=train, the default)");
  }
  return shapes;
}

// ---- device helpers ---------------------------------------------------------------------------

std::string CudaText(cudaError_t e) {
  return std::string(cudaGetErrorName(e)) + " (" + cudaGetErrorString(e) + ")";
}

// The child's heartbeat to the supervising parent (RunSupervised): a byte on this pipe, at most
// every 100 ms, whenever the main thread gets past a CUDA call or a poll of the device. A child
// that falls silent longer than the sync timeout and a margin is stuck inside a call that does
// not return (a hung kernel can block more than the polls of WaitForDevice), and the parent
// answers for it.
int g_progress_fd = -1;

void Tick() {
  if (g_progress_fd < 0) return;
  static std::chrono::steady_clock::time_point last;
  const auto now = std::chrono::steady_clock::now();
  if (now - last < std::chrono::milliseconds(100)) return;
  last = now;
  const char beat = 0;
  (void)!write(g_progress_fd, &beat, 1);  // non-blocking: a full pipe drops a beat, no harm
}

void Must(cudaError_t e, const char* what) {
  if (e != cudaSuccess) HarnessFailure(std::string(what) + ": " + CudaText(e));
  Tick();
}

double g_sync_timeout_s = 10;

// Waits for everything queued on the device, at most g_sync_timeout_s; "" or why not.
std::string WaitForDevice(cudaStream_t stream) {
  cudaEvent_t done;
  if (cudaEventCreateWithFlags(&done, cudaEventDisableTiming) != cudaSuccess ||
      cudaEventRecord(done, stream) != cudaSuccess) {
    return "the device failed: " + CudaText(cudaGetLastError());
  }
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration<double>(g_sync_timeout_s);
  for (;;) {
    const cudaError_t e = cudaEventQuery(done);
    if (e == cudaSuccess) break;
    if (e != cudaErrorNotReady) return CudaText(e);
    if (std::chrono::steady_clock::now() > deadline) {
      return "did not finish within " + Num(g_sync_timeout_s) + " s (a hang?)";
    }
    Tick();
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
  cudaEventDestroy(done);
  // Device-wide: work the candidate queued anywhere else must be finished too.
  const cudaError_t e = cudaDeviceSynchronize();
  return e == cudaSuccess ? "" : CudaText(e);
}

size_t SizeOf(DType t) { return t == DType::kBF16 || t == DType::kF16 ? 2 : 4; }

int HostThreads() {
  DIR* dir = opendir("/proc/self/task");
  if (dir == nullptr) return -1;
  int n = 0;
  while (const dirent* e = readdir(dir)) n += e->d_name[0] != '.';
  closedir(dir);
  return n;
}

uint64_t HiddenSeed() {
  std::random_device rd;  // /dev/urandom: nothing the candidate can predict from the run
  return (uint64_t{rd()} << 32) ^ rd();
}

// The tensors of one shape, each between two guard zones.
class TensorSet {
 public:
  TensorSet(const std::vector<TensorSpec>& specs) : specs_(specs) {
    for (const TensorSpec& s : specs_) {
      if (s.count <= 0) HarnessFailure("tensor " + s.name + " has " + std::to_string(s.count) + " elements");
      const size_t bytes = s.count * SizeOf(s.dtype);
      char* base = nullptr;
      const cudaError_t e = cudaMalloc(&base, bytes + 2 * kGuardBytes);
      if (e != cudaSuccess) HarnessFailure("allocating " + s.name + " (" + std::to_string(bytes) + " bytes): " + CudaText(e));
      bases_.push_back(base);
      tensors_.push_back(Tensor{base + kGuardBytes, s.dtype, s.count});
    }
  }
  ~TensorSet() {
    for (char* b : bases_) cudaFree(b);
  }
  TensorSet(const TensorSet&) = delete;
  TensorSet& operator=(const TensorSet&) = delete;

  const std::vector<Tensor>& tensors() const { return tensors_; }
  const std::vector<TensorSpec>& specs() const { return specs_; }

  void Fill(uint64_t seed, cudaStream_t stream) {
    for (size_t i = 0; i < specs_.size(); ++i) {
      const size_t bytes = specs_[i].count * SizeOf(specs_[i].dtype);
      Must(cudaMemsetAsync(bases_[i], kGuardByte, kGuardBytes, stream), "guard");
      Must(cudaMemsetAsync(bases_[i] + kGuardBytes + bytes, kGuardByte, kGuardBytes, stream), "guard");
      if (specs_[i].output) continue;
      Must(device::LaunchFill(specs_[i].dtype, tensors_[i].data, specs_[i].count,
                              device::SplitMix64(seed + i), specs_[i].fill_lo,
                              specs_[i].fill_hi, stream),
           "fill");
    }
  }
  void Poison(cudaStream_t stream) {
    for (size_t i = 0; i < specs_.size(); ++i) {
      if (!specs_[i].output) continue;
      Must(cudaMemsetAsync(tensors_[i].data, kPoisonByte, specs_[i].count * SizeOf(specs_[i].dtype), stream),
           "poison");
    }
  }
  // The names of tensors whose guard bytes changed; "" when all are intact.
  std::string BrokenGuards() const {
    std::string broken;
    std::vector<unsigned char> host(kGuardBytes);
    for (size_t i = 0; i < specs_.size(); ++i) {
      const size_t bytes = specs_[i].count * SizeOf(specs_[i].dtype);
      for (int side = 0; side < 2; ++side) {
        const char* at = side == 0 ? bases_[i] : bases_[i] + kGuardBytes + bytes;
        Must(cudaMemcpy(host.data(), at, kGuardBytes, cudaMemcpyDeviceToHost), "guard read");
        const auto bad = std::find_if(host.begin(), host.end(), [](unsigned char c) { return c != kGuardByte; });
        if (bad == host.end()) continue;
        const long off = static_cast<long>(bad - host.begin());
        broken += (broken.empty() ? "" : "; ") + std::string(side == 0 ? "before " : "past the end of ") +
                  specs_[i].name + " (byte " + std::to_string(side == 0 ? off - static_cast<long>(kGuardBytes) : off) +
                  (side == 0 ? " before its start)" : " after its end)");
      }
    }
    return broken;
  }

 private:
  std::vector<TensorSpec> specs_;
  std::vector<char*> bases_;
  std::vector<Tensor> tensors_;
};

// The fp32 reference of a shape's outputs, computed by the harness before the candidate runs.
class ReferenceSet {
 public:
  ReferenceSet(const Problem& p, const Shape& s, const TensorSet& t, cudaStream_t stream) {
    for (const TensorSpec& spec : t.specs()) {
      if (!spec.output) continue;
      float* ref = nullptr;
      Must(cudaMalloc(&ref, spec.count * sizeof(float)), "allocating the reference");
      refs_.push_back(ref);
    }
    const cudaError_t e = p.Reference(s, t.tensors(), refs_, stream);
    if (e != cudaSuccess) HarnessFailure("the reference failed on " + s.name + ": " + CudaText(e));
    const std::string waited = WaitForDevice(stream);
    if (!waited.empty()) HarnessFailure("the reference on " + s.name + ": " + waited);
  }
  ~ReferenceSet() {
    for (float* r : refs_) cudaFree(r);
  }
  ReferenceSet(const ReferenceSet&) = delete;
  ReferenceSet& operator=(const ReferenceSet&) = delete;
  const std::vector<float*>& refs() const { return refs_; }

 private:
  std::vector<float*> refs_;
};

// Per input tensor, a checksum of its bytes (whole 32-bit words; a 2-byte tail is left out).
std::vector<unsigned long long> InputChecksums(const TensorSet& t, cudaStream_t stream) {
  std::vector<unsigned long long> sums;
  unsigned long long* dev = nullptr;
  Must(cudaMalloc(&dev, sizeof(unsigned long long)), "checksum");
  for (size_t i = 0; i < t.specs().size(); ++i) {
    if (t.specs()[i].output) continue;
    Must(cudaMemsetAsync(dev, 0, sizeof(unsigned long long), stream), "checksum");
    Must(device::LaunchChecksum(t.tensors()[i].data, t.specs()[i].count * SizeOf(t.specs()[i].dtype),
                                dev, stream),
         "checksum");
    unsigned long long host = 0;
    Must(cudaMemcpyAsync(&host, dev, sizeof(host), cudaMemcpyDeviceToHost, stream), "checksum");
    Must(cudaStreamSynchronize(stream), "checksum");
    sums.push_back(host);
  }
  cudaFree(dev);
  return sums;
}

// Compares every output with its reference; "" when all pass, else what is wrong, with indices.
std::string CompareOutputs(const Problem& p, const TensorSet& t, const ReferenceSet& r,
                           cudaStream_t stream, double* max_err) {
  device::CompareCounters* dev = nullptr;
  Must(cudaMalloc(&dev, sizeof(device::CompareCounters)), "compare");
  std::string why;
  size_t out_index = 0;
  for (size_t i = 0; i < t.specs().size() && why.empty(); ++i) {
    const TensorSpec& spec = t.specs()[i];
    if (!spec.output) continue;
    const float* ref = r.refs()[out_index++];
    device::CompareCounters c{};
    c.first_wrong = ~0ull;
    Must(cudaMemcpyAsync(dev, &c, sizeof(c), cudaMemcpyHostToDevice, stream), "compare");
    Must(device::LaunchCompare(spec.dtype, t.tensors()[i].data, ref, spec.count,
                               static_cast<float>(p.Atol()), static_cast<float>(p.Rtol()), dev, stream),
         "compare");
    Must(cudaMemcpyAsync(&c, dev, sizeof(c), cudaMemcpyDeviceToHost, stream), "compare");
    Must(cudaStreamSynchronize(stream), "compare");
    float err = 0;
    std::memcpy(&err, &c.max_err_bits, sizeof(err));
    if (max_err != nullptr) *max_err = std::max(*max_err, static_cast<double>(err));
    if (c.wrong == 0) continue;
    // The examples: the smallest wrong index and a few others, with their values.
    std::vector<long long> idx(c.example_index,
                               c.example_index + std::min<unsigned>(c.examples, device::kMaxExamples));
    idx.push_back(static_cast<long long>(c.first_wrong));
    std::sort(idx.begin(), idx.end());
    idx.erase(std::unique(idx.begin(), idx.end()), idx.end());
    if (idx.size() > 4) idx.resize(4);
    why = spec.name + ": " + std::to_string(c.wrong) + " of " + std::to_string(spec.count) +
          " values wrong (" + std::to_string(c.not_finite) + " NaN or Inf; tolerance " +
          Num(p.Atol()) + " + " + Num(p.Rtol()) + "*|ref|)";
    for (const long long k : idx) {
      float ref_v = 0;
      Must(cudaMemcpy(&ref_v, ref + k, sizeof(float), cudaMemcpyDeviceToHost), "compare");
      // Read the candidate's value through the compare's own conversion: copy it as fp32 bits.
      double out_v = 0;
      const size_t size = SizeOf(spec.dtype);
      unsigned char raw[4] = {0, 0, 0, 0};
      Must(cudaMemcpy(raw, static_cast<const char*>(t.tensors()[i].data) + k * size, size,
                      cudaMemcpyDeviceToHost),
           "compare");
      if (spec.dtype == DType::kBF16) {
        uint32_t bits = (uint32_t{raw[1]} << 24) | (uint32_t{raw[0]} << 16);
        float f;
        std::memcpy(&f, &bits, 4);
        out_v = f;
      } else if (spec.dtype == DType::kF16) {
        __half h;
        std::memcpy(&h, raw, 2);
        out_v = __half2float(h);
      } else if (spec.dtype == DType::kF32) {
        float f;
        std::memcpy(&f, raw, 4);
        out_v = f;
      } else {
        int32_t v;
        std::memcpy(&v, raw, 4);
        out_v = v;
      }
      why += "; [" + std::to_string(k) + "] = " + Num(out_v) + ", expected " + Num(ref_v);
    }
  }
  cudaFree(dev);
  return why;
}

// One checked run of the candidate on `t` filled from `seed`; "" when it passed. With `keep`,
// the reference of these inputs is handed back for the timed launches that follow on them.
std::string CheckOnce(const Problem& p, const Shape& s, TensorSet& t, uint64_t seed,
                      cudaStream_t stream, double* max_err,
                      std::unique_ptr<ReferenceSet>* keep = nullptr) {
  t.Fill(seed, stream);
  Must(p.AdjustInputs(s, t.tensors(), device::SplitMix64(seed ^ 0xA5A5A5A5u), stream),
       "the problem's AdjustInputs");
  auto owned = std::make_unique<ReferenceSet>(p, s, t, stream);
  const ReferenceSet& ref = *owned;
  const std::vector<unsigned long long> before = InputChecksums(t, stream);
  t.Poison(stream);
  Must(cudaStreamSynchronize(stream), "prepare");
  const cudaError_t launched = p.Launch(s, t.tensors(), stream);
  if (launched != cudaSuccess) return "the launch returned " + CudaText(launched);
  if (const cudaError_t e = cudaGetLastError(); e != cudaSuccess) return "the launch failed: " + CudaText(e);
  if (std::string waited = WaitForDevice(stream); !waited.empty()) return "the kernel " + waited;
  if (std::string broken = t.BrokenGuards(); !broken.empty()) {
    return "wrote outside its tensors: " + broken;
  }
  const std::vector<unsigned long long> after = InputChecksums(t, stream);
  size_t input = 0;
  for (const TensorSpec& spec : t.specs()) {
    if (spec.output) continue;
    if (before[input] != after[input]) return "changed its input " + spec.name;
    ++input;
  }
  std::string wrong = CompareOutputs(p, t, ref, stream, max_err);
  if (keep != nullptr) *keep = std::move(owned);
  return wrong;
}

// ---- timing -----------------------------------------------------------------------------------

struct Device {
  cudaDeviceProp props{};
  double copy_gbps = 0;  // device-to-device copy, bytes read + written, GB/s
  double flop_rate = 0;  // Problem::FlopRate, FLOP/s; 0 = no compute bound
  void* flush = nullptr;
  size_t flush_bytes = 0;
};

// The speed-of-light time of `s` in microseconds: its bytes at the measured copy bandwidth, or
// its FLOPs at the problem's measured rate, whichever takes longer; and, for a message, which.
struct SolBound {
  double us = 0;
  std::string why;
};

SolBound Sol(const Problem& p, const Shape& s, const Device& d) {
  const double memory_us = p.MinBytes(s) / (d.copy_gbps * 1e3);
  const double compute_us = d.flop_rate > 0 ? p.MinFlops(s) / d.flop_rate * 1e6 : 0;
  if (compute_us > memory_us) {
    return {compute_us, Num(p.MinFlops(s) / 1e9) + " GFLOP at the measured " +
                            Num(d.flop_rate / 1e12) + " TFLOP/s"};
  }
  return {memory_us, "to move " + Num(p.MinBytes(s) / 1e6) + " MB at the measured " +
                         Num(d.copy_gbps) + " GB/s"};
}

// Writes twice the L2 so no byte of an earlier launch is still cached.
void FlushL2(const Device& d, cudaStream_t stream) {
  Must(cudaMemsetAsync(d.flush, 0x5A, d.flush_bytes, stream), "L2 flush");
}

double MeasureCopyGbps(cudaStream_t stream) {
  size_t free_bytes = 0, total = 0;
  Must(cudaMemGetInfo(&free_bytes, &total), "memory info");
  const size_t bytes = std::min<size_t>(size_t{1} << 30, free_bytes / 8) & ~size_t{255};
  void *a = nullptr, *b = nullptr;
  Must(cudaMalloc(&a, bytes), "copy bandwidth");
  Must(cudaMalloc(&b, bytes), "copy bandwidth");
  cudaEvent_t e0, e1;
  Must(cudaEventCreate(&e0), "event");
  Must(cudaEventCreate(&e1), "event");
  float best_ms = 1e30f;
  for (int i = 0; i < 6; ++i) {
    Must(cudaEventRecord(e0, stream), "event");
    Must(cudaMemcpyAsync(b, a, bytes, cudaMemcpyDeviceToDevice, stream), "copy");
    Must(cudaEventRecord(e1, stream), "event");
    Must(cudaEventSynchronize(e1), "event");
    float ms = 0;
    Must(cudaEventElapsedTime(&ms, e0, e1), "event");
    if (i > 0) best_ms = std::min(best_ms, ms);  // the first one warms up
  }
  cudaFree(a);
  cudaFree(b);
  cudaEventDestroy(e0);
  cudaEventDestroy(e1);
  return 2.0 * static_cast<double>(bytes) / (best_ms * 1e-3) / 1e9;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Nearest-rank interpolated quantile q in [0, 1].
double Quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const size_t lo = static_cast<size_t>(pos);
  const size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

using LaunchFn = cudaError_t (Problem::*)(const Shape&, const std::vector<Tensor>&, cudaStream_t) const;

// One launch after an L2 flush, timed by events; microseconds, or -1 with *why set.
double TimeOneLaunch(const Problem& p, LaunchFn fn, const Shape& s, const std::vector<Tensor>& t,
                     const Device& d, cudaStream_t stream, cudaEvent_t e0, cudaEvent_t e1,
                     std::string* why) {
  FlushL2(d, stream);
  Must(cudaEventRecord(e0, stream), "event");
  const cudaError_t launched = (p.*fn)(s, t, stream);
  Must(cudaEventRecord(e1, stream), "event");
  if (launched != cudaSuccess) {
    *why = "the launch returned " + CudaText(launched);
    return -1;
  }
  if (const std::string waited = WaitForDevice(stream); !waited.empty()) {
    *why = "the kernel " + waited;
    return -1;
  }
  float ms = 0;
  Must(cudaEventElapsedTime(&ms, e0, e1), "event");
  return ms * 1e3;
}

struct ShapeTimes {
  std::vector<double> candidate_us, baseline_us;  // per round: each a median of `inner` launches
};

}  // namespace

int64_t Shape::Get(const std::string& key) const {
  const auto it = params.find(key);
  if (it == params.end()) {
    UsageFailure("the harness asked for \"" + key + "\" but shape " + name + " does not set it");
  }
  return it->second;
}

int64_t Shape::GetOr(const std::string& key, int64_t fallback) const {
  const auto it = params.find(key);
  return it == params.end() ? fallback : it->second;
}

void RegisterProblem(std::unique_ptr<Problem> problem) {
  if (TheProblem() != nullptr) {
    std::fprintf(stderr, "kevolve-kit: the harness registers more than one problem\n");
    std::_Exit(2);
  }
  TheProblem() = std::move(problem);
}

namespace {

struct Options {
  std::string shapes;
  int repeats = 7;
  uint64_t seed = 0;  // 0 = hidden (from /dev/urandom)
  bool check_only = false;
};

Options ParseArgs(int argc, char** argv) {
  Options o;
  if (const char* r = std::getenv("KEVOLVE_REPEATS"); r != nullptr && *r) o.repeats = std::atoi(r);
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) UsageFailure(a + " needs a value");
      return argv[++i];
    };
    if (a == "--shapes") {
      o.shapes = value();
    } else if (a == "--repeats") {
      o.repeats = std::atoi(value().c_str());
    } else if (a == "--seed") {
      o.seed = std::strtoull(value().c_str(), nullptr, 10);
    } else if (a == "--sync-timeout-s") {
      g_sync_timeout_s = std::atof(value().c_str());
    } else if (a == "--check-only") {
      o.check_only = true;
    } else {
      UsageFailure("unknown argument " + a +
                   " (usage: bench --shapes FILE [--repeats N] [--seed S] [--sync-timeout-s T] "
                   "[--check-only])");
    }
  }
  if (o.shapes.empty()) UsageFailure("--shapes FILE is required");
  if (o.repeats < 1 || o.repeats > 1000) UsageFailure("--repeats must be 1..1000");
  if (!(g_sync_timeout_s > 0)) UsageFailure("--sync-timeout-s must be positive");
  return o;
}

// Times the candidate and the baseline alternately on `t`, whose outputs hold the reference's
// answer for its current inputs; "" when every timing defence agrees.
std::string TimeShape(const Problem& p, const Shape& s, TensorSet& t, const ReferenceSet& ref,
                      const Device& d, int repeats, cudaStream_t stream, ShapeTimes* times) {
  // The baseline writes outputs of its own, so the candidate's can be checked afterwards.
  std::vector<Tensor> base_tensors = t.tensors();
  std::vector<void*> base_outputs;
  for (size_t i = 0; i < base_tensors.size(); ++i) {
    if (!t.specs()[i].output) continue;
    Must(cudaMalloc(&base_tensors[i].data, t.specs()[i].count * SizeOf(t.specs()[i].dtype)),
         "baseline outputs");
    base_outputs.push_back(base_tensors[i].data);
  }
  struct Free {
    std::vector<void*>& v;
    ~Free() {
      for (void* x : v) cudaFree(x);
    }
  } free_outputs{base_outputs};

  cudaEvent_t e0, e1;
  Must(cudaEventCreate(&e0), "event");
  Must(cudaEventCreate(&e1), "event");
  std::string why;
  // Warm-up, and the size of a sample: one launch of a long kernel, the median of a few short.
  const double first_us = TimeOneLaunch(p, &Problem::Launch, s, t.tensors(), d, stream, e0, e1, &why);
  if (first_us < 0) return why;
  if (p.HasBaseline() &&
      TimeOneLaunch(p, &Problem::LaunchBaseline, s, base_tensors, d, stream, e0, e1, &why) < 0) {
    HarnessFailure("the baseline on " + s.name + ": " + why);
  }
  const int inner = first_us > 200 ? 1 : first_us > 50 ? 3 : 5;

  t.Poison(stream);  // the timed launches must write the output: it is checked afterwards
  for (int round = 0; round < repeats; ++round) {
    for (int turn = 0; turn < 2; ++turn) {
      // Alternate who goes first, so neither always runs on a GPU the other just warmed.
      const bool candidate = (turn == 0) == (round % 2 == 0);
      if (!candidate && !p.HasBaseline()) continue;
      std::vector<double> launches;
      for (int k = 0; k < inner; ++k) {
        const double us = candidate
            ? TimeOneLaunch(p, &Problem::Launch, s, t.tensors(), d, stream, e0, e1, &why)
            : TimeOneLaunch(p, &Problem::LaunchBaseline, s, base_tensors, d, stream, e0, e1, &why);
        if (us < 0) {
          if (candidate) return why;
          HarnessFailure("the baseline on " + s.name + ": " + why);
        }
        launches.push_back(us);
      }
      (candidate ? times->candidate_us : times->baseline_us).push_back(Median(launches));
    }
  }
  if (std::string broken = t.BrokenGuards(); !broken.empty()) {
    return "timed launches wrote outside their tensors: " + broken;
  }
  if (std::string wrong = CompareOutputs(p, t, ref, stream, nullptr); !wrong.empty()) {
    return "the output after the timed launches is wrong (work done only when checked?): " + wrong;
  }

  // The host clock around a batch of launches and a device-wide wait, against the events
  // around the same batch on the timed stream: work queued on another stream or done by a host
  // thread after the launch returns shows in the first, not in the second. The host clock only
  // ever runs long (a descheduled thread, compiles busy on every core), so the batch is tried
  // up to three times, until one is within the limit below; the smallest excess counts.
  // Launching and waiting cost tens of microseconds a batch; a kernel's own work elsewhere
  // costs its whole time, ten times over.
  const int host_launches = 10;
  const auto excess_limit_us = [](double batch_us) { return std::max(500.0, 0.5 * batch_us); };
  double excess_us = 1e30, event_batch_us = 0;
  for (int attempt = 0; attempt < 3 && excess_us > excess_limit_us(event_batch_us); ++attempt) {
    Must(cudaDeviceSynchronize(), "sync");
    const auto h0 = std::chrono::steady_clock::now();
    Must(cudaEventRecord(e0, stream), "event");
    for (int k = 0; k < host_launches; ++k) {
      FlushL2(d, stream);
      if (const cudaError_t e = p.Launch(s, t.tensors(), stream); e != cudaSuccess) {
        return "the launch returned " + CudaText(e);
      }
    }
    Must(cudaEventRecord(e1, stream), "event");
    if (std::string waited = WaitForDevice(stream); !waited.empty()) return "the kernel " + waited;
    const double host_us =
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - h0).count();
    float ms = 0;
    Must(cudaEventElapsedTime(&ms, e0, e1), "event");
    if (host_us - ms * 1e3 < excess_us) {
      excess_us = host_us - ms * 1e3;
      event_batch_us = ms * 1e3;
    }
  }
  cudaEventDestroy(e0);
  cudaEventDestroy(e1);

  const double median_us = Median(times->candidate_us);
  if (excess_us > excess_limit_us(event_batch_us)) {
    return "10 launches took " + Num(event_batch_us + excess_us) + " us by the host clock but " +
           Num(event_batch_us) + " us by the events on the timed stream (3 tries, the closest): "
           "work outside the timed stream (another stream or a host thread)";
  }
  const SolBound sol = Sol(p, s, d);
  if (median_us < 0.8 * sol.us) {
    return Num(median_us) + " us is faster than the speed of light of this GPU (" + Num(sol.us) +
           " us: " + sol.why + "): work skipped or cached";
  }
  return "";
}

double Geomean(const std::vector<double>& v) {
  if (v.empty()) return NAN;
  double log_sum = 0;
  for (const double x : v) log_sum += std::log(x);
  return std::exp(log_sum / static_cast<double>(v.size()));
}

// Seconds of the host clock since `t0`.
double SecondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

int Main(int argc, char** argv) {
  const auto started = std::chrono::steady_clock::now();
  const Options o = ParseArgs(argc, argv);
  Answer& answer = TheAnswer();
  if (TheProblem() == nullptr) UsageFailure("the harness registers no problem (KEVOLVE_KIT_PROBLEM)");
  const Problem& p = *TheProblem();
  const std::vector<Shape> shapes = LoadSuite(o.shapes);

  Device d;
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess || count == 0) {
    HarnessFailure("no CUDA device is visible (CUDA_VISIBLE_DEVICES=" +
                   std::string(std::getenv("CUDA_VISIBLE_DEVICES") ? std::getenv("CUDA_VISIBLE_DEVICES") : "") + ")");
  }
  Must(cudaGetDeviceProperties(&d.props, 0), "device properties");
  cudaStream_t stream;
  Must(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), "stream");
  d.flush_bytes = std::max<size_t>(2 * static_cast<size_t>(d.props.l2CacheSize), size_t{1} << 20);
  Must(cudaMalloc(&d.flush, d.flush_bytes), "L2 flush buffer");
  d.copy_gbps = MeasureCopyGbps(stream);
  d.flop_rate = p.FlopRate(stream);
  Must(cudaStreamSynchronize(stream), "the harness's FLOP-rate measurement");
  answer.artifacts.Text("device", std::string(d.props.name) + ", " +
                                      std::to_string(d.props.multiProcessorCount) + " SMs, " +
                                      std::to_string(d.props.l2CacheSize >> 20) + " MiB L2, copy " +
                                      Num(d.copy_gbps) + " GB/s measured" +
                                      (d.flop_rate > 0 ? ", " + Num(d.flop_rate / 1e12) +
                                                             " TFLOP/s measured by the harness"
                                                       : ""));
  answer.metrics.Number("copy_gbps", d.copy_gbps);
  if (d.flop_rate > 0) answer.metrics.Number("flop_ceiling_tflops", d.flop_rate / 1e12);

  // Where the GPU time of an evaluation goes (the run holds the GPU for all of it): starting
  // CUDA and measuring the ceilings, the checks (inputs, references, three candidate runs per
  // shape), and the timing (both sides' timed launches and their defences).
  answer.metrics.Number("setup_seconds", SecondsSince(started));
  double check_seconds = 0, timing_seconds = 0;
  const uint64_t seed = o.seed != 0 ? o.seed : HiddenSeed();
  // Threads before any candidate code runs (the runtime's own are started by now: the copy
  // above, and the reference of the first check, which runs before the first launch).
  int threads_before = -1;

  std::vector<double> train_ratio_log_rounds(o.repeats, 0.0);
  std::vector<double> train_speedup, train_sol, held_speedup, held_sol;
  std::string table = "shape | candidate us (p10-p90) | baseline us | speedup | SOL fraction\n";
  double max_err = 0;
  for (size_t si = 0; si < shapes.size(); ++si) {
    const Shape& s = shapes[si];
    const std::string at = "shape " + s.name + (s.held_out ? " (held out)" : "") + ": ";
    auto t = std::make_unique<TensorSet>(p.Tensors(s));
    if (threads_before < 0) {
      t->Fill(seed, stream);
      const ReferenceSet warm(p, s, *t, stream);
      threads_before = HostThreads();
    }
    const uint64_t base = seed + 1000 * si;
    const auto check_start = std::chrono::steady_clock::now();
    if (std::string why = CheckOnce(p, s, *t, base + 1, stream, &max_err); !why.empty()) Reject(at + why);
    if (std::string why = CheckOnce(p, s, *t, base + 2, stream, &max_err); !why.empty()) {
      Reject(at + "re-check with fresh inputs at the same addresses: " + why);
    }
    {  // New addresses: the new set is allocated while the old one still holds its memory.
      auto moved = std::make_unique<TensorSet>(p.Tensors(s));
      t = std::move(moved);
    }
    // The last check's inputs stay in place for the timing, and its reference with them (the
    // inputs are unchanged: the check compared their checksums).
    std::unique_ptr<ReferenceSet> ref;
    if (std::string why = CheckOnce(p, s, *t, base + 3, stream, &max_err, &ref); !why.empty()) {
      Reject(at + "re-check at new buffer addresses: " + why);
    }
    check_seconds += SecondsSince(check_start);
    if (o.check_only) continue;
    const auto timing_start = std::chrono::steady_clock::now();
    ShapeTimes times;
    if (std::string why = TimeShape(p, s, *t, *ref, d, o.repeats, stream, &times); !why.empty()) {
      Reject(at + "timing: " + why);
    }
    timing_seconds += SecondsSince(timing_start);
    const double cand = Median(times.candidate_us);
    const double sol = Sol(p, s, d).us / cand;
    double speedup = NAN;
    if (p.HasBaseline()) {
      speedup = Median(times.baseline_us) / cand;
      for (int r = 0; r < o.repeats && !s.held_out; ++r) {
        train_ratio_log_rounds[r] += std::log(times.baseline_us[r] / times.candidate_us[r]);
      }
    }
    (s.held_out ? held_speedup : train_speedup).push_back(speedup);
    (s.held_out ? held_sol : train_sol).push_back(sol);
    char row[256];
    std::snprintf(row, sizeof(row), "%s%s | %.2f (%.2f-%.2f) | %.2f | %.3f | %.3f\n", s.name.c_str(),
                  s.held_out ? " (held out)" : "", cand, Quantile(times.candidate_us, 0.1),
                  Quantile(times.candidate_us, 0.9),
                  p.HasBaseline() ? Median(times.baseline_us) : NAN, speedup, sol);
    table += row;
  }
  const int threads_after = HostThreads();
  if (threads_before >= 0 && threads_after > threads_before) {
    Reject("the candidate left " + std::to_string(threads_after - threads_before) +
           " host thread(s) running");
  }
  answer.metrics.Number("max_abs_error", max_err);
  answer.metrics.Number("check_seconds", check_seconds);
  if (!o.check_only) answer.metrics.Number("timing_seconds", timing_seconds);
  answer.artifacts.Text("checks", "every shape checked 3 times (fresh inputs; again at the same "
                                  "addresses; at new addresses), inputs unchanged, guards intact, "
                                  "tolerance " + Num(p.Atol()) + " + " + Num(p.Rtol()) + "*|ref|");
  if (o.check_only) {
    Finish(answer, true, 1.0, "", 0);
  }
  answer.artifacts.Text("shapes", table);
  const size_t n_train = train_sol.size();
  answer.metrics.Number("sol_fraction", Geomean(train_sol));
  answer.features.Number("sol_fraction", Geomean(train_sol));
  if (!held_sol.empty()) answer.hidden.Number("heldout_sol_fraction", Geomean(held_sol));
  double score = Geomean(train_sol);
  if (p.HasBaseline() && n_train > 0) {
    for (const double log_sum : train_ratio_log_rounds) {
      answer.samples.push_back(std::exp(log_sum / static_cast<double>(n_train)));
    }
    score = Median(answer.samples);
    answer.metrics.Number("speedup", score);
    if (!held_speedup.empty()) {
      answer.hidden.Number("heldout_speedup", Geomean(held_speedup));
      answer.hidden.Number("heldout_min_speedup",
                           *std::min_element(held_speedup.begin(), held_speedup.end()));
    }
  }
  Finish(answer, true, score, "", 0);
}

std::string SignalName(int sig) {
  const char* name = sigabbrev_np(sig);
  return name != nullptr ? std::string("SIG") + name : "signal " + std::to_string(sig);
}

// The GPU work runs in a child; this process (which never touches CUDA) relays the child's
// answer to stdout and returns at once. Two things need the split:
//   - a kernel that never finishes: the child reports it and exits, but its exit waits on the
//     driver to tear the context down, which a spinning kernel can hold for a long time; the
//     parent kills it and returns, so the evaluation ends with the child's reason (kevolve's
//     sandbox kills what the parent leaves);
//   - a child that dies (a segfault in the candidate's host code): the parent still answers,
//     naming the signal, instead of a bare crash;
//   - a child stuck inside a CUDA call that a hung kernel holds (its own sync timeout never
//     gets to run): its heartbeat (Tick) stops, and after the sync timeout and a margin without
//     one the parent kills it and answers that the kernel did not finish.
// --sync-timeout-s, read here too: the parent parses nothing else.
double SyncTimeoutFromArgs(int argc, char** argv) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string(argv[i]) == "--sync-timeout-s" && std::atof(argv[i + 1]) > 0) {
      return std::atof(argv[i + 1]);
    }
  }
  return g_sync_timeout_s;
}

int RunSupervised(int argc, char** argv) {
  std::fflush(stdout);
  int fds[2], beats[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return Main(argc, argv);  // unsupervised, as before
  if (pipe2(beats, O_CLOEXEC) != 0) {
    close(fds[0]);
    close(fds[1]);
    return Main(argc, argv);
  }
  const pid_t child = fork();
  if (child < 0) {
    for (const int fd : {fds[0], fds[1], beats[0], beats[1]}) close(fd);
    return Main(argc, argv);
  }
  if (child == 0) {
    close(fds[0]);
    close(beats[0]);
    g_answer_fd = fds[1];
    g_progress_fd = beats[1];
    fcntl(g_progress_fd, F_SETFL, O_NONBLOCK);
    dup2(2, 1);
    return Main(argc, argv);
  }
  close(fds[1]);
  close(beats[1]);
  const double silence_limit_s = SyncTimeoutFromArgs(argc, argv) + 5;
  auto last_beat = std::chrono::steady_clock::now();
  bool silent = false;
  std::string answer;
  char buf[65536];
  for (;;) {
    pollfd watched[2] = {{fds[0], POLLIN, 0}, {beats[0], POLLIN, 0}};
    if (poll(watched, 2, 200) < 0 && errno != EINTR) break;
    if (watched[1].revents & POLLIN) {
      (void)!read(beats[0], buf, sizeof(buf));
      last_beat = std::chrono::steady_clock::now();
    }
    if (watched[0].revents & (POLLIN | POLLHUP)) {
      const ssize_t n = read(fds[0], buf, sizeof(buf));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      answer.append(buf, static_cast<size_t>(n));
      if (!answer.empty() && answer.back() == '\n') break;  // the answer is one line
      continue;
    }
    if (std::chrono::steady_clock::now() - last_beat >
        std::chrono::duration<double>(silence_limit_s)) {
      silent = true;
      break;
    }
  }
  if (silent) {
    kill(child, SIGKILL);
    g_answer_fd = 1;
    Reject("the kernel did not finish within " + Num(silence_limit_s) +
           " s: the kernel program was stuck in a CUDA call for that long (a hang?) and was "
           "stopped");
  }
  // The child exits right after its answer; give it a moment, then stop waiting for it.
  int status = 0;
  bool exited = false;
  for (int i = 0; i < 200 && !exited; ++i) {
    exited = waitpid(child, &status, WNOHANG) == child;
    if (!exited) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (!exited) kill(child, SIGKILL);
  if (!answer.empty()) {
    std::fwrite(answer.data(), 1, answer.size(), stdout);
    std::fflush(stdout);
    return exited && WIFEXITED(status) ? WEXITSTATUS(status) : 0;
  }
  if (!exited) waitpid(child, &status, 0);
  const std::string why = WIFSIGNALED(status)
      ? "the kernel program was killed by " + SignalName(WTERMSIG(status)) +
            " before it answered (the candidate's host code, or a fault in its kernel)"
      : "the kernel program exited with code " + std::to_string(WEXITSTATUS(status)) +
            " before it answered";
  g_answer_fd = 1;
  Reject(why);
}

}  // namespace
}  // namespace kevolve::kit

int main(int argc, char** argv) { return kevolve::kit::RunSupervised(argc, argv); }
