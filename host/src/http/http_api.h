// golo_host_api.http and .http_header (ABI 1.2): a plugin's request sent
// through its virtual user's session and recorded as a step with its
// phases.
#pragma once

#include "golo/plugin.h"

namespace golo::host::http {

int http_call(const golo_context *ctx, const golo_http_request *req,
              golo_http_response *resp) noexcept;

const char *http_header(const golo_context *ctx, const char *name) noexcept;

}  // namespace golo::host::http
