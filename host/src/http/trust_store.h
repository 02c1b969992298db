// The certificates libcurl's connections (HTTP/2, and users whose cookies
// curl keeps) verify against: one X509_STORE per trust setting (a CA file,
// or the system's CA file and directory), loaded once per process at its
// first use and shared by every user. Left to itself, curl reads the CA
// file for each user's first connection (with the system's directory set,
// for every connection): about 20 ms of CPU for Debian's bundle, which on a
// fiber stalls every other user of the loop. The fast path's contexts
// (tls_context.h) verify with the same stores.
#pragma once

#include <openssl/x509.h>

#include <string>

typedef void CURL;  // as <curl/curl.h> declares it

namespace golo::host::http {

// A user's trust for the new connections of its curl handles: set before
// each transfer, read by curl's SSL_CTX callback.
struct CurlTrust {
  std::string ca_file;  // "": the system's
  std::string error;    // why the store could not be loaded, or ""
};

// The store for ca_file ("": the system's CA file and directory, as curl
// has them built in), loaded at the first call; nullptr when it cannot be
// loaded, with why in error. Never changed once loaded: shared by threads.
X509_STORE *trust_store(const std::string &ca_file, std::string &error);

// Does, off the fiber loops, what the first TLS connection of the process
// would do on one: libcurl's and OpenSSL's one-time set-up and the system's
// store (about 20 ms of CPU and 1.3 MB). Called before a fiber run starts;
// the later calls return at once.
void warm_up_tls();

// Makes h load no CA itself (CURLOPT_CAINFO and CURLOPT_CAPATH cleared) and
// hands each new connection's SSL_CTX the shared store of trust->ca_file as
// the store it verifies with (CURLOPT_SSL_CTX_FUNCTION), unless the request
// verifies nothing. A CA that cannot be loaded fails the transfer with
// CURLE_SSL_CACERT_BADFILE and the reason in trust->error. trust outlives h.
void use_shared_trust(CURL *h, CurlTrust *trust);

}  // namespace golo::host::http
