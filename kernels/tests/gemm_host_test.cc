// Host-only specifications of the GEMM family: configs, the menu, shape suites, the
// performance table format, the tile walk, CanImplement rules and the baseline heuristic.
// No GPU needed.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "bench/bench_flags.h"
#include "bench/bench_io.h"
#include "core/files.h"
#include "gemm/gemm_config.h"
#include "gemm/gemm_heuristics.h"
#include "gemm/gemm_operation.h"
#include "gemm/gemm_registry.h"
#include "gemm/tile_walk.h"

namespace kevolve::gemm {
namespace {

const char* const kCanonical =
    "algo=wgmma_tma;bm=128;bn=256;bk=64;wm=2;wn=1;stages=4;cluster=2;split_k=1;raster=n;"
    "swizzle=8;epilogue=direct";

TEST(GemmConfigTest, CanonicalStringRoundTrips) {
  Result<GemmConfig> c = ParseGemmConfig(kCanonical);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->cluster_m, 2);
  EXPECT_EQ(c->raster, Raster::kAlongN);
  EXPECT_EQ(ToString(*c), kCanonical);
  EXPECT_EQ(KernelKey(*c), "wgmma_tma_128x256x64_w2x1_s4_c2");
}

TEST(GemmConfigTest, KeysMayComeInAnyOrder) {
  Result<GemmConfig> c = ParseGemmConfig(
      "epilogue=direct;swizzle=8;raster=n;split_k=1;cluster=2;stages=4;wn=1;wm=2;bk=64;bn=256;"
      "bm=128;algo=wgmma_tma");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(ToString(*c), kCanonical);
}

TEST(GemmConfigTest, RejectsUnknownMissingDuplicateAndBadValues) {
  const std::string base = kCanonical;
  Result<GemmConfig> unknown = ParseGemmConfig(base + ";stagez=3");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("did you mean 'stages'"), std::string::npos);
  EXPECT_FALSE(ParseGemmConfig(base.substr(0, base.find(";epilogue"))).ok());  // missing key
  EXPECT_FALSE(ParseGemmConfig(base + ";bm=64").ok());                        // duplicate
  EXPECT_FALSE(ParseGemmConfig("algo=simt;" + base.substr(base.find("bm="))).ok());
  std::string negative = base;
  negative.replace(negative.find("bm=128"), 6, "bm=-4");
  EXPECT_FALSE(ParseGemmConfig(negative).ok());
  std::string raster = base;
  raster.replace(raster.find("raster=n"), 8, "raster=x");
  EXPECT_FALSE(ParseGemmConfig(raster).ok());
}

TEST(GemmConfigTest, ValidateRejectsImpossibleCombinations) {
  GemmConfig c;
  c.algo = GemmAlgo::kMmaCpAsync;
  c.cluster_m = 2;
  EXPECT_FALSE(ValidateConfig(c).ok());  // clusters are a wgmma_tma feature
  GemmConfig w;
  w.block_k = 32;
  EXPECT_FALSE(ValidateConfig(w).ok());  // wgmma_tma tiles K by one 128-byte swizzle row
  GemmConfig s;
  s.stages = 1;
  EXPECT_FALSE(ValidateConfig(s).ok());
  GemmConfig e;
  e.algo = GemmAlgo::kMmaLdg;
  e.block_k = 32;
  e.epilogue = Epilogue::kTmaStore;
  EXPECT_FALSE(ValidateConfig(e).ok());  // TMA store is a wgmma_tma epilogue
}

TEST(GemmConfigTest, TmaStoreEpilogueIsPartOfTheKernelKey) {
  Result<GemmConfig> c = ParseGemmConfig(
      "algo=wgmma_tma;bm=128;bn=256;bk=64;wm=2;wn=1;stages=4;cluster=1;split_k=1;raster=m;"
      "swizzle=8;epilogue=tma_store");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->epilogue, Epilogue::kTmaStore);
  EXPECT_EQ(KernelKey(*c), "wgmma_tma_128x256x64_w2x1_s4_c1_tma");
}

