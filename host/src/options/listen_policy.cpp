#include "options/listen_policy.h"

#include "options/host_options.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

namespace golo::host {

namespace {

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return out;
}

}  // namespace

std::string host_part(std::string_view addr) {
  for (std::string_view prefix : {"dns:///", "dns:", "ipv4:", "ipv6:"})
    if (starts_with(addr, prefix)) {
      addr.remove_prefix(prefix.size());
      break;
    }
  if (starts_with(addr, "[")) {
    const auto close = addr.find(']');
    return close == std::string_view::npos ? ""
                                           : lower(addr.substr(1, close - 1));
  }
  const auto colon = addr.find(':');
  // One colon: "host:port". None, or several (a bare IPv6 address such as
  // "::1"): all of it is the host.
  if (colon != std::string_view::npos && addr.rfind(':') == colon)
    return lower(addr.substr(0, colon));
  return lower(addr);
}

bool is_loopback_address(std::string_view addr) {
  if (starts_with(addr, "unix:") || starts_with(addr, "unix-abstract:"))
    return true;
  const std::string host = host_part(addr);
  if (host == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1)
    return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    // ::ffff:127.x.x.x, IPv4-mapped loopback.
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
  }
  return false;
}

ListenVerdict check_listen_policy(const ListenSecurity &s) {
  ListenVerdict v;
  auto refuse = [&v](std::string why) {
    v.ok = false;
    v.error = std::move(why);
    return v;
  };
  // Half-given TLS is a mistake whatever the address.
  if (s.tls_cert != s.tls_key)
    return refuse(std::string("--tls-cert and --tls-key go together: ") +
                  (s.tls_cert ? "add --tls-key FILE (the certificate's "
                                "private key)"
                              : "add --tls-cert FILE (the certificate "
                                "chain for the key)"));
  if (s.tls_client_ca && !s.tls_cert)
    return refuse(
        "--tls-client-ca needs TLS: add --tls-cert FILE and --tls-key FILE");
  const bool tls = s.tls_cert && s.tls_key;
  if (is_loopback_address(s.listen)) return v;
  if (tls && s.tokens) return v;
  if (s.tokens && !tls)
    // Local credentials (the only way to check tokens without TLS) accept
    // loopback peers alone, and a token sent in clear text across a network
    // is anyone's: even --insecure does not make this a useful setup.
    return refuse("--tokens on " + s.listen +
                  " needs TLS, or the tokens cross the network in clear "
                  "text: add --tls-cert FILE --tls-key FILE");
  if (s.insecure) {
    v.warning = "--insecure: serving " + s.listen + " without " +
                (tls ? "tokens" : "TLS or tokens") +
                ": anyone who reaches this port may run code here (start "
                "load, reload plugins" +
                (s.insecure_allow_push ? ", push plugins)" : ")") +
                (s.insecure_allow_push
                     ? ""
                     : "; golo push and golo remove stay refused unless "
                       "--insecure-allow-push");
    return v;
  }
  std::string missing;
  if (!tls) missing = "--tls-cert FILE --tls-key FILE";
  if (!s.tokens)
    missing += std::string(missing.empty() ? "" : " and ") + "--tokens FILE";
  return refuse("refusing to serve " + s.listen +
                " (not loopback) without TLS and tokens: anyone who reaches "
                "it could reload plugins and start load. Add " +
                missing +
                " (see docs/security.md), or --insecure to serve it open "
                "anyway");
}

ListenVerdict check_listen_policy(const HostOptions &opts) {
  return check_listen_policy(
      {opts.listen, !opts.tls_cert.empty(), !opts.tls_key.empty(),
       !opts.tls_client_ca.empty(), !opts.tokens_file.empty(), opts.insecure,
       opts.insecure_allow_push});
}

}  // namespace golo::host
