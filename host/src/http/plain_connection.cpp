#include "http/plain_connection.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "abi/run_calls.h"
#include "golo/agent/fiber.h"
#include "golo/plugin.h"
#include "http/resolver.h"

namespace golo::host::http {
namespace {

// A poll's longest slice: how late a stopping run is noticed.
constexpr auto kSlice = std::chrono::milliseconds(200);

void set_error(IoError &e, int error, std::string detail) {
  e.error = error;
  e.detail = std::move(detail);
}

// Linux 6.3's <linux/in.h> value; glibc 2.36's headers lack it.
constexpr int kLocalPortRange = 51;  // IP_LOCAL_PORT_RANGE

// connect() picks a local port by scanning the system's range, ports of one
// parity first (bind() takes the other). Once that half is in use by
// connections to the same target, every connect() scans all of it before
// trying the other half: at 19,000 users of one nginx (28,232 ports here)
// each took 3.7 ms of kernel time on the loop's thread, its other users
// stood still, and the run's rate fell to 0 for seconds. With a range of
// the socket's own (here the system's whole range again: 1-65535 is
// clamped to it), the kernel scans both parities in one pass from where the
// last connection stopped. Older kernels refuse the option: as before.
void whole_port_range(int fd) {
  const std::uint32_t range = 65535u << 16 | 1u;  // high << 16 | low
  setsockopt(fd, IPPROTO_IP, kLocalPortRange, &range, sizeof range);
}

}  // namespace

PlainConnection::PlainConnection(std::string_view host, std::string_view port,
                                 bool tls)
    : host_(host), port_(port), tls_(tls) {}

PlainConnection::~PlainConnection() {
  close();
  keep_session(nullptr);
  if (addresses_ != nullptr) freeaddrinfo(addresses_);
}

void PlainConnection::close() {
  tls_close();
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  blocking_ = false;
  timeout_ms_ = 0;
}

bool PlainConnection::block(long ms, IoError &e) {
  if (ms == timeout_ms_) return true;
  const timeval tv{ms / 1000, (ms % 1000) * 1000};
  if (setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0 ||
      setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) != 0) {
    set_error(e, GOLO_HTTP_OTHER,
              std::string("setsockopt: ") + strerror(errno));
    return false;
  }
  timeout_ms_ = ms;
  return true;
}

bool PlainConnection::wait(short events, Clock::time_point deadline,
                           const RunContext *run, IoError &e,
                           const char *what) {
  for (;;) {
    if (run && run->aborting()) {
      set_error(e, GOLO_HTTP_STOPPED,
                std::string("the run's graceful stop passed while ") + what);
      return false;
    }
    const auto left = deadline - Clock::now();
    if (left <= Clock::duration::zero()) {
      set_error(e, GOLO_HTTP_TIMEOUT,
                std::string("the timeout passed while ") + what);
      return false;
    }
    // Rounded up, so a wait never ends just before the deadline and spins.
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(
        std::min<Clock::duration>(left, kSlice));
    // A blocking socket waits in its read or write, for at most ms.
    if (blocking_) return block(static_cast<long>(ms.count()), e);
    if (agent::on_fiber()) {
      // A fiber plugin's users share the loop's thread: park, not poll;
      // until the deadline, as the loop wakes it every 200 ms once the run
      // is stopping, for the check above.
      if (park_call_until_ready(fd_, events, deadline, watch_)) return true;
      continue;
    }
    pollfd p{fd_, events, 0};
    const int n = ::poll(&p, 1, static_cast<int>(ms.count()));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) {
      set_error(e, GOLO_HTTP_OTHER, std::string("poll: ") + strerror(errno));
      return false;
    }
  }
}

bool PlainConnection::connect(SSL_CTX *ctx, Clock::time_point deadline,
                              const RunContext *run, Times &t, IoError &e) {
  // Resolved once and kept, as curl's DNS cache would; dropped when no
  // address answers, so a moved target is found again.
  if (addresses_ == nullptr &&
      !resolve(host_, port_, deadline, run, &addresses_, e))
    return false;
  t.resolved = Clock::now();
  int err = 0;
  for (addrinfo *a = addresses_; a != nullptr; a = a->ai_next) {
    fd_ = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                   a->ai_protocol);
    if (fd_ < 0) {
      err = errno;
      continue;
    }
    watch_ = agent::new_watch();  // this opening, for the loop's epoll
    int one = 1;                  // a request is one write: send it now
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    whole_port_range(fd_);
    if (::connect(fd_, a->ai_addr, a->ai_addrlen) == 0) break;
    err = errno;
    if (err == EINPROGRESS) {
      if (!wait(POLLOUT, deadline, run, e, "connecting")) {
        close();
        return false;
      }
      socklen_t len = sizeof err;
      getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err == 0) break;
    }
    close();
  }
  if (fd_ < 0) {
    freeaddrinfo(addresses_);
    addresses_ = nullptr;
    set_error(e, err == ECONNREFUSED ? GOLO_HTTP_REFUSED : GOLO_HTTP_OTHER,
              "connect to " + host_ + " port " + port_ + ": " + strerror(err));
    return false;
  }
  t.connected = Clock::now();
  // On a user's own thread the socket blocks (in slices: SO_RCVTIMEO), so a
  // read is one recv, not a poll and a recv (as http_get's client); a
  // fiber's stays non-blocking for its loop.
  if (!agent::on_fiber()) {
    const int flags = fcntl(fd_, F_GETFL);
    blocking_ = flags >= 0 && fcntl(fd_, F_SETFL, flags & ~O_NONBLOCK) == 0;
    if (blocking_ && !block(kSlice.count(), e)) {
      close();
      return false;
    }
  }
  if (tls_ && !handshake(ctx, deadline, run, e)) {
    close();
    return false;
  }
  t.secured = tls_ ? Clock::now() : t.connected;
  return true;
}

