#include "http/http_session.h"

#include <curl/curl.h>
#include <strings.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <string_view>

#include "golo/agent/fiber.h"
#include "golo_version.h"
#include "http/error_class.h"
#include "http/phases.h"

namespace golo::host::http {
namespace {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// Options that never change for a handle: set once, at its making.
CURL *make_handle(bool cookies, void *session, char *error_buffer) {
  CURL *h = curl_easy_init();
  if (h == nullptr) return nullptr;
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);  // threads; no SIGALRM for DNS
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_USERAGENT, "golo/" GOLO_VERSION);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, session);
  curl_easy_setopt(h, CURLOPT_XFERINFODATA, session);
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  // Browser-like: a user's cookie jar, in memory, empty at first.
  if (cookies) curl_easy_setopt(h, CURLOPT_COOKIEFILE, "");
  return h;
}

// A request's headers as libcurl's list; "Expect:" stops curl's
// 100-continue round trip on large bodies, which no browser makes.
curl_slist *header_list(const golo_http_request &req, bool has_body) {
  curl_slist *list = nullptr;
  for (std::size_t i = 0; i < req.header_count; ++i) {
    std::string line = req.headers[i].name;
    const char *value = req.headers[i].value ? req.headers[i].value : "";
    // "Name;" is curl's way of sending a header with an empty value.
    line += *value ? ": " : ";";
    line += value;
    list = curl_slist_append(list, line.c_str());
  }
  if (has_body) list = curl_slist_append(list, "Expect:");
  return list;
}

}  // namespace

Session::Session() { global_init(); }

Session::~Session() {
  on_fiber_.reset();  // the multi first: it holds the connections
  if (cookies_) curl_easy_cleanup(cookies_);
  if (no_cookies_) curl_easy_cleanup(no_cookies_);
}

CURL *Session::handle(bool cookies) {
  CURL *&h = cookies ? cookies_ : no_cookies_;
  if (h == nullptr) {
    h = make_handle(cookies, this, curl_error_);
    if (h == nullptr) return nullptr;
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &Session::on_body);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, &Session::on_progress);
    use_shared_trust(h, &trust_);  // no CA file read per user
  }
  return h;
}

std::size_t Session::on_body(char *data, std::size_t size, std::size_t n,
                             void *self) {
  auto *s = static_cast<Session *>(self);
  const std::size_t len = size * n;
  s->body_total_ += len;
  // The whole body is read (the connection stays usable) but only the cap
  // is kept.
  if (s->keep_body_ && s->body_.size() < s->body_cap_)
    s->body_.append(data, std::min(len, s->body_cap_ - s->body_.size()));
  return len;
}

int Session::on_progress(void *self, std::int64_t, std::int64_t, std::int64_t,
                         std::int64_t) {
  const auto *s = static_cast<Session *>(self);
  return s->run_ && s->run_->aborting() ? 1 : 0;
}

void Session::configure(CURL *h, const Prepared &p, curl_slist *headers) {
  const golo_http_request &req = p.req;
  curl_easy_setopt(h, CURLOPT_URL, req.url);
  // Back to a plain GET first: options stay set between requests.
  curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, nullptr);
  if (p.has_body) {
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(req.body_len));
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, req.body ? req.body : "");
  }
  if (strcasecmp(p.method, "HEAD") == 0)
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  else if (strcmp(p.method, p.has_body ? "POST" : "GET") != 0)
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, p.method);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  const long ms = static_cast<long>((p.timeout_ns + 999'999) / 1'000'000);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, ms);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, ms);
  const bool follow = !(p.flags & GOLO_HTTP_NO_REDIRECTS);
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, follow ? 1L : 0L);
  curl_easy_setopt(h, CURLOPT_MAXREDIRS, p.max_redirects);
  // curl matches kept connections without the CA file (use_shared_trust
  // gives it none): the first request under another one opens afresh.
  const std::string_view ca(p.ca_file ? p.ca_file : "");
  const bool new_trust = trust_chosen_ && ca != trust_.ca_file;
  trust_.ca_file.assign(ca);
  trust_.error.clear();
  trust_chosen_ = true;
  curl_easy_setopt(
      h, CURLOPT_FRESH_CONNECT,
      (p.flags & GOLO_HTTP_FRESH_CONNECTION) || new_trust ? 1L : 0L);
  curl_easy_setopt(
      h, CURLOPT_HTTP_VERSION,
      static_cast<long>((p.flags & GOLO_HTTP_HTTP2) ? CURL_HTTP_VERSION_2TLS
                                                    : CURL_HTTP_VERSION_1_1));
  const long verify = (p.flags & GOLO_HTTP_INSECURE) ? 0L : 1L;
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, verify);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, verify ? 2L : 0L);
}

