// The compile half of the kernel evaluation kit (`kevolve-kernel build`, docs/kernels.md): the
// candidate `.cu`, the task's harness and the kit runtime (kernels/kit) compiled with nvcc for
// one GPU architecture and linked into the program that checks and times the candidate; the
// evidence a prompt can use (ptxas's register, spill, shared-memory and stack figures, a SASS
// instruction summary, the first compile errors); a cache of compiled objects. No CUDA here: it
// runs nvcc and cuobjdump as child processes, so it builds and is tested on machines without a
// GPU.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace kevolve::kit {

// What ptxas -v said about one kernel (an entry function).
struct PtxasKernel {
  std::string name;  // demangled where possible
  int registers = 0;
  int barriers = 0;
  int64_t smem_bytes = 0;  // static shared memory
  int64_t stack_bytes = 0;
  int64_t spill_store_bytes = 0;
  int64_t spill_load_bytes = 0;
};

// The kernels of a `ptxas -v` log (as nvcc -Xptxas -v writes it to stderr), in order.
// Functions that are not entry points (device functions with a stack frame) are left out.
std::vector<PtxasKernel> ParsePtxas(std::string_view log);

// "kernel: 40 registers, 0 B spilled, 16384 B shared, 0 B stack" lines, one per kernel.
std::string FormatPtxas(const std::vector<PtxasKernel>& kernels);

// A summary of `cuobjdump -sass` output: per kernel, the instruction count and the `top` most
// frequent opcodes with their modifiers kept where they say how memory is reached
// (LDG.E.128, STS.64, LDGSTS, ...), e.g. "rms_kernel: 212 instructions; FFMA 40, LDG.E.128 8".
std::string SummarizeSass(std::string_view sass, size_t top);

// The first `max_lines` lines of a compile log that say "error" (with the line after each, which
// shows the code), else the log's first lines: what a person or an LLM needs to fix it.
std::string FirstCompileErrors(std::string_view log, size_t max_lines);

struct BuildJob {
  std::string candidate;                  // the candidate's .cu
  std::string harness;                    // the task's harness .cu
  std::vector<std::string> include_dirs;  // -I for both (the task folder, for its headers)
  std::string kit_dir;                    // kevolve_kit.h, kit_device.cuh, kit_runtime.cu
  std::string out;                        // the program to write
  std::string workdir;                    // objects and logs go here
  std::string arch = "sm_90a";            // sm_XY[a]: -gencode=arch=compute_XY[a],code=sm_XY[a]
  std::string nvcc = "nvcc";
  std::string cuobjdump = "cuobjdump";
  std::vector<std::string> flags;  // extra nvcc flags for every compile
  std::vector<std::string> libs;   // -l<lib> at link time (the harness's: cublas)
  std::string cache_dir;           // "" = no cache
};

struct BuildReport {
  bool compiled = false;
  std::string errors;  // FirstCompileErrors of the failing compile (candidate or harness)
  bool harness_failed = false;  // the harness or the kit did not compile: not the candidate's fault
  std::vector<PtxasKernel> kernels;  // the candidate's
  std::string sass;                  // SummarizeSass of the candidate's object
  double seconds = 0;                // wall time of the whole build
  int compiles = 0;                  // nvcc compiles run (0..3)
  int cache_hits = 0;                // objects taken from the cache (0..3)
};

// Whether `name` can follow -l: letters, digits, '_', '-', '.', '+', not starting with '-'.
bool ValidLibraryName(std::string_view name);

// Compiles the three objects (at once, each from `<kit_dir>/prebuilt` or the cache when there),
// links them into job.out and summarizes the candidate. A compile error is an OK Result with compiled = false;
// Internal when nvcc or cuobjdump cannot be started or a file cannot be written.
Result<BuildReport> Build(const BuildJob& job);

// Compiles the kit runtime alone (it depends on no task) into `out_dir` under the name a build
// looks for in `<kit_dir>/prebuilt`: the main build runs this where nvcc is installed, so an
// evaluation compiles the candidate and the harness only. Returns the object's path;
// FailedPrecondition when the runtime does not compile, Internal when nvcc cannot start.
Result<std::string> PrebuildRuntime(const BuildJob& job, const std::string& out_dir);

// The protocol-1 answer of a build (docs/protocol.md): valid with score 0 and the evidence as
// metrics, features (registers) and artifacts; invalid with the first errors as feedback.
std::string BuildAnswer(const BuildReport& report);

// "-gencode=arch=compute_90a,code=sm_90a" for "sm_90a"; InvalidArgument for anything that is
// not sm_ followed by digits and an optional letter.
Result<std::string> GencodeFlag(std::string_view arch);

}  // namespace kevolve::kit
