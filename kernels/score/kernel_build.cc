#include "score/kernel_build.h"

#include <cxxabi.h>
#include <dirent.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <map>
#include <regex>
#include <thread>

#include "bench/bench_io.h"
#include "core/files.h"
#include "core/text.h"
#include "score/selector_run.h"
#include "score/text_format.h"

namespace kevolve::kit {
namespace {

using gemm::score::Format;

constexpr std::string_view kLinkPrefix = "link: ";  // BuildReport::errors of a failed link

std::string Demangle(const std::string& name) {
  int status = 0;
  char* out = abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status);
  if (status != 0 || out == nullptr) return name;
  std::string text = out;
  std::free(out);
  return text;
}

std::string ReadOrEmpty(const std::string& path) {
  auto text = ReadFile(path);
  return text.ok() ? *text : "";
}

std::string Hex64(uint64_t v) { return Format("%016llx", static_cast<unsigned long long>(v)); }

// RunLogged appends; each log here holds one run.
Result<int> RunFresh(const std::vector<std::string>& argv, const std::string& log) {
  KEVOLVE_RETURN_IF_ERROR(RemoveTree(log));
  return gemm::score::RunLogged(argv, log);
}

// What an object depends on besides its own source: every header-like file in the include
// folders (the task's header, the seed a harness includes), the flags and the compiler.
std::string IncludedFilesDigest(const std::vector<std::string>& dirs) {
  std::string digest;
  for (const std::string& dir : dirs) {
    DIR* d = opendir(dir.c_str());
    if (d == nullptr) continue;
    std::vector<std::string> names;
    while (const dirent* e = readdir(d)) {
      const std::string name = e->d_name;
      if (EndsWith(name, ".h") || EndsWith(name, ".cuh") || EndsWith(name, ".cu") ||
          EndsWith(name, ".hpp")) {
        names.push_back(name);
      }
    }
    closedir(d);
    std::sort(names.begin(), names.end());
    for (const std::string& name : names) {
      digest += name + ":" + Hex64(Fnv1a64(ReadOrEmpty(dir + "/" + name))) + ";";
    }
  }
  return digest;
}

struct Compile {
  std::string source;
  std::string object;
  std::vector<std::string> argv;
  std::string log;
  std::string key;  // cache key, "" when not cached
  bool from_cache = false;
  Result<int> status = 0;
};

std::string CachePath(const std::string& dir, const std::string& key, const char* ext) {
  return dir + "/" + key + ext;
}

// Takes the object (and its log) from a read-only cache (objects built ahead, with the
// product) or the cache when there; otherwise compiles and, on success, stores both in the cache
// (written under a temporary name and renamed, so a reader never sees half an entry).
void RunCompile(Compile& c, const std::string& cache_dir, const std::vector<std::string>& read_only) {
  std::vector<std::string> sources = read_only;
  if (!cache_dir.empty()) sources.push_back(cache_dir);
  for (const std::string& dir : sources) {
    auto bytes = ReadFile(CachePath(dir, c.key, ".o"));
    if (!bytes.ok()) continue;
    if (WriteFileAtomic(c.object, *bytes).ok() &&
        WriteFileAtomic(c.log, ReadOrEmpty(CachePath(dir, c.key, ".log"))).ok()) {
      c.from_cache = true;
      c.status = 0;
      return;
    }
  }
  c.status = RunFresh(c.argv, c.log);
  if (cache_dir.empty() || !c.status.ok() || *c.status != 0) return;
  if (auto bytes = ReadFile(c.object); bytes.ok()) {
    // A cache that cannot be written only costs time.
    (void)WriteFileAtomic(CachePath(cache_dir, c.key, ".log"), ReadOrEmpty(c.log));
    (void)WriteFileAtomic(CachePath(cache_dir, c.key, ".o"), *bytes);
  }
}

}  // namespace

