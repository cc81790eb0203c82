// kevolve-kernel: the kernel evaluation kit's command (docs/kernels.md). CPU only: it drives
// nvcc; the program it builds is what needs the GPU.
//
//   kevolve-kernel build --candidate FILE --harness FILE --out FILE [--include DIR[,DIR...]]
//                        [--arch sm_90a] [--nvcc PATH] [--flags "..."] [--cache DIR] [--kit DIR]
//     Compiles the candidate, the harness and the kit runtime, links them into --out, and prints
//     the protocol-1 answer of the build (ptxas figures, SASS summary; compile errors when it
//     fails). Then run `--out --shapes SUITE` on the GPU for the check and the times.
//   kevolve-kernel prebuild --out DIR [--arch] [--nvcc] [--flags] [--kit]
//     Compiles the kit runtime ahead into DIR (the main build does it into kernel-kit/prebuilt
//     where nvcc is installed), so that builds compile only the candidate and the harness.
// Exit status: 0 with an answer printed (valid or not), 2 for a bad command line, 3 when nvcc
// cannot be started or a file cannot be written (an invalid answer is printed too).
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "bench/bench_flags.h"
#include "bench/bench_io.h"
#include "core/files.h"
#include "core/text.h"
#include "score/kernel_build.h"

namespace kevolve::kit {
namespace {

using gemm::bench::FlagSpec;
using gemm::bench::Flags;

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v ? v : fallback;
}

std::string SelfDir() {
  char buf[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return ".";
  std::string path(buf, static_cast<size_t>(n));
  return path.substr(0, path.find_last_of('/'));
}

// nvcc on the PATH, else the toolkit's usual place.
std::string DefaultNvcc() {
  const std::string path = EnvOr("PATH", "/usr/bin:/bin");
  std::stringstream dirs(path);
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (!dir.empty() && access((dir + "/nvcc").c_str(), X_OK) == 0) return dir + "/nvcc";
  }
  return EnvOr("CUDA_HOME", "/usr/local/cuda") + "/bin/nvcc";
}

std::vector<std::string> SplitOn(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string part; std::getline(in, part, sep);) {
    if (!Trim(part).empty()) out.emplace_back(Trim(part));
  }
  return out;
}

int Failed(const std::string& why, int code) {
  std::fprintf(stderr, "kevolve-kernel: %s\n", why.c_str());
  std::printf("{\"protocol\": 1, \"valid\": false, \"artifacts\": {\"feedback\": %s}}\n",
              gemm::bench::JsonString("the kernel kit failed (not the candidate's fault): " + why).c_str());
  return code;
}

// The flags of the toolchain, shared by build and prebuild.
std::vector<FlagSpec> ToolchainSpecs() {
  return {
      {"arch", EnvOr("KEVOLVE_KIT_ARCH", "sm_90a"), "GPU architecture (env KEVOLVE_KIT_ARCH)"},
      {"nvcc", EnvOr("KEVOLVE_KIT_NVCC", DefaultNvcc()), "nvcc to use (env KEVOLVE_KIT_NVCC)"},
      {"flags", EnvOr("KEVOLVE_KIT_FLAGS", ""), "extra nvcc flags, space-separated (env KEVOLVE_KIT_FLAGS)"},
      {"kit", EnvOr("KEVOLVE_KIT_DIR", SelfDir() + "/kernel-kit"), "the kit's sources (env KEVOLVE_KIT_DIR)"},
      {"workdir", ".", "objects and logs go here"},
  };
}

void SetToolchain(const Flags& flags, BuildJob& job) {
  job.arch = flags.Get("arch");
  job.nvcc = flags.Get("nvcc");
  const std::string nvcc_dir = job.nvcc.substr(0, job.nvcc.find_last_of('/') + 1);
  job.cuobjdump = nvcc_dir.empty() ? "cuobjdump" : nvcc_dir + "cuobjdump";
  job.flags = SplitOn(flags.Get("flags"), ' ');
  job.kit_dir = AbsolutePath(flags.Get("kit"));
  job.workdir = AbsolutePath(flags.Get("workdir"));
}

