// Holds the serving port for the workers: a socket bound (not listening) to
// the address with SO_REUSEPORT, so that each worker's gRPC server can bind
// the same port while it is held, and nobody else can take it between one
// worker's death and the next one's start. The kernel only lets sockets of
// the same user join a SO_REUSEPORT group.
#pragma once

#include <string>

namespace golo::supervisor {

class ListenReservation {
 public:
  ListenReservation() = default;
  ~ListenReservation();
  ListenReservation(const ListenReservation &) = delete;
  ListenReservation &operator=(const ListenReservation &) = delete;

  // Binds listen ("HOST:PORT", "[V6]:PORT"); port 0 picks a free port.
  // False with the reason when the address is in use or invalid.
  bool reserve(const std::string &listen, std::string &error);
  // The address with the concrete port, for the workers' --listen.
  const std::string &address() const { return address_; }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  std::string address_;
  int port_ = 0;
};

}  // namespace golo::supervisor
