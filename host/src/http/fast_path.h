// The HTTP/1.1 fast path of a virtual user's HTTP client, http:// and
// https:// (TLS on OpenSSL directly): the user's own kept-alive
// connections, one per origin, written by hand because libcurl cost ~59
// allocations, 3 polls and 2 futex calls a request (bench/README.md). It
// follows redirects and keeps cookies itself; HTTP/2 (a request that asks
// for it over https) is handed to curl (http_session). A kept-alive
// connection the server had closed is reopened once for an idempotent
// request. The buffers (request, head, body) keep their capacity: no
// allocation per request in steady state.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "http/cookie_jar.h"
#include "http/plain_connection.h"
#include "http/prepared.h"
#include "http/response_parser.h"

namespace golo::host::http {

class FastPath {
 public:
  // Whether p is one the fast path sends: http:// or https:// (not asking
  // for HTTP/2), no user:password.
  static bool serves(const Prepared &p);

  // A redirect left the fast path (to a URL it does not serve): curl goes
  // on from there.
  struct Handoff {
    std::string url;
    const char *method = "GET";
    bool has_body = false;
    std::uint32_t redirects = 0;
    std::int64_t elapsed_ns = 0;
  };

  // Sends p (which serves() accepted) and fills out. jar: the user's
  // cookies, or nullptr for GOLO_HTTP_NO_COOKIES. Returns false when the
  // request continues in curl as handoff() says.
  bool perform(const Prepared &p, golo_http_response &out,
               const RunContext *run, CookieJar *jar);
  const Handoff &handoff() const { return handoff_; }

  // A header of the latest answer, or nullptr.
  const char *header(const char *name) const {
    return name ? parser_.header(name) : nullptr;
  }

 private:
  struct Url {
    std::string_view host, port, authority, target;
    bool tls = false;
  };
  static bool split(std::string_view url, bool http2, Url &u);
  // The user's TLS context for p's trust settings; nullptr with e set.
  SSL_CTX *context(const Prepared &p, IoError &e);
  PlainConnection &connection(const Url &u);
  void build(const Prepared &p, const char *method, bool body, const Url &u,
             CookieJar *jar);
  bool exchange(const Prepared &p, const char *method, bool body, const Url &u,
                CookieJar *jar, Clock::time_point deadline,
                const RunContext *run, Times &t, IoError &e, bool &reused);
  bool next_url(const Url &u, const char *location);
  void answer(const Prepared &p, const Times &t, Clock::time_point start,
              bool reused, std::uint32_t redirects, golo_http_response &out);
  void failure(const Prepared &p, const IoError &e, Clock::time_point start,
               std::uint32_t redirects, golo_http_response &out);

  std::vector<std::unique_ptr<PlainConnection>> connections_;
  ResponseParser parser_;
  std::string request_, url_, next_, cookie_, error_text_;
  // The latest trust settings asked for, and their context.
  std::string ca_file_;
  bool insecure_ = false;
  SSL_CTX *ctx_ = nullptr;
  Handoff handoff_;
};

}  // namespace golo::host::http
