#include "supervisor/liveness_probe.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace golo::supervisor {

using namespace std::chrono_literals;

namespace {
// HTTP/2's connection preface, then a SETTINGS frame with no settings.
constexpr char kPreface[] =
    "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00";
constexpr std::size_t kPrefaceLen = 24 + 9;
}  // namespace

LivenessProbe::LivenessProbe(const std::string &address, bool tls,
                             std::chrono::milliseconds limit)
    : tls_(tls), limit_(limit) {
  const auto colon = address.rfind(':');
  if (colon == std::string::npos) return;
  std::string host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[')
    host = host.substr(1, host.size() - 2);
  // Every address: probe loopback of the same family.
  if (host.empty() || host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::") host = "::1";
  addrinfo hints{};
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo *res = nullptr;
  if (getaddrinfo(host.c_str(), address.substr(colon + 1).c_str(), &hints,
                  &res) != 0 ||
      !res)
    return;
  std::memcpy(&addr_, res->ai_addr, res->ai_addrlen);
  addr_len_ = res->ai_addrlen;
  freeaddrinfo(res);
}

LivenessProbe::~LivenessProbe() {
  if (fd_ >= 0) close(fd_);
}

void LivenessProbe::reset(Clock::time_point now) {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  last_answer_ = now;
  started_ = now;
}

bool LivenessProbe::deaf(Clock::time_point now) const {
  return addr_len_ != 0 && now - last_answer_ > limit_;
}

void LivenessProbe::finish(bool answered, Clock::time_point now) {
  close(fd_);
  fd_ = -1;
  if (answered) last_answer_ = now;
}

void LivenessProbe::tick(Clock::time_point now) {
  if (addr_len_ == 0) return;
  if (fd_ < 0) {
    if (now - started_ < 1s) return;
    started_ = now;
    sent_ = false;
    fd_ =
        socket(addr_.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return;
    if (connect(fd_, reinterpret_cast<sockaddr *>(&addr_), addr_len_) != 0 &&
        errno != EINPROGRESS)
      return finish(false, now);
    return;
  }
  if (now - started_ > 2s) return finish(false, now);  // no answer
  pollfd p{fd_, static_cast<short>(sent_ ? POLLIN : POLLOUT), 0};
  if (poll(&p, 1, 0) <= 0) return;
  if (!sent_) {
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) return finish(false, now);  // refused: nobody listens
    if (tls_) return finish(true, now);
    sent_ = send(fd_, kPreface, kPrefaceLen, MSG_NOSIGNAL) ==
            static_cast<ssize_t>(kPrefaceLen);
    if (!sent_) return finish(false, now);
    return;
  }
  char buf[64];
  const ssize_t n = recv(fd_, buf, sizeof buf, 0);
  if (n > 0 || n == 0) return finish(true, now);  // read us and answered
  if (errno != EAGAIN && errno != EWOULDBLOCK) finish(false, now);
}

}  // namespace golo::supervisor
