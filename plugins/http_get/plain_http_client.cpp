#include "plain_http_client.h"

#include <curl/curl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>

namespace golo::http_get {
namespace {

namespace http = boost::beast::http;
using boost::beast::error_code;
using boost::beast::string_view;

constexpr std::size_t kInitialBuffer = 16 * 1024;
constexpr std::uint32_t kHeaderLimit = 64 * 1024;

// Keeps the status and counts the body; every other part of the response is
// skipped, so parsing allocates nothing.
class CountingParser final : public http::basic_parser<false> {
 public:
  long status = 0;
  std::uint64_t body_bytes = 0;

 private:
  void on_request_impl(http::verb, string_view, string_view, int,
                       error_code &) override {}
  void on_response_impl(int code, string_view, int, error_code &) override {
    status = code;
  }
  void on_field_impl(http::field, string_view, string_view,
                     error_code &) override {}
  void on_header_impl(error_code &) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t> &,
                         error_code &) override {}
  std::size_t on_body_impl(string_view body, error_code &) override {
    body_bytes += body.size();
    return body.size();
  }
  void on_chunk_header_impl(std::uint64_t, string_view, error_code &) override {
  }
  std::size_t on_chunk_body_impl(std::uint64_t, string_view body,
                                 error_code &) override {
    body_bytes += body.size();
    return body.size();
  }
  void on_finish_impl(error_code &) override {}
};

// curl's URL parser, so the fast path reads URLs exactly as curl would.
struct UrlParts {
  CURLU *u = curl_url();
  ~UrlParts() { curl_url_cleanup(u); }
  // The part, or "" when the URL has none.
  void get(CURLUPart part, std::string &out, unsigned flags = 0) const {
    char *v = nullptr;
    CURLUcode rc = curl_url_get(u, part, &v, flags);
    out = rc == CURLUE_OK && v != nullptr ? v : "";
    curl_free(v);
  }
};

timeval to_timeval(std::chrono::microseconds t) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(t.count() / 1000000);
  tv.tv_usec = static_cast<suseconds_t>(t.count() % 1000000);
  return tv;
}

}  // namespace

bool plan_plain_http(const RequestSpec &spec, PlainHttpTarget &out,
                     std::string &why) {
  UrlParts url;
  if (url.u == nullptr) {
    why = "out of memory";
    return false;
  }
  CURLUcode rc = curl_url_set(url.u, CURLUPART_URL, spec.url.c_str(), 0);
  if (rc != CURLUE_OK) {
    why = curl_url_strerror(rc);
    return false;
  }
  std::string scheme, user, password, host, port, path, query;
  url.get(CURLUPART_SCHEME, scheme);
  url.get(CURLUPART_USER, user);
  url.get(CURLUPART_PASSWORD, password);
  if (scheme != "http") {
    why = "scheme " + scheme + " is not plain http";
    return false;
  }
  if (!user.empty() || !password.empty()) {
    why = "credentials in the URL need curl's authentication";
    return false;
  }
  url.get(CURLUPART_HOST, host);
  url.get(CURLUPART_PORT, port, CURLU_DEFAULT_PORT);
  url.get(CURLUPART_PATH, path);
  url.get(CURLUPART_QUERY, query);
  std::string authority = host;  // the Host header keeps IPv6 brackets
  std::string explicit_port;
  url.get(CURLUPART_PORT, explicit_port);
  if (!explicit_port.empty()) authority += ":" + explicit_port;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);

  out.url = spec.url;
  out.host = host;
  out.port = port;
  out.head = spec.method == "HEAD";
  out.timeout_ms = spec.timeout_ms;
  const bool has_body = spec.method != "GET" && !out.head;
  std::string &r = out.request;
  r = spec.method + " " + (path.empty() ? "/" : path) +
      (query.empty() ? "" : "?" + query) + " HTTP/1.1\r\nHost: " + authority +
      "\r\nUser-Agent: " + std::string(kUserAgent) + "\r\nAccept: */*\r\n";
  if (has_body) {
    // As curl sends a POSTFIELDS body.
    r += "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " +
         std::to_string(spec.body.size()) + "\r\n";
  }
  r += "\r\n";
  if (has_body) r += spec.body;
  return true;
}

PlainHttpClient::PlainHttpClient(const PlainHttpTarget &target)
    : target_(target),
      in_(new char[kInitialBuffer]),
      capacity_(kInitialBuffer) {}

