// HttpTransport over libcurl's easy interface.
#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <mutex>

#include "llm/http.h"

namespace kevolve::llm {
namespace {

struct Exchange {
  const HttpRequest* request = nullptr;
  std::string body;
  std::string content_type;
  std::string retry_after;
  bool too_large = false;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* x = static_cast<Exchange*>(user);
  const size_t n = size * count;
  const size_t cap = static_cast<size_t>(std::max<int64_t>(0, x->request->max_reply_bytes));
  if (x->body.size() + n > cap) {
    x->body.append(data, cap - std::min(cap, x->body.size()));
    x->too_large = true;
    return 0;  // makes curl stop with CURLE_WRITE_ERROR
  }
  x->body.append(data, n);
  return n;
}

std::string HeaderValue(std::string_view line, std::string_view name) {
  if (line.size() <= name.size() || line[name.size()] != ':') return "";
  for (size_t i = 0; i < name.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(line[i])) != name[i]) return "";
  }
  std::string_view value = line.substr(name.size() + 1);
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front()))) {
    value.remove_prefix(1);
  }
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) {
    value.remove_suffix(1);
  }
  return std::string(value);
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* x = static_cast<Exchange*>(user);
  const std::string_view line(data, size * count);
  // A new status line (after a redirect or 100-continue) starts a new set of headers.
  if (line.rfind("HTTP/", 0) == 0) {
    x->content_type.clear();
    x->retry_after.clear();
  }
  if (std::string v = HeaderValue(line, "content-type"); !v.empty()) x->content_type = v;
  if (std::string v = HeaderValue(line, "retry-after"); !v.empty()) x->retry_after = v;
  return size * count;
}

int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* x = static_cast<Exchange*>(user);
  return x->request->cancel != nullptr && x->request->cancel->load() ? 1 : 0;
}

HttpResponse::Error ErrorOf(CURLcode code, const Exchange& x) {
  if (x.too_large) return HttpResponse::Error::kTooLarge;
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return HttpResponse::Error::kTimeout;
    case CURLE_PARTIAL_FILE:
      return HttpResponse::Error::kTruncated;
    case CURLE_ABORTED_BY_CALLBACK:
      return HttpResponse::Error::kCancelled;
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
      return HttpResponse::Error::kConnection;
    case CURLE_RECV_ERROR:
      return x.body.empty() ? HttpResponse::Error::kConnection : HttpResponse::Error::kTruncated;
    default:
      return HttpResponse::Error::kOther;
  }
}

class CurlTransport final : public HttpTransport {
 public:
  CurlTransport() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  }

  HttpResponse Post(const HttpRequest& request) override {
    HttpResponse response;
    CURL* curl = curl_easy_init();
    if (curl == nullptr) {
      response.error = HttpResponse::Error::kOther;
      response.error_message = "curl_easy_init failed";
      return response;
    }
    Exchange x;
    x.request = &request;
    curl_slist* headers = nullptr;
    for (const auto& [name, value] : request.headers) {
      headers = curl_slist_append(headers, (name + ": " + value).c_str());
    }
    curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(request.connect_timeout_ms));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout_ms));
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &x);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &x);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, OnProgress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &x);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");  // any encoding curl can decode
    const CURLcode code = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    response.status = static_cast<int>(status);
    response.content_type = std::move(x.content_type);
    response.retry_after = std::move(x.retry_after);
    if (code != CURLE_OK) {
      response.error = ErrorOf(code, x);
      response.error_message = curl_easy_strerror(code);
    }
    response.body = std::move(x.body);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    return response;
  }
};

}  // namespace

std::unique_ptr<HttpTransport> MakeCurlTransport() { return std::make_unique<CurlTransport>(); }

}  // namespace kevolve::llm
