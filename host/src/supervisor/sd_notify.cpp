#include "supervisor/sd_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>

namespace golo::supervisor {

SdNotifier::SdNotifier() {
  if (const char *s = std::getenv("NOTIFY_SOCKET"); s && *s) socket_ = s;
  unsetenv("NOTIFY_SOCKET");
}

bool SdNotifier::notify(const std::string &state, std::string &error) const {
  if (socket_.empty()) return true;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if ((socket_[0] != '/' && socket_[0] != '@') ||
      socket_.size() >= sizeof addr.sun_path) {
    error = "NOTIFY_SOCKET " + socket_ +
            ": not an absolute path or @abstract name that fits a socket "
            "address";
    return false;
  }
  std::memcpy(addr.sun_path, socket_.data(), socket_.size());
  // An abstract name: a leading NUL instead of '@', and no trailing NUL
  // counted in the length.
  if (socket_[0] == '@') addr.sun_path[0] = '\0';
  const auto len =
      static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket_.size() +
                             (socket_[0] == '@' ? 0 : 1));
  const int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = "NOTIFY_SOCKET: socket: " + std::string(std::strerror(errno));
    return false;
  }
  const ssize_t n = sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
                           reinterpret_cast<const sockaddr *>(&addr), len);
  const int e = errno;
  close(fd);
  if (n < 0) {
    error = "NOTIFY_SOCKET " + socket_ + ": " + std::strerror(e);
    return false;
  }
  return true;
}

}  // namespace golo::supervisor