PlainHttpClient::~PlainHttpClient() {
  close_socket();
  if (addresses_ != nullptr) freeaddrinfo(addresses_);
}

void PlainHttpClient::close_socket() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  begin_ = end_ = 0;
}

void PlainHttpClient::set_receive_timeout(std::chrono::microseconds t) {
  if (t.count() < 1000) t = std::chrono::microseconds(1000);
  timeval tv = to_timeval(t);
  setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  receive_timeout_ = t;
}

bool PlainHttpClient::connect_socket(HttpResult &r,
                                     Clock::time_point deadline) {
  // Resolved once per client and kept, as curl's DNS cache would, so a
  // target that closes every connection is not also a name lookup per
  // request; dropped when no address answers, so a moved target is found.
  if (addresses_ == nullptr) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int gai = getaddrinfo(target_.host.c_str(), target_.port.c_str(), &hints,
                          &addresses_);
    if (gai != 0) {
      addresses_ = nullptr;
      std::snprintf(r.error, sizeof r.error, "resolve %s (%s): %s",
                    target_.host.c_str(), target_.url.c_str(),
                    gai_strerror(gai));
      return false;
    }
  }
  int err = 0;
  for (addrinfo *a = addresses_; a != nullptr; a = a->ai_next) {
    int fd =
        socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      err = errno;
      continue;
    }
    // SO_SNDTIMEO bounds connect() too on Linux.
    auto left = std::chrono::duration_cast<std::chrono::microseconds>(
        deadline - Clock::now());
    if (left.count() < 1000) left = std::chrono::microseconds(1000);
    timeval tv = to_timeval(left);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int one = 1;  // requests are single small writes: send them now
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
      fd_ = fd;
      begin_ = end_ = 0;
      receive_timeout_ = std::chrono::microseconds(0);
      return true;
    }
    err = errno;
    ::close(fd);
  }
  freeaddrinfo(addresses_);
  addresses_ = nullptr;
  if (err == EINPROGRESS || err == EAGAIN)
    std::snprintf(r.error, sizeof r.error,
                  "timeout: could not connect to %s port %s within %ld ms",
                  target_.host.c_str(), target_.port.c_str(),
                  target_.timeout_ms);
  else
    std::snprintf(r.error, sizeof r.error, "connect to %s port %s: %s",
                  target_.host.c_str(), target_.port.c_str(),
                  std::strerror(err));
  return false;
}

bool PlainHttpClient::send_request(HttpResult &r, Clock::time_point deadline,
                                   bool &stale) {
  const char *p = target_.request.data();
  std::size_t left = target_.request.size();
  while (left > 0) {
    const ssize_t n = ::send(fd_, p, left, MSG_NOSIGNAL);
    int err = n < 0 ? errno : 0;
    if (err == EINTR) continue;
    if (n >= 0) {
      p += n;
      left -= static_cast<std::size_t>(n);
      if (left == 0 || Clock::now() < deadline) continue;
      err = EAGAIN;  // a large body still going out at the deadline
    }
    // The server had closed a kept-alive connection before this request.
    stale = (err == EPIPE || err == ECONNRESET) && p == target_.request.data();
    if (err == EAGAIN || err == EWOULDBLOCK)
      std::snprintf(r.error, sizeof r.error,
                    "timeout: request to %s not sent within %ld ms",
                    target_.url.c_str(), target_.timeout_ms);
    else
      std::snprintf(r.error, sizeof r.error, "send to %s: %s",
                    target_.url.c_str(), std::strerror(err));
    return false;
  }
  return true;
}

