#include "metrics/metrics_endpoint.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <system_error>
#include <vector>

#include "metrics/exposition.h"
#include "options/listen_address.h"

namespace golo::host {

namespace {

using Clock = std::chrono::steady_clock;
// A client gets this long to send its request and take the answer: one slow
// client delays the next scrape by at most this.
constexpr auto kClientTimeout = std::chrono::seconds(2);
// Clients served at once.
constexpr std::size_t kMaxClients = 8;

HttpAnswer error_answer(int status, std::string reason, std::string body) {
  HttpAnswer a;
  a.status = status;
  a.reason = std::move(reason);
  a.body = std::move(body);
  return a;
}

int ms_left(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - Clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

}  // namespace

HttpAnswer answer_http(const std::string &request, bool complete,
                       const std::function<std::string()> &body) {
  if (!complete) {
    if (request.size() >= kMaxHttpRequestBytes)
      return error_answer(431, "Request Header Fields Too Large",
                          "request longer than " +
                              std::to_string(kMaxHttpRequestBytes) +
                              " bytes\n");
    return error_answer(408, "Request Timeout",
                        "the request did not end with a blank line in time\n");
  }
  const auto eol = request.find('\n');
  std::string line = request.substr(0, eol);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  const auto sp1 = line.find(' ');
  const auto sp2 = sp1 == std::string::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string::npos ||
      line.find(' ', sp2 + 1) != std::string::npos ||
      line.compare(sp2 + 1, 7, "HTTP/1.") != 0 || sp1 == 0 || sp2 == sp1 + 1)
    return error_answer(400, "Bad Request",
                        "want a request line \"GET /metrics HTTP/1.1\"\n");
  const std::string method = line.substr(0, sp1);
  std::string path = line.substr(sp1 + 1, sp2 - sp1 - 1);
  path = path.substr(0, path.find('?'));
  if (path != "/metrics")
    return error_answer(
        404, "Not Found",
        "not found: " + path + "; golo-host serves only /metrics here\n");
  if (method != "GET" && method != "HEAD") {
    HttpAnswer a = error_answer(405, "Method Not Allowed",
                                method + " /metrics: only GET and HEAD\n");
    a.extra_headers = "Allow: GET, HEAD\r\n";
    return a;
  }
  HttpAnswer a;
  a.content_type = std::string(kExpositionContentType);
  a.head = method == "HEAD";
  try {
    a.body = body();
  } catch (const std::exception &e) {
    return error_answer(
        500, "Internal Server Error",
        std::string("cannot build the metrics: ") + e.what() + "\n");
  }
  return a;
}

std::string format_http(const HttpAnswer &a) {
  std::string out = "HTTP/1.1 " + std::to_string(a.status) + " " + a.reason +
                    "\r\nContent-Type: " + a.content_type +
                    "\r\nContent-Length: " + std::to_string(a.body.size()) +
                    "\r\nConnection: close\r\n" + a.extra_headers + "\r\n";
  if (!a.head) out += a.body;
  return out;
}

MetricsEndpoint::~MetricsEndpoint() {
  if (thread_.joinable()) {
    const char c = 0;
    if (write(wake_[1], &c, 1) < 0) {
      // The pipe cannot be full or closed here; nothing else to do.
    }
    thread_.join();
  }
  for (int fd : {listen_fd_, wake_[0], wake_[1]})
    if (fd >= 0) close(fd);
}

bool MetricsEndpoint::start(const std::string &address, std::string &error) {
  ListenAddress where;
  if (!resolve_listen_address("--metrics", address, where, error)) return false;
  const addrinfo *res = where.resolved.get();
  listen_fd_ =
      socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
             res->ai_protocol);
  const int one = 1;
  const bool ok =
      listen_fd_ >= 0 &&
      setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0 &&
      setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) == 0 &&
      bind(listen_fd_, res->ai_addr, res->ai_addrlen) == 0 &&
      listen(listen_fd_, 64) == 0;
  const int saved = errno;
  if (!ok) {
    error = "cannot serve metrics on " + address + ": " + std::strerror(saved);
    return false;
  }
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  getsockname(listen_fd_, reinterpret_cast<sockaddr *>(&ss), &len);
  port_ = ntohs(ss.ss_family == AF_INET
                    ? reinterpret_cast<sockaddr_in *>(&ss)->sin_port
                    : reinterpret_cast<sockaddr_in6 *>(&ss)->sin6_port);
  if (pipe2(wake_, O_CLOEXEC) != 0) {
    error = std::string("metrics: pipe: ") + std::strerror(errno);
    return false;
  }
  thread_ = std::thread([this] { serve(); });
  return true;
}

void MetricsEndpoint::serve() {
  // Clients are served side by side, a few at a time: one slow or idle
  // client must not hold every scrape behind it.
  struct Client {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::vector<Client> clients;
  const auto reap = [&clients](bool all) {
    std::erase_if(clients, [all](Client &c) {
      if (!all && !c.done->load()) return false;
      c.thread.join();
      return true;
    });
  };
  struct JoinAll {
    decltype(reap) &r;
    ~JoinAll() { r(true); }
  } join_all{reap};
  for (;;) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents) return;
    const int fd =
        accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) continue;  // taken by another worker's socket, or reset
    reap(false);
    if (clients.size() >= kMaxClients) {
      close(fd);  // busy: Prometheus retries at its next scrape
      continue;
    }
    auto done = std::make_shared<std::atomic<bool>>(false);
    try {
      clients.push_back({std::thread([this, fd, done] {
                           handle(fd);
                           close(fd);
                           *done = true;
                         }),
                         done});
    } catch (const std::system_error &) {
      close(fd);
    }
  }
}

void MetricsEndpoint::handle(int fd) {
  const auto deadline = Clock::now() + kClientTimeout;
  std::string request;
  bool complete = false;
  char buf[2048];
  while (!complete && request.size() < kMaxHttpRequestBytes) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, ms_left(deadline)) <= 0) break;  // timed out
    const ssize_t n =
        recv(fd, buf,
             std::min(sizeof buf, kMaxHttpRequestBytes - request.size()), 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n <= 0) break;  // closed or reset
    request.append(buf, static_cast<std::size_t>(n));
    complete = request.find("\r\n\r\n") != std::string::npos ||
               request.find("\n\n") != std::string::npos;
  }
  if (request.empty()) return;  // a port probe: nothing to answer
  const std::string out = format_http(answer_http(request, complete, body_));
  std::size_t sent = 0;
  while (sent < out.size()) {
    const ssize_t n =
        send(fd, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EINTR) return;
    pollfd p{fd, POLLOUT, 0};
    if (poll(&p, 1, ms_left(deadline + kClientTimeout)) <= 0) return;
  }
  // Closing with unread request bytes (a POST's body) would send a reset
  // that can destroy the answer in flight: end our side, then read what is
  // left until the client closes, for a tenth of a second at most.
  shutdown(fd, SHUT_WR);
  const auto drain_until = Clock::now() + std::chrono::milliseconds(100);
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, ms_left(drain_until)) <= 0) return;
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return;
  }
}

}  // namespace golo::host
