#include "http/error_class.h"

#include <curl/curl.h>

namespace golo::host::http {

int error_class(int curl_code) {
  switch (static_cast<CURLcode>(curl_code)) {
    case CURLE_OK:
      return GOLO_HTTP_OK;
    case CURLE_COULDNT_CONNECT:
      return GOLO_HTTP_REFUSED;
    case CURLE_OPERATION_TIMEDOUT:
      return GOLO_HTTP_TIMEOUT;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return GOLO_HTTP_DNS;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
      return GOLO_HTTP_TLS;
    // An answer that is not HTTP (HTTP/0.9 is refused), or one cut short.
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_BAD_CONTENT_ENCODING:
      return GOLO_HTTP_MALFORMED;
    case CURLE_ABORTED_BY_CALLBACK:
      return GOLO_HTTP_STOPPED;
    case CURLE_URL_MALFORMAT:
      return GOLO_HTTP_INVALID;
    default:
      return GOLO_HTTP_OTHER;
  }
}

const char *error_name(int error) {
  switch (error) {
    case GOLO_HTTP_OK:
      return "ok";
    case GOLO_HTTP_REFUSED:
      return "refused";
    case GOLO_HTTP_TIMEOUT:
      return "timeout";
    case GOLO_HTTP_DNS:
      return "dns";
    case GOLO_HTTP_TLS:
      return "tls";
    case GOLO_HTTP_MALFORMED:
      return "malformed";
    case GOLO_HTTP_STOPPED:
      return "stopped";
    case GOLO_HTTP_INVALID:
      return "invalid";
    case GOLO_HTTP_TOO_LARGE:
      return "too large";
    default:
      return "failed";
  }
}

}  // namespace golo::host::http
