// One virtual user's HTTP client: a libcurl easy handle, which keeps the
// user's connections alive (one per origin), its cookie jar and its TLS
// sessions across requests, as a browser's tab would. Used by one thread
// at a time (the user's), never shared.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "abi/run_context.h"
#include "golo/plugin.h"

typedef void CURL;  // as <curl/curl.h> declares it
struct curl_slist;

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
  CURL *handle(bool cookies);
  void configure(CURL *h, const Prepared &p, curl_slist *headers);
  void finish(CURL *h, int rc, const Prepared &p, golo_http_response &out);

  CURL *cookies_ = nullptr;     // with the user's cookie jar
  CURL *no_cookies_ = nullptr;  // for GOLO_HTTP_NO_COOKIES, made on demand
  CURL *last_ = nullptr;        // the handle of the latest answer
  std::string body_, error_text_, scratch_;
  std::string default_ca_;  // libcurl's built-in CA file
  std::string ca_set_;      // the CA file the handles use now
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
