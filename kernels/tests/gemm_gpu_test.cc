// GPU specifications of the GEMM family (ctest label gpu): every compiled config computes
// every shape it accepts, every shape is computed by some config, and the harness catches the
// known ways a kernel can lie. Each test skips when no CUDA device is present.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "bench/gemm_harness.h"
#include "bench/gemm_reference.h"
#include "common/cuda_check.h"
#include "gemm/gemm_operation.h"

namespace kevolve::gemm::bench {
namespace {

class GemmGpuTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!HasCudaDevice()) GTEST_SKIP() << "no CUDA device";
    Result<std::unique_ptr<Workbench>> wb = Workbench::Create();
    ASSERT_TRUE(wb.ok()) << wb.status().ToString();
    wb_ = std::move(*wb);
  }
  std::unique_ptr<Workbench> wb_;
};

// Shapes that exercise tails in M, N and K, M = 1, split-K, odd N and unaligned K.
const std::vector<GemmShape>& TestShapes() {
  static const std::vector<GemmShape> shapes = {
      {1, 4096, 4096, BLayout::kNK},   {16, 16, 32768, BLayout::kNK},
      {128, 256, 512, BLayout::kNK},   {200, 300, 264, BLayout::kNK},
      {1000, 1000, 1000, BLayout::kNK}, {513, 1031, 4104, BLayout::kNK},
      {64, 50257, 768, BLayout::kNK},  {77, 129, 1023, BLayout::kNK},
      {1, 1, 1, BLayout::kNK},         {96, 4096, 4096, BLayout::kKN},
      {33, 65, 127, BLayout::kKN},
  };
  return shapes;
}

TEST_F(GemmGpuTest, EveryConfigComputesEveryShapeItAccepts) {
  std::vector<bool> covered(TestShapes().size(), false);
  for (const GemmConfig& c : GemmMenu()) {
    Result<std::unique_ptr<GemmOperation>> op = MakeGemmOperation(c);
    ASSERT_TRUE(op.ok()) << op.status().ToString();
    for (size_t i = 0; i < TestShapes().size(); ++i) {
      const GemmShape& s = TestShapes()[i];
      if (!(*op)->CanImplement(s).ok()) continue;
      const uint64_t seed = FreshSeed();
      ASSERT_TRUE(wb_->PrepareInputs(s, seed).ok());
      Result<CheckOutcome> out = CheckOperation(*wb_, **op, s, seed + 1);
      ASSERT_TRUE(out.ok()) << ToString(c) << " " << ToString(s) << ": "
                            << out.status().ToString();
      EXPECT_TRUE(out->passed) << ToString(c) << " " << ToString(s) << " seed " << seed << ": "
                               << out->detail;
      covered[i] = covered[i] || out->passed;
    }
  }
  for (size_t i = 0; i < covered.size(); ++i) {
    EXPECT_TRUE(covered[i]) << ToString(TestShapes()[i]) << " is computed by no config";
  }
}

// A kernel that writes nothing: the poisoned output must fail the check.
class WritesNothing final : public GemmOperation {
 public:
  WritesNothing() : GemmOperation(GemmConfig{}) {}
  Status CanImplement(const GemmShape&) const override { return Status::Ok(); }
  Status Initialize(const GemmArgs&) override { return Status::Ok(); }
  Status Launch(cudaStream_t) override { return Status::Ok(); }
};

// A kernel that computes the right answer through cuBLAS, then scribbles on its input.
class WritesItsInput final : public GemmOperation {
 public:
  explicit WritesItsInput(Workbench* wb) : GemmOperation(GemmConfig{}), wb_(wb) {}
  Status CanImplement(const GemmShape&) const override { return Status::Ok(); }
  Status Initialize(const GemmArgs& args) override {
    args_ = args;
    return Status::Ok();
  }
  Status Launch(cudaStream_t stream) override {
    KEVOLVE_RETURN_IF_ERROR(wb_->cublas().Run(args_.shape, args_.a, args_.b, args_.c));
    return KEVOLVE_CUDA_STATUS(cudaMemsetAsync(const_cast<void*>(args_.a), 0, 64, stream));
  }

 private:
  Workbench* wb_;
  GemmArgs args_;
};

