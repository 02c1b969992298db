// A plugin's golo_http_request checked before anything is sent: its
// defaults applied, and each bad input named in one line (a malformed URL,
// a scheme other than http and https, a header with CR or LF, a body on a
// method that takes none).
#pragma once

#include <cstdint>
#include <string>

#include "http/http_session.h"

namespace golo::host::http {

// The plugin's settings that shape requests (http_ca_file,
// http_insecure_tls, http2), read once per loaded version.
struct Defaults {
  std::string ca_file;
  std::uint32_t flags = 0;  // GOLO_HTTP_INSECURE, GOLO_HTTP_HTTP2
};

// Fills p from req and defaults. Returns "" when the request may be sent,
// else the reason ("invalid: ...").
std::string prepare(const golo_http_request &req, const Defaults &defaults,
                    Prepared &p);

// The step name: req.name, or "METHOD URL" without the URL's query and
// fragment, into out.
void step_name(const golo_http_request &req, const char *method,
               std::string &out);

}  // namespace golo::host::http
