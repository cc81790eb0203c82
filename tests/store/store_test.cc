#include <gtest/gtest.h>

#include "store/store.h"
#include "store_testing.h"

namespace kevolve {
namespace {

using testing::ExpectSameProgram;
using testing::RawSql;
using testing::RichProgram;
using testing::StoreTest;

TEST_F(StoreTest, CreateMakesAWalFileAndRefusesAnExistingOne) {
  ASSERT_NE(MustCreate(), nullptr);
  EXPECT_EQ(RawSql(path_, "PRAGMA journal_mode"), "wal");
  auto again = Store::Create(path_);
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
}

TEST_F(StoreTest, OpenOfAMissingFileIsNotFound) {
  auto store = Store::Open(path_);
  EXPECT_EQ(store.status().code(), StatusCode::kNotFound);
  EXPECT_NE(store.status().message().find(path_), std::string::npos);
}

TEST_F(StoreTest, EveryProgramFieldRoundTripsThroughCommitAndLoad) {
  auto store = MustCreate();
  const Program valid = RichProgram(2);
  const Program invalid = RichProgram(3);
  auto id1 = store->CommitProgram(valid, {}, {});
  auto id2 = store->CommitProgram(invalid, {}, {});
  ASSERT_TRUE(id1.ok() && id2.ok()) << id1.status().ToString() << id2.status().ToString();
  EXPECT_EQ(*id1, 1);
  EXPECT_EQ(*id2, 2);

  auto loaded = store->LoadProgram(1);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->id, 1);
  ExpectSameProgram(*loaded, valid);

  auto all = store->LoadPrograms();
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[1].id, 2);
  ExpectSameProgram((*all)[1], invalid);
  EXPECT_EQ(store->LoadProgram(3).status().code(), StatusCode::kNotFound);
}

TEST_F(StoreTest, NanScoreOfAnInvalidProgramComesBackAsNan) {
  auto store = MustCreate();
  Program p = RichProgram(1);
  p.result.combined_score = std::nan("");
  ASSERT_TRUE(store->CommitProgram(p, {}, {}).ok());
  EXPECT_TRUE(std::isnan(store->LoadProgram(1)->result.combined_score));
}

TEST_F(StoreTest, IdsFollowCommitOrderWhateverTheCallerPutInId) {
  auto store = MustCreate();
  for (int i = 1; i <= 5; ++i) {
    Program p = RichProgram(i);
    p.id = 1000 - i;
    auto id = store->CommitProgram(p, {}, {});
    ASSERT_TRUE(id.ok());
    EXPECT_EQ(*id, i);
  }
}

TEST_F(StoreTest, EverythingSurvivesCloseAndReopen) {
  {
    auto store = MustCreate();
    ASSERT_TRUE(store->PutMeta("run_id", "20261121-abc").ok());
    ASSERT_TRUE(store->PutMeta("config_yaml", "run:\n  seed: 7\n").ok());
    ASSERT_TRUE(store->CommitProgram(RichProgram(2), {}, {{"rng", "01:02"}, {"evals", "1"}}).ok());
    ASSERT_TRUE(store->CommitProgram(RichProgram(4), {{1, 2, "migration"}}, {{"evals", "2"}}).ok());
  }
  auto store = MustOpen();
  EXPECT_EQ(store->GetMeta("run_id")->value_or(""), "20261121-abc");
  EXPECT_EQ(store->GetMeta("config_yaml")->value_or(""), "run:\n  seed: 7\n");
  EXPECT_EQ(store->GetMeta("schema_version")->value_or(""), "3");
  EXPECT_FALSE(store->GetMeta("absent")->has_value());
  auto state = store->LoadState();
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(*state, (StateMap{{"evals", "2"}, {"rng", "01:02"}})) << "state keys are upserted";
  ASSERT_EQ(store->LoadPrograms()->size(), 2u);
  ExpectSameProgram(*store->LoadProgram(2), RichProgram(4));
  ASSERT_EQ(store->LoadPlacements()->size(), 1u);
  // And the run goes on with the next id.
  EXPECT_EQ(*store->CommitProgram(RichProgram(6), {}, {}), 3);
}

TEST_F(StoreTest, MetaOverwritesAndProtectsSchemaVersion) {
  auto store = MustCreate();
  ASSERT_TRUE(store->PutMeta("strategy", "evolve").ok());
  ASSERT_TRUE(store->PutMeta("strategy", "hill-climb").ok());
  EXPECT_EQ(store->GetMeta("strategy")->value_or(""), "hill-climb");
  EXPECT_EQ(store->PutMeta("schema_version", "3").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store->GetMeta("schema_version")->value_or(""), "3");
}

