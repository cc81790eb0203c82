// `kevolve-kernel build` as an evaluation runs it: the RMSNorm task's seed, harness and the kit
// compiled by the machine's nvcc for sm_90a (no GPU needed to compile), the evidence it
// reports, the cache, and candidates that do not compile or do not link. Skipped where the CUDA
// toolkit is not installed.
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "core/files.h"
#include "core/json.h"
#include "kernel_kit/attention_cheats.h"
#include "testing/command.h"

namespace kevolve {
namespace {

using testing::RunCommand;

const std::string kTask = std::string(KEVOLVE_SOURCE_DIR) + "/examples/rmsnorm";
const std::string kTool = std::string(KEVOLVE_BINARY_DIR) + "/src/app/kevolve-tools/kevolve-kernel";
const std::string kAttentionTask = std::string(KEVOLVE_SOURCE_DIR) + "/examples/attention_decode";

std::string FindNvcc() {
  for (const char* path : {"/usr/local/cuda/bin/nvcc", "/usr/bin/nvcc"}) {
    if (access(path, X_OK) == 0) return path;
  }
  return "";
}

class KernelKitCliTest : public ::testing::Test {
 protected:
  // One cache for the suite: the harness and the kit are compiled once, as in a run.
  static void SetUpTestSuite() { cache_ = *MakeTempDir(::testing::TempDir(), "kernel-kit-cache-"); }
  static void TearDownTestSuite() { (void)RemoveTree(cache_); }
  void SetUp() override {
    nvcc_ = FindNvcc();
    if (nvcc_.empty()) GTEST_SKIP() << "no nvcc here: the CUDA toolkit is not installed";
    work_ = *MakeTempDir(::testing::TempDir(), "kernel-kit-");
  }
  void TearDown() override {
    if (!work_.empty()) (void)RemoveTree(work_);
  }
  // Builds `candidate` of `task` (the RMSNorm task unless named) in a folder of its own; the
  // answer, parsed.
  Json Build(const std::string& candidate, const std::string& name,
             const std::string& task = kTask) {
    const std::string dir = work_ + "/" + name;
    EXPECT_TRUE(MakeDirs(dir).ok());
    const auto r = RunCommand({kTool, "build", "--candidate", candidate, "--harness",
                               task + "/harness.cu", "--include", task, "--out", dir + "/bench",
                               "--workdir", dir, "--nvcc", nvcc_, "--cache", cache_});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto answer = ParseJson(r.out);
    EXPECT_TRUE(answer.ok()) << r.out;
    return answer.ok() ? *answer : Json();
  }
  std::string WriteCandidate(const std::string& name, const std::string& code) {
    const std::string path = work_ + "/" + name;
    EXPECT_TRUE(WriteFileAtomic(path, code).ok());
    return path;
  }
  std::string nvcc_, work_;
  static inline std::string cache_;
};

TEST_F(KernelKitCliTest, TheSeedBuildsWithItsEvidenceAndASecondBuildComesFromTheCache) {
  const Json first = Build(kTask + "/initial_program.cu", "seed");
  ASSERT_EQ(first["valid"], true) << first.dump();
  EXPECT_EQ(first["combined_score"], 0);
  EXPECT_GT(first["metrics"]["registers"].get<int>(), 8);
  EXPECT_EQ(first["metrics"]["spill_bytes"], 0);
  // The candidate's object is new; the harness and the kit may come from an earlier test.
  EXPECT_LT(first["metrics"]["compile_cache_hits"].get<int>(), 3);
  EXPECT_EQ(first["features"]["registers"], first["metrics"]["registers"]);
  const std::string ptxas = first["artifacts"]["ptxas"];
  EXPECT_NE(ptxas.find("RmsNormKernel<128, 1, 0>(RmsNormArgs): "), std::string::npos) << ptxas;
  EXPECT_EQ(access((work_ + "/seed/bench").c_str(), X_OK), 0);

  const Json again = Build(kTask + "/initial_program.cu", "again");  // nothing compiled
  ASSERT_EQ(again["valid"], true);
  EXPECT_EQ(again["metrics"]["compile_cache_hits"], 3);
  EXPECT_EQ(again["metrics"]["registers"], first["metrics"]["registers"]);
  EXPECT_EQ(access((work_ + "/again/bench").c_str(), X_OK), 0);
}

// The flagship task compiles where CI has no GPU: its seed, the kernel its run evolved, and two
// settings of the seed's knobs that together turn on every design it carries (each knob's
// choices must compile, and the run only ever sets knobs): the tensor-core path with its
// largest choices, and the CUDA-core path with 16 heads a CTA and the smallest ring, with the
// last-CTA combine (whose weights the ring must still fit) and with the second kernel.
TEST_F(KernelKitCliTest, TheAttentionTaskBuildsItsSeedItsDesignsAndItsEvolvedKernel) {
  const std::string& task = kAttentionTask;
  const std::string seed = *ReadFile(task + "/initial_program.cu");
  auto with_knobs = [&](const std::vector<std::pair<std::string, std::string>>& knobs) {
    std::string code = seed;
    for (const auto& [knob, value] : knobs) {
      const std::string declaration = "constexpr int " + knob + " = ";
      const size_t at = code.find(declaration);
      EXPECT_NE(at, std::string::npos) << knob;
      if (at == std::string::npos) return std::string();
      const size_t value_at = at + declaration.size();
      code.replace(value_at, code.find(';', value_at) - value_at, value);
    }
    return code;
  };
  const std::string tensor_cores = with_knobs({{"kUseTensorCores", "1"},
                                               {"kWarpOwnsSlices", "1"},
                                               {"kCombine", "2"},
                                               {"kL2Prefetch", "256"},
                                               {"kStages", "3"},
                                               {"kThreads", "256"},
                                               {"kHeadsPerCta", "16"}});
  // The smallest ring with 16 heads, for each way of combining: only the last-CTA combine keeps
  // its weights in the ring.
  const std::string cuda_cores = with_knobs(
      {{"kHeadsPerCta", "16"}, {"kCombine", "1"}, {"kKeysPerTile", "16"}, {"kStages", "1"}});
  const std::string cuda_cores_second_kernel = with_knobs(
      {{"kHeadsPerCta", "16"}, {"kCombine", "0"}, {"kKeysPerTile", "16"}, {"kStages", "1"}});
  ASSERT_FALSE(tensor_cores.empty() || cuda_cores.empty() || cuda_cores_second_kernel.empty());
  for (const auto& [name, path] : std::vector<std::pair<std::string, std::string>>{
           {"seed", task + "/initial_program.cu"},
           {"evolved", task + "/evolved_h100.cu"},
           {"designs", WriteCandidate("designs.cu", tensor_cores)},
           {"cuda-core-designs", WriteCandidate("cuda_core_designs.cu", cuda_cores)},
           {"cuda-core-second-kernel",
            WriteCandidate("cuda_core_second_kernel.cu", cuda_cores_second_kernel)}}) {
    const Json answer = Build(path, "attention-" + name, task);
    ASSERT_EQ(answer["valid"], true) << name << ": " << answer.dump();
    EXPECT_EQ(answer["metrics"]["spill_bytes"], 0) << name;
    const std::string ptxas = answer["artifacts"]["ptxas"];
    EXPECT_NE(ptxas.find("DecodeSplitKernel<128>"), std::string::npos) << name << ": " << ptxas;
  }
}

// The attention task's wrong candidates (attention_cheats.h) apply to the seed as it is and
// compile: on a GPU they must be rejected by the checks, not by the compiler.
TEST_F(KernelKitCliTest, TheAttentionCheatsApplyToTheSeedAndCompile) {
  const std::string& task = kAttentionTask;
  const std::string seed = *ReadFile(task + "/initial_program.cu");
  for (const testing::AttentionCheat& cheat : testing::kAttentionCheats) {
    const std::string code = testing::ApplyCheat(seed, cheat);
    ASSERT_FALSE(code.empty()) << cheat.name << ": its line is not in the seed exactly once";
    const Json answer =
        Build(WriteCandidate(std::string(cheat.name) + ".cu", code), cheat.name, task);
    EXPECT_EQ(answer["valid"], true) << cheat.name << ": " << answer.dump();
  }
}

TEST_F(KernelKitCliTest, ACompileErrorIsAnInvalidResultNamingTheLine) {
  std::string code = *ReadFile(kTask + "/initial_program.cu");
  code.replace(code.find("constexpr int kThreads = 128;"), 29, "constexpr int kThreads = 12x;");
  const Json answer = Build(WriteCandidate("typo.cu", code), "typo");
  EXPECT_EQ(answer["valid"], false);
  const std::string feedback = answer["artifacts"]["feedback"];
  EXPECT_EQ(feedback.rfind("does not compile: ", 0), 0u) << feedback;
  EXPECT_NE(feedback.find("typo.cu(10): error"), std::string::npos) << feedback;
  EXPECT_NE(feedback.find("12x"), std::string::npos) << feedback;  // the code under it
}

TEST_F(KernelKitCliTest, ACandidateThatDefinesWhatTheKitDefinesFailsToLink) {
  const std::string code = *ReadFile(kTask + "/initial_program.cu") + "\nint main() { return 0; }\n";
  const Json answer = Build(WriteCandidate("main.cu", code), "main");
  EXPECT_EQ(answer["valid"], false);
  const std::string feedback = answer["artifacts"]["feedback"];
  EXPECT_EQ(feedback.rfind("does not link: ", 0), 0u) << feedback;
  EXPECT_NE(feedback.find("multiple definition of `main'"), std::string::npos) << feedback;
}

// The GEMM test task's harness calls cuBLAS: it links only with --libs cublas.
TEST_F(KernelKitCliTest, AHarnessThatCallsALibraryLinksWithLibs) {
  const std::string gemm = std::string(KEVOLVE_SOURCE_DIR) + "/tests/kernel_kit/gemm_task";
  auto build = [&](const std::vector<std::string>& extra) {
    std::vector<std::string> argv = {kTool, "build", "--candidate", gemm + "/initial_program.cu",
                                     "--harness", gemm + "/harness.cu", "--include", gemm,
                                     "--out", work_ + "/bench", "--workdir", work_, "--nvcc",
                                     nvcc_, "--cache", cache_};
    argv.insert(argv.end(), extra.begin(), extra.end());
    const auto r = RunCommand(argv);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto answer = ParseJson(r.out);
    EXPECT_TRUE(answer.ok()) << r.out;
    return answer.ok() ? *answer : Json();
  };
  const Json without = build({});
  EXPECT_EQ(without["valid"], false);
  const std::string feedback = without["artifacts"]["feedback"];
  EXPECT_NE(feedback.find("cublas"), std::string::npos) << feedback;  // the unresolved symbol
  const Json with = build({"--libs", "cublas"});
  EXPECT_EQ(with["valid"], true) << with.dump(2);

  const auto r = RunCommand({kTool, "build", "--candidate", gemm + "/initial_program.cu",
                             "--harness", gemm + "/harness.cu", "--out", work_ + "/b", "--libs",
                             "cublas,-o /tmp/x"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("'-o /tmp/x' is not a library name"), std::string::npos) << r.err;
}

TEST_F(KernelKitCliTest, BadCommandLinesSayWhatIsWrong) {
  auto r = RunCommand({kTool, "build", "--candidate", "x.cu"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--harness is required"), std::string::npos) << r.err;
  r = RunCommand({kTool, "build", "--candidate", kTask + "/initial_program.cu", "--harness",
                  kTask + "/harness.cu", "--out", work_ + "/b", "--workdir", work_, "--nvcc",
                  nvcc_, "--arch", "hopper"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("arch 'hopper' is not of the form sm_90a or sm_80"), std::string::npos)
      << r.err;
  r = RunCommand({kTool, "build", "--candidate", kTask + "/initial_program.cu", "--harness",
                  kTask + "/harness.cu", "--out", work_ + "/b", "--workdir", work_, "--nvcc",
                  "/nonexistent/nvcc"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("/nonexistent/nvcc"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("\"valid\": false"), std::string::npos) << r.out;
  r = RunCommand({kTool, "frobnicate"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("usage: kevolve-kernel build"), std::string::npos);
}

}  // namespace
}  // namespace kevolve
