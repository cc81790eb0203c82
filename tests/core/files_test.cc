// ReadFile: a regular file whole (read at its size), an empty one, a file whose size the
// filesystem does not know (/proc), and one that is missing.
#include <gtest/gtest.h>

#include <string>

#include "core/files.h"

namespace kevolve {
namespace {

class FilesTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = *MakeTempDir(::testing::TempDir(), "files-test-"); }
  void TearDown() override { (void)RemoveTree(dir_); }
  std::string dir_;
};

TEST_F(FilesTest, ALargeFileWithEveryByteValueReadsBackWhole) {
  std::string content;
  for (int i = 0; i < 3 * 1024 * 1024 + 7; ++i) content += static_cast<char>(i * 31 % 256);
  ASSERT_TRUE(WriteFileAtomic(dir_ + "/big", content).ok());
  const auto read = ReadFile(dir_ + "/big");
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->size(), content.size());
  EXPECT_TRUE(*read == content);
}

TEST_F(FilesTest, AnEmptyFileIsAnEmptyString) {
  ASSERT_TRUE(WriteFileAtomic(dir_ + "/empty", "").ok());
  const auto read = ReadFile(dir_ + "/empty");
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*read, "");
}

TEST_F(FilesTest, AFileOfNoKnownSizeIsReadToItsEnd) {
  const auto read = ReadFile("/proc/self/status");  // stat says 0 bytes
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_NE(read->find("Name:"), std::string::npos) << *read;
  EXPECT_NE(read->find("VmPeak:"), std::string::npos) << *read;  // well past the first line
}

TEST_F(FilesTest, AMissingFileIsNotFound) {
  const auto read = ReadFile(dir_ + "/missing");
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), StatusCode::kNotFound) << read.status().ToString();
}

}  // namespace
}  // namespace kevolve
