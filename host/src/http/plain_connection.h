// One kept-alive connection to one origin (scheme, host and port) for the
// HTTP/1.1 fast path: the blocking-style I/O around ResponseParser, over
// TCP or over TLS (OpenSSL directly, tls_connection.cpp). On a thread a
// blocking socket whose reads and writes time out in slices (so the
// request's deadline and a stopping run are noticed); on a fiber a
// non-blocking one, each wait a park on the loop's epoll; one
// sendmsg (or one TLS record) for head and body, and one read per wait
// into a buffer kept for the connection's life: no allocation per request
// once the buffers have grown. Over TLS it keeps the server's latest
// session, offered again on its next handshake (resumption per user).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "abi/run_context.h"
#include "http/response_parser.h"

struct addrinfo;
typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_session_st SSL_SESSION;

namespace golo::host::http {

using Clock = std::chrono::steady_clock;

// When each part of one exchange ended.
struct Times {
  // secured: the TLS handshake's end (connected on plain http).
  Clock::time_point start, resolved, connected, secured, sent, first_byte, end;
};

// What went wrong, as golo_http_error, with its detail.
struct IoError {
  int error = 0;       // GOLO_HTTP_OK: none
  bool stale = false;  // a kept-alive connection the server had closed
  std::string detail;
  bool closed = false;  // the peer reset it, or a send found it closed
};

class PlainConnection {
 public:
  // tls: https (then connect() takes the SSL_CTX to shake hands with).
  PlainConnection(std::string_view host, std::string_view port, bool tls);
  ~PlainConnection();
  PlainConnection(const PlainConnection &) = delete;
  PlainConnection &operator=(const PlainConnection &) = delete;

  bool is(std::string_view host, std::string_view port, bool tls) const {
    return host == host_ && port == port_ && tls == tls_;
  }
  bool open() const { return fd_ >= 0; }
  // The context the open connection shook hands with (nullptr: plain).
  SSL_CTX *context() const { return ctx_; }
  void close();

  // Resolves (once; kept until an address fails), connects, and over TLS
  // shakes hands with ctx (verifying the host name unless ctx does not
  // verify), offering the session kept from the last one.
  bool connect(SSL_CTX *ctx, Clock::time_point deadline, const RunContext *run,
               Times &t, IoError &e);
  // Sends head then body in one sendmsg when the socket takes it.
  bool send(std::string_view head, std::string_view body,
            Clock::time_point deadline, const RunContext *run, Times &t,
            IoError &e);
  // Reads the answer into parser (reset by the caller).
  bool receive(ResponseParser &parser, Clock::time_point deadline,
               const RunContext *run, Times &t, IoError &e);
  // Waits for bytes and reads at most cap of them into buf (host->tcp_recv):
  // how many, 0 at the end of the stream, -1 on failure (e says why).
  long read_into(char *buf, std::size_t cap, Clock::time_point deadline,
                 const RunContext *run, IoError &e) {
    return read_some(buf, cap, true, deadline, run, e);
  }

  // Takes a reference to a session the server gave (OpenSSL's callback).
  void keep_session(SSL_SESSION *session);

 private:
  static constexpr std::size_t kBuffer = 16 * 1024;  // one read's most

  // Reads what the socket (or TLS) has into buf: the bytes, 0 at the end of
  // the stream, -1 on failure (e says why). started: an answer began.
  long read_some(char *buf, std::size_t cap, bool started,
                 Clock::time_point deadline, const RunContext *run, IoError &e);
  // Over TLS (tls_connection.cpp).
  bool handshake(SSL_CTX *ctx, Clock::time_point deadline,
                 const RunContext *run, IoError &e);
  bool tls_send(std::string_view head, std::string_view body,
                Clock::time_point deadline, const RunContext *run, IoError &e);
  long tls_read(char *buf, std::size_t cap, bool started,
                Clock::time_point deadline, const RunContext *run, IoError &e);
  void tls_close();

  // Sets the blocking socket's read and write timeouts to ms (when not so).
  bool block(long ms, IoError &e);
  // Waits for events on the socket; false at the deadline or a stop. On a
  // blocking socket (a thread's) it only checks those and sets the
  // timeouts: the read or write that follows waits.
  bool wait(short events, Clock::time_point deadline, const RunContext *run,
            IoError &e, const char *what);

  std::string host_, port_;
  bool tls_ = false;
  int fd_ = -1;
  std::uint64_t watch_ = 0;  // fd_'s opening, as a fiber's loop knows it
  bool blocking_ = false;    // a thread's socket: reads and writes block
  long timeout_ms_ = 0;      // the blocking socket's timeouts (0: none set)
  SSL_CTX *ctx_ = nullptr;   // shared (tls_context.h), not owned
  SSL *ssl_ = nullptr;       // the open connection's
  SSL_SESSION *session_ = nullptr;  // the latest the server gave
  std::string out_;                 // head and body as one TLS record
  addrinfo *addresses_ = nullptr;
  std::unique_ptr<char[]> in_;  // the answer's reads: made at the first
};

}  // namespace golo::host::http