TEST_F(StoreTest, PlacementsAreOrderedAgainstPrograms) {
  auto store = MustCreate();
  ASSERT_TRUE(store->CommitProgram(RichProgram(2), {}, {}).ok());                     // 1
  ASSERT_TRUE(store->CommitProgram(RichProgram(4), {{1, 1, "migration"}}, {}).ok());  // 2
  ASSERT_TRUE(store->CommitPlacements({{2, 3, "migration"}, {1, 2, "migration"}}, {}).ok());
  ASSERT_TRUE(store->CommitProgram(RichProgram(6), {}, {}).ok());  // 3
  ASSERT_TRUE(store->CommitPlacements({{3, 0, "migration"}}, {{"last_migration", "3"}}).ok());

  auto records = store->LoadPlacements();
  ASSERT_TRUE(records.ok()) << records.status().ToString();
  ASSERT_EQ(records->size(), 4u);
  const std::vector<std::pair<int64_t, Placement>> expected = {{2, {1, 1, "migration"}},
                                                               {2, {2, 3, "migration"}},
                                                               {2, {1, 2, "migration"}},
                                                               {3, {3, 0, "migration"}}};
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ((*records)[i].after_program_id, expected[i].first) << i;
    EXPECT_EQ((*records)[i].placement, expected[i].second) << i;
    if (i > 0) {
      EXPECT_GT((*records)[i].seq, (*records)[i - 1].seq);
    }
  }
  EXPECT_EQ(store->LoadState()->at("last_migration"), "3");
}

TEST_F(StoreTest, PlacementOfProgramZeroNamesTheProgramBeingCommitted) {
  auto store = MustCreate();
  ASSERT_TRUE(store->CommitProgram(RichProgram(2), {}, {}).ok());  // 1
  auto id = store->CommitProgram(RichProgram(4), {{0, 1, "initial"}, {0, 2, "initial"}}, {});
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  auto records = store->LoadPlacements();
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 2u);
  for (const auto& r : *records) {
    EXPECT_EQ(r.placement.program_id, *id);
    EXPECT_EQ(r.after_program_id, *id);
  }
}