TEST(GemmMenuTest, EveryMenuEntryIsCanonicalAndUnique) {
  const std::vector<std::string>& menu = generated::MenuConfigs();
  EXPECT_GE(menu.size(), 50u);
  EXPECT_LE(menu.size(), 150u);
  std::set<std::string> seen;
  for (const std::string& text : menu) {
    Result<GemmConfig> c = ParseGemmConfig(text);
    ASSERT_TRUE(c.ok()) << text << ": " << c.status().ToString();
    EXPECT_EQ(ToString(*c), text);
    EXPECT_TRUE(seen.insert(text).second) << "duplicate " << text;
  }
}

TEST(GemmMenuTest, CompiledMenuHasAFallbackForAnyShape) {
  bool has_ldg = false;
  for (const GemmConfig& c : GemmMenu()) has_ldg = has_ldg || c.algo == GemmAlgo::kMmaLdg;
  EXPECT_TRUE(has_ldg) << "every build needs the any-shape mma_ldg kernel";
  for (const GemmConfig& c : GemmMenu()) {
    EXPECT_TRUE(MakeGemmOperation(c).ok()) << ToString(c);
  }
}

TEST(GemmMenuTest, MissingKernelIsNotFound) {
  GemmConfig c;
  c.block_m = 192;  // no such kernel
  Result<std::unique_ptr<GemmOperation>> op = MakeGemmOperation(c);
  ASSERT_FALSE(op.ok());
  EXPECT_EQ(op.status().code(), StatusCode::kNotFound);
}

std::unique_ptr<GemmOperation> FirstOf(GemmAlgo algo) {
  for (const GemmConfig& c : GemmMenu()) {
    if (c.algo == algo && c.split_k == 1) return MakeGemmOperation(c).value();
  }
  return nullptr;
}

TEST(CanImplementTest, WgmmaNeedsAlignedKAndTheWeightLayout) {
  auto op = FirstOf(GemmAlgo::kWgmmaTma);
  ASSERT_NE(op, nullptr);
  EXPECT_TRUE(op->CanImplement({1, 4096, 4096, BLayout::kNK}).ok());
  EXPECT_TRUE(op->CanImplement({127, 255, 520, BLayout::kNK}).ok());  // tails via TMA zero fill
  const Status odd_k = op->CanImplement({128, 128, 513, BLayout::kNK});
  EXPECT_FALSE(odd_k.ok());
  EXPECT_NE(odd_k.message().find("K % 8"), std::string::npos);
  EXPECT_FALSE(op->CanImplement({128, 128, 512, BLayout::kKN}).ok());
  EXPECT_FALSE(op->CanImplement({0, 128, 512, BLayout::kNK}).ok());
}

TEST(CanImplementTest, LdgFallbackTakesEveryShape) {
  auto op = FirstOf(GemmAlgo::kMmaLdg);
  ASSERT_NE(op, nullptr);
  for (const GemmShape& s : {GemmShape{1, 1, 1}, GemmShape{3, 5, 7, BLayout::kKN},
                             GemmShape{127, 4095, 4097}, GemmShape{1, 50257, 768}}) {
    EXPECT_TRUE(op->CanImplement(s).ok()) << ToString(s);
  }
}

TEST(CanImplementTest, SplitBeyondKTilesIsRefused) {
  for (const GemmConfig& c : GemmMenu()) {
    if (c.split_k < 4) continue;
    auto op = MakeGemmOperation(c).value();
    const Status s = op->CanImplement({16, 16, 64, BLayout::kNK});
    EXPECT_FALSE(s.ok()) << ToString(c);
    EXPECT_EQ(op->WorkspaceBytes({16, 16, 4096, BLayout::kNK}),
              static_cast<size_t>(c.split_k) * 16 * 16 * 4);
  }
}

