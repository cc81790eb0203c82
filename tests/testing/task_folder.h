// A fresh task folder for engine tests.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "core/files.h"
#include "core/status.h"

namespace kevolve::testing {

// A new folder under the test temp dir, named after `prefix` and the running test (several
// builds may run the tests at once), holding task/initial_program.cc with `initial`.
inline Result<std::string> MakeTaskFolder(const std::string& prefix, const std::string& initial) {
  KEVOLVE_ASSIGN_OR_RETURN(
      std::string root,
      MakeTempDir(::testing::TempDir(),
                  prefix + ::testing::UnitTest::GetInstance()->current_test_info()->name() + "-"));
  KEVOLVE_RETURN_IF_ERROR(MakeDirs(root + "/task"));
  KEVOLVE_RETURN_IF_ERROR(WriteFileAtomic(root + "/task/initial_program.cc", initial));
  return root;
}

}  // namespace kevolve::testing