void Session::fail(golo_http_response &out, int error, std::string text) {
  golo_http_response blank{};
  blank.size = out.size;
  std::memcpy(&out, &blank, std::min(out.size, sizeof blank));
  body_.clear();
  error_text_ = std::move(text);
  out.error = error;
  out.error_text = error_text_.c_str();
  out.body = body_.c_str();
  last_ = nullptr;
  last_fast_ = false;
}

bool Session::takes_curl(const Prepared &p) const {
  return (!(p.flags & GOLO_HTTP_NO_COOKIES) && curl_keeps_cookies_) ||
         !FastPath::serves(p);
}

void Session::perform(const Prepared &p, golo_http_response &out,
                      const RunContext *run) {
  if (run && run->aborting())
    return fail(out, GOLO_HTTP_STOPPED,
                std::string("stopped: the run's graceful stop has passed, ") +
                    p.method + " " + p.req.url + " was not sent");
  const bool cookies = !(p.flags & GOLO_HTTP_NO_COOKIES);
  if (takes_curl(p)) return curl_perform(p, out, run);
  last_ = nullptr;
  if (fast_.perform(p, out, run, cookies ? &jar_ : nullptr)) {
    last_fast_ = out.error == GOLO_HTTP_OK || out.error == GOLO_HTTP_TOO_LARGE;
    return;
  }
  after_handoff(p, out, run);
}

// A redirect left the fast path (to HTTP/2): curl sends the rest.
void Session::after_handoff(const Prepared &p, golo_http_response &out,
                            const RunContext *run) {
  const FastPath::Handoff &h = fast_.handoff();
  Prepared q = p;
  q.req.url = h.url.c_str();
  q.method = h.method;
  q.has_body = h.has_body;
  if (!h.has_body) {
    q.req.body = nullptr;
    q.req.body_len = 0;
  }
  q.max_redirects = p.max_redirects - static_cast<long>(h.redirects);
  q.timeout_ns = std::max<std::int64_t>(1'000'000, p.timeout_ns - h.elapsed_ns);
  curl_perform(q, out, run);
  golo_http_response r{};
  std::memcpy(&r, &out, std::min(out.size, sizeof r));
  r.redirects += h.redirects;
  r.total_ns += h.elapsed_ns;
  std::memcpy(&out, &r, std::min(out.size, sizeof r));
}

