// What a libcurl result means to a plugin: one of golo_http_error's
// classes, and its name for the one-line reason.
#pragma once

#include "golo/plugin.h"

namespace golo::host::http {

// The class of curl's result code (CURLcode); GOLO_HTTP_OK for 0.
int error_class(int curl_code);

// "refused", "timeout", "dns", "tls", "malformed", "stopped", ...
const char *error_name(int error);

}  // namespace golo::host::http
