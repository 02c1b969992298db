// Whether the serving worker still answers: once a second the supervisor
// connects to the port and sends HTTP/2's client preface and an empty
// SETTINGS frame; a worker that accepts and reads answers with its own
// SETTINGS (or, under TLS, where only a connect is tried, accepts). A worker
// whose plugin closed its descriptors or set RLIMIT_NOFILE to 0, or that is
// frozen, answers nothing: deaf() says so once that has lasted the limit.
// Non-blocking throughout: tick() never waits.
#pragma once

#include <netdb.h>

#include <chrono>
#include <string>

namespace golo::supervisor {

class LivenessProbe {
 public:
  using Clock = std::chrono::steady_clock;
  // address: the workers' --listen ("HOST:PORT", "[V6]:PORT", ":PORT");
  // disabled when it cannot be resolved. tls: connect only.
  LivenessProbe(const std::string &address, bool tls,
                std::chrono::milliseconds limit);
  ~LivenessProbe();
  LivenessProbe(const LivenessProbe &) = delete;
  LivenessProbe &operator=(const LivenessProbe &) = delete;

  // A worker (re)started serving: it has the whole limit from now.
  void reset(Clock::time_point now);
  // Advances the probe in flight or starts the next one.
  void tick(Clock::time_point now);
  // No answer for the limit.
  bool deaf(Clock::time_point now) const;

 private:
  void finish(bool answered, Clock::time_point now);

  sockaddr_storage addr_{};
  socklen_t addr_len_ = 0;
  bool tls_;
  std::chrono::milliseconds limit_;
  int fd_ = -1;
  bool sent_ = false;
  Clock::time_point started_{}, last_answer_{};
};

}  // namespace golo::supervisor
