#include "dashboard/server.h"
#include "dashboard/options.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sys/time.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace golo::cli::dashboard {

namespace {

constexpr std::size_t kMaxConnections = 16;
constexpr std::size_t kMaxRequestHead = 8192;
// Only what the page itself needs: its inline script and style, and its
// own origin for the event stream. Nothing else may load or leave.
constexpr const char *kCsp =
    "default-src 'none'; script-src 'unsafe-inline'; style-src "
    "'unsafe-inline'; img-src data:; connect-src 'self'; frame-ancestors "
    "'none'; base-uri 'none'; form-action 'none'";

bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::string head(const std::string &status, const std::string &type,
                 const std::string &extra) {
  return "HTTP/1.1 " + status + "\r\nContent-Type: " + type +
         "\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n"
         "Referrer-Policy: no-referrer\r\nContent-Security-Policy: " +
         kCsp + "\r\nConnection: close\r\n" + extra;
}

void respond(int fd, const std::string &status, const std::string &type,
             const std::string &body, const std::string &extra = "") {
  send_all(fd, head(status, type,
                    extra + "Content-Length: " + std::to_string(body.size()) +
                        "\r\n\r\n") +
                   body);
}

// The value of header `name` (lower case) in a request head, or "".
std::string header(const std::string &req, std::string_view name) {
  std::size_t at = req.find("\r\n");
  while (at != std::string::npos && at + 2 < req.size()) {
    const std::size_t end = req.find("\r\n", at + 2);
    const std::string line = req.substr(at + 2, end - at - 2);
    const std::size_t colon = line.find(':');
    if (colon == name.size() &&
        std::equal(name.begin(), name.end(), line.begin(), [](char a, char b) {
          return a == std::tolower(static_cast<unsigned char>(b));
        })) {
      std::size_t v = colon + 1;
      while (v < line.size() && line[v] == ' ') ++v;
      return line.substr(v);
    }
    at = end;
  }
  return "";
}

bool loopback_host(const std::string &host) {
  if (host == "localhost" || host == "::1") return true;
  in_addr a{};
  return inet_pton(AF_INET, host.c_str(), &a) == 1 &&
         (ntohl(a.s_addr) >> 24) == 127;
}

}  // namespace

std::string Endpoint::url() const {
  const bool v6 = host.find(':') != std::string::npos;
  return "http://" + (v6 ? "[" + host + "]" : host) + ":" +
         std::to_string(port) + "/";
}

std::string parse_endpoint(const std::string &addr, bool allow_public,
                           Endpoint &out) {
  const std::string what = "--dashboard " + addr;
  std::string host = "127.0.0.1", port = addr;
  if (const auto colon = addr.rfind(':'); colon != std::string::npos) {
    host = addr.substr(0, colon);
    port = addr.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
      host = host.substr(1, host.size() - 2);
    if (host.empty()) host = "127.0.0.1";  // ":PORT": loopback
  }
  char *end = nullptr;
  const long p = std::strtol(port.c_str(), &end, 10);
  if (port.empty() || *end != '\0' || p < 1 || p > 65535)
    return what + ": the port must be a number from 1 to 65535 (write " +
           "HOST:PORT, e.g. " + kDefaultAddress + ")";
  in_addr a4{};
  in6_addr a6{};
  if (host != "localhost" && inet_pton(AF_INET, host.c_str(), &a4) != 1 &&
      inet_pton(AF_INET6, host.c_str(), &a6) != 1)
    return what + ": \"" + host +
           "\" is not an IP address (write HOST:PORT with a numeric host, "
           "e.g. " +
           kDefaultAddress + ")";
  out = {host == "localhost" ? "127.0.0.1" : host, static_cast<int>(p),
         loopback_host(host)};
  if (!out.loopback && !allow_public)
    return what +
           ": not a loopback address; the dashboard has no login and shows "
           "the run to anyone who reaches it: pass --dashboard-public to "
           "serve it on " +
           host;
  return "";
}

std::unique_ptr<Server> Server::start(const Endpoint &at, std::string page,
                                      EventLog &log, std::string &error) {
  const bool v6 = at.host.find(':') != std::string::npos;
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (v6) {
    auto *s6 = reinterpret_cast<sockaddr_in6 *>(&ss);
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(static_cast<std::uint16_t>(at.port));
    inet_pton(AF_INET6, at.host.c_str(), &s6->sin6_addr);
    len = sizeof *s6;
  } else {
    auto *s4 = reinterpret_cast<sockaddr_in *>(&ss);
    s4->sin_family = AF_INET;
    s4->sin_port = htons(static_cast<std::uint16_t>(at.port));
    inet_pton(AF_INET, at.host.c_str(), &s4->sin_addr);
    len = sizeof *s4;
  }
  const int fd = ::socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  if (fd >= 0) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr *>(&ss), len) != 0 ||
      ::listen(fd, 16) != 0) {
    const int e = errno;
    if (fd >= 0) ::close(fd);
    error = "--dashboard " + at.url() + ": cannot listen: " + std::strerror(e) +
            (e == EADDRINUSE ? " (another program, or another golo run "
                               "--dashboard, has the port: pick another "
                               "with --dashboard HOST:PORT)"
                             : "");
    return nullptr;
  }
  std::unique_ptr<Server> s(new Server(at, fd, std::move(page), log));
  if (::pipe2(s->wake_, O_CLOEXEC) != 0) {
    error = std::string("--dashboard: pipe: ") + std::strerror(errno);
    return nullptr;
  }
  s->acceptor_ = std::thread([p = s.get()] { p->accept_loop(); });
  return s;
}

