// A local OpenAI-compatible server for throughput benchmarks (docs/benchmarks.md): the test
// server of tests/testing answering every proposal like a small, obedient model (an edit from
// the built-in mutator applied to the prompt's program), with no delay. Prints its base URL on
// stdout, then serves until stdin closes or a signal ends it.
//
// Usage: fake_llm_server
//   kevolve run TASK --llm-base-url URL --llm-model fake --llm-api-key-env ANY_SET_VARIABLE
#include <unistd.h>

#include <cstdio>

#include "testing/llm_server.h"

int main() {
  kevolve::testing::LlmTestServer server(kevolve::testing::MutatorResponder);
  std::printf("%s\n", server.base_url().c_str());
  std::fflush(stdout);
  char byte;
  while (read(0, &byte, 1) > 0) {
  }
  return 0;
}
