// Files the store must refuse, with a message that says what is wrong.
#include <gtest/gtest.h>

#include "core/files.h"
#include "store/store.h"
#include "store_testing.h"

namespace kevolve {
namespace {

using testing::RawSql;
using testing::StoreTest;

TEST_F(StoreTest, ANewerSchemaVersionIsRefusedClearly) {
  { ASSERT_NE(MustCreate(), nullptr); }
  RawSql(path_, "UPDATE meta SET value = '99' WHERE key = 'schema_version'");
  auto store = Store::Open(path_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("schema version 99"), std::string::npos)
      << store.status().message();
  EXPECT_NE(store.status().message().find("newer kevolve"), std::string::npos)
      << store.status().message();
}

TEST_F(StoreTest, AnOlderSchemaWithoutMigrationIsRefusedClearly) {
  { ASSERT_NE(MustCreate(), nullptr); }
  RawSql(path_, "UPDATE meta SET value = '0' WHERE key = 'schema_version'");
  auto store = Store::Open(path_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("no migration from it"), std::string::npos)
      << store.status().message();
  EXPECT_EQ(RawSql(path_, "SELECT value FROM meta WHERE key = 'schema_version'"), "0")
      << "a failed migration changes nothing";
}

TEST_F(StoreTest, AMissingOrGarbledVersionIsRefused) {
  { ASSERT_NE(MustCreate(), nullptr); }
  RawSql(path_, "UPDATE meta SET value = '1x' WHERE key = 'schema_version'");
  EXPECT_EQ(Store::Open(path_).status().code(), StatusCode::kFailedPrecondition);
  RawSql(path_, "DELETE FROM meta");
  auto store = Store::Open(path_);
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("schema_version"), std::string::npos);
}

TEST_F(StoreTest, ASqliteFileOfSomethingElseIsNotARunDatabase) {
  RawSql(path_, "CREATE TABLE notes(text TEXT)");
  auto store = Store::Open(path_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("not a kevolve run database"), std::string::npos)
      << store.status().message();
}

TEST_F(StoreTest, AFileThatIsNotSqliteIsRefused) {
  ASSERT_TRUE(WriteFileAtomic(path_, std::string(8192, 'x')).ok());
  auto store = Store::Open(path_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("sqlite:"), std::string::npos)
      << store.status().message();
}

TEST_F(StoreTest, CreateInAMissingFolderFails) {
  auto store = Store::Create(dir_ + "/no/such/folder/run.db");
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("open"), std::string::npos) << store.status().message();
}

}  // namespace
}  // namespace kevolve