std::vector<PtxasKernel> ParsePtxas(std::string_view log) {
  static const std::regex entry(R"(Compiling entry function '([^']+)')");
  static const std::regex props(R"(Function properties for (\S+))");
  static const std::regex frame(
      R"((\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads)");
  static const std::regex used(R"(Used (\d+) registers)");
  static const std::regex barriers(R"(used (\d+) barriers)");
  static const std::regex smem(R"((\d+) bytes smem)");
  std::vector<PtxasKernel> kernels;
  std::map<std::string, size_t> index;  // mangled name -> kernels[i]
  std::string current, properties_of;
  for (const std::string& line : SplitLines(log)) {
    std::smatch m;
    if (std::regex_search(line, m, entry)) {
      current = m[1];
      index[current] = kernels.size();
      kernels.push_back(PtxasKernel{Demangle(current)});
    } else if (std::regex_search(line, m, props)) {
      properties_of = m[1];
    } else if (std::regex_search(line, m, frame)) {
      const auto it = index.find(properties_of);
      if (it == index.end()) continue;  // a device function's frame
      PtxasKernel& k = kernels[it->second];
      k.stack_bytes = std::stoll(m[1]);
      k.spill_store_bytes = std::stoll(m[2]);
      k.spill_load_bytes = std::stoll(m[3]);
    } else if (std::regex_search(line, m, used) && !current.empty()) {
      PtxasKernel& k = kernels[index[current]];
      k.registers = std::stoi(m[1]);
      if (std::regex_search(line, m, barriers)) k.barriers = std::stoi(m[1]);
      if (std::regex_search(line, m, smem)) k.smem_bytes = std::stoll(m[1]);
    }
  }
  return kernels;
}

std::string FormatPtxas(const std::vector<PtxasKernel>& kernels) {
  std::string out;
  for (const PtxasKernel& k : kernels) {
    out += Format("%s: %d registers, %lld B spill stores, %lld B spill loads, %lld B shared, "
                  "%lld B stack, %d barriers\n",
                  k.name.c_str(), k.registers, static_cast<long long>(k.spill_store_bytes),
                  static_cast<long long>(k.spill_load_bytes), static_cast<long long>(k.smem_bytes),
                  static_cast<long long>(k.stack_bytes), k.barriers);
  }
  return out;
}

std::string SummarizeSass(std::string_view sass, size_t top) {
  static const std::regex function(R"(Function : (\S+))");
  // "/*0040*/   @!P0 LDG.E.128 R4, desc[UR4][R2.64] ;"
  static const std::regex instruction(R"(^\s*/\*[0-9a-f]{4,}\*/\s+(@!?U?P\w+\s+)?([A-Z][A-Z0-9_.]*))");
  std::string out;
  std::string name;
  std::map<std::string, int> counts;
  int total = 0;
  const auto flush = [&] {
    if (name.empty()) return;
    std::vector<std::pair<int, std::string>> ranked;
    for (const auto& [op, n] : counts) ranked.emplace_back(-n, op);
    std::sort(ranked.begin(), ranked.end());
    out += Demangle(name) + ": " + std::to_string(total) + " instructions;";
    for (size_t i = 0; i < ranked.size() && i < top; ++i) {
      out += (i ? ", " : " ") + ranked[i].second + " " + std::to_string(-ranked[i].first);
    }
    out += "\n";
  };
  for (const std::string& line : SplitLines(sass)) {
    std::smatch m;
    if (std::regex_search(line, m, function)) {
      flush();
      name = m[1];
      counts.clear();
      total = 0;
    } else if (!name.empty() && std::regex_search(line, m, instruction)) {
      const std::string op = m[2];
      if (op == "NOP") continue;  // alignment padding
      ++counts[op];
      ++total;
    }
  }
  flush();
  return out;
}

std::string FirstCompileErrors(std::string_view log, size_t max_lines) {
  const std::vector<std::string> lines = SplitLines(log);
  std::vector<std::string> picked;
  // The compiler says "error"; the linker says what it could not resolve or resolved twice.
  const auto is_error = [](const std::string& line) {
    return line.find("error") != std::string::npos ||
           line.find("undefined reference") != std::string::npos ||
           line.find("multiple definition") != std::string::npos;
  };
  for (size_t i = 0; i < lines.size() && picked.size() < max_lines; ++i) {
    if (!is_error(lines[i])) continue;
    picked.push_back(lines[i]);
    if (i + 1 < lines.size() && picked.size() < max_lines && !is_error(lines[i + 1])) {
      picked.push_back(lines[++i]);
    }
  }
  if (picked.empty()) return gemm::score::HeadLines(log, max_lines);
  return JoinLines(picked);
}

Result<std::string> GencodeFlag(std::string_view arch) {
  static const std::regex pattern(R"(sm_(\d+[a-z]?))");
  std::cmatch m;
  if (!std::regex_match(arch.begin(), arch.end(), m, pattern)) {
    return Status::InvalidArgument("arch '" + std::string(arch) +
                                   "' is not of the form sm_90a or sm_80 (--arch)");
  }
  const std::string number = m[1];
  return "-gencode=arch=compute_" + number + ",code=sm_" + number;
}