// A correct answer from another library: the check must accept it.
class CallsCublas final : public GemmOperation {
 public:
  explicit CallsCublas(Workbench* wb) : GemmOperation(GemmConfig{}), wb_(wb) {}
  Status CanImplement(const GemmShape&) const override { return Status::Ok(); }
  Status Initialize(const GemmArgs& args) override {
    args_ = args;
    return Status::Ok();
  }
  Status Launch(cudaStream_t) override {
    return wb_->cublas().Run(args_.shape, args_.a, args_.b, args_.c);
  }

 private:
  Workbench* wb_;
  GemmArgs args_;
};

TEST_F(GemmGpuTest, UnwrittenOutputFails) {
  const GemmShape s{256, 256, 256, BLayout::kNK};
  ASSERT_TRUE(wb_->PrepareInputs(s, FreshSeed()).ok());
  WritesNothing op;
  Result<CheckOutcome> out = CheckOperation(*wb_, op, s, 1);
  ASSERT_TRUE(out.ok());
  EXPECT_FALSE(out->passed);
  EXPECT_NE(out->detail.find("NaN"), std::string::npos) << out->detail;
}

TEST_F(GemmGpuTest, WritingAnInputFails) {
  const GemmShape s{128, 128, 256, BLayout::kNK};
  ASSERT_TRUE(wb_->PrepareInputs(s, FreshSeed()).ok());
  WritesItsInput op(wb_.get());
  Result<CheckOutcome> out = CheckOperation(*wb_, op, s, 1);
  ASSERT_TRUE(out.ok());
  EXPECT_FALSE(out->passed);
}

TEST_F(GemmGpuTest, ACorrectAnswerPasses) {
  const GemmShape s{128, 128, 256, BLayout::kNK};
  ASSERT_TRUE(wb_->PrepareInputs(s, FreshSeed()).ok());
  CallsCublas op(wb_.get());
  Result<CheckOutcome> out = CheckOperation(*wb_, op, s, 1);
  ASSERT_TRUE(out.ok());
  EXPECT_TRUE(out->passed) << out->detail;
}

TEST_F(GemmGpuTest, NanNeverPassesTheComparison) {
  const int64_t n = 1 << 16;
  void* a = nullptr;
  void* b = nullptr;
  ASSERT_EQ(cudaMalloc(&a, n * 2), cudaSuccess);
  ASSERT_EQ(cudaMalloc(&b, n * 2), cudaSuccess);
  ASSERT_TRUE(FillBf16Bits(a, n, 0x7FC0, wb_->stream()).ok());  // NaN
  ASSERT_TRUE(FillBf16Bits(b, n, 0x7FC0, wb_->stream()).ok());
  Result<CompareResult> r = CompareBf16(a, b, n, wb_->stream());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->bad, n);
  EXPECT_EQ(r->nonfinite, n);
  ASSERT_TRUE(FillRandomBf16(a, n, 42, wb_->stream()).ok());
  ASSERT_TRUE(FillRandomBf16(b, n, 42, wb_->stream()).ok());
  r = CompareBf16(a, b, n, wb_->stream());
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->passed());
  cudaFree(a);
  cudaFree(b);
}

TEST_F(GemmGpuTest, RandomInputsAreNeverAllZeroAndDifferBySeed) {
  const int64_t n = 4096;
  void* a = nullptr;
  ASSERT_EQ(cudaMalloc(&a, n * 2), cudaSuccess);
  ASSERT_TRUE(FillRandomBf16(a, n, 1, wb_->stream()).ok());
  Result<uint64_t> h1 = DeviceChecksum(a, n * 2, wb_->stream());
  ASSERT_TRUE(FillRandomBf16(a, n, 2, wb_->stream()).ok());
  Result<uint64_t> h2 = DeviceChecksum(a, n * 2, wb_->stream());
  ASSERT_TRUE(FillBf16Bits(a, n, 0, wb_->stream()).ok());
  Result<uint64_t> h0 = DeviceChecksum(a, n * 2, wb_->stream());
  ASSERT_TRUE(h1.ok() && h2.ok() && h0.ok());
  EXPECT_NE(*h1, *h2);
  EXPECT_NE(*h1, *h0);
  cudaFree(a);
}

}  // namespace
}  // namespace kevolve::gemm::bench
