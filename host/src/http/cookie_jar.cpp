#include "http/cookie_jar.h"

#include <curl/curl.h>
#include <strings.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>

namespace golo::host::http {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

bool iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

// RFC 6265 5.1.3: host is domain, or ends with "." + domain (not for IPs).
bool domain_match(std::string_view host, std::string_view domain,
                  bool host_only) {
  if (iequal(host, domain)) return true;
  if (host_only || host.size() <= domain.size()) return false;
  const bool ip = host.find_first_not_of("0123456789.") == host.npos ||
                  host.find(':') != host.npos;
  return !ip && host[host.size() - domain.size() - 1] == '.' &&
         iequal(host.substr(host.size() - domain.size()), domain);
}

// RFC 6265 5.1.4.
bool path_match(std::string_view path, std::string_view cookie_path) {
  if (path.substr(0, cookie_path.size()) != cookie_path) return false;
  return path.size() == cookie_path.size() || cookie_path.back() == '/' ||
         path[cookie_path.size()] == '/';
}

std::string_view default_path(std::string_view path) {
  path = path.substr(0, path.find_first_of("?#"));
  const std::size_t slash = path.rfind('/');
  if (path.empty() || path.front() != '/' || slash == 0 || slash == path.npos)
    return "/";
  return path.substr(0, slash);
}

}  // namespace

void CookieJar::store(std::string_view line, std::string_view host,
                      std::string_view path, bool https) {
  std::string_view pair = line.substr(0, line.find(';'));
  const std::size_t eq = pair.find('=');
  if (eq == pair.npos) return;  // RFC 6265 5.2: ignored
  const std::string_view name = trim(pair.substr(0, eq));
  const std::string_view value = trim(pair.substr(eq + 1));
  if (name.empty()) return;
  std::string_view domain = host, cookie_path = default_path(path);
  bool host_only = true, secure = false, has_max_age = false;
  std::int64_t expires = 0;
  const std::int64_t now = std::time(nullptr);
  for (std::size_t at = pair.size(); at < line.size();) {
    const std::size_t end = std::min(line.find(';', at + 1), line.size());
    std::string_view attr = trim(line.substr(at + 1, end - at - 1));
    at = end;
    const std::size_t e = attr.find('=');
    const std::string_view key = trim(attr.substr(0, e));
    const std::string_view val =
        e == attr.npos ? std::string_view() : trim(attr.substr(e + 1));
    if (iequal(key, "domain") && !val.empty()) {
      domain = val.front() == '.' ? val.substr(1) : val;
      host_only = false;
    } else if (iequal(key, "path") && !val.empty() && val.front() == '/') {
      cookie_path = val;
    } else if (iequal(key, "secure")) {
      secure = true;
    } else if (iequal(key, "max-age") && !val.empty()) {
      has_max_age = true;
      const long long age = std::atoll(std::string(val).c_str());
      expires = age <= 0 ? -1 : now + age;
    } else if (iequal(key, "expires") && !has_max_age && !val.empty()) {
      const time_t t = curl_getdate(std::string(val).c_str(), nullptr);
      if (t != -1) expires = t <= now ? -1 : t;
    }
  }
  if ((secure && !https) || !domain_match(host, domain, false)) return;
  auto it =
      std::find_if(cookies_.begin(), cookies_.end(), [&](const Cookie &c) {
        return c.name == name && iequal(c.domain, domain) &&
               c.path == cookie_path;
      });
  if (expires < 0) {  // a deletion
    if (it != cookies_.end()) cookies_.erase(it);
    return;
  }
  if (it == cookies_.end()) it = cookies_.insert(cookies_.end(), Cookie{});
  it->name.assign(name);
  it->value.assign(value);
  it->domain.assign(domain);
  it->path.assign(cookie_path);
  it->host_only = host_only;
  it->secure = secure;
  it->expires = expires;
}

void CookieJar::drop_expired() {
  const std::int64_t now = std::time(nullptr);
  cookies_.erase(std::remove_if(cookies_.begin(), cookies_.end(),
                                [now](const Cookie &c) {
                                  return c.expires != 0 && c.expires <= now;
                                }),
                 cookies_.end());
}

void CookieJar::header_for(std::string_view host, std::string_view path,
                           bool https, std::string &out) {
  if (cookies_.empty()) return;
  drop_expired();
  path = path.substr(0, path.find_first_of("?#"));
  for (const Cookie &c : cookies_) {
    if ((c.secure && !https) || !domain_match(host, c.domain, c.host_only) ||
        !path_match(path, c.path))
      continue;
    if (!out.empty()) out += "; ";
    out += c.name;
    out += '=';
    out += c.value;
  }
}

std::vector<std::string> CookieJar::netscape_lines() const {
  std::vector<std::string> lines;
  for (const Cookie &c : cookies_)
    lines.push_back(c.domain + (c.host_only ? "\tFALSE\t" : "\tTRUE\t") +
                    c.path + (c.secure ? "\tTRUE\t" : "\tFALSE\t") +
                    std::to_string(c.expires) + "\t" + c.name + "\t" + c.value);
  return lines;
}

}  // namespace golo::host::http
