// `kevolve serve` in a real headless Chromium: every page loads with no console error, shows
// the numbers run.db holds, follows a live `kevolve run` within 5 s, and keeps hostile text
// inert. Screenshots of each page go to <build>/dashboard-screenshots/.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "browser/webdriver.h"
#include "core/clock.h"
#include "serve/server.h"
#include "serve_testing.h"
#include "testing/command.h"

namespace kevolve::testing {
namespace {

const std::string kScreenshots = std::string(KEVOLVE_BINARY_DIR) + "/dashboard-screenshots";
// A run folder whose name is markup: it must show as text.
const std::string kHostileRunName = "x<img src=x onerror=window.__xss=3>";

class DashboardBrowserTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (FindChromium().empty() || FindChromedriver().empty()) return;
    auto dir = MakeTempDir(::testing::TempDir(), "kevolve-dashboard-");
    ASSERT_TRUE(dir.ok()) << dir.status().ToString();
    root_ = new std::string(*dir);
    ASSERT_TRUE(CreateKnownRun(*root_).ok());
    auto big = CreateSyntheticRun(*root_, "synthetic-big", 3, kStartUnixMs);
    ASSERT_TRUE(big.ok()) << big.status().ToString();
    ASSERT_TRUE(GrowSyntheticRun(**big, 1000, 11, kStartUnixMs).ok());
    ASSERT_TRUE(CreateSyntheticRun(*root_, kHostileRunName, 1, kStartUnixMs).ok());
    auto server = serve::Server::Start({"127.0.0.1", 0, false, ""}, {*root_}, RealClock());
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = server->release();
    auto driver = WebDriver::Start(FindChromedriver(), FindChromium(), *root_ + "/.profile");
    ASSERT_TRUE(driver.ok()) << driver.status().ToString();
    driver_ = driver->release();
    std::filesystem::create_directories(kScreenshots);
  }
  static void TearDownTestSuite() {
    delete driver_;
    delete server_;
    if (root_ != nullptr) (void)RemoveTree(*root_);
    delete root_;
  }
  void SetUp() override {
    if (FindChromium().empty() || FindChromedriver().empty()) {
      GTEST_SKIP() << "chromium or chromedriver is not installed (scripts/setup.sh installs "
                      "both): the dashboard's browser tests cannot run here";
    }
    ASSERT_NE(driver_, nullptr);
  }

