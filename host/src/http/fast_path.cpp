#include "http/fast_path.h"

#include <strings.h>

#include <algorithm>
#include <cstring>

#include "golo_version.h"
#include "http/error_class.h"
#include "http/tls_context.h"

namespace golo::host::http {
namespace {

constexpr std::size_t kMaxOrigins = 16;  // a user's kept-alive connections

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() &&
         strncasecmp(s.data(), prefix.data(), prefix.size()) == 0;
}

bool idempotent(const char *m) {
  for (const char *x : {"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"})
    if (strcasecmp(m, x) == 0) return true;
  return false;
}

// Whether the plugin set header `name` itself (then the host's is left out).
bool has_header(const golo_http_request &r, const char *name) {
  for (std::size_t i = 0; i < r.header_count; ++i)
    if (strcasecmp(r.headers[i].name, name) == 0) return true;
  return false;
}

std::int64_t ns(Clock::duration d) {
  return std::max<std::int64_t>(
      0, std::chrono::duration_cast<std::chrono::nanoseconds>(d).count());
}

}  // namespace

bool FastPath::split(std::string_view url, bool http2, Url &u) {
  u.tls = starts_with_nocase(url, "https://");
  if (!u.tls && !starts_with_nocase(url, "http://")) return false;
  if (u.tls && http2) return false;  // curl speaks HTTP/2
  url.remove_prefix(u.tls ? 8 : 7);
  url = url.substr(0, url.find('#'));
  const std::size_t end = std::min(url.find_first_of("/?"), url.size());
  u.authority = url.substr(0, end);
  u.target = url.substr(end);
  if (u.authority.empty() || u.authority.find('@') != url.npos) return false;
  std::string_view rest;
  if (u.authority.front() == '[') {  // an IPv6 literal
    const std::size_t close = u.authority.find(']');
    if (close == url.npos) return false;
    u.host = u.authority.substr(1, close - 1);
    rest = u.authority.substr(close + 1);
  } else {
    const std::size_t colon = u.authority.find(':');
    u.host = u.authority.substr(0, colon);
    rest = colon == url.npos ? std::string_view() : u.authority.substr(colon);
  }
  u.port = u.tls ? "443" : "80";
  if (!rest.empty()) {
    if (rest.front() != ':' || rest.size() < 2 || rest.size() > 6 ||
        rest.find_first_not_of("0123456789", 1) != rest.npos)
      return false;  // curl names the fault
    u.port = rest.substr(1);
  }
  // Bytes a request line cannot carry: curl encodes them.
  for (char c : u.target)
    if (static_cast<unsigned char>(c) <= ' ' ||
        static_cast<unsigned char>(c) >= 0x7f)
      return false;
  return !u.host.empty();
}

bool FastPath::serves(const Prepared &p) {
  Url u;
  return split(p.req.url, p.flags & GOLO_HTTP_HTTP2, u);
}

PlainConnection &FastPath::connection(const Url &u) {
  for (auto &c : connections_)
    if (c->is(u.host, u.port, u.tls)) return *c;
  if (connections_.size() == kMaxOrigins)
    connections_.erase(connections_.begin());
  connections_.push_back(
      std::make_unique<PlainConnection>(u.host, u.port, u.tls));
  return *connections_.back();
}

SSL_CTX *FastPath::context(const Prepared &p, IoError &e) {
  const bool insecure = p.flags & GOLO_HTTP_INSECURE;
  const char *ca = p.ca_file ? p.ca_file : "";
  // Compared in place: the shared table is asked only when they change.
  if (ctx_ == nullptr || insecure != insecure_ || ca_file_ != ca) {
    std::string why;
    ctx_ = tls_context(ca, insecure, why);
    ca_file_ = ca;
    insecure_ = insecure;
    if (ctx_ == nullptr) {
      e = {GOLO_HTTP_TLS, false, why};
      return nullptr;
    }
  }
  return ctx_;
}

