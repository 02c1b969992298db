#include "http/request_check.h"

#include <strings.h>

#include <algorithm>
#include <cstring>

#include "http/token.h"

namespace golo::host::http {
namespace {

// The part of golo_http_request a plugin built against an older header
// knows: members past its size are taken as zero.
golo_http_request known_part(const golo_http_request &req) {
  golo_http_request r{};
  std::memcpy(&r, &req, std::min(req.size, sizeof r));
  return r;
}

bool has_crlf(const char *s) { return s && std::strpbrk(s, "\r\n") != nullptr; }

// RFC 9110's token characters: a method and a header name are tokens.
bool is_token(const char *s) {
  if (s == nullptr || *s == '\0') return false;
  for (; *s; ++s)
    if (!is_token_char(*s)) return false;
  return true;
}

std::string check_url(const char *url) {
  if (url == nullptr || *url == '\0') return "invalid: the request has no URL";
  if (has_crlf(url) || std::strpbrk(url, " \t"))
    return std::string("invalid: URL \"") + url +
           "\" holds a space, tab, CR or LF (percent-encode them)";
  const char *colon = std::strstr(url, "://");
  if (colon == nullptr)
    return std::string("invalid: URL \"") + url +
           "\" has no scheme (write http://HOST/PATH or https://HOST/PATH)";
  const std::string scheme(url, colon);
  if (strcasecmp(scheme.c_str(), "http") != 0 &&
      strcasecmp(scheme.c_str(), "https") != 0)
    return "invalid: URL \"" + std::string(url) + "\": scheme \"" + scheme +
           "\" is not supported (only http and https)";
  const char *host = colon + 3;
  if (*host == '\0' || *host == '/' || *host == ':' || *host == '?')
    return std::string("invalid: URL \"") + url + "\" has no host";
  return {};
}

std::string check_headers(const golo_http_request &r) {
  if (r.header_count > 0 && r.headers == nullptr)
    return "invalid: header_count is " + std::to_string(r.header_count) +
           " but headers is NULL";
  for (std::size_t i = 0; i < r.header_count; ++i) {
    const golo_http_header &h = r.headers[i];
    if (!is_token(h.name))
      return "invalid: header " + std::to_string(i) + " has a name \"" +
             std::string(h.name ? h.name : "") +
             "\" that is empty or not a token (letters, digits, -)";
    if (has_crlf(h.value))
      return std::string("invalid: header \"") + h.name +
             "\" has CR or LF in its value";
  }
  return {};
}

}  // namespace

std::string prepare(const golo_http_request &req_in, const Defaults &d,
                    Prepared &p) {
  if (req_in.size < offsetof(golo_http_request, method) + sizeof(char *))
    return "invalid: golo_http_request.size is " + std::to_string(req_in.size) +
           " (set it to sizeof the struct)";
  const golo_http_request r = known_part(req_in);
  p.method = r.method && *r.method ? r.method : "GET";
  if (!is_token(p.method) || std::strlen(p.method) > 32)
    return std::string("invalid: method \"") + p.method + "\" is not a token";
  if (auto e = check_url(r.url); !e.empty()) return e;
  if (auto e = check_headers(r); !e.empty()) return e;
  p.has_body = r.body != nullptr || r.body_len > 0 ||
               strcasecmp(p.method, "POST") == 0 ||
               strcasecmp(p.method, "PUT") == 0 ||
               strcasecmp(p.method, "PATCH") == 0;
  if ((r.body != nullptr || r.body_len > 0) &&
      (strcasecmp(p.method, "GET") == 0 || strcasecmp(p.method, "HEAD") == 0))
    return std::string("invalid: a body on ") + p.method + " " + r.url +
           " (send it with POST, PUT or PATCH)";
  if (r.body == nullptr && r.body_len > 0)
    return "invalid: body_len is " + std::to_string(r.body_len) +
           " but body is NULL";
  if (r.timeout_ns < 0)
    return "invalid: timeout_ns is negative (" + std::to_string(r.timeout_ns) +
           ")";
  p.timeout_ns = r.timeout_ns ? r.timeout_ns : GOLO_HTTP_DEFAULT_TIMEOUT_NS;
  p.body_cap = r.body_cap ? r.body_cap : GOLO_HTTP_DEFAULT_BODY_CAP;
  p.max_redirects = r.max_redirects ? static_cast<long>(r.max_redirects)
                                    : long{GOLO_HTTP_DEFAULT_MAX_REDIRECTS};
  p.flags = r.flags | d.flags;
  p.ca_file = r.ca_file           ? r.ca_file
              : d.ca_file.empty() ? nullptr
                                  : d.ca_file.c_str();
  p.req = r;
  return {};
}

void step_name(const golo_http_request &req, const char *method,
               std::string &out) {
  const golo_http_request r = known_part(req);
  if (r.name && *r.name) {
    out.assign(r.name);
    return;
  }
  out.assign(method);
  out += ' ';
  if (r.url == nullptr) return;
  out.append(r.url, std::strcspn(r.url, "?#"));
}

}  // namespace golo::host::http
