#include "connection_probe.h"

#include <fcntl.h>
#include <netdb.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace golo::cli {

namespace {

constexpr int kWaitMs = 3000;  // generous: hosts may be busy under load

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

bool split(const std::string &addr, std::string &host, std::string &port) {
  if (addr.starts_with("[")) {
    const auto close = addr.find("]:");
    if (close == std::string::npos) return false;
    host = addr.substr(1, close - 1);
    port = addr.substr(close + 2);
    return true;
  }
  const auto colon = addr.find(':');
  if (colon == std::string::npos || colon == 0 ||
      addr.find(':', colon + 1) != std::string::npos)
    return false;  // ipv4:a:p, ...: gRPC's own forms
  host = addr.substr(0, colon);
  if (host == "unix" || host == "unix-abstract") return false;
  port = addr.substr(colon + 1);
  return true;
}

// Connects within kWaitMs; -1 with errno set (ETIMEDOUT on the wait).
int dial(const std::string &host, const std::string &port) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo *res = nullptr;
  if (getaddrinfo(host.c_str(), port.c_str(), &hints, &res) != 0 || !res) {
    errno = EHOSTUNREACH;
    return -1;
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> guard(res, freeaddrinfo);
  const int fd =
      ::socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (::connect(fd, res->ai_addr, res->ai_addrlen) != 0 &&
      errno != EINPROGRESS) {
    const int e = errno;
    ::close(fd);
    errno = e;
    return -1;
  }
  pollfd p{fd, POLLOUT, 0};
  int err = 0;
  socklen_t len = sizeof err;
  if (::poll(&p, 1, kWaitMs) != 1)
    err = ETIMEDOUT;
  else
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) {
    ::close(fd);
    errno = err;
    return -1;
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  timeval tv{kWaitMs / 1000, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  return fd;
}

// What answers an HTTP/2 client preface: "h2" (a SETTINGS frame: gRPC in
// plaintext), "http1", "silent" (nothing in kWaitMs, the connection still
// open), or "" (closed: a TLS server does that).
std::string plaintext_answer(int fd) {
  static const char preface[] =
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\4\0\0\0\0\0";
  if (::send(fd, preface, sizeof preface - 1, MSG_NOSIGNAL) < 0) return "";
  char buf[8] = {};
  std::size_t got = 0;
  while (got < 5) {
    const auto n = ::recv(fd, buf + got, 5 - got, 0);
    if (n < 0 && got == 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return "silent";  // SO_RCVTIMEO ran out
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  // A status line, or an HTTP/0.9-style error page (Python's http.server).
  if (got >= 5 && (std::memcmp(buf, "HTTP/", 5) == 0 || buf[0] == '<'))
    return "http1";
  if (got >= 4 && buf[3] == 4) return "h2";
  return "";
}

// Whether a TLS handshake (no certificate checks) completes.
bool speaks_tls(int fd) {
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(
      SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  if (!ctx) return false;
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), SSL_free);
  if (!ssl || SSL_set_fd(ssl.get(), fd) != 1) return false;
  static const unsigned char alpn[] = {2, 'h', '2'};
  SSL_set_alpn_protos(ssl.get(), alpn, sizeof alpn);
  return SSL_connect(ssl.get()) == 1;
}

std::string unreachable(const std::string &addr, int err) {
  if (err == ECONNREFUSED)
    return "connection refused (nothing listens there): start golo-host "
           "with --listen " +
           addr + ", or check --host";
  if (err == ETIMEDOUT)
    return "no answer to a TCP connection in " +
           std::to_string(kWaitMs / 1000) +
           " s (timed out): check the address, and any firewall on the way";
  return std::string(std::strerror(err)) + ": check --host";
}

}  // namespace

std::string probe_connection(const std::string &addr, bool tls) {
  std::string host, port;
  if (!split(addr, host, port)) return "";
  Fd first{dial(host, port)};
  if (first.fd < 0) return unreachable(addr, errno);
  const auto answer = plaintext_answer(first.fd);
  if (answer == "http1")
    return "it speaks HTTP/1.x, not golo's gRPC: is it a web server's port? "
           "(golo-host listens on 127.0.0.1:9999 unless told otherwise)";
  if (answer == "h2")
    return tls ? "it speaks plaintext gRPC, not TLS: drop --tls, --tls-ca "
                 "and GOLO_TLS_CA for it"
               : "";
  Fd second{dial(host, port)};
  if (second.fd >= 0 && speaks_tls(second.fd))
    return tls ? ""
               : "this port speaks TLS; pass --tls-ca FILE (the CA that "
                 "signed its certificate) or --tls";
  if (answer == "silent")
    return "it accepted a connection but sent nothing in " +
           std::to_string(kWaitMs / 1000) +
           " s (timed out): a golo-host answers at once; check --host, and "
           "whether the program on that port is stuck";
  return "it accepted a connection but speaks neither gRPC nor TLS: is it a "
         "golo-host's port?";
}

}  // namespace golo::cli
