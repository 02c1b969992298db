// One virtual user's HTTP client, which keeps the user's connections alive
// (one per origin), its cookie jar and its TLS sessions across requests, as
// a browser's tab would: HTTP/1.1 (http:// and https://) on the
// hand-written fast path (fast_path.h), HTTP/2 on a libcurl easy handle
// (performed blocking on a thread, parked through the user's multi handle on
// a fiber: curl_on_fiber.h). The jar is the fast path's until the user's
// first curl request with cookies, which hands it to curl for good. Used by
// one thread or fiber at a time (the user's), never shared.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "abi/run_context.h"
#include "golo/plugin.h"
#include "http/cookie_jar.h"
#include "http/curl_on_fiber.h"
#include "http/fast_path.h"
#include "http/prepared.h"
#include "http/trust_store.h"

typedef void CURL;  // as <curl/curl.h> declares it
struct curl_slist;

namespace golo::host::http {

class Session {
 public:
  Session();
  ~Session();
  Session(const Session &) = delete;
  Session &operator=(const Session &) = delete;

  // Sends p and fills out (every member below out->size); the body and
  // texts stay in this session until its next request. run (may be null):
  // once it is aborting, the request ends with GOLO_HTTP_STOPPED.
  void perform(const Prepared &p, golo_http_response &out,
               const RunContext *run);

  // A header of the latest final answer, or nullptr.
  const char *header(const char *name) const;

  // Scratch the caller may reuse across requests (names of steps).
  std::string &scratch() { return scratch_; }

  // Fails a request before sending it (bad input, a stopped run).
  void fail(golo_http_response &out, int error, std::string text);

 private:
  void curl_perform(const Prepared &p, golo_http_response &out,
                    const RunContext *run);
  void after_handoff(const Prepared &p, golo_http_response &out,
                     const RunContext *run);
  CURL *handle(bool cookies);
  void configure(CURL *h, const Prepared &p, curl_slist *headers);
  void finish(CURL *h, int rc, const Prepared &p, golo_http_response &out);
  // libcurl (HTTP/2, or a user whose cookies curl keeps) sends p.
  bool takes_curl(const Prepared &p) const;

  CURL *cookies_ = nullptr;     // with the user's cookie jar
  CURL *no_cookies_ = nullptr;  // for GOLO_HTTP_NO_COOKIES, made on demand
  CURL *last_ = nullptr;        // the handle of the latest answer
  bool last_fast_ = false;      // the latest answer came the fast way
  std::unique_ptr<CurlOnFiber> on_fiber_;  // a fiber user's, made on demand
  FastPath fast_;
  CookieJar jar_;  // the user's, until curl keeps it
  bool curl_keeps_cookies_ = false;
  std::string body_, error_text_, scratch_;
  CurlTrust trust_;            // the latest curl request's, for its handles
  bool trust_chosen_ = false;  // a curl request has set trust_
  std::uint64_t body_total_ = 0;
  std::size_t body_cap_ = 0;
  bool keep_body_ = true;
  char curl_error_[256] = {};
  const RunContext *run_ = nullptr;

  static std::size_t on_body(char *data, std::size_t size, std::size_t n,
                             void *self);
  static int on_progress(void *self, std::int64_t, std::int64_t, std::int64_t,
                         std::int64_t);
};

}  // namespace golo::host::http