TEST(TileWalkTest, IsABijectionForEveryRasterAndSwizzle) {
  for (int tiles_m : {1, 3, 8, 13}) {
    for (int tiles_n : {1, 5, 16}) {
      for (int raster_n : {0, 1}) {
        for (int swizzle : {1, 2, 8, 32}) {
          std::set<std::pair<int, int>> seen;
          for (int t = 0; t < tiles_m * tiles_n; ++t) {
            const TileCoord c = MapTile(t, tiles_m, tiles_n, raster_n, swizzle);
            ASSERT_GE(c.m, 0);
            ASSERT_LT(c.m, tiles_m);
            ASSERT_GE(c.n, 0);
            ASSERT_LT(c.n, tiles_n);
            seen.insert({c.m, c.n});
          }
          EXPECT_EQ(seen.size(), static_cast<size_t>(tiles_m * tiles_n));
        }
      }
    }
  }
}

TEST(TileWalkTest, RasterAlongMWithoutSwizzleIsColumnMajor) {
  const TileCoord c = MapTile(5, 4, 3, /*raster_n=*/0, /*swizzle=*/1);
  EXPECT_EQ(c.m, 1);
  EXPECT_EQ(c.n, 1);
  const TileCoord r = MapTile(5, 4, 3, /*raster_n=*/1, /*swizzle=*/1);
  EXPECT_EQ(r.m, 1);
  EXPECT_EQ(r.n, 2);
}

std::vector<bench::ShapeEntry> AllSuiteShapes() {
  std::vector<bench::ShapeEntry> all;
  for (const char* name : {"shapes_llm.csv", "shapes_edge.csv"}) {
    Result<std::string> text = ReadFile(std::string(KEVOLVE_SOURCE_DIR) + "/data/gemm/" + name);
    EXPECT_TRUE(text.ok()) << name;
    if (!text.ok()) continue;
    Result<std::vector<bench::ShapeEntry>> shapes = bench::ParseShapeSuite(*text);
    EXPECT_TRUE(shapes.ok()) << name << ": " << shapes.status().ToString();
    if (shapes.ok()) all.insert(all.end(), shapes->begin(), shapes->end());
  }
  return all;
}

TEST(ShapeSuiteTest, CommittedSuitesParseAndNameTheirOrigin) {
  const std::vector<bench::ShapeEntry> all = AllSuiteShapes();
  EXPECT_GE(all.size(), 80u);
  std::set<std::tuple<int64_t, int64_t, int64_t, int>> unique;
  for (const bench::ShapeEntry& e : all) {
    EXPECT_FALSE(e.origin.empty()) << ToString(e.shape);
    unique.insert({e.shape.m, e.shape.n, e.shape.k, static_cast<int>(e.shape.b_layout)});
  }
  EXPECT_EQ(unique.size(), all.size()) << "a shape is listed twice";
}

TEST(ShapeSuiteTest, RejectsBadHeaderFieldsAndLayout) {
  EXPECT_FALSE(bench::ParseShapeSuite("m,n,k\n1,2,3\n").ok());
  EXPECT_FALSE(bench::ParseShapeSuite("m,n,k,origin\n1,2,x,foo\n").ok());
  EXPECT_FALSE(bench::ParseShapeSuite("m,n,k,origin\n0,2,3,foo\n").ok());
  EXPECT_FALSE(bench::ParseShapeSuite("m,n,k,origin,layout\n1,2,3,foo,tn\n").ok());
  Result<std::vector<bench::ShapeEntry>> ok =
      bench::ParseShapeSuite("# comment\nm,n,k,origin,layout\n1,2,3,foo bar,kn\n");
  ASSERT_TRUE(ok.ok());
  ASSERT_EQ(ok->size(), 1u);
  EXPECT_EQ((*ok)[0].shape.b_layout, BLayout::kKN);
  EXPECT_EQ((*ok)[0].origin, "foo bar");
}

