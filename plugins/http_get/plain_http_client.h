// http:// over blocking sockets: one kept-alive connection per calling
// thread, a request built once at load, and Beast's parser counting the body
// without storing it. About two system calls per request, against curl's six
// (see bench/README.md).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "http_client.h"

struct addrinfo;

namespace golo::http_get {

// Where to connect and the exact bytes to send, worked out once.
struct PlainHttpTarget {
  std::string url;      // for messages
  std::string host;     // for getaddrinfo, without IPv6 brackets
  std::string port;     // decimal
  std::string request;  // the whole request, sent as is on every call
  bool head = false;    // a HEAD response has a header only
  long timeout_ms = 5000;
};

// Builds the target for an http:// URL. False, with the reason in `why`, for
// a URL it cannot take (the caller then uses CurlHttpClient or refuses).
bool plan_plain_http(const RequestSpec &spec, PlainHttpTarget &out,
                     std::string &why);

class PlainHttpClient final : public HttpClient {
 public:
  explicit PlainHttpClient(const PlainHttpTarget &target);
  ~PlainHttpClient() override;
  PlainHttpClient(const PlainHttpClient &) = delete;
  PlainHttpClient &operator=(const PlainHttpClient &) = delete;

  void perform(HttpResult &r) override;

 private:
  using Clock = std::chrono::steady_clock;
  // stale: a kept-alive connection the server had closed; worth one retry.
  enum class Exchange { done, stale, failed };

  bool connect_socket(HttpResult &r, Clock::time_point deadline);
  Exchange exchange(HttpResult &r, Clock::time_point deadline);
  bool send_request(HttpResult &r, Clock::time_point deadline, bool &stale);
  // Reads more response bytes into in_: the count, 0 at EOF, or -1 with the
  // message in r and the cause in receive_errno_.
  long receive(HttpResult &r, Clock::time_point deadline);
  void set_receive_timeout(std::chrono::microseconds t);
  void close_socket();

  const PlainHttpTarget &target_;
  addrinfo *addresses_ = nullptr;  // the host, resolved; see connect_socket
  int fd_ = -1;
  int receive_errno_ = 0;
  std::chrono::microseconds receive_timeout_{0};  // what SO_RCVTIMEO holds
  std::unique_ptr<char[]> in_;  // received, not yet parsed: [begin_, end_)
  std::size_t capacity_ = 0, begin_ = 0, end_ = 0;
};

}  // namespace golo::http_get
