// The kernel kit on a GPU, through kevolve itself: `kevolve eval` of the RMSNorm task (the
// sandbox, the two stages, one GPU held by the timing stage) on the seed, on the red team of
// cheating candidates (redteam/, one cheat each, every one otherwise the seed), and on a
// candidate that hangs the GPU followed by a correct one; the GEMM task's red team; and the
// decode-attention task's seed, evolved kernel and wrong candidates (attention_cheats.h).
// Skipped where CUDA sees no GPU.
#include <gtest/gtest.h>

#include <string>

#include "core/files.h"
#include "core/json.h"
#include "eval/cuda_probe.h"
#include "kernel_kit/attention_cheats.h"
#include "testing/command.h"

namespace kevolve {
namespace {

using testing::KevolveBinary;
using testing::RunCommand;

const std::string kTask = std::string(KEVOLVE_SOURCE_DIR) + "/examples/rmsnorm";
const std::string kRedTeam = std::string(KEVOLVE_SOURCE_DIR) + "/tests/kernel_kit/redteam/";
// The GEMM red team (the cheats kernels/tests/gemm_redteam_test.cc holds against the GEMM
// family's own harness), as candidates of a kit task whose harness links cuBLAS.
const std::string kGemmTask = std::string(KEVOLVE_SOURCE_DIR) + "/tests/kernel_kit/gemm_task";
const std::string kGemmRedTeam =
    std::string(KEVOLVE_SOURCE_DIR) + "/tests/kernel_kit/redteam_gemm/";
const std::string kAttentionTask = std::string(KEVOLVE_SOURCE_DIR) + "/examples/attention_decode";

class KernelKitGpuTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const eval::CudaSeen seen = eval::LookAtCudaHere();
    has_gpu_ = seen.started && !seen.gpus.empty();
  }
  void SetUp() override {
    if (!has_gpu_) GTEST_SKIP() << "no GPU: CUDA does not start here or sees no device";
  }
  // `kevolve eval` of `program` on `task` (RMSNorm unless said); the result, parsed.
  static Json Eval(const std::string& program, const std::string& task = kTask) {
    const auto r = RunCommand({KevolveBinary(), "eval", task, program});
    auto result = ParseJson(r.out);
    EXPECT_TRUE(result.ok()) << "stdout: " << r.out << "\nstderr: " << r.err;
    return result.ok() ? *result : Json();
  }
  static inline bool has_gpu_ = false;
};

TEST_F(KernelKitGpuTest, TheSeedPassesTheGateAndMatchesItself) {
  const Json r = Eval(kTask + "/initial_program.cu");
  ASSERT_EQ(r["valid"], true) << r.dump(2);
  EXPECT_EQ(r["stages_run"], 2);
  const double score = r["combined_score"];
  EXPECT_GT(score, 0.9) << "the seed timed against itself";
  EXPECT_LT(score, 1.1);
  EXPECT_GT(r["metrics"]["sol_fraction"].get<double>(), 0.05);
  EXPECT_LE(r["metrics"]["sol_fraction"].get<double>(), 1.25);
  EXPECT_GT(r["metrics"]["copy_gbps"].get<double>(), 500);
  EXPECT_GT(r["metrics"]["registers"].get<int>(), 8);  // stage 1's, merged
  EXPECT_TRUE(r["hidden_metrics"].contains("heldout_speedup"));
  EXPECT_NE(r["artifacts"]["shapes"].get<std::string>().find("qwen25_7b_r2048 (held out)"),
            std::string::npos);
  std::printf("seed: %s\n", r.dump().c_str());
}

struct Cheat {
  const char* file;
  const char* reason;  // a part of the rejection's reason
};

void ExpectRejected(const Json& r, const Cheat& cheat) {
  ASSERT_EQ(r["valid"], false) << r.dump(2);
  EXPECT_EQ(r["failure"], "invalid") << r.dump(2);
  const std::string reason = r["reason"];
  EXPECT_NE(reason.find(cheat.reason), std::string::npos) << reason;
  std::printf("%s: %s\n", cheat.file, reason.c_str());
}

