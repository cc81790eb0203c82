// A minimal W3C WebDriver client (chromedriver over HTTP on loopback) for the dashboard's tests
// in a real headless browser. Every call returns Result; nothing throws.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/json.h"
#include "core/status.h"

namespace httplib {
class Client;
}

namespace kevolve::testing {

// Where Debian's packages put the browser and its driver; "" when absent.
std::string FindChromium();
std::string FindChromedriver();

// A loopback port that was free a moment ago.
int FreeLoopbackPort();

class WebDriver {
 public:
  // Starts chromedriver on a free port and opens a headless Chromium session (no sandbox, no
  // GPU, no background networking, a fresh profile under `profile_dir`, browser logs kept).
  static Result<std::unique_ptr<WebDriver>> Start(const std::string& chromedriver,
                                                  const std::string& chromium,
                                                  const std::string& profile_dir);
  ~WebDriver();  // ends the session and the driver process
  WebDriver(const WebDriver&) = delete;
  WebDriver& operator=(const WebDriver&) = delete;

  Status Navigate(const std::string& url);
  // Runs `script` (a function body; `return` gives the value) in the page.
  Result<Json> Execute(const std::string& script);
  // Runs `script` until it returns true or `timeout_ms` passes (Timeout then).
  Status WaitFor(const std::string& script, int timeout_ms);
  // Browser console entries since the last call ({level, message}).
  Result<std::vector<Json>> TakeConsoleLog();
  // Resizes the window to the page's height (at most max_height) and writes a PNG.
  Status Screenshot(const std::string& path, int max_height = 4000);

 private:
  WebDriver(int driver_pid, int port);
  Result<Json> Call(const std::string& method, const std::string& path, const Json& body);

  int driver_pid_ = 0;
  std::unique_ptr<httplib::Client> http_;
  std::string session_;
};

}  // namespace kevolve::testing