TEST(HeuristicTest, PicksAMenuConfigThatImplementsEverySuiteShape) {
  const std::vector<std::string>& menu = generated::MenuConfigs();
  std::vector<bench::ShapeEntry> shapes = AllSuiteShapes();
  shapes.push_back({{1, 1, 1, BLayout::kNK}, "tiny"});
  shapes.push_back({{64, 4096, 4096, BLayout::kKN}, "kn"});
  shapes.push_back({{7, 4097, 1001, BLayout::kKN}, "kn odd"});
  for (const bench::ShapeEntry& e : shapes) {
    for (int sms : {1, 132}) {
      const GemmConfig c = SelectGemmConfig(e.shape, sms);
      const std::string text = ToString(c);
      EXPECT_NE(std::find(menu.begin(), menu.end(), text), menu.end())
          << ToString(e.shape) << " -> " << text << " is not on the menu";
      Result<std::unique_ptr<GemmOperation>> op = MakeGemmOperation(c);
      if (!op.ok()) continue;  // not compiled in this build: the menu check above suffices
      EXPECT_TRUE((*op)->CanImplement(e.shape).ok())
          << ToString(e.shape) << " -> " << text << ": " << (*op)->CanImplement(e.shape).message();
    }
  }
}

TEST(PerfTableTest, RowsRoundTripAndFailuresHaveNoTimes) {
  bench::PerfRow ok;
  ok.m = 1;
  ok.n = 4096;
  ok.k = 4096;
  ok.config = kCanonical;
  ok.median_us = 12.3456;
  ok.p10_us = 12.0;
  ok.p90_us = 13.0;
  bench::PerfRow refused = ok;
  refused.status = "refused: K % 8 != 0, rows unaligned";
  const std::string line_ok = bench::FormatPerfRow(ok);
  const std::string line_refused = bench::FormatPerfRow(refused);
  EXPECT_EQ(line_ok, "1,4096,4096,bf16," + std::string(kCanonical) + ",12.346,12.000,13.000,ok");
  EXPECT_EQ(line_refused,
            "1,4096,4096,bf16," + std::string(kCanonical) +
                ",,,,refused: K % 8 != 0; rows unaligned");
  Result<std::vector<bench::PerfRow>> rows = bench::ParsePerfTable(
      std::string(bench::kPerfTableHeader) + "\n" + line_ok + "\n" + line_refused + "\n");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].config, kCanonical);
  EXPECT_NEAR((*rows)[0].median_us, 12.346, 1e-9);
  EXPECT_EQ((*rows)[1].status, "refused: K % 8 != 0; rows unaligned");
  EXPECT_FALSE(bench::ParsePerfTable("m,n,k\n").ok());
}

TEST(StatsTest, MedianAndPercentilesInterpolate) {
  const bench::TimingStats s = bench::Summarize({5, 1, 4, 2, 3});
  EXPECT_DOUBLE_EQ(s.median_us, 3);
  EXPECT_DOUBLE_EQ(s.p10_us, 1.4);
  EXPECT_DOUBLE_EQ(s.p90_us, 4.6);
  EXPECT_EQ(s.reps, 5);
  EXPECT_DOUBLE_EQ(bench::Summarize({7}).p90_us, 7);
}

TEST(FlagsTest, ParsesValuesSwitchesAndSuggestsNearestFlag) {
  const std::vector<bench::FlagSpec> specs = {{"shapes", "", "x"}, {"max-reps", "30", "x"},
                                              {"resume", "", "x", true}};
  Result<bench::Flags> f = bench::Flags::Parse({"--shapes", "a.csv", "--resume", "--max-reps=7"},
                                               specs);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->Get("shapes"), "a.csv");
  EXPECT_TRUE(f->IsSet("resume"));
  EXPECT_EQ(*f->GetInt("max-reps"), 7);
  Result<bench::Flags> bad = bench::Flags::Parse({"--shape", "a"}, specs);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("--shapes"), std::string::npos);
  EXPECT_FALSE(bench::Flags::Parse({"--shapes"}, specs).ok());
}

TEST(JsonTest, EscapesQuotesAndControlCharacters) {
  EXPECT_EQ(bench::JsonString("a\"b\\c\n\x01"), "\"a\\\"b\\\\c\\n\\u0001\"");
}

}  // namespace
}  // namespace kevolve::gemm
