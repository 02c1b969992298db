// The one interface http_get's trigger knows: make the configured request
// once and say what came back. Two clients implement it: PlainHttpClient
// (http:// on blocking sockets, the fast path) and CurlHttpClient (https://
// and every other scheme libcurl speaks).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "golo_version.h"

namespace golo::http_get {

// Every request says who sends it, for the target's logs.
inline constexpr const char *kUserAgent = "golo/" GOLO_VERSION " (http_get)";

// What to ask, from the plugin's settings; fixed for the plugin's life.
struct RequestSpec {
  std::string url;
  std::string method;      // GET, HEAD, POST or any verb
  std::string body;        // sent for methods other than GET and HEAD
  long timeout_ms = 5000;  // whole request: connect, send and response
  // TLS, for curl only (http:// has none). Staging targets often carry
  // self-signed certificates: either trust their CA or stop verifying.
  bool tls_verify = true;  // false: accept any certificate and host name
  std::string ca_file;     // CA bundle to trust instead of the system's
};

// What one request gave back.
struct HttpResult {
  bool answered = false;  // false: a transport failure, told in `error`
  long status = 0;
  std::uint64_t body_bytes = 0;
  char error[384] = {};  // set only when !answered
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // One request, reusing the kept-alive connection when there is one.
  // Resets `r` first.
  virtual void perform(HttpResult &r) = 0;
};

}  // namespace golo::http_get