std::string CheatName(const ::testing::TestParamInfo<Cheat>& param) {
  const std::string name = param.param.file;
  return name.substr(0, name.find('.'));
}

class KernelKitRedTeamTest : public KernelKitGpuTest,
                             public ::testing::WithParamInterface<Cheat> {};

TEST_P(KernelKitRedTeamTest, IsRejectedWithItsReason) {
  ExpectRejected(Eval(kRedTeam + GetParam().file), GetParam());
}

INSTANTIATE_TEST_SUITE_P(
    Cheats, KernelKitRedTeamTest,
    ::testing::Values(
        Cheat{"only_when_checked.cu", "the output after the timed launches is wrong"},
        Cheat{"cache_by_pointer.cu", "re-check with fresh inputs at the same addresses"},
        Cheat{"side_stream.cu", "timing: "}, Cheat{"host_thread.cu", "host thread(s) running"},
        Cheat{"writes_past_the_end.cu", "wrote outside its tensors: past the end of y"},
        Cheat{"writes_its_input.cu", "changed its input x"},
        Cheat{"wrong_on_odd_rows.cu", "shape odd_r1000 (held out): y: "},
        Cheat{"nan_output.cu", "(1 NaN or Inf"},
        Cheat{"segfaults.cu", "the kernel program was killed by SIGSEGV before it answered"}),
    CheatName);

TEST_F(KernelKitGpuTest, GemmHonestCandidatesPassAndTheFlopCeilingBoundsCublas) {
  const Json plain = Eval(kGemmTask + "/initial_program.cu", kGemmTask);
  ASSERT_EQ(plain["valid"], true) << plain.dump(2);
  const Json cublas = Eval(kGemmRedTeam + "cublas.cu", kGemmTask);
  ASSERT_EQ(cublas["valid"], true) << cublas.dump(2);
  // cuBLAS's rate measured on 8192^3 is the ceiling: cuBLAS on the suite's smaller shapes
  // reaches a large part of it and never passes it by much; the plain kernel a small part.
  EXPECT_GT(cublas["metrics"]["flop_ceiling_tflops"].get<double>(), 50) << cublas.dump(2);
  const double fast = cublas["metrics"]["sol_fraction"], slow = plain["metrics"]["sol_fraction"];
  EXPECT_GT(fast, 0.3) << cublas["artifacts"]["shapes"];
  EXPECT_LT(fast, 1.25) << cublas["artifacts"]["shapes"];
  EXPECT_LT(slow, 0.2 * fast) << plain["artifacts"]["shapes"];
  std::printf("gemm plain: %s\ngemm cublas: %s\n", plain["artifacts"]["shapes"].dump().c_str(),
              cublas["artifacts"]["shapes"].dump().c_str());
}

class KernelKitGemmRedTeamTest : public KernelKitGpuTest,
                                 public ::testing::WithParamInterface<Cheat> {};

TEST_P(KernelKitGemmRedTeamTest, IsRejectedWithItsReason) {
  ExpectRejected(Eval(kGemmRedTeam + GetParam().file, kGemmTask), GetParam());
}

INSTANTIATE_TEST_SUITE_P(
    GemmCheats, KernelKitGemmRedTeamTest,
    ::testing::Values(
        Cheat{"reads_freed_memory.cu", "shape tuned_1024x1024x4096: c: "},
        Cheat{"side_stream.cu", "timing: "},
        // The work comes 50 ms after the launch returned: the first check, which waited for the
        // device, compares the poisoned output.
        Cheat{"host_thread_after_return.cu",
              "shape tuned_1024x1024x4096: c: 1048576 of 1048576 values wrong (1048576 NaN"},
        Cheat{"cache_by_pointer.cu", "re-check with fresh inputs at the same addresses"},
        Cheat{"hard_coded_shape.cu", "shape odd_384x640x1000 (held out): c: "},
        Cheat{"fp16_accumulation.cu", "shape tuned_1024x1024x4096: c: "},
        Cheat{"fp8_inputs.cu", "shape tuned_1024x1024x4096: c: "}),
    CheatName);

