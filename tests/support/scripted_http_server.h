// A loopback HTTP server for http_get's tests (header-only, shared by
// tests/unit/http_get and tests/plugins): answers request N with script[N]
// (the last entry repeats), records every request it read, and counts
// connections. One connection at a time, which is all one HTTP client uses.
#pragma once

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace golo::test {

struct Reply {
  enum class Then { keep, close, stall };
  std::string bytes;       // sent as is (may be empty)
  Then then = Then::keep;  // after sending: keep reading, close, or hang
  std::size_t piece = 0;   // >0: send in pieces of this size...
  std::chrono::milliseconds gap{0};  // ...with this pause between them
};

class ScriptedServer {
 public:
  explicit ScriptedServer(std::vector<Reply> script)
      : script_(std::move(script)) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd_, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0)
      std::abort();
    socklen_t len = sizeof a;
    getsockname(fd_, reinterpret_cast<sockaddr *>(&a), &len);
    port_ = ntohs(a.sin_port);
    listen(fd_, 16);
    thread_ = std::thread([this] { serve(); });
  }
  ~ScriptedServer() {
    stop_ = true;
    shutdown(fd_, SHUT_RDWR);
    thread_.join();
    close(fd_);
  }
  ScriptedServer(const ScriptedServer &) = delete;
  ScriptedServer &operator=(const ScriptedServer &) = delete;

  int port() const { return port_; }
  std::string url(const std::string &path = "/x") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  int connections() const { return connections_; }
  std::vector<std::string> requests() const {
    std::lock_guard g(lock_);
    return requests_;
  }

 private:
  // Waits up to 50 ms for fd to be readable, so stop_ is seen.
  bool readable(int fd) const {
    pollfd p{fd, POLLIN, 0};
    return poll(&p, 1, 50) > 0;
  }
  void serve() {
    while (!stop_) {
      if (!readable(fd_)) continue;
      int c = accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      ++connections_;
      handle(c);
      close(c);
    }
  }
  // Reads one request (header, then Content-Length bytes); false at EOF.
  bool read_request(int c, std::string &pending, std::string &request) {
    for (;;) {
      auto end = pending.find("\r\n\r\n");
      if (end != std::string::npos) {
        std::size_t body = 0;
        auto cl = pending.find("Content-Length: ");
        if (cl != std::string::npos && cl < end)
          body = std::strtoul(pending.c_str() + cl + 16, nullptr, 10);
        if (pending.size() >= end + 4 + body) {
          request = pending.substr(0, end + 4 + body);
          pending.erase(0, end + 4 + body);
          return true;
        }
      }
      if (stop_) return false;
      if (!readable(c)) continue;
      char buf[4096];
      ssize_t n = read(c, buf, sizeof buf);
      if (n <= 0) return false;
      pending.append(buf, static_cast<std::size_t>(n));
    }
  }
  void handle(int c) {
    std::string pending, request;
    while (read_request(c, pending, request)) {
      std::size_t index;
      {
        std::lock_guard g(lock_);
        requests_.push_back(request);
        index = requests_.size() - 1;
      }
      const Reply &r = script_[std::min(index, script_.size() - 1)];
      const std::size_t piece = r.piece ? r.piece : r.bytes.size();
      for (std::size_t at = 0; at < r.bytes.size(); at += piece) {
        if (at > 0) std::this_thread::sleep_for(r.gap);
        if (send(c, r.bytes.data() + at, std::min(piece, r.bytes.size() - at),
                 MSG_NOSIGNAL) < 0)
          return;
      }
      if (r.then == Reply::Then::close) return;
      if (r.then == Reply::Then::stall) {
        char buf[256];  // until the client gives up or the test ends
        while (!stop_)
          if (readable(c) && read(c, buf, sizeof buf) <= 0) return;
        return;
      }
    }
  }

  std::vector<Reply> script_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  mutable std::mutex lock_;
  std::vector<std::string> requests_;
  std::thread thread_;
};

inline std::string ok(const std::string &body) {
  return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

}  // namespace golo::test
