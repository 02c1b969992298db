#include "security/remote_targets.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

namespace golo::host::security {

namespace {

constexpr std::size_t kMaxTargetChars = 300;

bool name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.';
}

// A DNS name: labels of letters, digits and '-', 1 to 63 each, not starting
// or ending with '-'.
bool dns_name(std::string_view h) {
  if (h.empty() || h.size() > 253) return false;
  std::size_t start = 0;
  while (start <= h.size()) {
    const auto dot = std::min(h.find('.', start), h.size());
    const auto label = h.substr(start, dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' ||
        label.back() == '-' ||
        !std::all_of(label.begin(), label.end(), name_char))
      return false;
    start = dot + 1;
  }
  return true;
}

std::optional<std::uint16_t> port_number(std::string_view p) {
  if (p.empty() || p.size() > 5 ||
      !std::all_of(p.begin(), p.end(),
                   [](unsigned char c) { return std::isdigit(c); }))
    return std::nullopt;
  const unsigned long v = std::stoul(std::string(p));
  if (v == 0 || v > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(v);
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return out;
}

// The host of a well-formed "HOST" or "V6" (without brackets), or why not.
std::optional<RemoteTarget> parse_host(const std::string &host, bool bracketed,
                                       std::string &why) {
  RemoteTarget t;
  char buf[INET6_ADDRSTRLEN];
  if (bracketed) {
    in6_addr v6{};
    if (inet_pton(AF_INET6, host.c_str(), &v6) != 1) {
      why = "[" + host + "] is not an IPv6 address";
      return std::nullopt;
    }
    t.kind = RemoteTarget::Kind::kIpv6;
    t.host = inet_ntop(AF_INET6, &v6, buf, sizeof buf);
    return t;
  }
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    t.kind = RemoteTarget::Kind::kIpv4;
    t.host = inet_ntop(AF_INET, &v4, buf, sizeof buf);
    return t;
  }
  // inet_aton takes what the resolver would also take as an address
  // (0x7f.1, 2130706433, 0177.0.0.1): not a name, and not compared as one.
  if (inet_aton(host.c_str(), &v4) != 0) {
    why = host +
          " is an IPv4 address in an unusual spelling; write it as "
          "four decimal numbers (" +
          inet_ntop(AF_INET, &v4, buf, sizeof buf) + ")";
    return std::nullopt;
  }
  if (!dns_name(host)) {
    why = "\"" + host + "\" is not a host name (letters, digits, '-', '.')";
    return std::nullopt;
  }
  t.host = host;
  return t;
}

std::string shown(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 80))
    out += std::isprint(static_cast<unsigned char>(c)) ? c : '?';
  return out + (text.size() > 80 ? "..." : "");
}

}  // namespace

bool RemoteTarget::loopback() const {
  if (kind == Kind::kName) return host == "localhost";
  if (kind == Kind::kIpv4) return host.starts_with("127.");
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) != 1) return false;
  return IN6_IS_ADDR_LOOPBACK(&v6) ||
         (IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127);
}

std::string RemoteTarget::dial() const {
  const std::string p = std::to_string(port);
  switch (kind) {
    case Kind::kIpv4:
      return "ipv4:" + host + ":" + p;
    case Kind::kIpv6:
      return "ipv6:[" + host + "]:" + p;
    case Kind::kName:
      break;
  }
  return "dns:///" + host + ":" + p;
}

std::optional<RemoteTarget> parse_remote_target(std::string_view text,
                                                std::string &why) {
  const std::string expected =
      " (expected exactly one HOST:PORT or [IPV6]:PORT, with no scheme and "
      "no list)";
  if (text.size() > kMaxTargetChars) {
    why = "longer than " + std::to_string(kMaxTargetChars) + " characters" +
          expected;
    return std::nullopt;
  }
  if (text.find_first_of(",/ ") != std::string_view::npos ||
      std::any_of(text.begin(), text.end(),
                  [](unsigned char c) { return !std::isprint(c); })) {
    why = "has a ',', '/', space or control character" + expected;
    return std::nullopt;
  }
  const bool bracketed = text.starts_with("[");
  const auto close = bracketed ? text.find(']') : std::string_view::npos;
  const auto colon = bracketed ? close + 1 : text.find(':');
  if ((bracketed && close == std::string_view::npos) || colon >= text.size() ||
      text[colon] != ':' ||
      text.find(':', colon + 1) != std::string_view::npos ||
      (!bracketed && text.find_first_of("[]") != std::string_view::npos)) {
    why = "is not HOST:PORT" + expected;
    return std::nullopt;
  }
  const auto port = port_number(text.substr(colon + 1));
  if (!port) {
    why = "the port is not a number from 1 to 65535" + expected;
    return std::nullopt;
  }
  const std::string host =
      lower(bracketed ? text.substr(1, close - 1) : text.substr(0, colon));
  auto t = parse_host(host, bracketed, why);
  if (t) t->port = *port;
  return t;
}

std::string check_remote_target(std::string_view target,
                                const std::vector<std::string> &allowed) {
  std::string why;
  const auto t = parse_remote_target(target, why);
  if (!t) return "remoteTarget " + shown(target) + ": " + why;
  if (t->loopback()) return "";
  for (const auto &a : allowed) {
    std::string ignored;
    if (parse_remote_target(a, ignored) == t) return "";
  }
  return "remoteTarget " + std::string(target) +
         " is not loopback and not allowed on this host (its operator can "
         "allow it with --allow-remote-target HOST:PORT)";
}

std::string check_allowed_entry(std::string_view entry) {
  std::string why;
  if (parse_remote_target(entry, why)) return "";
  return "--allow-remote-target " + shown(entry) + ": " + why +
         "; for example 10.0.0.7:9999 or [2001:db8::7]:9999";
}

}  // namespace golo::host::security
