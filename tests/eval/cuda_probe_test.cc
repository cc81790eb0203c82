// The CUDA probe's answer and the rule that refuses a GPU task where CUDA cannot start inside
// the sandbox or evaluator.devices names a GPU that is not there.
#include "eval/cuda_probe.h"

#include <gtest/gtest.h>

namespace kevolve::eval {
namespace {

CudaSeen TwoH200s() {
  CudaSeen seen;
  seen.started = true;
  seen.gpus = {CudaGpu{0, "NVIDIA H200", "GPU-8f6c0001-aaaa-bbbb-cccc-000000000001", 143771},
               CudaGpu{1, "NVIDIA H200", "GPU-8f6c0002-aaaa-bbbb-cccc-000000000002", 143771}};
  return seen;
}

TEST(CudaProbeTest, TheAnswerReadsBackFromAmongOtherOutput) {
  const CudaSeen seen = TwoH200s();
  Result<CudaSeen> back = ParseCudaSeen("warming up\n" + CudaSeenJson(seen) + "\n");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE(back->started);
  ASSERT_EQ(back->gpus.size(), 2u);
  EXPECT_EQ(back->gpus[1].index, 1);
  EXPECT_EQ(back->gpus[1].name, "NVIDIA H200");
  EXPECT_EQ(back->gpus[1].uuid, seen.gpus[1].uuid);
  EXPECT_EQ(back->gpus[1].memory_mb, 143771);
  EXPECT_FALSE(ParseCudaSeen("{\"started\":true}\nnothing else").ok());
}

TEST(CudaProbeTest, NoDriverTellsToRunOnAGpuMachine) {
  CudaSeen seen;
  seen.error = "no NVIDIA driver here: libcuda.so.1 cannot be loaded (not found)";
  EvaluatorConfig config;
  config.gpu = true;
  const Status s = CheckGpusForEvaluator(config, SandboxMode::kProcess, seen);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(),
            "evaluator.gpu is true but CUDA does not start inside the sandbox (process mode): "
            "no NVIDIA driver here: libcuda.so.1 cannot be loaded (not found); run the task on a "
            "GPU machine, or set evaluator.gpu: false");
}

TEST(CudaProbeTest, ADriverThatFailsInsideTheSandboxPointsToTheOtherMode) {
  CudaSeen seen;
  seen.error = "cuInit failed: CUDA_ERROR_OPERATING_SYSTEM (304)";
  EvaluatorConfig config;
  config.gpu = true;
  const Status s = CheckGpusForEvaluator(config, SandboxMode::kBwrap, seen);
  EXPECT_NE(s.message().find("(bwrap mode): cuInit failed: CUDA_ERROR_OPERATING_SYSTEM (304)"),
            std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("try evaluator.sandbox: process"), std::string::npos) << s.message();
}

TEST(CudaProbeTest, DevicesMustNameGpusThatExist) {
  EvaluatorConfig config;
  config.gpu = true;
  config.devices = {"0", "1"};
  EXPECT_TRUE(CheckGpusForEvaluator(config, SandboxMode::kProcess, TwoH200s()).ok());
  config.devices = {"GPU-8f6c0002"};  // a UUID prefix, as CUDA_VISIBLE_DEVICES takes it
  EXPECT_TRUE(CheckGpusForEvaluator(config, SandboxMode::kProcess, TwoH200s()).ok());
  config.devices = {"0", "2"};
  const Status s = CheckGpusForEvaluator(config, SandboxMode::kProcess, TwoH200s());
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(),
            "evaluator.devices[1] is '2' but CUDA sees 2 GPU(s) inside the sandbox (process "
            "mode): 0 (NVIDIA H200), 1 (NVIDIA H200)");
  config.devices = {"GPU-ffff"};
  EXPECT_FALSE(CheckGpusForEvaluator(config, SandboxMode::kProcess, TwoH200s()).ok());
  CudaSeen none;
  none.started = true;
  config.devices = {};
  EXPECT_EQ(CheckGpusForEvaluator(config, SandboxMode::kProcess, none).message(),
            "evaluator.gpu is true but CUDA sees no GPU inside the sandbox (process mode)");
}

}  // namespace
}  // namespace kevolve::eval
