// The GPU run tools on a run folder made here (no GPU): bench/gpu/gpu_share.py (wall time over
// resumed slices, a torn line, overlapping holds of one GPU) and examples/attention_decode/report
// with a saved answer and anchors (the headline figures, the slices' wall time and the GPU models
// the run's evaluations ran on).
#include <gtest/gtest.h>

#include <string>

#include "core/files.h"
#include "core/json.h"
#include "testing/command.h"

namespace kevolve {
namespace {

using testing::RunCommand;

const std::string kSource = KEVOLVE_SOURCE_DIR;

// Two slices: 0-900 ms (its last whole event; its run_end at 1000 ms is torn, and the second's
// run_start written onto it) and 5000-6000 ms. GPU 0's holds follow one another; on GPU 1 the first
// hold spans the next two.
std::string Events() {
  const auto program = [](int id, int t, const char* device, int from, int until) {
    return "{\"type\":\"program\",\"id\":" + std::to_string(id) + ",\"t\":" + std::to_string(t) +
           ",\"valid\":true,\"score\":" + std::to_string(id) + ",\"device\":\"" + device +
           "\",\"device_held_ms\":" + std::to_string(until - from) +
           ",\"device_held_from\":" + std::to_string(from) +
           ",\"device_held_until\":" + std::to_string(until) + "}\n";
  };
  return "{\"type\":\"run_start\",\"t\":0}\n" + program(1, 300, "0", 100, 200) +
         program(2, 400, "0", 200, 300) + program(3, 500, "1", 150, 400) +
         program(4, 600, "1", 160, 170) + program(5, 900, "1", 350, 390) +
         "{\"type\":\"run_end\",\"t\":10" + "{\"type\":\"run_start\",\"t\":5000}\n" +
         program(6, 6000, "0", 5500, 5900);
}

class GpuRunToolsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    run_ = *MakeTempDir(::testing::TempDir(), "gpu-run-tools-");
    ASSERT_TRUE(WriteFileAtomic(run_ + "/events.jsonl", Events()).ok());
  }
  void TearDown() override { (void)RemoveTree(run_); }
  std::string run_;
};

TEST_F(GpuRunToolsTest, GpuShareSumsTheSlicesAndFindsEveryOverlappingPair) {
  const std::string out = run_ + "/share.json";
  const auto r = RunCommand({kSource + "/bench/gpu/gpu_share.py", run_, "--json", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("torn"), std::string::npos) << "the torn line is said: " << r.err;
  const Json share = *ParseJson(*ReadFile(out));
  EXPECT_EQ(share["evaluations"], 6);
  EXPECT_NEAR(share["wall_seconds"].get<double>(), 1.9, 1e-9) << "0.9 s + 1 s, not the 6 s span";
  EXPECT_EQ(share["gpus"]["0"]["overlapping_holds"], 0);
  EXPECT_EQ(share["gpus"]["1"]["overlapping_holds"], 2) << "3/4 and 3/5";
  EXPECT_DOUBLE_EQ(share["gpus"]["1"]["held_seconds"].get<double>(), 0.3);
}

TEST_F(GpuRunToolsTest, TheAttentionReportTakesASavedAnswerAndAnchors) {
  // A kit answer's per-shape table and anchors for its two shapes, one held out.
  const Json answer = {{"valid", true},
                       {"combined_score", 2.0},
                       {"artifacts",
                        {{"device", "a GPU"},
                         {"shapes",
                          "shape | candidate us (p10-p90) | baseline us | speedup | SOL fraction\n"
                          "a_b1_s512 | 10.00 (9.00-11.00) | 20.00 | 2.000 | 0.500\n"
                          "b_b1_s4097 (held out) | 5.00 (4.00-6.00) | 15.00 | 3.000 | 0.400\n"}}}};
  const Json anchors = {{"device", "a GPU"},
                        {"torch", "2.x"},
                        {"shapes",
                         {{{"shape", "a_b1_s512"},
                           {"best_us", 12.0},
                           {"best_backend", "cudnn"},
                           {"min_bytes", 1e6},
                           {"sol_us", 4.0}},
                          {{"shape", "b_b1_s4097"},
                           {"best_us", 4.0},
                           {"best_backend", "flash"},
                           {"min_bytes", 3e8},
                           {"sol_us", 2.0}}}}};
  ASSERT_TRUE(WriteFileAtomic(run_ + "/answer.json", DumpJson(answer)).ok());
  ASSERT_TRUE(WriteFileAtomic(run_ + "/anchors.json", DumpJson(anchors)).ok());
  // The run's answers, as run.db keeps them: two slices on an H100, one on an H200, and a
  // program whose evaluation never reached the GPU (no device line).
  const auto db = RunCommand(
      {"/usr/bin/env", "python3", "-c",
       "import sqlite3, sys; db = sqlite3.connect(sys.argv[1]); "
       "db.execute('create table programs (id integer primary key, artifacts_json text)'); "
       "db.executemany('insert into programs (artifacts_json) values (?)', [(a,) for a in "
       "sys.argv[2:]]); db.commit()",
       run_ + "/run.db", R"({"device": "NVIDIA H100 80GB HBM3, 132 SMs, copy 2990 GB/s"})",
       R"({"device": "NVIDIA H100 80GB HBM3, 132 SMs, copy 3010 GB/s"})",
       R"({"device": "NVIDIA H200, 132 SMs, copy 4200 GB/s"})", R"({"feedback": "no kernel"})"});
  ASSERT_EQ(db.exit_code, 0) << db.err;
  const auto r = RunCommand({kSource + "/examples/attention_decode/report", run_, "--answer",
                             run_ + "/answer.json", "--anchors", run_ + "/anchors.json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Json summary = *ParseJson(*ReadFile(run_ + "/summary.json"));
  EXPECT_DOUBLE_EQ(summary["heldout_geomean_speedup_vs_torch_best"].get<double>(), 0.8);
  EXPECT_DOUBLE_EQ(summary["heldout_geomean_speedup_vs_seed"].get<double>(), 3.0);
  EXPECT_EQ(summary["heldout_regressions_vs_seed"], 0);
  EXPECT_NEAR(summary["wall_seconds"].get<double>(), 1.9, 1e-9);
  EXPECT_EQ(summary["evaluation_gpus"],
            Json({{"NVIDIA H100 80GB HBM3", 2}, {"NVIDIA H200", 1}}));
  const std::string md = *ReadFile(run_ + "/report.md");
  EXPECT_NE(md.find("on NVIDIA H100 80GB HBM3 (2), NVIDIA H200 (1)."), std::string::npos) << md;
  EXPECT_TRUE(PathExists(run_ + "/progress.svg"));
}

}  // namespace
}  // namespace kevolve
