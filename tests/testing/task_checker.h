// A task's trusted checker (examples/TASK/checker.cc, ../common/untrusted.h) as tests drive it:
// built once with warnings as errors, then run on a fake program, a shell that writes the
// given output to its file descriptor 3 and then runs a given command. Header-only; uses
// GoogleTest's assertions, so a compile error or an answer that is not JSON fails the test.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/files.h"
#include "core/json.h"
#include "testing/command.h"

namespace kevolve::testing {

class TaskChecker {
 public:
  explicit TaskChecker(const std::string& task_dir)
      : dir_(MakeTempDir(::testing::TempDir(), "task_checker-").value_or("")) {
    auto r = RunCommand({"/bin/sh", "-c",
                         "${CXX:-g++} -std=c++17 -O1 -Wall -Wextra -Werror -o " + dir_ +
                             "/checker " + task_dir + "/checker.cc"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
  }
  ~TaskChecker() { (void)RemoveTree(dir_); }
  TaskChecker(const TaskChecker&) = delete;
  TaskChecker& operator=(const TaskChecker&) = delete;

  // The checker's answer for `checker OPTIONS -- sh -c "cat OUTPUT >&3; AFTER"`.
  Json Check(const std::vector<std::string>& options, const std::string& output,
             const std::string& after = "") {
    const std::string file = dir_ + "/output" + std::to_string(++outputs_);
    EXPECT_TRUE(WriteFileAtomic(file, output).ok());
    std::vector<std::string> argv = {dir_ + "/checker"};
    argv.insert(argv.end(), options.begin(), options.end());
    argv.insert(argv.end(), {"--", "/bin/sh", "-c", "cat " + file + " >&3; " + after});
    auto r = RunCommand(argv);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto j = ParseJson(r.out);
    EXPECT_TRUE(j.ok()) << r.out;
    return j.ok() ? *j : Json();
  }

 private:
  std::string dir_;
  int outputs_ = 0;
};

// The feedback of an answer that must be invalid (a test failure where it is valid).
inline std::string InvalidFeedback(const Json& answer) {
  EXPECT_EQ(answer["valid"], false) << answer.dump();
  return answer.contains("artifacts") ? answer["artifacts"].value("feedback", "") : "";
}

}  // namespace kevolve::testing