namespace {

// What every compile of a job shares: nvcc, its identity (part of every key: another nvcc makes
// other objects) and the flags.
struct Toolchain {
  std::vector<std::string> flags;  // nvcc and the flags every compile gets; [3] is -gencode
  std::string identity;            // nvcc --version
};

Result<Toolchain> ToolchainFor(const BuildJob& job) {
  KEVOLVE_ASSIGN_OR_RETURN(const std::string gencode, GencodeFlag(job.arch));
  Toolchain t;
  t.flags = {job.nvcc, "-std=c++20", "-O3", gencode, "-lineinfo", "-I" + job.kit_dir};
  t.flags.insert(t.flags.end(), job.flags.begin(), job.flags.end());
  const std::string log = job.workdir + "/nvcc-version.log";
  KEVOLVE_ASSIGN_OR_RETURN(const int status, RunFresh({job.nvcc, "--version"}, log));
  if (status != 0) {
    return Status::FailedPrecondition("'" + job.nvcc + " --version' failed: " +
                                      gemm::score::TailLines(ReadOrEmpty(log), 3));
  }
  t.identity = ReadOrEmpty(log);
  return t;
}

// One compile of `source` into workdir/stem.o; `include_dirs` join the toolchain's flags, and
// the key covers the identity, every flag, the include folders' files and `key_material`.
Compile MakeCompile(const BuildJob& job, const Toolchain& t, const std::string& source,
                    const std::string& stem, bool verbose,
                    const std::vector<std::string>& include_dirs, const std::string& key_material) {
  Compile c;
  c.source = source;
  c.object = job.workdir + "/" + stem + ".o";
  c.log = job.workdir + "/" + stem + ".log";
  c.argv = t.flags;
  for (const std::string& dir : include_dirs) c.argv.push_back("-I" + dir);
  if (verbose) c.argv.insert(c.argv.end(), {"-Xptxas", "-v"});
  std::string flags_text;
  for (const std::string& a : c.argv) flags_text += a + " ";
  c.argv.insert(c.argv.end(), {"-c", source, "-o", c.object});
  c.key = stem + "-" +
          Hex64(Fnv1a64(t.identity + flags_text + IncludedFilesDigest(include_dirs) + key_material));
  return c;
}

Result<std::string> KitCode(const std::string& kit_dir) {
  std::string kit_code;
  for (const char* name : {"kevolve_kit.h", "kit_device.cuh", "kit_runtime.cu"}) {
    KEVOLVE_ASSIGN_OR_RETURN(const std::string text, ReadFile(kit_dir + "/" + name));
    kit_code += text;
  }
  return kit_code;
}

// The kit runtime needs no task file: one object serves every task, so it can be built ahead.
Compile MakeRuntimeCompile(const BuildJob& job, const Toolchain& t, const std::string& kit_code) {
  return MakeCompile(job, t, job.kit_dir + "/kit_runtime.cu", "kit_runtime", false, {}, kit_code);
}

}  // namespace

bool ValidLibraryName(std::string_view name) {
  if (name.empty() || name.front() == '-') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ||
           c == '+';
  });
}

Result<std::string> PrebuildRuntime(const BuildJob& job, const std::string& out_dir) {
  KEVOLVE_ASSIGN_OR_RETURN(const Toolchain t, ToolchainFor(job));
  KEVOLVE_ASSIGN_OR_RETURN(const std::string kit_code, KitCode(job.kit_dir));
  KEVOLVE_RETURN_IF_ERROR(MakeDirs(out_dir));
  Compile c = MakeRuntimeCompile(job, t, kit_code);
  RunCompile(c, out_dir, {});
  if (!c.status.ok()) return c.status.status();
  if (*c.status != 0) {
    return Status::FailedPrecondition("the kit runtime does not compile: " +
                                      FirstCompileErrors(ReadOrEmpty(c.log), 20));
  }
  return out_dir + "/" + c.key + ".o";
}

