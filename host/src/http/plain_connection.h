// One kept-alive TCP connection to one origin (host and port) for the
// plain-http fast path: the blocking I/O around ResponseParser. A
// non-blocking socket, each wait a poll() bounded by the request's deadline
// (in slices, so a stopping run is noticed), one sendmsg for head and body,
// and one recv per poll into a buffer kept for the connection's life: no
// allocation per request once the buffers have grown.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "abi/run_context.h"
#include "http/response_parser.h"

struct addrinfo;

namespace golo::host::http {

using Clock = std::chrono::steady_clock;

// When each part of one exchange ended.
struct Times {
  Clock::time_point start, resolved, connected, sent, first_byte, end;
};

// What went wrong, as golo_http_error, with its detail.
struct IoError {
  int error = 0;       // GOLO_HTTP_OK: none
  bool stale = false;  // a kept-alive connection the server had closed
  std::string detail;
};

class PlainConnection {
 public:
  PlainConnection(std::string_view host, std::string_view port);
  ~PlainConnection();
  PlainConnection(const PlainConnection &) = delete;
  PlainConnection &operator=(const PlainConnection &) = delete;

  bool is(std::string_view host, std::string_view port) const {
    return host == host_ && port == port_;
  }
  bool open() const { return fd_ >= 0; }
  void close();

  // Resolves (once; kept until an address fails) and connects.
  bool connect(Clock::time_point deadline, const RunContext *run, Times &t,
               IoError &e);
  // Sends head then body in one sendmsg when the socket takes it.
  bool send(std::string_view head, std::string_view body,
            Clock::time_point deadline, const RunContext *run, Times &t,
            IoError &e);
  // Reads the answer into parser (reset by the caller).
  bool receive(ResponseParser &parser, Clock::time_point deadline,
               const RunContext *run, Times &t, IoError &e);

 private:
  // Waits for events on the socket; false at the deadline or a stop.
  bool wait(short events, Clock::time_point deadline, const RunContext *run,
            IoError &e, const char *what);

  std::string host_, port_;
  int fd_ = -1;
  addrinfo *addresses_ = nullptr;
  std::unique_ptr<char[]> in_;
};

}  // namespace golo::host::http
