#include "host_port.h"

#include <algorithm>
#include <cctype>
#include <string_view>

namespace golo::cli {

namespace {

// gRPC's own target forms: what follows is not one HOST:PORT.
bool grpc_target(std::string_view e) {
  for (std::string_view scheme : {"unix:", "unix-abstract:", "ipv4:", "ipv6:"})
    if (e.starts_with(scheme)) return true;
  return e.find("://") != std::string_view::npos;
}

}  // namespace

std::string check_host_port(const std::string &entry) {
  if (grpc_target(entry)) return "";
  const std::string where = "--host " + entry + ": ";
  std::string_view rest = entry;
  if (rest.starts_with("[")) {
    const auto close = rest.find(']');
    if (close == std::string_view::npos)
      return where + "an IPv6 address needs its closing ]: [ADDR]:PORT";
    rest.remove_prefix(close + 1);
    if (!rest.starts_with(":"))
      return where + "no port: write [ADDR]:PORT, as [::1]:9999";
    rest.remove_prefix(1);
  } else {
    const auto colons = std::count(rest.begin(), rest.end(), ':');
    if (colons == 0)
      return where + "no port: write HOST:PORT, as " + entry + ":9999";
    if (colons > 1)
      return where + "write an IPv6 address in brackets: [ADDR]:PORT";
    rest.remove_prefix(rest.find(':') + 1);
  }
  const bool digits =
      !rest.empty() && rest.size() <= 5 &&
      std::all_of(rest.begin(), rest.end(),
                  [](unsigned char c) { return std::isdigit(c); });
  const int port = digits ? std::stoi(std::string(rest)) : -1;
  if (port < 1 || port > 65535)
    return where + "the port must be a number from 1 to 65535, not \"" +
           std::string(rest) + "\"";
  return "";
}

}  // namespace golo::cli
