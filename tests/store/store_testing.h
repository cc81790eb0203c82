// Helpers shared by the store tests: a temp folder per test, a fully populated program, field-by-
// field comparison that treats NaN as equal to NaN, and raw SQL on a closed database.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cmath>
#include <string>

#include "core/files.h"
#include "core/program.h"
#include "core/text.h"
#include "store/store.h"

namespace kevolve::testing {

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = MakeTempDir(::testing::TempDir(), "kevolve-store-");
    ASSERT_TRUE(dir.ok()) << dir.status().ToString();
    dir_ = *dir;
    path_ = dir_ + "/run.db";
  }
  void TearDown() override { (void)RemoveTree(dir_); }

  std::unique_ptr<Store> MustCreate() {
    auto store = Store::Create(path_);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }
  std::unique_ptr<Store> MustOpen(Store::Mode mode = Store::Mode::kReadWrite) {
    auto store = Store::Open(path_, mode);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  std::string dir_;
  std::string path_;
};

// Runs `sql` on `path` with the raw C API (to tamper with a file the way a bug or another
// version would). Returns the first column of the first row, if any.
inline std::string RawSql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  std::string first;
  auto cb = [](void* out, int, char** values, char**) {
    auto* s = static_cast<std::string*>(out);
    if (s->empty() && values[0] != nullptr) *s = values[0];
    return 0;
  };
  char* error = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), cb, &first, &error), SQLITE_OK) << (error ? error : "");
  sqlite3_free(error);
  sqlite3_close(db);
  return first;
}

// A program with every field set to something that would show a lossy round trip.
inline Program RichProgram(int seed) {
  Program p;
  p.code = std::string("int main() {\n  return ") + std::to_string(seed) +
           ";  // \xc3\xa9t\xc3\xa9 \xe2\x9c\x93\n}\n" + std::string(1, '\0') + "tail";
  p.code_hash = CodeHash(p.code);
  p.parent_id = seed - 1;
  p.generation = seed * 3;
  p.island = seed % 4;
  p.origin = "model:gpt-x";
  p.edit = "<<<<<<< SEARCH\nreturn 0;\n=======\nreturn 1;\n>>>>>>> REPLACE\n";
  p.result.valid = seed % 2 == 0;
  p.result.combined_score = 0.1 + seed / 3.0;  // not exactly representable in decimal
  p.result.metrics = {
      {"speedup", 1.0 / 7.0}, {"nan_metric", std::nan("")}, {"big", 1e300}, {"tiny", -4.9e-324}};
  p.result.features = {{"x", INFINITY}, {"y", -INFINITY}, {"z", 0.3}};
  p.result.hidden_metrics = {{"heldout", 2.0 / 3.0}};
  p.result.artifacts = {{"stderr", "line 1\nline \"2\"\t\xe2\x9c\x93"}, {"feedback", ""}};
  p.result.failure = p.result.valid ? Failure::kNone : Failure::kTimeout;
  p.result.reason = p.result.valid ? "" : "deadline of 60 s passed";
  p.result.stages_run = 2;
  p.result.duration_ms = 123456789012;
  p.created_unix_ms = 1'700'000'000'123 + seed;
  return p;
}

inline bool SameDouble(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

inline void ExpectSameNumbers(const std::map<std::string, double>& a,
                              const std::map<std::string, double>& b, const char* what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (auto ia = a.begin(), ib = b.begin(); ia != a.end(); ++ia, ++ib) {
    EXPECT_EQ(ia->first, ib->first) << what;
    EXPECT_TRUE(SameDouble(ia->second, ib->second))
        << what << "[" << ia->first << "]: " << ia->second << " vs " << ib->second;
  }
}

// Every field but id.
inline void ExpectSameProgram(const Program& a, const Program& b) {
  EXPECT_EQ(a.code, b.code);
  EXPECT_EQ(a.code_hash, b.code_hash);
  EXPECT_EQ(a.parent_id, b.parent_id);
  EXPECT_EQ(a.generation, b.generation);
  EXPECT_EQ(a.island, b.island);
  EXPECT_EQ(a.origin, b.origin);
  EXPECT_EQ(a.edit, b.edit);
  EXPECT_EQ(a.result.valid, b.result.valid);
  EXPECT_TRUE(SameDouble(a.result.combined_score, b.result.combined_score))
      << a.result.combined_score << " vs " << b.result.combined_score;
  ExpectSameNumbers(a.result.metrics, b.result.metrics, "metrics");
  ExpectSameNumbers(a.result.features, b.result.features, "features");
  ExpectSameNumbers(a.result.hidden_metrics, b.result.hidden_metrics, "hidden_metrics");
  EXPECT_EQ(a.result.artifacts, b.result.artifacts);
  EXPECT_EQ(a.result.failure, b.result.failure);
  EXPECT_EQ(a.result.reason, b.result.reason);
  EXPECT_EQ(a.result.stages_run, b.result.stages_run);
  EXPECT_EQ(a.result.duration_ms, b.result.duration_ms);
  EXPECT_EQ(a.created_unix_ms, b.created_unix_ms);
}

}  // namespace kevolve::testing
