// A virtual user's cookies on the HTTP/1.1 fast path, as RFC 6265 keeps
// them: Set-Cookie stored per domain and path (Domain, Path, Max-Age and
// Expires read; Secure cookies only from and to https), and the Cookie
// header a request gets. Handed to curl's jar in Netscape lines when the
// user's first HTTP/2 request makes curl the keeper.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace golo::host::http {

class CookieJar {
 public:
  // Stores one Set-Cookie value received from host for a request of path
  // (https: over TLS).
  void store(std::string_view set_cookie, std::string_view host,
             std::string_view path, bool https);

  // Appends "a=1; b=2" for a request to host and path (nothing when no
  // cookie matches).
  void header_for(std::string_view host, std::string_view path, bool https,
                  std::string &out);

  // Each live cookie as a Netscape cookie-file line (curl's COOKIELIST).
  std::vector<std::string> netscape_lines() const;

  bool empty() const { return cookies_.empty(); }

 private:
  struct Cookie {
    std::string name, value, domain, path;
    bool host_only = true, secure = false;
    std::int64_t expires = 0;  // unix seconds; 0: until the user ends
  };
  void drop_expired();

  std::vector<Cookie> cookies_;
};

}  // namespace golo::host::http
