// A plugin's HTTP request after checking (request_check.h), with the
// defaults applied: what both the fast path and curl send.
#pragma once

#include <cstddef>
#include <cstdint>

#include "golo/plugin.h"

namespace golo::host::http {

// A request after checking (request_check.h), with the defaults applied.
struct Prepared {
  golo_http_request req{};  // the plugin's, zero past its size
  const char *method = "GET";
  bool has_body = false;
  std::int64_t timeout_ns = GOLO_HTTP_DEFAULT_TIMEOUT_NS;
  std::size_t body_cap = GOLO_HTTP_DEFAULT_BODY_CAP;
  long max_redirects = GOLO_HTTP_DEFAULT_MAX_REDIRECTS;
  std::uint32_t flags = 0;  // the request's and the settings'
  const char *ca_file = nullptr;
};

}  // namespace golo::host::http
