// Store::Summarize reports the best the engine recorded (state "best_id"): with noise-aware
// selection a higher score within the noise does not replace the best.
#include "store_testing.h"

namespace kevolve {
namespace {

using testing::RichProgram;
using testing::StoreTest;

class RecordedBestTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    store_ = MustCreate();
    ASSERT_TRUE(store_);
    for (const auto& [valid, score] :
         std::vector<std::pair<bool, double>>{{true, 1.0}, {true, 3.0}, {true, 2.0}, {false, 9}}) {
      Program p = RichProgram(static_cast<int>(score * 10));
      p.result.valid = valid;
      p.result.combined_score = score;
      p.result.failure = valid ? Failure::kNone : Failure::kTimeout;
      ASSERT_TRUE(store_->CommitProgram(p, {}, {}).ok());
    }
  }
  int64_t Best() {
    auto summary = store_->Summarize();
    EXPECT_TRUE(summary.ok()) << summary.status().ToString();
    return summary.ok() && summary->best_id ? *summary->best_id : 0;
  }
  std::unique_ptr<Store> store_;
};

TEST_F(RecordedBestTest, WithoutARecordTheHighestScoreIsTheBest) { EXPECT_EQ(Best(), 2); }

TEST_F(RecordedBestTest, TheRecordedBestWinsOverAHigherScore) {
  ASSERT_TRUE(store_->CommitPlacements({}, {{"best_id", "3"}}).ok());
  EXPECT_EQ(Best(), 3);
  auto summary = store_->Summarize();
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->best_score, 2.0);
  // A reader opened read-only (kevolve status during a run) sees the same.
  EXPECT_EQ(*MustOpen(Store::Mode::kReadOnly)->Summarize()->best_id, 3);
}

TEST_F(RecordedBestTest, ARecordThatNamesNoValidProgramIsIgnored) {
  for (const char* id : {"4", "99", "x"}) {
    ASSERT_TRUE(store_->CommitPlacements({}, {{"best_id", id}}).ok());
    EXPECT_EQ(Best(), 2) << id;
  }
}

}  // namespace
}  // namespace kevolve
