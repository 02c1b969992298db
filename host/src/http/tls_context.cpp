#include "http/tls_context.h"

#include <openssl/err.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <utility>

#include "http/plain_connection.h"
#include "http/trust_store.h"

namespace golo::host::http {
namespace {

// Every session the server gives (a TLS 1.2 handshake's, each TLS 1.3
// ticket) goes to the connection that received it, which offers it on its
// next handshake: resumption per user and origin, never shared.
int on_new_session(SSL *ssl, SSL_SESSION *session) {
  auto *c = static_cast<PlainConnection *>(SSL_get_app_data(ssl));
  if (c == nullptr) return 0;
  c->keep_session(session);
  return 1;  // the connection holds the reference now
}

std::string queue_reason() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return {};
  const char *reason = ERR_reason_error_string(code);
  char buffer[256];
  if (reason == nullptr) {
    ERR_error_string_n(code, buffer, sizeof buffer);
    reason = buffer;
  }
  return reason;
}

SSL_CTX *make_context(const char *ca_file, bool insecure, std::string &error) {
  SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == nullptr) {
    error = "could not make a TLS context: " + queue_reason();
    return nullptr;
  }
  // One read takes every record the socket has, not a header then a body.
  SSL_CTX_set_read_ahead(ctx, 1);
  // A server that ends without close_notify: the HTTP framing tells a cut
  // answer from a whole one, as curl does.
  SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
  static const unsigned char kAlpn[] = "\x08http/1.1";
  SSL_CTX_set_alpn_protos(ctx, kAlpn, sizeof kAlpn - 1);
  SSL_CTX_set_session_cache_mode(
      ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
  SSL_CTX_sess_set_new_cb(ctx, on_new_session);
  SSL_CTX_set_verify(ctx, insecure ? SSL_VERIFY_NONE : SSL_VERIFY_PEER,
                     nullptr);
  if (insecure) return ctx;
  // The store curl's connections verify with too, loaded once.
  X509_STORE *store = trust_store(ca_file ? ca_file : "", error);
  if (store == nullptr) {
    SSL_CTX_free(ctx);
    return nullptr;
  }
  SSL_CTX_set1_cert_store(ctx, store);
  return ctx;
}

}  // namespace

SSL_CTX *tls_context(const char *ca_file, bool insecure, std::string &error) {
  static std::mutex lock;
  // Never freed: a handful of trust settings, held for the process's life
  // (the map too, so the contexts stay reachable to the leak checker after
  // static destructors have run).
  static auto &contexts =
      *new std::map<std::pair<std::string, bool>, SSL_CTX *>();
  std::pair<std::string, bool> key(ca_file ? ca_file : "", insecure);
  if (insecure) key.first.clear();  // nothing is verified: one context
  const std::lock_guard<std::mutex> hold(lock);
  auto it = contexts.find(key);
  if (it != contexts.end()) return it->second;
  SSL_CTX *ctx = make_context(key.first.c_str(), insecure, error);
  if (ctx != nullptr) contexts.emplace(std::move(key), ctx);
  return ctx;
}

std::string tls_reason(const SSL *ssl, int ssl_error) {
  const int saved = errno;
  std::string why = queue_reason();
  // Only a verifying connection's result says why (one that accepts any
  // certificate records it and goes on).
  const long verify = ssl && SSL_get_verify_mode(ssl) != SSL_VERIFY_NONE
                          ? SSL_get_verify_result(ssl)
                          : X509_V_OK;
  if (verify != X509_V_OK) {
    // "certificate verify failed: unable to get local issuer certificate"
    if (why.empty()) why = "certificate verify failed";
    why = why + ": " + X509_verify_cert_error_string(verify);
  }
  if (!why.empty()) return why;
  if (ssl_error == SSL_ERROR_SYSCALL && saved != 0) return strerror(saved);
  if (ssl_error == SSL_ERROR_SYSCALL || ssl_error == SSL_ERROR_ZERO_RETURN)
    return "the server closed the connection";
  return "OpenSSL error " + std::to_string(ssl_error);
}

}  // namespace golo::host::http