Result<BuildReport> Build(const BuildJob& job) {
  const auto start = std::chrono::steady_clock::now();
  KEVOLVE_ASSIGN_OR_RETURN(const Toolchain t, ToolchainFor(job));
  // A cache that cannot be made (a sandbox that lets an evaluation write only its scratch
  // folder) costs time, never the build.
  std::string cache_dir = job.cache_dir;
  if (!cache_dir.empty() && !MakeDirs(cache_dir).ok()) cache_dir.clear();
  KEVOLVE_ASSIGN_OR_RETURN(const std::string candidate_code, ReadFile(job.candidate));
  KEVOLVE_ASSIGN_OR_RETURN(const std::string harness_code, ReadFile(job.harness));
  KEVOLVE_ASSIGN_OR_RETURN(const std::string kit_code, KitCode(job.kit_dir));
  std::vector<Compile> compiles = {
      MakeCompile(job, t, job.candidate, "candidate", true, job.include_dirs, candidate_code),
      MakeCompile(job, t, job.harness, "harness", false, job.include_dirs, harness_code + kit_code),
      MakeRuntimeCompile(job, t, kit_code)};
  const std::vector<std::string> read_only = {job.kit_dir + "/prebuilt"};
  {
    std::vector<std::thread> threads;
    for (Compile& c : compiles) {
      threads.emplace_back([&c, &cache_dir, &read_only] { RunCompile(c, cache_dir, read_only); });
    }
    for (std::thread& thread : threads) thread.join();
  }
  BuildReport report;
  for (size_t i = 0; i < compiles.size(); ++i) {
    const Compile& c = compiles[i];
    if (!c.status.ok()) return c.status.status();
    (c.from_cache ? report.cache_hits : report.compiles) += 1;
    if (*c.status != 0 && report.errors.empty()) {
      report.errors = FirstCompileErrors(ReadOrEmpty(c.log), 20);
      report.harness_failed = i > 0;
    }
  }
  if (report.errors.empty()) {
    const std::string log = job.workdir + "/link.log";
    std::vector<std::string> link = {job.nvcc, t.flags[3], "-o", job.out};
    for (const Compile& c : compiles) link.push_back(c.object);
    for (const std::string& lib : job.libs) link.push_back("-l" + lib);
    KEVOLVE_ASSIGN_OR_RETURN(const int status, RunFresh(link, log));
    if (status != 0) {
      // A candidate that defines a symbol the harness or the kit also defines fails here.
      report.errors = std::string(kLinkPrefix) + FirstCompileErrors(ReadOrEmpty(log), 20);
    }
  }
  report.compiled = report.errors.empty();
  report.kernels = ParsePtxas(ReadOrEmpty(compiles[0].log));
  if (report.compiled) {
    const std::string log = job.workdir + "/sass.txt";
    auto dumped = RunFresh({job.cuobjdump, "-sass", compiles[0].object}, log);
    report.sass = dumped.ok() && *dumped == 0
                      ? SummarizeSass(ReadOrEmpty(log), 12)
                      : "(no SASS summary: " + job.cuobjdump + " did not run)\n";
  }
  report.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

std::string BuildAnswer(const BuildReport& r) {
  using gemm::bench::JsonString;
  int registers = 0;
  long long spills = 0, smem = 0, stack = 0;
  for (const PtxasKernel& k : r.kernels) {
    registers = std::max(registers, k.registers);
    spills += k.spill_store_bytes + k.spill_load_bytes;
    smem = std::max<long long>(smem, k.smem_bytes);
    stack = std::max<long long>(stack, k.stack_bytes);
  }
  const std::string metrics = Format(
      "{\"registers\": %d, \"spill_bytes\": %lld, \"smem_bytes\": %lld, \"stack_bytes\": %lld, "
      "\"compile_seconds\": %.3f, \"compile_cache_hits\": %d}",
      registers, spills, smem, stack, r.seconds, r.cache_hits);
  if (!r.compiled) {
    const bool link = StartsWith(r.errors, kLinkPrefix);
    const std::string who = r.harness_failed ? "the task's harness or the kit does not compile "
                                               "(not the candidate's fault): "
                            : link           ? "does not link: "
                                             : "does not compile: ";
    const std::string errors = link ? r.errors.substr(kLinkPrefix.size()) : r.errors;
    return "{\"protocol\": 1, \"valid\": false, \"metrics\": " + metrics +
           ", \"artifacts\": {\"feedback\": " + JsonString(who + errors) +
           ", \"compile_errors\": " + JsonString(errors) + "}}\n";
  }
  return "{\"protocol\": 1, \"valid\": true, \"combined_score\": 0, \"metrics\": " + metrics +
         Format(", \"features\": {\"registers\": %d}", registers) +
         ", \"artifacts\": {\"ptxas\": " + JsonString(FormatPtxas(r.kernels)) +
         ", \"sass\": " + JsonString(r.sass) + "}}\n";
}

}  // namespace kevolve::kit
