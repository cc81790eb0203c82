// ParseConfig and the file loaders: what a kevolve.yaml may say and how each mistake is named.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "config/load.h"
#include "core/files.h"

namespace kevolve {
namespace {

Config MustParse(const std::string& yaml) {
  Result<Config> config = ParseConfig(yaml, "kevolve.yaml", "/tasks/packing");
  EXPECT_TRUE(config.ok()) << config.status().ToString() << "\n" << yaml;
  return config.ok() ? *config : Config{};
}

// The message of the InvalidArgument that parsing `yaml` must produce.
std::string ErrorOf(const std::string& yaml) {
  Result<Config> config = ParseConfig(yaml, "kevolve.yaml", "/tasks/packing");
  if (config.ok()) return "(parsed without error)";
  EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
  return config.status().message();
}

TEST(ParseConfigTest, EmptyTextGivesDefaultsAndTaskFromFolder) {
  const Config config = MustParse("");
  const Config defaults;
  EXPECT_EQ(config.task.dir, "/tasks/packing");
  EXPECT_EQ(config.task.name, "packing");
  EXPECT_EQ(config.task.initial_program, defaults.task.initial_program);
  EXPECT_EQ(config.run.iterations, defaults.run.iterations);
  EXPECT_EQ(config.run.seed, defaults.run.seed);
  EXPECT_EQ(config.evaluator.command, defaults.evaluator.command);
  EXPECT_EQ(config.evaluator.env_allow, defaults.evaluator.env_allow);
  EXPECT_EQ(config.database.islands, defaults.database.islands);
  EXPECT_DOUBLE_EQ(config.mutator.literal_weight, defaults.mutator.literal_weight);
  EXPECT_TRUE(config.evaluator.stages.empty());
}

TEST(ParseConfigTest, CommentsOnlyAndEmptySectionsKeepDefaults) {
  const Config config = MustParse("# nothing yet\n\nrun:\ndatabase:   # later\n");
  EXPECT_EQ(config.run.iterations, Config{}.run.iterations);
  EXPECT_EQ(config.database.islands, Config{}.database.islands);
}

TEST(ParseConfigTest, TaskNameFromFolderIgnoresTrailingSlash) {
  Result<Config> config = ParseConfig("", "kevolve.yaml", "/tasks/gemm/");
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->task.name, "gemm");
}

TEST(ParseConfigTest, ExplicitTaskNameWins) {
  EXPECT_EQ(MustParse("task:\n  name: bins\n").task.name, "bins");
}

TEST(ParseConfigTest, InitialProgramIsFoundBelowTheTaskFolderUnlessAbsolute) {
  EXPECT_EQ(InitialProgramPath(MustParse("task:\n  initial_program: seeds/a.cc\n").task),
            "/tasks/packing/seeds/a.cc");
  EXPECT_EQ(InitialProgramPath(MustParse("task:\n  initial_program: /elsewhere/b.cc\n").task),
            "/elsewhere/b.cc");
}

TEST(ParseConfigTest, ReadsEverySection) {
  const Config config = MustParse(R"(task:
  initial_program: start.cc
  description: Pack items.
run:
  iterations: 200
  seed: 18446744073709551615
  strategy: hill-climb
  max_wall_seconds: 3600.5
evaluator:
  workers: 8
  timeout_seconds: 30
  limits:
    memory_mb: 1024
    output_bytes: 4096
  sandbox: bwrap
  env_allow: [PATH, HOME]
  env:
    OMP_NUM_THREADS: 4
    EMPTY:
  devices: ["0", "1"]
  gpu: true
database:
  islands: 3
  exploration_ratio: 0.5
mutator:
  max_edits: 1
  perturb_scale: 1e-2
)");
  EXPECT_EQ(config.task.initial_program, "start.cc");
  EXPECT_EQ(config.task.description, "Pack items.");
  EXPECT_EQ(config.run.iterations, 200);
  EXPECT_EQ(config.run.seed, std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(config.run.strategy, Strategy::kHillClimb);
  EXPECT_DOUBLE_EQ(config.run.max_wall_seconds, 3600.5);
  EXPECT_EQ(config.evaluator.workers, 8);
  EXPECT_DOUBLE_EQ(config.evaluator.timeout_seconds, 30);
  EXPECT_EQ(config.evaluator.limits.memory_mb, 1024);
  EXPECT_EQ(config.evaluator.limits.output_bytes, 4096);
  EXPECT_EQ(config.evaluator.limits.open_files, LimitsConfig{}.open_files);  // untouched
  EXPECT_EQ(config.evaluator.sandbox, SandboxSetting::kBwrap);
  EXPECT_EQ(config.evaluator.env_allow, (std::vector<std::string>{"PATH", "HOME"}));
  EXPECT_EQ(config.evaluator.env,
            (std::map<std::string, std::string>{{"EMPTY", ""}, {"OMP_NUM_THREADS", "4"}}));
  EXPECT_EQ(config.evaluator.devices, (std::vector<std::string>{"0", "1"}));
  EXPECT_TRUE(config.evaluator.gpu);
  EXPECT_EQ(config.database.islands, 3);
  EXPECT_DOUBLE_EQ(config.database.exploration_ratio, 0.5);
  EXPECT_EQ(config.mutator.max_edits, 1);
  EXPECT_DOUBLE_EQ(config.mutator.perturb_scale, 0.01);
}

TEST(ParseConfigTest, CommandMayBeOneStringSplitOnWhitespace) {
  const Config config = MustParse("evaluator:\n  command: python3  eval.py {program}\t--fast\n");
  EXPECT_EQ(config.evaluator.command,
            (std::vector<std::string>{"python3", "eval.py", "{program}", "--fast"}));
}

TEST(ParseConfigTest, CommandMayBeAList) {
  const Config config = MustParse("evaluator:\n  command: [\"./run me\", \"{program}\"]\n");
  EXPECT_EQ(config.evaluator.command, (std::vector<std::string>{"./run me", "{program}"}));
}

TEST(ParseConfigTest, OtherStringListsDoNotAcceptAString) {
  EXPECT_EQ(ErrorOf("evaluator:\n  env_allow: PATH HOME\n"),
            "kevolve.yaml:2: 'evaluator.env_allow' must be a list of strings");
}

TEST(ParseConfigTest, StagesAreReadInOrderAndUnnamedOnesNamedByPosition) {
  const Config config = MustParse(R"(evaluator:
  stages:
    - name: quick
      threshold: -6.5
    - threshold: 0.25
      timeout_seconds: 120
)");
  ASSERT_EQ(config.evaluator.stages.size(), 2u);
  EXPECT_EQ(config.evaluator.stages[0].name, "quick");
  EXPECT_DOUBLE_EQ(config.evaluator.stages[0].threshold, -6.5);
  EXPECT_DOUBLE_EQ(config.evaluator.stages[0].timeout_seconds, 0);
  EXPECT_EQ(config.evaluator.stages[1].name, "stage2");
  EXPECT_DOUBLE_EQ(config.evaluator.stages[1].threshold, 0.25);
  EXPECT_DOUBLE_EQ(config.evaluator.stages[1].timeout_seconds, 120);
}

TEST(ParseConfigTest, FeaturesAreReadWithPerAxisDefaults) {
  const Config config = MustParse(R"(database:
  features:
    - {name: length, min: 10, max: 5000, bins: 8}
    - name: loops
)");
  ASSERT_EQ(config.database.features.size(), 2u);
  EXPECT_EQ(config.database.features[0].name, "length");
  EXPECT_DOUBLE_EQ(config.database.features[0].min, 10);
  EXPECT_DOUBLE_EQ(config.database.features[0].max, 5000);
  EXPECT_EQ(config.database.features[0].bins, 8);
  EXPECT_EQ(config.database.features[1].name, "loops");
  EXPECT_DOUBLE_EQ(config.database.features[1].max, FeatureConfig{}.max);
  EXPECT_EQ(config.database.features[1].bins, FeatureConfig{}.bins);
}

TEST(ParseConfigTest, NumbersAcceptYamlSpellings) {
  const Config config = MustParse(R"(run:
  iterations: +12
  max_wall_seconds: .inf
evaluator:
  grace_seconds: 1.5e1
  stages:
    - threshold: -.inf
    - threshold: .nan
)");
  EXPECT_EQ(config.run.iterations, 12);
  EXPECT_TRUE(std::isinf(config.run.max_wall_seconds));
  EXPECT_DOUBLE_EQ(config.evaluator.grace_seconds, 15);
  EXPECT_EQ(config.evaluator.stages[0].threshold, -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(config.evaluator.stages[1].threshold));
}

TEST(ParseConfigTest, StringsKeepQuotedNullAndNumbers) {
  const Config config = MustParse("task:\n  description: 'null'\n  initial_program: 123\n");
  EXPECT_EQ(config.task.description, "null");
  EXPECT_EQ(config.task.initial_program, "123");
  EXPECT_EQ(MustParse("task:\n  description: ~\n").task.description, "");
}

TEST(ParseConfigErrorsTest, UnknownKeyNamesPathAndNearestKey) {
  const std::string yaml = R"(# line 1
task:
  name: demo
run:
  iterations: 10
  seed: 1
  strategy: evolve
evaluator:
  command: ./evaluate {program}
  workers: 2

  timeout_secs: 30
)";
  EXPECT_EQ(ErrorOf(yaml),
            "kevolve.yaml:12: unknown key 'evaluator.timeout_secs'; did you mean "
            "'evaluator.timeout_seconds'?");
}

TEST(ParseConfigErrorsTest, UnknownSectionSuggestsSection) {
  EXPECT_EQ(ErrorOf("run:\n  seed: 1\nevalutor:\n  workers: 2\n"),
            "kevolve.yaml:3: unknown key 'evalutor'; did you mean 'evaluator'?");
}

TEST(ParseConfigErrorsTest, KeyInTheWrongSectionSuggestsItsSection) {
  EXPECT_EQ(ErrorOf("iterations: 5\n"),
            "kevolve.yaml:1: unknown key 'iterations'; did you mean 'run.iterations'?");
}

TEST(ParseConfigErrorsTest, UnknownKeyWithoutNearOneListsValidKeys) {
  EXPECT_EQ(ErrorOf("task:\n  zzzzzzzz: 1\n"),
            "kevolve.yaml:2: unknown key 'task.zzzzzzzz'; valid keys in 'task': name, "
            "initial_program, description");
}

TEST(ParseConfigErrorsTest, UnknownKeyInsideAListElementNamesTheElement) {
  EXPECT_EQ(ErrorOf("evaluator:\n  stages:\n    - name: a\n    - thresold: 1\n"),
            "kevolve.yaml:4: unknown key 'evaluator.stages[1].thresold'; did you mean "
            "'evaluator.stages[1].threshold'?");
}

TEST(ParseConfigErrorsTest, WrongTypeNamesLineKeyAndValue) {
  EXPECT_EQ(ErrorOf("task:\n  name: x\n\n\nrun:\n  seed: 3\n  iterations: many\n"),
            "kevolve.yaml:7: 'run.iterations' must be an integer, got 'many'");
}

TEST(ParseConfigErrorsTest, SectionThatIsNotAMapping) {
  EXPECT_EQ(ErrorOf("run:\n  seed: 3\ndatabase: 4\n"),
            "kevolve.yaml:3: 'database' must be a mapping");
  EXPECT_EQ(ErrorOf("run:\n  seed: 3\ndatabase:\n  - islands: 4\n"),
            "kevolve.yaml:3: 'database' must be a mapping");
  EXPECT_EQ(ErrorOf("- run\n"), "kevolve.yaml:1: the config must be a mapping");
}

TEST(ParseConfigErrorsTest, EachScalarTypeSaysWhatItExpects) {
  EXPECT_EQ(ErrorOf("run:\n  iterations: 1.5\n"),
            "kevolve.yaml:2: 'run.iterations' must be an integer, got '1.5'");
  EXPECT_EQ(ErrorOf("run:\n  iterations:\n"),
            "kevolve.yaml:2: 'run.iterations' must be an integer, got nothing");
  EXPECT_EQ(ErrorOf("run:\n  seed: -1\n"),
            "kevolve.yaml:2: 'run.seed' must be a non-negative integer, got '-1'");
  EXPECT_EQ(ErrorOf("evaluator:\n  workers: 99999999999\n"),
            "kevolve.yaml:2: 'evaluator.workers' must be an integer from -2147483648 to "
            "2147483647, got '99999999999'");
  EXPECT_EQ(ErrorOf("evaluator:\n  timeout_seconds: soon\n"),
            "kevolve.yaml:2: 'evaluator.timeout_seconds' must be a number, got 'soon'");
  EXPECT_EQ(ErrorOf("evaluator:\n  gpu: yes\n"),
            "kevolve.yaml:2: 'evaluator.gpu' must be true or false, got 'yes'");
  EXPECT_EQ(ErrorOf("run:\n  strategy: [evolve]\n"),
            "kevolve.yaml:2: 'run.strategy' must be evolve, hill-climb or random, got a list");
  EXPECT_EQ(ErrorOf("evaluator:\n  workers: {n: 1}\n"),
            "kevolve.yaml:2: 'evaluator.workers' must be an integer, got a mapping");
}

// A closed set of choices is read into its enum here, once; a word outside it names the key,
// the words allowed and the nearest one.
TEST(ParseConfigTest, ChoicesAreReadFromTheirWords) {
  for (const ChoiceWord<Strategy>& w : kStrategyWords) {
    const Config config = MustParse("run:\n  strategy: " + std::string(w.word) + "\n");
    EXPECT_EQ(config.run.strategy, w.value) << w.word;
  }
  for (const ChoiceWord<SandboxSetting>& w : kSandboxSettingWords) {
    const Config config = MustParse("evaluator:\n  sandbox: " + std::string(w.word) + "\n");
    EXPECT_EQ(config.evaluator.sandbox, w.value) << w.word;
  }
}

TEST(ParseConfigErrorsTest, AWordOutsideItsChoicesNamesKeyChoicesAndNearest) {
  EXPECT_EQ(ErrorOf("run:\n  strategy: hillclimb\n"),
            "kevolve.yaml:2: 'run.strategy' must be evolve, hill-climb or random, got "
            "'hillclimb' (did you mean 'hill-climb'?)");
  EXPECT_EQ(ErrorOf("evaluator:\n  sandbox: docker\n"),
            "kevolve.yaml:2: 'evaluator.sandbox' must be auto, process or bwrap, got 'docker'");
  EXPECT_EQ(ErrorOf("evaluator:\n  sandbox:\n"),
            "kevolve.yaml:2: 'evaluator.sandbox' must be auto, process or bwrap, got nothing");
}

TEST(ParseConfigErrorsTest, ListElementsAreCheckedWithTheirOwnLine) {
  EXPECT_EQ(ErrorOf("evaluator:\n  env_allow:\n    - PATH\n    - {a: b}\n"),
            "kevolve.yaml:4: 'evaluator.env_allow[1]' must be a string, got a mapping");
  EXPECT_EQ(ErrorOf("database:\n  features:\n    - name: a\n    - 3\n"),
            "kevolve.yaml:4: 'database.features[1]' must be a mapping");
  EXPECT_EQ(ErrorOf("database:\n  features: {name: a}\n"),
            "kevolve.yaml:2: 'database.features' must be a list of mappings");
  EXPECT_EQ(ErrorOf("database:\n  features:\n    - name: a\n      bins: lots\n"),
            "kevolve.yaml:4: 'database.features[0].bins' must be an integer, got 'lots'");
  EXPECT_EQ(ErrorOf("evaluator:\n  env:\n    A: [1]\n"),
            "kevolve.yaml:3: 'evaluator.env.A' must be a string, got a list");
  EXPECT_EQ(ErrorOf("evaluator:\n  env: [A]\n"),
            "kevolve.yaml:2: 'evaluator.env' must be a mapping of names to strings");
}

TEST(ParseConfigErrorsTest, DuplicateKeyNamesBothLines) {
  EXPECT_EQ(ErrorOf("run:\n  seed: 1\n  iterations: 2\n  seed: 3\n"),
            "kevolve.yaml:4: duplicate key 'run.seed' (first at line 2)");
  EXPECT_EQ(ErrorOf("evaluator:\n  env:\n    A: 1\n    A: 2\n"),
            "kevolve.yaml:4: duplicate key 'evaluator.env.A'");
}

TEST(ParseConfigErrorsTest, SyntaxErrorNamesFileAndLine) {
  EXPECT_EQ(ErrorOf("run:\n  seed: 1\n  iterations: [1, 2\nmutator: {}\n"),
            "kevolve.yaml:4: invalid YAML: end of sequence flow not found");
  EXPECT_EQ(ErrorOf("run:\n  seed: 1\n iterations: 2\n"),
            "kevolve.yaml:3: invalid YAML: end of map not found");
}

TEST(ParseConfigErrorsTest, MoreThanOneDocumentIsAnError) {
  EXPECT_EQ(ErrorOf("run:\n  seed: 1\n---\nrun:\n  seed: 2\n"),
            "kevolve.yaml:4: expected one YAML document, found 2");
}

TEST(ParseConfigErrorsTest, EmptySourceNameLeavesMessageUnprefixed) {
  Result<Config> config = ParseConfig("run:\n  seed: x\n", "", "/t");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().message(), "'run.seed' must be a non-negative integer, got 'x'");
}

class LoadConfigFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::string> dir = MakeTempDir(::testing::TempDir(), "config_test");
    ASSERT_TRUE(dir.ok()) << dir.status().ToString();
    root_ = *dir;
    task_ = root_ + "/my_task";
    ASSERT_TRUE(MakeDirs(task_).ok());
  }
  void TearDown() override { (void)RemoveTree(root_); }

  std::string root_;
  std::string task_;
};

TEST_F(LoadConfigFileTest, LoadTaskConfigReadsKevolveYamlAndSetsTheFolder) {
  ASSERT_TRUE(WriteFileAtomic(task_ + "/kevolve.yaml", "run:\n  iterations: 7\n").ok());
  Result<Config> config = LoadTaskConfig(task_);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->run.iterations, 7);
  EXPECT_EQ(config->task.dir, AbsolutePath(task_));
  EXPECT_EQ(config->task.name, "my_task");
}

TEST_F(LoadConfigFileTest, LoadConfigFileUsesTheFilesFolderAndNamesThePathInErrors) {
  const std::string path = task_ + "/other.yaml";
  ASSERT_TRUE(WriteFileAtomic(path, "run:\n  iterations: lots\n").ok());
  Result<Config> config = LoadConfigFile(path);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().message(),
            path + ":2: 'run.iterations' must be an integer, got 'lots'");

  ASSERT_TRUE(WriteFileAtomic(path, "").ok());
  config = LoadConfigFile(path);
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->task.dir, AbsolutePath(task_));
}

TEST_F(LoadConfigFileTest, MissingFileIsNotFound) {
  Result<Config> config = LoadTaskConfig(root_ + "/nowhere");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace kevolve
