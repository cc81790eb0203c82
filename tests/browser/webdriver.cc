#include "browser/webdriver.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "core/files.h"
#include "testing/command.h"

namespace kevolve::testing {
namespace {

std::string FirstExisting(const std::vector<std::string>& paths) {
  for (const std::string& p : paths) {
    if (access(p.c_str(), X_OK) == 0) return p;
  }
  return "";
}

Result<std::string> DecodeBase64(const std::string& text) {
  static const std::string kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  uint32_t bits = 0;
  int count = 0;
  for (char c : text) {
    if (c == '=' || c == '\n' || c == '\r') continue;
    const size_t v = kAlphabet.find(c);
    if (v == std::string::npos) return Status::InvalidArgument("not base64");
    bits = (bits << 6) | static_cast<uint32_t>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out.push_back(static_cast<char>((bits >> count) & 0xFF));
    }
  }
  return out;
}

}  // namespace

std::string FindChromium() { return FirstExisting({"/usr/bin/chromium", "/usr/bin/chromium-browser"}); }
std::string FindChromedriver() { return FirstExisting({"/usr/bin/chromedriver"}); }

int FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

WebDriver::WebDriver(int driver_pid, int port)
    : driver_pid_(driver_pid), http_(std::make_unique<httplib::Client>("127.0.0.1", port)) {
  http_->set_read_timeout(60, 0);
}

WebDriver::~WebDriver() {
  if (!session_.empty()) (void)Call("DELETE", "/session/" + session_, Json());
  if (driver_pid_ > 0) {
    kill(driver_pid_, SIGTERM);
    waitpid(driver_pid_, nullptr, 0);
  }
}

Result<std::unique_ptr<WebDriver>> WebDriver::Start(const std::string& chromedriver,
                                                    const std::string& chromium,
                                                    const std::string& profile_dir) {
  const int port = FreeLoopbackPort();
  const int pid = StartCommand({chromedriver, "--port=" + std::to_string(port)});
  std::unique_ptr<WebDriver> d(new WebDriver(pid, port));
  for (int i = 0;; ++i) {
    auto status = d->http_->Get("/status");
    if (status && status->status == 200) break;
    if (i == 100) return Status::Unavailable("chromedriver did not answer on port " + std::to_string(port));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  // Without the networking flags the browser keeps calling home; a fresh profile per run.
  const Json args = {"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                     "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync",
                     "--disable-dev-shm-usage", "--window-size=1400,1000",
                     "--user-data-dir=" + profile_dir};
  const Json caps = {{"capabilities",
                      {{"alwaysMatch",
                        {{"browserName", "chrome"},
                         {"goog:chromeOptions", {{"binary", chromium}, {"args", args}}},
                         {"goog:loggingPrefs", {{"browser", "ALL"}}}}}}}};
  KEVOLVE_ASSIGN_OR_RETURN(Json value, d->Call("POST", "/session", caps));
  if (!value.contains("sessionId")) return Status::Internal("no session: " + value.dump());
  d->session_ = value["sessionId"].get<std::string>();
  return d;
}

Result<Json> WebDriver::Call(const std::string& method, const std::string& path,
                             const Json& body) {
  httplib::Result res = method == "GET"      ? http_->Get(path)
                        : method == "DELETE" ? http_->Delete(path)
                                             : http_->Post(path, DumpJson(body), "application/json");
  if (!res) return Status::Unavailable("chromedriver: no answer to " + method + " " + path);
  KEVOLVE_ASSIGN_OR_RETURN(Json reply, ParseJson(res->body));
  if (res->status != 200) {
    return Status::Internal("chromedriver: " + method + " " + path + ": " + res->body.substr(0, 500));
  }
  return reply.contains("value") ? reply["value"] : Json();
}

Status WebDriver::Navigate(const std::string& url) {
  return Call("POST", "/session/" + session_ + "/url", {{"url", url}}).status();
}

Result<Json> WebDriver::Execute(const std::string& script) {
  return Call("POST", "/session/" + session_ + "/execute/sync",
              {{"script", script}, {"args", Json::array()}});
}

Status WebDriver::WaitFor(const std::string& script, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  std::string last;
  while (true) {
    auto value = Execute(script);
    if (value.ok() && *value == true) return Status::Ok();
    last = value.ok() ? value->dump() : value.status().message();
    if (std::chrono::steady_clock::now() > deadline) {
      return Status::Timeout("not true after " + std::to_string(timeout_ms) + " ms: " + script +
                             " (last: " + last + ")");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

Result<std::vector<Json>> WebDriver::TakeConsoleLog() {
  KEVOLVE_ASSIGN_OR_RETURN(Json entries,
                           Call("POST", "/session/" + session_ + "/se/log", {{"type", "browser"}}));
  std::vector<Json> out;
  for (const Json& e : entries) out.push_back(e);
  return out;
}

Status WebDriver::Screenshot(const std::string& path, int max_height) {
  // A small window first: scrollHeight is never less than the window's own height.
  KEVOLVE_RETURN_IF_ERROR(
      Call("POST", "/session/" + session_ + "/window/rect", {{"width", 1400}, {"height", 600}})
          .status());
  KEVOLVE_ASSIGN_OR_RETURN(Json height, Execute("return document.documentElement.scrollHeight;"));
  const int h = std::min(max_height, std::max(600, height.is_number() ? height.get<int>() : 1000));
  KEVOLVE_RETURN_IF_ERROR(
      Call("POST", "/session/" + session_ + "/window/rect", {{"width", 1400}, {"height", h}})
          .status());
  KEVOLVE_ASSIGN_OR_RETURN(Json png, Call("GET", "/session/" + session_ + "/screenshot", Json()));
  KEVOLVE_ASSIGN_OR_RETURN(std::string bytes, DecodeBase64(png.get<std::string>()));
  return WriteFileAtomic(path, bytes);
}

}  // namespace kevolve::testing
