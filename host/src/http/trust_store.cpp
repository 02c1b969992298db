#include "http/trust_store.h"

#include <curl/curl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cstring>
#include <map>
#include <mutex>

#include "http/tls_context.h"

namespace golo::host::http {
namespace {

std::string openssl_reason() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unreadable";
  // A missing file: errno's words, not "error:80000002:system library::".
  if (ERR_SYSTEM_ERROR(code)) return std::strerror(ERR_GET_REASON(code));
  if (const char *reason = ERR_reason_error_string(code)) return reason;
  char buffer[256];
  ERR_error_string_n(code, buffer, sizeof buffer);
  return buffer;
}

// What curl trusts when no CA is given: its built-in CA file and directory
// (Debian's bundle and /etc/ssl/certs), as before this store replaced them.
bool load_system(X509_STORE *store) {
  CURL *h = curl_easy_init();
  if (h == nullptr) return false;
  char *file = nullptr, *dir = nullptr;
  curl_easy_getinfo(h, CURLINFO_CAINFO, &file);
  curl_easy_getinfo(h, CURLINFO_CAPATH, &dir);
  bool ok = file || dir ? true : X509_STORE_set_default_paths(store) == 1;
  if (file) ok = X509_STORE_load_file(store, file) == 1;
  // A directory is looked up at verification, certificate by certificate.
  if (ok && dir) ok = X509_STORE_load_path(store, dir) == 1;
  curl_easy_cleanup(h);
  return ok;
}

X509_STORE *make_store(const std::string &ca_file, std::string &error) {
  X509_STORE *store = X509_STORE_new();
  if (store == nullptr) {
    error = "could not make a certificate store: " + openssl_reason();
    return nullptr;
  }
  const bool loaded = ca_file.empty()
                          ? load_system(store)
                          : X509_STORE_load_file(store, ca_file.c_str()) == 1;
  if (!loaded) {
    error = "could not load the CA file " +
            (ca_file.empty() ? std::string("(system)") : ca_file) + ": " +
            openssl_reason();
    X509_STORE_free(store);
    return nullptr;
  }
  // The flags curl sets on the stores it loads: chains end at the first
  // trusted certificate, and an intermediate CA given as trusted is enough.
  X509_STORE_set_flags(store,
                       X509_V_FLAG_TRUSTED_FIRST | X509_V_FLAG_PARTIAL_CHAIN);
  return store;
}

// Called by curl for each new connection, after it set the verify mode and
// before the handshake. The store goes in as the verify store, not as the
// context's own: curl later sets flags on (and caches) the context's own
// store, which must not be one that other threads verify with at the time.
CURLcode on_ssl_ctx(CURL *, void *ssl_ctx, void *data) {
  auto *ctx = static_cast<SSL_CTX *>(ssl_ctx);
  if (SSL_CTX_get_verify_mode(ctx) == SSL_VERIFY_NONE) return CURLE_OK;
  auto *trust = static_cast<CurlTrust *>(data);
  X509_STORE *store = trust_store(trust->ca_file, trust->error);
  if (store == nullptr) return CURLE_SSL_CACERT_BADFILE;
  if (SSL_CTX_set1_verify_cert_store(ctx, store) != 1)
    return CURLE_OUT_OF_MEMORY;
  return CURLE_OK;
}

}  // namespace

// Never freed: a handful of trust settings, held for the process's life
// (the map too, so the stores stay reachable to the leak checker after
// static destructors have run). Only loaded stores are kept: a CA file
// that was missing is tried again by the next connection.
X509_STORE *trust_store(const std::string &ca_file, std::string &error) {
  static std::mutex lock;
  static auto &stores = *new std::map<std::string, X509_STORE *>();
  const std::lock_guard<std::mutex> hold(lock);
  auto it = stores.find(ca_file);
  if (it != stores.end()) return it->second;
  X509_STORE *store = make_store(ca_file, error);
  if (store != nullptr) stores.emplace(ca_file, store);
  return store;
}

void warm_up_tls() {
  static std::once_flag once;
  std::call_once(once, [] {
    curl_global_init(CURL_GLOBAL_DEFAULT);  // counted: a second is harmless
    std::string error;  // a system store that cannot load fails later, named
    tls_context(nullptr, false, error);  // OpenSSL's first context, the store
  });
}

void use_shared_trust(CURL *h, CurlTrust *trust) {
  curl_easy_setopt(h, CURLOPT_CAINFO, nullptr);
  curl_easy_setopt(h, CURLOPT_CAPATH, nullptr);
  curl_easy_setopt(h, CURLOPT_SSL_CTX_FUNCTION, &on_ssl_ctx);
  curl_easy_setopt(h, CURLOPT_SSL_CTX_DATA, trust);
}

}  // namespace golo::host::http
