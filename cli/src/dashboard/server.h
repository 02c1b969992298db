// The dashboard's HTTP server: plain sockets, one thread accepting and one
// per connection (a few browsers at most), GET only. It serves the page,
// the run's events as server-sent events (text/event-stream) and the final
// report, each with a Content-Security-Policy that keeps the page on its
// own origin.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "dashboard/event_log.h"

namespace golo::cli::dashboard {

struct Endpoint {
  std::string host;  // numeric IPv4 or IPv6, or "localhost"
  int port = 0;
  bool loopback = true;
  std::string url() const;  // http://HOST:PORT/
};

// Parses --dashboard's ADDR (HOST:PORT, [IPv6]:PORT, or a port alone for
// 127.0.0.1). A non-loopback host is refused unless `allow_public`.
// Returns "" or the error, naming the value and what to write.
std::string parse_endpoint(const std::string &addr, bool allow_public,
                           Endpoint &out);

class Server {
 public:
  // Binds and listens now, so that a port in use is refused before any
  // load starts; serves from a thread of its own. nullptr with `error`.
  static std::unique_ptr<Server> start(const Endpoint &at, std::string page,
                                       EventLog &log, std::string &error);
  ~Server();  // stops: ends every connection and joins the threads
  Server(const Server &) = delete;
  Server &operator=(const Server &) = delete;

 private:
  Server(Endpoint at, int fd, std::string page, EventLog &log);
  void accept_loop();
  void serve(int fd);
  void reap(bool all);

  struct Worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
    int fd;
  };
  Endpoint at_;
  int listen_fd_;
  int wake_[2] = {-1, -1};
  std::string page_;
  EventLog &log_;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::vector<Worker> workers_;
  std::thread acceptor_;
};

}  // namespace golo::cli::dashboard
