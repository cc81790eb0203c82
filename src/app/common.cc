#include "app/common.h"

#include <csignal>
#include <cstdio>

namespace kevolve::app {
namespace {

std::atomic<bool> g_stop{false};

void OnSignal(int) { g_stop.store(true); }

}  // namespace

std::atomic<bool>& InstallStopHandlers() {
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  return g_stop;
}

int Fail(const Status& status) {
  std::fprintf(stderr, "kevolve: %s\n", status.message().c_str());
  switch (status.code()) {
    case StatusCode::kOk: return kExitOk;
    case StatusCode::kInvalidArgument:
    case StatusCode::kNotFound:
    case StatusCode::kAlreadyExists: return kExitUsage;
    case StatusCode::kFailedPrecondition: return kExitCannotRun;
    case StatusCode::kCancelled: return kExitInterrupted;
    default: return kExitFailed;
  }
}

}  // namespace kevolve::app