void FastPath::build(const Prepared &p, const char *method, bool body,
                     const Url &u, CookieJar *jar) {
  const golo_http_request &r = p.req;
  std::string &q = request_;
  q.assign(method);
  q += ' ';
  if (u.target.empty() || u.target.front() == '?') q += '/';
  q += u.target;
  q += " HTTP/1.1\r\n";
  if (!has_header(r, "Host")) q.append("Host: ").append(u.authority) += "\r\n";
  if (!has_header(r, "User-Agent"))
    q += "User-Agent: golo/" GOLO_VERSION "\r\n";
  if (!has_header(r, "Accept")) q += "Accept: */*\r\n";
  for (std::size_t i = 0; i < r.header_count; ++i) {
    q.append(r.headers[i].name) += ':';
    const char *v = r.headers[i].value;
    if (v && *v) q.append(" ").append(v);
    q += "\r\n";
  }
  cookie_.clear();
  if (jar) jar->header_for(u.host, u.target, u.tls, cookie_);
  if (!cookie_.empty()) q.append("Cookie: ").append(cookie_) += "\r\n";
  if (body) {
    // As curl sends a POSTFIELDS body.
    if (!has_header(r, "Content-Type"))
      q += "Content-Type: application/x-www-form-urlencoded\r\n";
    if (!has_header(r, "Content-Length")) {
      char n[32];
      std::snprintf(n, sizeof n, "%zu", r.body_len);
      q.append("Content-Length: ").append(n) += "\r\n";
    }
  }
  q += "\r\n";
}

bool FastPath::exchange(const Prepared &p, const char *method, bool body,
                        const Url &u, CookieJar *jar,
                        Clock::time_point deadline, const RunContext *run,
                        Times &t, IoError &e, bool &reused) {
  PlainConnection &c = connection(u);
  SSL_CTX *ctx = u.tls ? context(p, e) : nullptr;
  if (u.tls && ctx == nullptr) return false;
  // A kept connection verified otherwise than this request asks is not it.
  if (c.open() && c.context() != ctx) c.close();
  build(p, method, body, u, jar);
  const std::string_view payload =
      body && p.req.body ? std::string_view(p.req.body, p.req.body_len)
                         : std::string_view();
  for (int attempt = 0;; ++attempt) {
    t = Times{};
    t.start = Clock::now();
    reused = c.open();
    if (reused) {
      t.resolved = t.connected = t.secured = t.start;
    } else if (!c.connect(ctx, deadline, run, t, e)) {
      return false;
    }
    parser_.reset(strcasecmp(method, "HEAD") == 0, p.body_cap,
                  !(p.flags & GOLO_HTTP_DISCARD_BODY));
    if (c.send(request_, payload, deadline, run, t, e) &&
        c.receive(parser_, deadline, run, t, e))
      return true;
    c.close();
    // A kept-alive connection the server had closed before this request:
    // once more on a fresh one, when sending twice does no harm (RFC 9110
    // 9.2.2), as curl and browsers do.
    if (!(e.stale && reused && attempt == 0 && idempotent(method)))
      return false;
    e = IoError{};
  }
}

bool FastPath::next_url(const Url &u, const char *location) {
  const std::string_view loc(location);
  if (starts_with_nocase(loc, "http://") ||
      starts_with_nocase(loc, "https://")) {
    next_.assign(loc);
  } else if (loc.substr(0, 2) == "//") {
    next_.assign(u.tls ? "https:" : "http:").append(loc);
  } else {
    next_.assign(u.tls ? "https://" : "http://").append(u.authority);
    if (loc.empty() || loc.front() != '/') {
      // Relative to the directory of the current path.
      const std::string_view path = u.target.substr(0, u.target.find('?'));
      const std::size_t slash = path.rfind('/');
      next_.append(slash == path.npos ? std::string_view("/")
                                      : path.substr(0, slash + 1));
    }
    next_.append(loc);
  }
  url_.swap(next_);
  return true;
}