long PlainHttpClient::receive(HttpResult &r, Clock::time_point deadline) {
  // Make room: drop what was parsed, then grow for a header that does not
  // fit (up to the header limit, which the parser enforces).
  if (begin_ == end_) {
    begin_ = end_ = 0;
  } else if (end_ == capacity_ && begin_ > 0) {
    std::memmove(in_.get(), in_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  } else if (end_ == capacity_) {
    std::unique_ptr<char[]> bigger(new char[capacity_ * 2]);
    std::memcpy(bigger.get(), in_.get(), end_);
    in_ = std::move(bigger);
    capacity_ *= 2;
  }
  // The socket's receive timeout is the time left until the deadline.
  // Resetting it costs a system call, so it is only reset when it is off by
  // more than 5% of the whole timeout: a request never overruns by more.
  const auto left = std::chrono::duration_cast<std::chrono::microseconds>(
      deadline - Clock::now());
  if (left.count() <= 0) {
    receive_errno_ = EAGAIN;
    std::snprintf(r.error, sizeof r.error,
                  "timeout: no complete response from %s within %ld ms",
                  target_.url.c_str(), target_.timeout_ms);
    return -1;
  }
  const std::chrono::microseconds slack(target_.timeout_ms * 50);
  if (left + slack < receive_timeout_ || left > receive_timeout_ + slack)
    set_receive_timeout(left);
  for (;;) {
    ssize_t n = ::recv(fd_, in_.get() + end_, capacity_ - end_, 0);
    if (n >= 0) {
      end_ += static_cast<std::size_t>(n);
      return static_cast<long>(n);
    }
    if (errno == EINTR) continue;
    receive_errno_ = errno;
    if (errno == EAGAIN || errno == EWOULDBLOCK)
      std::snprintf(r.error, sizeof r.error,
                    "timeout: no complete response from %s within %ld ms",
                    target_.url.c_str(), target_.timeout_ms);
    else
      std::snprintf(r.error, sizeof r.error, "receive from %s: %s",
                    target_.url.c_str(), std::strerror(errno));
    return -1;
  }
}

PlainHttpClient::Exchange PlainHttpClient::exchange(
    HttpResult &r, Clock::time_point deadline) {
  bool stale = false;
  begin_ = end_ = 0;  // bytes past the last response were never asked for
  if (!send_request(r, deadline, stale))
    return stale ? Exchange::stale : Exchange::failed;
  bool received_any = false;
  for (;;) {  // once per response: 1xx interim responses come first
    CountingParser p;
    p.header_limit(kHeaderLimit);
    // Counted, never stored: no limit. (Boost 1.74 compares the length with
    // an empty optional, so boost::none would refuse every body.)
    p.body_limit(std::numeric_limits<std::uint64_t>::max());
    p.eager(true);
    p.skip(target_.head);
    while (!p.is_done()) {
      if (begin_ < end_) {
        error_code ec;
        std::size_t used = p.put(
            boost::asio::const_buffer(in_.get() + begin_, end_ - begin_), ec);
        begin_ += used;
        if (ec == http::error::need_more) {
          // read more below
        } else if (ec) {
          std::snprintf(r.error, sizeof r.error, "bad response from %s: %s",
                        target_.url.c_str(), ec.message().c_str());
          return Exchange::failed;
        } else {
          continue;
        }
      }
      const long n = receive(r, deadline);
      if (n < 0) {
        // A reset before any byte: the server dropped an idle connection.
        if (!received_any && receive_errno_ == ECONNRESET)
          return Exchange::stale;
        return Exchange::failed;
      }
      if (n == 0) {  // the server closed the connection
        if (!received_any) return Exchange::stale;
        error_code ec;
        p.put_eof(ec);  // ends a body that runs to the close
        if (ec) {
          std::snprintf(r.error, sizeof r.error,
                        "connection to %s closed mid-response: %s",
                        target_.url.c_str(), ec.message().c_str());
          return Exchange::failed;
        }
        close_socket();
        break;
      }
      received_any = true;
    }
    if (p.status >= 100 && p.status < 200 && p.status != 101) continue;
    r.status = p.status;
    r.body_bytes = p.body_bytes;
    r.answered = true;
    // After a 101 the connection no longer speaks HTTP/1.1.
    if (!p.keep_alive() || p.status == 101) close_socket();
    return Exchange::done;
  }
}

void PlainHttpClient::perform(HttpResult &r) {
  r = HttpResult{};
  const auto deadline =
      Clock::now() + std::chrono::milliseconds(target_.timeout_ms);
  const bool reused = fd_ >= 0;
  if (!reused && !connect_socket(r, deadline)) return;
  Exchange e = exchange(r, deadline);
  if (e == Exchange::stale && reused) {
    // As curl does: a kept-alive connection that died idle gets one retry.
    close_socket();
    r = HttpResult{};
    if (!connect_socket(r, deadline)) return;
    e = exchange(r, deadline);
  }
  if (e == Exchange::stale)
    std::snprintf(r.error, sizeof r.error,
                  "%s closed the connection without a response",
                  target_.url.c_str());
  if (e != Exchange::done) close_socket();
}

}  // namespace golo::http_get