TEST_F(StoreTest, AFailedCommitLeavesNothingHalfWritten) {
  auto store = MustCreate();
  ASSERT_TRUE(store->CommitProgram(RichProgram(2), {}, {{"evals", "1"}}).ok());
  // The placement names a program that does not exist: the whole transaction must go.
  auto bad = store->CommitProgram(RichProgram(4), {{99, 1, "migration"}}, {{"evals", "2"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("placement of program 99"), std::string::npos)
      << bad.status().message();
  EXPECT_NE(bad.status().message().find("FOREIGN KEY"), std::string::npos)
      << bad.status().message();
  EXPECT_EQ(store->LoadPrograms()->size(), 1u);
  EXPECT_TRUE(store->LoadPlacements()->empty());
  EXPECT_EQ(store->LoadState()->at("evals"), "1");
  EXPECT_FALSE(store->FindByHash(RichProgram(4).code_hash)->has_value());
  // Placements alone fail the same way.
  EXPECT_FALSE(
      store->CommitPlacements({{1, 1, "migration"}, {42, 0, "migration"}}, {{"evals", "9"}}).ok());
  EXPECT_TRUE(store->LoadPlacements()->empty());
  EXPECT_EQ(store->LoadState()->at("evals"), "1");
  // The store is still usable and ids stay contiguous.
  EXPECT_EQ(*store->CommitProgram(RichProgram(4), {}, {}), 2);
}

TEST_F(StoreTest, FindByHashReturnsTheFirstProgramWithThatHash) {
  auto store = MustCreate();
  Program a = RichProgram(2);
  Program b = RichProgram(4);
  b.code_hash = a.code_hash;  // a duplicate committed anyway
  ASSERT_TRUE(store->CommitProgram(RichProgram(1), {}, {}).ok());
  ASSERT_TRUE(store->CommitProgram(a, {}, {}).ok());
  ASSERT_TRUE(store->CommitProgram(b, {}, {}).ok());
  auto found = store->FindByHash(a.code_hash);
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->id, 2);
  ExpectSameProgram(**found, a);
  EXPECT_FALSE(store->FindByHash("0000000000000000")->has_value());
}

TEST_F(StoreTest, RejectedEditsAreRecordedWithTheirState) {
  auto store = MustCreate();
  ASSERT_TRUE(store->CommitProgram(RichProgram(2), {}, {}).ok());
  RejectedEdit edit{0,
                    1,
                    "model:m",
                    "<<<<<<< SEARCH\nnope\n",
                    "no_match",
                    "SEARCH block 1 does not match the parent",
                    1'700'000'000'000};
  auto id = store->RecordRejectedEdit(edit, {{"rng", "ab"}});
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_EQ(*id, 1);
  auto edits = store->LoadRejectedEdits();
  ASSERT_TRUE(edits.ok());
  ASSERT_EQ(edits->size(), 1u);
  EXPECT_EQ((*edits)[0].id, 1);
  EXPECT_EQ((*edits)[0].parent_id, 1);
  EXPECT_EQ((*edits)[0].origin, "model:m");
  EXPECT_EQ((*edits)[0].edit, edit.edit);
  EXPECT_EQ((*edits)[0].kind, "no_match");
  EXPECT_EQ((*edits)[0].message, edit.message);
  EXPECT_EQ((*edits)[0].created_unix_ms, edit.created_unix_ms);
  EXPECT_EQ(store->LoadState()->at("rng"), "ab");
}

TEST_F(StoreTest, SummarizeCountsOutcomesAndFindsTheBest) {
  auto store = MustCreate();
  auto commit = [&](bool valid, double score, Failure failure) {
    static int seed = 0;
    Program p = RichProgram(++seed);
    p.result.valid = valid;
    p.result.combined_score = score;
    p.result.failure = failure;
    ASSERT_TRUE(store->CommitProgram(p, {}, {}).ok());
  };
  commit(true, 1.0, Failure::kNone);             // 1
  commit(true, 3.0, Failure::kNone);             // 2
  commit(true, 3.0, Failure::kNone);             // 3: tie, older wins
  commit(true, INFINITY, Failure::kNone);        // 4: not a real score
  commit(false, 99.0, Failure::kTimeout);        // 5
  commit(false, 0.0, Failure::kTimeout);         // 6
  commit(false, std::nan(""), Failure::kCrash);  // 7
  ASSERT_TRUE(store->CommitPlacements({{2, 1, "migration"}}, {}).ok());
  RejectedEdit e;
  e.kind = "no_match";
  ASSERT_TRUE(store->RecordRejectedEdit(e).ok());
  ASSERT_TRUE(store->RecordRejectedEdit(e).ok());
  e.kind = "no_change";
  ASSERT_TRUE(store->RecordRejectedEdit(e).ok());

  auto summary = store->Summarize();
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(summary->programs, 7);
  EXPECT_EQ(summary->valid, 4);
  EXPECT_EQ(summary->failures, (std::map<std::string, int64_t>{{"crash", 1}, {"timeout", 2}}));
  ASSERT_TRUE(summary->best_id.has_value());
  EXPECT_EQ(*summary->best_id, 2);
  EXPECT_EQ(summary->best_score, 3.0);
  EXPECT_EQ(summary->placements, 1);
  EXPECT_EQ(summary->rejected_edits, 3);
  EXPECT_EQ(summary->rejected_by_kind,
            (std::map<std::string, int64_t>{{"no_change", 1}, {"no_match", 2}}));
}

TEST_F(StoreTest, SummarizeOfAnEmptyRunHasNoBest) {
  auto store = MustCreate();
  auto summary = store->Summarize();
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(summary->programs, 0);
  EXPECT_FALSE(summary->best_id.has_value());
}

TEST_F(StoreTest, AReadOnlyStoreReadsWhileTheWriterGoesOn) {
  auto writer = MustCreate();
  ASSERT_TRUE(writer->CommitProgram(RichProgram(2), {}, {}).ok());
  auto reader = MustOpen(Store::Mode::kReadOnly);
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(reader->Summarize()->programs, 1);
  ASSERT_TRUE(writer->CommitProgram(RichProgram(4), {}, {}).ok());
  EXPECT_EQ(reader->Summarize()->programs, 2);
  EXPECT_FALSE(reader->PutMeta("k", "v").ok());
  EXPECT_FALSE(reader->CommitProgram(RichProgram(6), {}, {}).ok());
  EXPECT_TRUE(reader->CheckIntegrity().ok());
}

}  // namespace
}  // namespace kevolve
