// golo_host_api.http and .http_header (ABI 1.2): a plugin's request sent
// through its virtual user's session and recorded as a step with its
// phases.
#pragma once

#include <string>

#include "golo/plugin.h"
#include "http/prepared.h"

namespace golo::host::http {

int http_call(const golo_context *ctx, const golo_http_request *req,
              golo_http_response *resp) noexcept;

const char *http_header(const golo_context *ctx, const char *name) noexcept;

// Records a finished request on the call's response: the step `name`
// (with its status) and its phases as steps "NAME (phase)". `name` is the
// session's scratch, restored on return; once a user's response has held
// these steps, this allocates nothing (recording_alloc_test).
void record_request(golo_response *resp, std::string &name, const Prepared &p,
                    const golo_http_response &r);

}  // namespace golo::host::http
