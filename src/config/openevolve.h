// A task folder in OpenEvolve's layout (initial_program.py, evaluator.py, config.yaml in
// OpenEvolve's schema) read as a kevolve Config (docs/openevolve.md, "Config mapping").
//
// Every key of OpenEvolve's schema is either mapped onto a kevolve key or listed as having no
// kevolve meaning (the caller warns once with the list); a key that is not in OpenEvolve's
// schema at all is an error naming the file, line and key, with the nearest known key. The
// evaluator becomes kevolve's Python host (kevolve-tools/python/kevolve_pyeval.py) running
// evaluator.py; a cascade becomes kevolve stages, one per evaluate_stage<K> function that
// evaluator.py defines, with OpenEvolve's thresholds. Pure apart from reading the two files.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"
#include "core/status.h"

namespace kevolve {

// Whether `task_dir` is an OpenEvolve task kevolve should read this way: it has evaluator.py and
// no kevolve.yaml (a kevolve.yaml always wins).
bool IsOpenEvolveTask(const std::string& task_dir);

struct OpenEvolveConfig {
  Config config;
  // Keys of OpenEvolve's schema that have no kevolve meaning, as dotted paths in file order
  // ("checkpoint_interval", "llm.models[0].retry_delay"): warn about them, never drop silently.
  std::vector<std::string> unmapped;
};

// Reads <task_dir>/config.yaml (absent: OpenEvolve's defaults) and <task_dir>/evaluator.py.
// `tools_dir` is the folder of kevolve's tools (its python/ holds the host); `python` the
// interpreter to run it with. Errors: InvalidArgument naming file:line and key (a key OpenEvolve
// does not know, a wrong type, invalid YAML), NotFound (no evaluator.py).
Result<OpenEvolveConfig> LoadOpenEvolveTask(const std::string& task_dir,
                                            const std::string& tools_dir,
                                            const std::string& python);

// The same from text, for tests: `config_yaml` as config.yaml, `evaluator_py` as evaluator.py.
Result<OpenEvolveConfig> MapOpenEvolveConfig(const std::string& config_yaml,
                                             const std::string& evaluator_py,
                                             const std::string& source_name,
                                             const std::string& task_dir,
                                             const std::string& tools_dir,
                                             const std::string& python);

}  // namespace kevolve
