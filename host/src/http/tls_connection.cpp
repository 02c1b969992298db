// PlainConnection over TLS: OpenSSL on the connection's non-blocking
// socket. Each SSL_ERROR_WANT_READ or WANT_WRITE is one wait(), which on a
// fiber parks on the loop, so an https request never blocks its loop.
#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>

#include <cerrno>

#include "golo/plugin.h"
#include "http/plain_connection.h"
#include "http/tls_context.h"

namespace golo::host::http {
namespace {

void set_error(IoError &e, int error, std::string detail) {
  e.error = error;
  e.detail = std::move(detail);
}

bool ip_literal(const std::string &host) {
  unsigned char address[16];
  return inet_pton(AF_INET, host.c_str(), address) == 1 ||
         inet_pton(AF_INET6, host.c_str(), address) == 1;
}

// SNI and the name the certificate must carry: a DNS name is sent as SNI
// (an address never is, RFC 6066 3) and checked as SSL_set1_host does; an
// address is checked against the certificate's IP entries.
bool name_the_peer(SSL *ssl, const std::string &host) {
  if (ip_literal(host))
    return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str()) ==
           1;
  return SSL_set_tlsext_host_name(ssl, host.c_str()) == 1 &&
         SSL_set1_host(ssl, host.c_str()) == 1;
}

// The wait an OpenSSL call asks for: POLLIN, POLLOUT, or 0 (not a wait).
short wanted(int ssl_error) {
  return ssl_error == SSL_ERROR_WANT_READ    ? POLLIN
         : ssl_error == SSL_ERROR_WANT_WRITE ? POLLOUT
                                             : 0;
}

}  // namespace

void PlainConnection::keep_session(SSL_SESSION *session) {
  if (session_ != nullptr) SSL_SESSION_free(session_);
  session_ = session;
}

void PlainConnection::tls_close() {
  if (ssl_ == nullptr) return;
  // Marked as shut down without a word on the wire: OpenSSL then keeps the
  // session resumable (an SSL freed mid-connection spoils it).
  SSL_set_quiet_shutdown(ssl_, 1);
  SSL_shutdown(ssl_);
  SSL_free(ssl_);
  ssl_ = nullptr;
  ctx_ = nullptr;
}

bool PlainConnection::handshake(SSL_CTX *ctx, Clock::time_point deadline,
                                const RunContext *run, IoError &e) {
  ssl_ = ctx ? SSL_new(ctx) : nullptr;
  if (ssl_ == nullptr || SSL_set_fd(ssl_, fd_) != 1) {
    set_error(e, GOLO_HTTP_TLS, "could not start TLS: " + tls_reason(ssl_, 0));
    return false;
  }
  ctx_ = ctx;
  SSL_set_app_data(ssl_, this);
  if (!name_the_peer(ssl_, host_)) {
    set_error(
        e, GOLO_HTTP_TLS,
        "could not name the peer " + host_ + ": " + tls_reason(nullptr, 0));
    return false;
  }
  if (session_ != nullptr) SSL_set_session(ssl_, session_);
  for (;;) {
    ERR_clear_error();
    const int rc = SSL_connect(ssl_);
    if (rc == 1) return true;
    const int error = SSL_get_error(ssl_, rc);
    if (const short events = wanted(error)) {
      if (!wait(events, deadline, run, e, "in the TLS handshake")) return false;
      continue;
    }
    // A failed handshake's session is not offered again.
    keep_session(nullptr);
    set_error(e, GOLO_HTTP_TLS,
              "handshake with " + host_ + " port " + port_ + ": " +
                  tls_reason(ssl_, error));
    return false;
  }
}

bool PlainConnection::tls_send(std::string_view head, std::string_view body,
                               Clock::time_point deadline,
                               const RunContext *run, IoError &e) {
  std::string_view data = head;
  if (!body.empty()) {  // one record, one write
    out_.assign(head).append(body);
    data = out_;
  }
  for (;;) {
    ERR_clear_error();
    std::size_t n = 0;
    const int rc = SSL_write_ex(ssl_, data.data(), data.size(), &n);
    if (rc == 1) return true;  // all of it: partial writes are off
    const int error = SSL_get_error(ssl_, rc);
    if (const short events = wanted(error)) {
      if (!wait(events, deadline, run, e, "sending")) return false;
      continue;
    }
    // The server had closed a kept-alive connection before this request.
    e.stale = error == SSL_ERROR_SYSCALL || error == SSL_ERROR_ZERO_RETURN;
    set_error(e, GOLO_HTTP_OTHER, "send: " + tls_reason(ssl_, error));
    return false;
  }
}

long PlainConnection::tls_read(char *buf, std::size_t cap, bool started,
                               Clock::time_point deadline,
                               const RunContext *run, IoError &e) {
  // Records already read (read-ahead) are decrypted without a wait.
  short events = SSL_has_pending(ssl_) ? 0 : POLLIN;
  for (;;) {
    if (events && !wait(events, deadline, run, e, "waiting for the answer"))
      return -1;
    ERR_clear_error();
    std::size_t n = 0;
    const int rc = SSL_read_ex(ssl_, buf, cap, &n);
    if (rc == 1) return static_cast<long>(n);
    const int error = SSL_get_error(ssl_, rc);
    events = wanted(error);
    if (events) continue;  // a ticket or part of a record: more to come
    // The end of the stream, with or without close_notify.
    if (error == SSL_ERROR_ZERO_RETURN) return 0;
    const int saved = errno;
    e.stale = !started && error == SSL_ERROR_SYSCALL && saved == ECONNRESET;
    set_error(e, GOLO_HTTP_MALFORMED, "receive: " + tls_reason(ssl_, error));
    return -1;
  }
}

}  // namespace golo::host::http
