// The OpenSSL client contexts of the https fast path: one SSL_CTX per
// trust setting (a CA file or the system's store, trust_store.h's, which
// curl's connections share; verifying or accepting any certificate), made
// at first use and shared by every user for the
// process's life (an SSL_CTX is safe to share once set up). Sessions are
// not cached in it: each connection keeps its own (per user, per origin).
#pragma once

#include <openssl/ssl.h>

#include <string>

namespace golo::host::http {

// The context for ca_file (nullptr or "": the system's store) and
// insecure; nullptr when the CA file cannot be read, with why in error.
SSL_CTX *tls_context(const char *ca_file, bool insecure, std::string &error);

// OpenSSL's reason for a failed call of ssl (its error queue, the
// certificate check's result, or errno), as one line.
std::string tls_reason(const SSL *ssl, int ssl_error);

}  // namespace golo::host::http