// The decode-attention task: its seed passes the gate on every shape and matches itself; the
// kernel its run evolved passes and is faster; each wrong candidate of attention_cheats.h is
// rejected, naming the shape.
TEST_F(KernelKitGpuTest, TheAttentionSeedAndItsEvolvedKernelPassTheGate) {
  const Json seed = Eval(kAttentionTask + "/initial_program.cu", kAttentionTask);
  ASSERT_EQ(seed["valid"], true) << seed.dump(2);
  EXPECT_GT(seed["combined_score"].get<double>(), 0.9);
  EXPECT_LT(seed["combined_score"].get<double>(), 1.1);
  const Json evolved = Eval(kAttentionTask + "/evolved_h100.cu", kAttentionTask);
  ASSERT_EQ(evolved["valid"], true) << evolved.dump(2);
  EXPECT_GT(evolved["combined_score"].get<double>(), 2.0) << evolved["artifacts"]["shapes"];
  EXPECT_GT(evolved["hidden_metrics"]["heldout_min_speedup"].get<double>(), 1.0);
  std::printf("attention seed: %s\nattention evolved: %s\n",
              seed["artifacts"]["shapes"].dump().c_str(),
              evolved["artifacts"]["shapes"].dump().c_str());
}

class KernelKitAttentionCheatTest : public KernelKitGpuTest,
                                    public ::testing::WithParamInterface<testing::AttentionCheat> {
};

TEST_P(KernelKitAttentionCheatTest, IsRejectedNamingTheShape) {
  const testing::AttentionCheat& cheat = GetParam();
  const std::string code =
      testing::ApplyCheat(*ReadFile(kAttentionTask + "/initial_program.cu"), cheat);
  ASSERT_FALSE(code.empty()) << cheat.name << ": its line is not in the seed exactly once";
  const std::string dir = *MakeTempDir(::testing::TempDir(), "attention-cheat-");
  const std::string path = dir + "/" + cheat.name + ".cu";
  ASSERT_TRUE(WriteFileAtomic(path, code).ok());
  const Json r = Eval(path, kAttentionTask);
  (void)RemoveTree(dir);
  ExpectRejected(r, Cheat{cheat.name, cheat.reason});
}

INSTANTIATE_TEST_SUITE_P(AttentionCheats, KernelKitAttentionCheatTest,
                         ::testing::ValuesIn(testing::kAttentionCheats),
                         [](const ::testing::TestParamInfo<testing::AttentionCheat>& param) {
                           return std::string(param.param.name);
                         });

TEST_F(KernelKitGpuTest, AForgedLinePrintedByTheCandidateIsNotTheAnswer) {
  const Json r = Eval(kRedTeam + "prints_a_forged_answer.cu");
  ASSERT_EQ(r["valid"], true) << r.dump(2);  // it does the work: the seed's
  EXPECT_LT(r["combined_score"].get<double>(), 1.5);
}

TEST_F(KernelKitGpuTest, AHangIsReportedAndTheNextEvaluationOnThatGpuIsUnaffected) {
  const Json hung = Eval(kRedTeam + "hangs.cu");
  ASSERT_EQ(hung["valid"], false) << hung.dump(2);
  EXPECT_NE(hung["reason"].get<std::string>().find("did not finish within"), std::string::npos)
      << hung["reason"];
  const Json next = Eval(kTask + "/initial_program.cu");
  EXPECT_EQ(next["valid"], true) << next.dump(2);
}

}  // namespace
}  // namespace kevolve
