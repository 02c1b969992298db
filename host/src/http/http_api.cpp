#include "http/http_api.h"

#include <algorithm>
#include <cstring>

#include "abi/call_frame.h"
#include "abi/host_table.h"
#include "abi/response.h"
#include "http/request_check.h"

namespace golo::host::http {
namespace {

// The plugin's settings that shape requests, read at its first request.
const Defaults &defaults(const golo_plugin *plugin) {
  static const Defaults none;
  if (plugin == nullptr) return none;
  std::call_once(plugin->http_once, [plugin] {
    auto &d = plugin->http_defaults;
    const auto &s = plugin->settings;
    if (auto it = s.find("http_ca_file"); it != s.end()) d.ca_file = it->second;
    if (auto it = s.find("http_insecure_tls");
        it != s.end() && it->second == "true")
      d.flags |= GOLO_HTTP_INSECURE;
    if (auto it = s.find("http2"); it != s.end() && it->second == "true")
      d.flags |= GOLO_HTTP_HTTP2;
  });
  return plugin->http_defaults;
}

}  // namespace

// The request's step, and its phases as steps "NAME (phase)", which
// thresholds select as {step:NAME, phase:PHASE}.
void record_request(golo_response *resp, std::string &name, const Prepared &p,
                    const golo_http_response &r) {
  if (resp == nullptr) return;
  const bool failed = r.error != GOLO_HTTP_OK ||
                      (r.status >= 400 && !(p.flags & GOLO_HTTP_STATUS_OK));
  const auto add = host_table()->add_step;
  const std::size_t before = resp->steps.size();
  add(resp, name.c_str(), r.total_ns, failed);
  // The status is counted per request name (summary, JSON).
  if (resp->steps.size() > before) resp->steps.back().status = r.status;
  if ((p.flags & GOLO_HTTP_NO_PHASES) || r.status == 0) return;
  const std::size_t base = name.size();
  const std::pair<const char *, std::int64_t> phases[] = {
      {" (connect)", r.connect_ns},
      {" (tls)", r.tls_ns},
      {" (wait)", r.wait_ns},
      {" (receive)", r.receive_ns}};
  for (const auto &[suffix, ns] : phases) {
    name.resize(base);
    name += suffix;
    add(resp, name.c_str(), ns, failed);
  }
  name.resize(base);
}

int http_call(const golo_context *ctx, const golo_http_request *req,
              golo_http_response *resp) noexcept try {
  if (resp == nullptr || resp->size < offsetof(golo_http_response, body))
    return GOLO_HTTP_INVALID;  // nowhere to say why
  CallFrame *frame = frame_of(ctx);
  if (frame == nullptr) {
    static const char *why =
        "invalid: http() needs the ctx of the golo_trigger call running on "
        "this thread";
    std::memset(reinterpret_cast<char *>(resp) + sizeof resp->size, 0,
                std::min(resp->size, sizeof *resp) - sizeof resp->size);
    resp->error = GOLO_HTTP_INVALID;
    resp->error_text = why;
    return GOLO_HTTP_INVALID;
  }
  Session &session = frame->user->session();
  Prepared p;
  std::string &name = session.scratch();
  if (req == nullptr) {
    session.fail(*resp, GOLO_HTTP_INVALID, "invalid: the request is NULL");
    host_table()->add_step(frame->resp, "http (invalid)", 0, 1);
    return resp->error;
  }
  step_name(*req, req->method && *req->method ? req->method : "GET", name);
  if (std::string why = prepare(*req, defaults(ctx->plugin), p); !why.empty()) {
    session.fail(*resp, GOLO_HTTP_INVALID, std::move(why));
    host_table()->add_step(frame->resp, name.c_str(), 0, 1);
    return resp->error;
  }
  if (frame->run && frame->run->http2()) p.flags |= GOLO_HTTP_HTTP2;
  session.perform(p, *resp, frame->run);
  record_request(frame->resp, name, p, *resp);
  return resp->error;
} catch (...) {
  // bad_alloc, at worst: never unwind through the plugin's frames.
  return GOLO_HTTP_OTHER;
}

const char *http_header(const golo_context *ctx, const char *name) noexcept {
  CallFrame *frame = frame_of(ctx);
  if (frame == nullptr || !frame->user->http) return nullptr;
  return frame->user->http->header(name);
}

}  // namespace golo::host::http