void FastPath::answer(const Prepared &p, const Times &t,
                      Clock::time_point start, bool reused,
                      std::uint32_t redirects, golo_http_response &out) {
  golo_http_response r{};
  r.size = out.size;
  r.status = parser_.status();
  r.http_version = parser_.version();
  r.reused = reused;
  r.redirects = redirects;
  // The final request's phases; on reuse, nothing was resolved or connected.
  r.dns_ns = reused ? 0 : ns(t.resolved - t.start);
  r.connect_ns = reused ? 0 : ns(t.connected - t.resolved);
  r.tls_ns = reused ? 0 : ns(t.secured - t.connected);
  r.send_ns = ns(t.sent - t.secured);
  r.wait_ns = ns(t.first_byte - t.sent);
  r.receive_ns = ns(t.end - t.first_byte);
  r.total_ns = ns(t.end - start);
  r.body = parser_.body().c_str();
  r.body_len = parser_.body().size();
  r.body_total = parser_.body_total();
  error_text_.clear();
  if (!(p.flags & GOLO_HTTP_DISCARD_BODY) && r.body_total > p.body_cap) {
    r.error = GOLO_HTTP_TOO_LARGE;
    error_text_ = "too large: " + std::string(p.method) + " " + p.req.url +
                  ": a body of " + std::to_string(r.body_total) +
                  " bytes is over the cap of " + std::to_string(p.body_cap);
  }
  r.error_text = error_text_.c_str();
  std::memcpy(&out, &r, std::min(out.size, sizeof r));
}

void FastPath::failure(const Prepared &p, const IoError &e,
                       Clock::time_point start, std::uint32_t redirects,
                       golo_http_response &out) {
  golo_http_response r{};
  r.size = out.size;
  r.error = e.error;
  // As curl: a timeout after the status line keeps the status.
  r.status = e.error == GOLO_HTTP_TIMEOUT ? parser_.status() : 0;
  r.redirects = redirects;
  r.total_ns = ns(Clock::now() - start);
  error_text_ = std::string(error_name(e.error)) + ": " + p.method + " " +
                p.req.url + ": " + e.detail;
  r.error_text = error_text_.c_str();
  parser_.reset(false, 0, false);  // no body, no headers of a failure
  r.body = parser_.body().c_str();
  std::memcpy(&out, &r, std::min(out.size, sizeof r));
}

bool FastPath::perform(const Prepared &p, golo_http_response &out,
                       const RunContext *run, CookieJar *jar) {
  const Clock::time_point start = Clock::now();
  const Clock::time_point deadline =
      start + std::chrono::nanoseconds(p.timeout_ns);
  url_.assign(p.req.url);
  const char *method = p.method;
  bool body = p.has_body;
  const bool follow = !(p.flags & GOLO_HTTP_NO_REDIRECTS);
  const bool http2 = p.flags & GOLO_HTTP_HTTP2;
  if (p.flags & GOLO_HTTP_FRESH_CONNECTION) {
    Url u;
    if (split(url_, http2, u)) connection(u).close();
  }
  for (std::uint32_t redirects = 0;;) {
    Url u;
    if (!split(url_, http2, u)) {  // to HTTP/2, or a URL curl must encode
      handoff_ = {url_, method, body, redirects, ns(Clock::now() - start)};
      return false;
    }
    Times t;
    IoError e;
    bool reused = false;
    if (!exchange(p, method, body, u, jar, deadline, run, t, e, reused)) {
      failure(p, e, start, redirects, out);
      return true;
    }
    if (jar)
      parser_.each("set-cookie", [&](std::string_view v) {
        jar->store(v, u.host, u.target, u.tls);
      });
    const int status = parser_.status();
    const char *location = parser_.header("location");
    const bool redirect = status == 301 || status == 302 || status == 303 ||
                          status == 307 || status == 308;
    if (!(follow && redirect && location && *location)) {
      answer(p, t, start, reused, redirects, out);
      return true;
    }
    if (static_cast<long>(redirects) >= p.max_redirects) {
      failure(p,
              {GOLO_HTTP_OTHER, false,
               "more than " + std::to_string(p.max_redirects) + " redirects"},
              start, redirects, out);
      return true;
    }
    ++redirects;
    // As curl and browsers: 301, 302 and 303 turn a POST into a GET, 303
    // anything but HEAD.
    if ((status != 307 && status != 308 && strcasecmp(method, "POST") == 0) ||
        (status == 303 && strcasecmp(method, "HEAD") != 0)) {
      method = "GET";
      body = false;
    }
    next_url(u, location);
  }
}

}  // namespace golo::host::http
