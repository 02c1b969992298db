// A minimal HTTP/1.1 server for GET /metrics, on a thread of its own so a
// scrape never waits on (or stalls) the gRPC server or a run. Up to 8
// connections at once, each on a thread of its own for at most a few
// seconds: read one bounded request, answer, close. The port is bound
// with SO_REUSEPORT, as the gRPC port is, so a replacement worker serves it
// beside the old one, and the supervisor can hold it between workers.
#pragma once

#include <functional>
#include <string>
#include <thread>

namespace golo::host {

// The answer to one request line (method, target): status line parts,
// headers, body. Pure, so it is tested without sockets.
struct HttpAnswer {
  int status = 200;
  std::string reason = "OK";
  std::string content_type = "text/plain; charset=utf-8";
  std::string extra_headers;  // "Name: value\r\n"...
  std::string body;
  bool head = false;  // HEAD: headers only
};

// Longest request (line and headers) read; longer ones get 431.
inline constexpr std::size_t kMaxHttpRequestBytes = 8192;

// What to answer to the request in `request` (everything up to the blank
// line, or what arrived before the limit or the timeout: complete says
// which). body() builds the /metrics text, only when it is asked for.
HttpAnswer answer_http(const std::string &request, bool complete,
                       const std::function<std::string()> &body);
// The bytes of an answer, Connection: close.
std::string format_http(const HttpAnswer &a);

class MetricsEndpoint {
 public:
  explicit MetricsEndpoint(std::function<std::string()> body)
      : body_(std::move(body)) {}
  ~MetricsEndpoint();  // stops the thread
  MetricsEndpoint(const MetricsEndpoint &) = delete;
  MetricsEndpoint &operator=(const MetricsEndpoint &) = delete;

  // Binds and listens on address ("HOST:PORT", "[V6]:PORT"; port 0 picks
  // one) and starts serving. False with the reason when it cannot.
  bool start(const std::string &address, std::string &error);
  int port() const { return port_; }

 private:
  void serve();
  void handle(int fd);

  std::function<std::string()> body_;
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};  // a pipe: written to stop the thread
  int port_ = 0;
  std::thread thread_;
};

}  // namespace golo::host