  // Opens `route` ("#/run/known-run") and waits until the page rendered its data.
  void Open(const std::string& route) {
    ASSERT_TRUE(driver_->Navigate(server_->Url() + route).ok());
    Status loaded = driver_->WaitFor(
        "const m = document.getElementById('page');"
        "return m.dataset.route === (location.hash || '#/') || !!document.getElementById('page-error');",
        10'000);
    ASSERT_TRUE(loaded.ok()) << loaded.message();
    auto error = driver_->Execute("const e = document.getElementById('page-error'); return e ? e.textContent : '';");
    ASSERT_TRUE(error.ok());
    EXPECT_EQ(*error, "") << route;
  }
  void ExpectNoConsoleErrors(const std::string& route) {
    auto log = driver_->TakeConsoleLog();
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    for (const Json& entry : *log) {
      EXPECT_NE(entry.value("level", ""), "SEVERE") << route << ": " << entry.dump();
    }
  }
  Json Js(const std::string& script) {
    auto value = driver_->Execute(script);
    EXPECT_TRUE(value.ok()) << value.status().ToString() << "\n" << script;
    return value.ok() ? *value : Json();
  }
  double DataValue(const std::string& id) {
    Json v = Js("return document.getElementById(" + DumpJson(Json(id)) + ").dataset.value;");
    return v.is_string() ? std::stod(v.get<std::string>()) : std::nan("");
  }
  static StoreSummary Summary(const std::string& run_dir) {
    auto store = Store::Open(run_dir + "/run.db", Store::Mode::kReadOnly);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    auto s = store.ok() ? (*store)->Summarize() : Result<StoreSummary>(store.status());
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? *s : StoreSummary{};
  }

  static std::string* root_;
  static serve::Server* server_;
  static WebDriver* driver_;
};

std::string* DashboardBrowserTest::root_ = nullptr;
serve::Server* DashboardBrowserTest::server_ = nullptr;
WebDriver* DashboardBrowserTest::driver_ = nullptr;

TEST_F(DashboardBrowserTest, EveryPageLoadsWithoutAConsoleError) {
  const std::vector<std::pair<std::string, std::string>> pages = {
      {"runs", "#/"},
      {"run", "#/run/synthetic-big"},
      {"programs", "#/run/synthetic-big/programs?order=score&offset=0"},
      {"lineage", "#/run/synthetic-big/lineage/best"},
      {"islands", "#/run/synthetic-big/islands"},
      {"llm", "#/run/known-run/llm"},
      {"program", "#/run/known-run/program/4"},
  };
  for (const auto& [name, route] : pages) {
    SCOPED_TRACE(route);
    Open(route);
    const std::string png = kScreenshots + "/" + name + ".png";
    ASSERT_TRUE(driver_->Screenshot(png).ok());
    std::printf("screenshot: %s\n", png.c_str());
    ExpectNoConsoleErrors(route);
  }
}

TEST_F(DashboardBrowserTest, TheNumbersOnThePageAreThoseInRunDb) {
  const std::string big = *root_ + "/synthetic-big";
  const StoreSummary s = Summary(big);
  Open("#/run/synthetic-big");
  EXPECT_EQ(DataValue("run-evaluations"), static_cast<double>(s.programs - 1));
  EXPECT_EQ(DataValue("run-valid"),
            static_cast<double>(s.valid) / static_cast<double>(s.programs));
  ASSERT_TRUE(s.best_id.has_value());
  EXPECT_EQ(DataValue("run-best"), s.best_score);
  EXPECT_EQ(DataValue("run-wall"), static_cast<double>(s.last_unix_ms - s.first_unix_ms));
  EXPECT_EQ(Js("return document.querySelector('#top-table tbody tr td').textContent;"),
            "#" + std::to_string(*s.best_id));
  EXPECT_EQ(Js("return document.querySelector('#failures [data-key=timeout]').dataset.value;"),
            std::to_string(s.failures.at("timeout")));
  EXPECT_EQ(Js("return document.querySelectorAll('#chart-evals path.line').length;"), 2);

  Open("#/");
  Json row = Js(
      "for (const tr of document.querySelectorAll('#runs-table tbody tr')) {"
      "  const td = [...tr.children].map((c) => c.textContent);"
      "  if (td[0] === 'known-run') return td; }"
      "return null;");
  ASSERT_TRUE(row.is_array()) << row.dump();
  EXPECT_EQ(row[4], "3");      // best score
  EXPECT_EQ(row[5], "3");      // evaluations
  EXPECT_EQ(row[6], "75.0%");  // valid
  EXPECT_EQ(row[8], "$0.2500");

  Open("#/run/known-run/program/4");
  EXPECT_EQ(DataValue("program-score"), 3.0);
  auto store = Store::Open(*root_ + "/known-run/run.db", Store::Mode::kReadOnly);
  ASSERT_TRUE(store.ok());
  auto program = (*store)->LoadProgram(4);
  ASSERT_TRUE(program.ok());
  EXPECT_EQ(Js("return document.querySelector('.program-code').textContent;"), program->code);

  Open("#/run/known-run/islands");
  EXPECT_EQ(Js("return document.querySelectorAll('.island').length;"), 2);
  EXPECT_EQ(Js("return document.querySelector('#migrations tbody tr:first-child td:last-child').textContent;"),
            "1");
  Open("#/run/known-run/llm");
  EXPECT_EQ(DataValue("llm-calls"), 1.0);
  EXPECT_EQ(DataValue("llm-cost"), 0.25);
}

TEST_F(DashboardBrowserTest, HostileTextStaysInert) {
  const std::string inert =
      "return window.__xss === undefined && document.querySelectorAll('img').length === 0 &&"
      "  document.querySelectorAll('script').length === 5;";
  Open("#/run/known-run/program/2");
  EXPECT_EQ(Js(inert), true);
  EXPECT_EQ(Js("return document.querySelector('.program-code').textContent;"), kHostileCode);
  ASSERT_TRUE(driver_->Screenshot(kScreenshots + "/hostile-program.png").ok());

  Open("#/run/known-run/program/4");
  EXPECT_EQ(Js(inert), true);
  EXPECT_EQ(Js("return document.querySelector('.artifact pre').textContent;"), kHostileArtifact);
  EXPECT_EQ(Js("return document.querySelectorAll('main b').length;"), 0);
  EXPECT_EQ(Js("return document.querySelector('.prompt pre').textContent;"), "improve </script>");
  EXPECT_EQ(Js("return [...document.querySelectorAll('#program-diff .del')].some("
               "(l) => l.textContent.startsWith('- </script><script>'));"),
            true);

  Open("#/");
  EXPECT_EQ(Js(inert), true);
  EXPECT_EQ(Js("return [...document.querySelectorAll('#runs-table a')].some((a) => a.textContent === " +
               DumpJson(Json(kHostileRunName)) + ");"),
            true);
  ExpectNoConsoleErrors("hostile pages");
}

// Polls run.db until it holds more than `than` programs; returns the count.
int64_t WaitForPrograms(const std::string& dir, int64_t than, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (std::filesystem::exists(dir + "/run.db")) {
      auto store = Store::Open(dir + "/run.db", Store::Mode::kReadOnly);
      if (store.ok()) {
        auto s = (*store)->Summarize();
        if (s.ok() && s->programs > than) return s->programs;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return -1;
}

TEST_F(DashboardBrowserTest, ALiveRunsPageShowsNewEvaluationsWithinFiveSeconds) {
  // The run's folder lands among the served runs, as with `kevolve run -o runs; kevolve serve runs`.
  const std::string live_root = *root_;
  const int pid = StartCommand({KevolveBinary(), "run", std::string(KEVOLVE_SOURCE_DIR) + "/examples/bin_packing",
                                "--iterations", "400", "--output-dir", live_root});
  std::string dir;
  for (int i = 0; i < 600 && dir.empty(); ++i) {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(live_root, ec)) {
      if (entry.path().filename().string().find("bin_packing") != std::string::npos) {
        dir = entry.path().string();
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_FALSE(dir.empty()) << "kevolve run made no run folder";
  const std::string name = std::filesystem::path(dir).filename().string();
  ASSERT_GT(WaitForPrograms(dir, 1, 120'000), 1) << "the run committed no second program";
  Open("#/run/" + name);
  EXPECT_EQ(Js("return document.querySelector('h1 .badge').textContent;"), "running");
  for (int round = 0; round < 2; ++round) {
    const double shown = DataValue("run-evaluations");
    const int64_t programs = WaitForPrograms(dir, static_cast<int64_t>(shown) + 1, 120'000);
    ASSERT_GT(programs, 0) << "the run stopped committing programs";
    const auto committed = std::chrono::steady_clock::now();
    Status updated = driver_->WaitFor(
        "return Number(document.getElementById('run-evaluations').dataset.value) >= " +
            std::to_string(programs - 1) + ";",
        5'000);
    EXPECT_TRUE(updated.ok()) << updated.message();
    const auto lag_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - committed)
                            .count();
    std::printf("page showed %ld evaluations %ld ms after run.db held them\n",
                static_cast<long>(programs - 1), static_cast<long>(lag_ms));
  }
  ASSERT_TRUE(driver_->Screenshot(kScreenshots + "/live-run.png").ok());
  ExpectNoConsoleErrors("live run");
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status)) << status;
}

}  // namespace
}  // namespace kevolve::testing