// kevolve-kernel prebuild --out DIR: the kit runtime compiled ahead (kernel_build.h).
int PrebuildCommand(const std::vector<std::string>& args) {
  std::vector<FlagSpec> specs = ToolchainSpecs();
  specs.push_back({"out", "", "the folder of prebuilt objects (the build looks in KIT/prebuilt)"});
  auto flags = Flags::Parse(args, specs);
  std::string why = flags.ok() ? "" : flags.status().message();
  if (why.empty() && flags->Get("out").empty()) why = "--out is required";
  if (!why.empty()) {
    std::fprintf(stderr, "prebuild: %s\nusage: kevolve-kernel prebuild FLAGS\n%s", why.c_str(),
                 gemm::bench::FlagHelp(specs).c_str());
    return 2;
  }
  BuildJob job;
  SetToolchain(*flags, job);
  auto object = PrebuildRuntime(job, AbsolutePath(flags->Get("out")));
  if (!object.ok()) {
    std::fprintf(stderr, "kevolve-kernel prebuild: %s\n", object.status().message().c_str());
    return 3;
  }
  std::printf("%s\n", object->c_str());
  return 0;
}

int BuildCommand(const std::vector<std::string>& args) {
  std::vector<FlagSpec> specs = {
      {"candidate", "", "the candidate's .cu"},
      {"harness", "", "the task's harness .cu (implements kevolve::kit::Problem)"},
      {"out", "", "the program to write"},
      {"include", "", "folders for #include, comma-separated (the task folder)"},
      {"libs", "", "libraries the harness needs at link time, comma-separated (cublas: -lcublas)"},
      {"cache", EnvOr("KEVOLVE_KIT_CACHE", ""), "compiled-object cache folder; empty = none (env KEVOLVE_KIT_CACHE)"},
  };
  for (const FlagSpec& spec : ToolchainSpecs()) specs.push_back(spec);
  auto flags = Flags::Parse(args, specs);
  std::string why = flags.ok() ? "" : flags.status().message();
  for (const char* name : {"candidate", "harness", "out"}) {
    if (why.empty() && flags->Get(name).empty()) why = std::string("--") + name + " is required";
  }
  if (!why.empty()) {
    std::fprintf(stderr, "build: %s\nusage: kevolve-kernel build FLAGS\n%s", why.c_str(),
                 gemm::bench::FlagHelp(specs).c_str());
    return 2;
  }
  BuildJob job;
  job.candidate = AbsolutePath(flags->Get("candidate"));
  job.harness = AbsolutePath(flags->Get("harness"));
  job.out = AbsolutePath(flags->Get("out"));
  for (const std::string& dir : SplitOn(flags->Get("include"), ',')) {
    job.include_dirs.push_back(AbsolutePath(dir));
  }
  for (const std::string& lib : SplitOn(flags->Get("libs"), ',')) {
    if (!ValidLibraryName(lib)) {
      std::fprintf(stderr,
                   "build: --libs: '%s' is not a library name (letters, digits, '_', '-', '.', "
                   "'+'; cublas for -lcublas)\n",
                   lib.c_str());
      return 2;
    }
    job.libs.push_back(lib);
  }
  SetToolchain(*flags, job);
  // One cache folder per uid: evaluations running as different uids (process mode's worker
  // slots) never write into each other's objects.
  job.cache_dir = flags->Get("cache").empty()
                      ? ""
                      : AbsolutePath(flags->Get("cache")) + "/uid-" + std::to_string(getuid());
  if (!job.cache_dir.empty()) {
    // The shared parent is open to every uid (sticky, like /tmp), each uid's folder its own.
    const std::string parent = job.cache_dir.substr(0, job.cache_dir.find_last_of('/'));
    if (!PathExists(parent) && MakeDirs(parent).ok()) chmod(parent.c_str(), 01777);
  }
  if (!PathExists(job.kit_dir + "/kit_runtime.cu")) {
    return Failed("the kit's sources are not in " + job.kit_dir + " (--kit)", 3);
  }
  if (!PathExists(job.candidate)) return Failed("no candidate at " + job.candidate, 2);
  if (!PathExists(job.harness)) return Failed("no harness at " + job.harness, 2);
  auto report = Build(job);
  if (!report.ok()) return Failed(report.status().message(), 3);
  const std::string answer = BuildAnswer(*report);
  std::fwrite(answer.data(), 1, answer.size(), stdout);
  return 0;
}

}  // namespace
}  // namespace kevolve::kit

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args[0] == "build") {
    return kevolve::kit::BuildCommand({args.begin() + 1, args.end()});
  }
  if (!args.empty() && args[0] == "prebuild") {
    return kevolve::kit::PrebuildCommand({args.begin() + 1, args.end()});
  }
  std::fprintf(stderr,
               "usage: kevolve-kernel build --candidate FILE --harness FILE --out FILE [FLAGS]\n"
               "       kevolve-kernel prebuild --out DIR [FLAGS]\n"
               "       (kevolve-kernel build --help lists the flags; docs/kernels.md)\n");
  return 2;
}