void Session::curl_perform(const Prepared &p, golo_http_response &out,
                           const RunContext *run) {
  last_fast_ = false;
  const bool cookies = !(p.flags & GOLO_HTTP_NO_COOKIES);
  CURL *h = handle(cookies);
  if (h == nullptr)
    return fail(out, GOLO_HTTP_OTHER, "libcurl could not make a handle");
  if (cookies && !curl_keeps_cookies_) {
    // From now on curl keeps the user's cookies: it gets the fast path's.
    for (const std::string &line : jar_.netscape_lines())
      curl_easy_setopt(h, CURLOPT_COOKIELIST, line.c_str());
    curl_keeps_cookies_ = true;
  }
  curl_slist *headers = header_list(p.req, p.has_body);
  configure(h, p, headers);
  body_.clear();
  body_total_ = 0;
  body_cap_ = p.body_cap;
  keep_body_ = !(p.flags & GOLO_HTTP_DISCARD_BODY);
  run_ = run;
  curl_error_[0] = '\0';
  CURLcode rc;
  if (agent::on_fiber()) {
    // Parked on curl's sockets: the loop's other users run meanwhile.
    if (!on_fiber_) on_fiber_ = std::make_unique<CurlOnFiber>();
    rc = static_cast<CURLcode>(on_fiber_->perform(h, run));
  } else {
    rc = curl_easy_perform(h);
  }
  run_ = nullptr;
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
  curl_slist_free_all(headers);
  if (p.has_body) curl_easy_setopt(h, CURLOPT_POSTFIELDS, nullptr);
  curl_easy_setopt(h, CURLOPT_NOBODY, 0L);
  finish(h, rc, p, out);
}

void Session::finish(CURL *h, int rc, const Prepared &p,
                     golo_http_response &out) {
  golo_http_response r{};
  long status = 0, version = 0, redirects = 0, connects = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_getinfo(h, CURLINFO_HTTP_VERSION, &version);
  curl_easy_getinfo(h, CURLINFO_REDIRECT_COUNT, &redirects);
  curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &connects);
  r.size = out.size;
  r.status = static_cast<int>(status);
  r.error = error_class(rc);
  r.reused = rc == CURLE_OK && connects == 0;
  r.http_version = version == CURL_HTTP_VERSION_2_0   ? 20
                   : version == CURL_HTTP_VERSION_1_0 ? 10
                   : version                          ? 11
                                                      : 0;
  r.redirects = static_cast<std::uint32_t>(redirects);
  read_phases(h, r.reused != 0, r);
  r.body_total = body_total_;
  error_text_.clear();
  if (r.error != GOLO_HTTP_OK) {
    // A CA that could not be loaded: our reason, not curl's "error
    // signaled by ssl ctx callback".
    const bool no_ca = rc == CURLE_SSL_CACERT_BADFILE && !trust_.error.empty();
    error_text_ =
        std::string(error_name(r.error)) + ": " + p.method + " " + p.req.url +
        ": " +
        (no_ca            ? trust_.error.c_str()
         : curl_error_[0] ? curl_error_
                          : curl_easy_strerror(static_cast<CURLcode>(rc)));
    if (r.error != GOLO_HTTP_TIMEOUT) r.status = 0;
  } else if (keep_body_ && body_total_ > body_cap_) {
    r.error = GOLO_HTTP_TOO_LARGE;
    error_text_ = "too large: " + std::string(p.method) + " " + p.req.url +
                  ": a body of " + std::to_string(body_total_) +
                  " bytes is over the cap of " + std::to_string(body_cap_);
  }
  r.error_text = error_text_.c_str();
  r.body = body_.c_str();
  r.body_len = body_.size();
  std::memcpy(&out, &r, std::min(out.size, sizeof r));
  last_ =
      r.error == GOLO_HTTP_OK || r.error == GOLO_HTTP_TOO_LARGE ? h : nullptr;
}

const char *Session::header(const char *name) const {
  if (last_fast_) return fast_.header(name);
  if (last_ == nullptr || name == nullptr) return nullptr;
  curl_header *hdr = nullptr;
  // The last of repeats, of the final request (-1): redirects' own headers
  // are not the answer's.
  std::size_t amount = 0;
  if (curl_easy_header(last_, name, 0, CURLH_HEADER, -1, &hdr) != CURLHE_OK)
    return nullptr;
  amount = hdr->amount;
  if (amount > 1 && curl_easy_header(last_, name, amount - 1, CURLH_HEADER, -1,
                                     &hdr) != CURLHE_OK)
    return nullptr;
  return hdr->value;
}

}  // namespace golo::host::http
