#include "supervisor/listen_reservation.h"

#include "options/listen_address.h"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace golo::supervisor {

namespace {

int port_of(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (getsockname(fd, reinterpret_cast<sockaddr *>(&ss), &len) != 0) return 0;
  if (ss.ss_family == AF_INET)
    return ntohs(reinterpret_cast<sockaddr_in *>(&ss)->sin_port);
  return ntohs(reinterpret_cast<sockaddr_in6 *>(&ss)->sin6_port);
}

// A socket bound to ai; reuseport as asked. -1 with errno on failure.
int bound_socket(const addrinfo *ai, bool reuseport, int port) {
  const int fd =
      socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
  if (fd < 0) return -1;
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (reuseport) setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  sockaddr_storage addr{};
  std::memcpy(&addr, ai->ai_addr, ai->ai_addrlen);
  if (addr.ss_family == AF_INET)
    reinterpret_cast<sockaddr_in *>(&addr)->sin_port = htons(port);
  else
    reinterpret_cast<sockaddr_in6 *>(&addr)->sin6_port = htons(port);
  if (bind(fd, reinterpret_cast<sockaddr *>(&addr), ai->ai_addrlen) != 0) {
    const int e = errno;
    close(fd);
    errno = e;
    return -1;
  }
  return fd;
}

}  // namespace

ListenReservation::~ListenReservation() {
  if (fd_ >= 0) close(fd_);
}

bool ListenReservation::reserve(const std::string &listen, std::string &error) {
  host::ListenAddress where;
  if (!host::resolve_listen_address("--listen", listen, where, error))
    return false;
  const addrinfo *res = where.resolved.get();
  const std::string &host = where.host;
  int port =
      ntohs(res->ai_family == AF_INET
                ? reinterpret_cast<sockaddr_in *>(res->ai_addr)->sin_port
                : reinterpret_cast<sockaddr_in6 *>(res->ai_addr)->sin6_port);
  // First an exclusive bind: it fails when anything holds the port, even
  // another golo-host of ours (which a SO_REUSEPORT bind would join).
  const int probe = bound_socket(res, false, port);
  if (probe < 0) {
    error = "cannot listen on " + listen + ": " + std::strerror(errno);
    return false;
  }
  port = port_of(probe);
  close(probe);
  fd_ = bound_socket(res, true, port);
  if (fd_ < 0) {
    error = "cannot listen on " + listen + ": " + std::strerror(errno);
    return false;
  }
  port_ = port;
  const bool v6 = host.find(':') != std::string::npos;
  address_ = (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port_);
  return true;
}

}  // namespace golo::supervisor