Server::Server(Endpoint at, int fd, std::string page, EventLog &log)
    : at_(std::move(at)), listen_fd_(fd), page_(std::move(page)), log_(log) {}

Server::~Server() {
  stopping_ = true;
  log_.close();
  if (wake_[1] >= 0) (void)!::write(wake_[1], "x", 1);
  if (acceptor_.joinable()) acceptor_.join();
  {
    // A connection blocked on a slow browser ends now.
    std::lock_guard lock(mutex_);
    for (auto &w : workers_) ::shutdown(w.fd, SHUT_RDWR);
  }
  reap(true);
  ::close(listen_fd_);
  for (int fd : wake_)
    if (fd >= 0) ::close(fd);
}

void Server::reap(bool all) {
  std::vector<Worker> ending;
  {
    std::lock_guard lock(mutex_);
    auto it = std::stable_partition(
        workers_.begin(), workers_.end(),
        [all](const Worker &w) { return !all && !*w.done; });
    std::move(it, workers_.end(), std::back_inserter(ending));
    workers_.erase(it, workers_.end());
  }
  for (auto &w : ending) {
    w.thread.join();
    ::close(w.fd);
  }
}

void Server::accept_loop() {
  while (!stopping_) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    if (::poll(fds, 2, 1000) <= 0 || fds[1].revents) {
      reap(false);
      continue;
    }
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    reap(false);
    std::lock_guard lock(mutex_);
    if (workers_.size() >= kMaxConnections) {
      respond(fd, "503 Service Unavailable", "text/plain; charset=utf-8",
              "golo dashboard: too many connections\n");
      ::close(fd);
      continue;
    }
    auto done = std::make_shared<std::atomic<bool>>(false);
    workers_.push_back({std::thread([this, fd, done] {
                          serve(fd);
                          *done = true;
                        }),
                        done, fd});
  }
}

void Server::serve(int fd) {
  const timeval rcv{5, 0}, snd{10, 0};  // a stuck browser frees its thread
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &rcv, sizeof rcv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &snd, sizeof snd);
  std::string req;
  char buf[2048];
  while (req.find("\r\n\r\n") == std::string::npos) {
    if (req.size() > kMaxRequestHead)
      return respond(fd, "431 Request Header Fields Too Large",
                     "text/plain; charset=utf-8", "request head too large\n");
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return;
    req.append(buf, static_cast<std::size_t>(n));
  }
  const std::size_t sp1 = req.find(' '), sp2 = req.find(' ', sp1 + 1);
  const std::string method = req.substr(0, sp1);
  std::string path = sp2 == std::string::npos
                         ? std::string()
                         : req.substr(sp1 + 1, sp2 - sp1 - 1);
  path = path.substr(0, path.find('?'));
  const std::string port = ":" + std::to_string(at_.port);
  const std::string host = header(req, "host");
  // A loopback dashboard answers only to its own names: a page elsewhere
  // that rebinds a DNS name to 127.0.0.1 cannot read the run.
  const bool host_ok =
      !at_.loopback || host == "127.0.0.1" + port ||
      host == "localhost" + port || host == "[::1]" + port ||
      host == (at_.host.find(':') != std::string::npos ? "[" + at_.host + "]"
                                                       : at_.host) +
                  port;
  const std::string text = "text/plain; charset=utf-8";
  if (!host_ok)
    return respond(fd, "421 Misdirected Request", text,
                   "golo dashboard: unknown Host header\n");
  if (method != "GET")
    return respond(fd, "405 Method Not Allowed", text, "GET only\n",
                   "Allow: GET\r\n");
  if (path == "/" || path == "/index.html")
    return respond(fd, "200 OK", "text/html; charset=utf-8", page_);
  if (path == "/report.html") {
    if (auto report = log_.report())
      return respond(fd, "200 OK", "text/html; charset=utf-8", *report,
                     "Content-Disposition: attachment; "
                     "filename=\"golo-report.html\"\r\n");
    return respond(fd, "404 Not Found", text,
                   "the report is made when the run ends\n");
  }
  if (path != "/events")
    return respond(fd, "404 Not Found", text, "not found\n");
  // Server-sent events: what ran so far (after Last-Event-ID, when the
  // browser reconnects), then each event as it comes.
  std::uint64_t next =
      std::strtoull(header(req, "last-event-id").c_str(), nullptr, 10);
  if (next) ++next;
  if (!send_all(
          fd, head("200 OK", "text/event-stream", "\r\n") + "retry: 1000\n\n"))
    return;
  while (!stopping_) {
    std::string out;
    if (!log_.wait(next, out, std::chrono::seconds(15))) return;
    if (out.empty()) out = ": keep-alive\n\n";
    if (!send_all(fd, out)) return;
  }
}

}  // namespace golo::cli::dashboard
