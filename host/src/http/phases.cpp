#include "http/phases.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstdint>

namespace golo::host::http {
namespace {

std::int64_t micros(CURL *h, CURLINFO what) {
  curl_off_t v = 0;
  curl_easy_getinfo(h, what, &v);
  return static_cast<std::int64_t>(v);
}

}  // namespace

void read_phases(CURL *h, bool reused, golo_http_response &r) {
  // libcurl's timers run from the start of the final request, each
  // cumulative (name lookup <= connect <= TLS <= pretransfer <= first byte);
  // total and redirect run from the first request's start, so the final
  // request's own total is total - redirect.
  const std::int64_t dns = micros(h, CURLINFO_NAMELOOKUP_TIME_T);
  const std::int64_t conn = std::max(dns, micros(h, CURLINFO_CONNECT_TIME_T));
  const std::int64_t app = micros(h, CURLINFO_APPCONNECT_TIME_T);
  const std::int64_t tls_end = app > 0 ? std::max(conn, app) : conn;
  const std::int64_t pre =
      std::max(tls_end, micros(h, CURLINFO_PRETRANSFER_TIME_T));
  std::int64_t first = micros(h, CURLINFO_STARTTRANSFER_TIME_T);
  const std::int64_t total = micros(h, CURLINFO_TOTAL_TIME_T);
  const std::int64_t own =
      std::max<std::int64_t>(0, total - micros(h, CURLINFO_REDIRECT_TIME_T));
  if (first == 0) first = pre;  // nothing arrived
  first = std::clamp(first, pre, std::max(pre, own));
  constexpr std::int64_t kNs = 1000;
  r.dns_ns = reused ? 0 : dns * kNs;
  r.connect_ns = reused ? 0 : (conn - dns) * kNs;
  r.tls_ns = reused ? 0 : (tls_end - conn) * kNs;
  // On reuse the connect phases (near 0 anyway) count as sending.
  r.send_ns = (reused ? pre : pre - tls_end) * kNs;
  r.wait_ns = (first - pre) * kNs;
  r.receive_ns = std::max<std::int64_t>(0, own - first) * kNs;
  r.total_ns = std::max(total, pre) * kNs;
}

}  // namespace golo::host::http
