// The certificates libcurl's connections (HTTP/2, and users whose cookies
// curl keeps) verify against: one X509_STORE per trust setting (a CA file,
// or the system's CA file and directory), loaded once per process at its
// first use and shared by every user. Left to itself, curl reads the CA
// file for each user's first connection (with the system's directory set,
// for every connection): about 20 ms of CPU for Debian's bundle, which on a
// fiber stalls every other user of the loop. The fast path has its own
// (tls_context.h).
#pragma once

#include <string>

typedef void CURL;  // as <curl/curl.h> declares it

namespace golo::host::http {

// A user's trust for the new connections of its curl handles: set before
// each transfer, read by curl's SSL_CTX callback.
struct CurlTrust {
  std::string ca_file;  // "": the system's
  std::string error;    // why the store could not be loaded, or ""
};

// Makes h load no CA itself (CURLOPT_CAINFO and CURLOPT_CAPATH cleared) and
// hands each new connection's SSL_CTX the shared store of trust->ca_file as
// the store it verifies with (CURLOPT_SSL_CTX_FUNCTION), unless the request
// verifies nothing. A CA that cannot be loaded fails the transfer with
// CURLE_SSL_CACERT_BADFILE and the reason in trust->error. trust outlives h.
void use_shared_trust(CURL *h, CurlTrust *trust);

}  // namespace golo::host::http