bool PlainConnection::send(std::string_view head, std::string_view body,
                           Clock::time_point deadline, const RunContext *run,
                           Times &t, IoError &e) {
  if (ssl_ != nullptr) {
    if (!tls_send(head, body, deadline, run, e)) return false;
    t.sent = Clock::now();
    return true;
  }
  std::size_t done = 0;
  const std::size_t total = head.size() + body.size();
  while (done < total) {
    iovec iov[2];
    int count = 0;
    if (done < head.size())
      iov[count++] = {const_cast<char *>(head.data()) + done,
                      head.size() - done};
    const std::size_t in_body = done > head.size() ? done - head.size() : 0;
    if (!body.empty())
      iov[count++] = {const_cast<char *>(body.data()) + in_body,
                      body.size() - in_body};
    msghdr m{};
    m.msg_iov = iov;
    m.msg_iovlen = static_cast<std::size_t>(count);
    const ssize_t n = ::sendmsg(fd_, &m, MSG_NOSIGNAL);
    if (n >= 0) {
      done += static_cast<std::size_t>(n);
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (!wait(POLLOUT, deadline, run, e, "sending")) return false;
    } else if (errno != EINTR) {
      // The server had closed a kept-alive connection before this request.
      e.closed = errno == EPIPE || errno == ECONNRESET;
      e.stale = done == 0 && e.closed;
      set_error(e, GOLO_HTTP_OTHER, std::string("send: ") + strerror(errno));
      return false;
    }
  }
  t.sent = Clock::now();
  return true;
}

long PlainConnection::read_some(char *buf, std::size_t cap, bool started,
                                Clock::time_point deadline,
                                const RunContext *run, IoError &e) {
  if (ssl_ != nullptr) return tls_read(buf, cap, started, deadline, run, e);
  for (;;) {
    // Waiting first: right after a send the answer is not there yet, and a
    // recv would only say so.
    if (!wait(POLLIN, deadline, run, e, "waiting for the answer")) return -1;
    const ssize_t n = ::recv(fd_, buf, cap, 0);
    if (n >= 0) return n;
    if (errno == EAGAIN || errno == EINTR) continue;
    e.closed = errno == ECONNRESET;
    e.stale = !started && e.closed;
    set_error(e, GOLO_HTTP_MALFORMED,
              std::string("receive: ") + strerror(errno));
    return -1;
  }
}

bool PlainConnection::receive(ResponseParser &parser,
                              Clock::time_point deadline, const RunContext *run,
                              Times &t, IoError &e) {
  // Connections of host->tcp never read answers: no buffer for them.
  if (!in_) in_.reset(new char[kBuffer]);
  for (;;) {
    const long n =
        read_some(in_.get(), kBuffer, parser.started(), deadline, run, e);
    if (n < 0) return false;
    if (n == 0) {
      e.stale = !parser.started();
      if (parser.eof() == ResponseParser::Step::done) break;
      set_error(e, GOLO_HTTP_MALFORMED, parser.error());
      return false;
    }
    if (!parser.started()) t.first_byte = Clock::now();
    std::size_t used = 0;
    const auto step = parser.feed(in_.get(), static_cast<std::size_t>(n), used);
    if (step == ResponseParser::Step::error) {
      set_error(e, GOLO_HTTP_MALFORMED, parser.error());
      return false;
    }
    if (step == ResponseParser::Step::done) {
      // Bytes past the answer were never asked for: not a connection to
      // keep.
      if (used < static_cast<std::size_t>(n) ||
          (ssl_ != nullptr && SSL_has_pending(ssl_)))
        close();
      break;
    }
  }
  t.end = Clock::now();
  if (!parser.keep_alive()) close();
  return true;
}

}  // namespace golo::host::http
