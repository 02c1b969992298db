#include "security/remote_targets.h"

#include <algorithm>
#include <cctype>

#include "options/listen_policy.h"

namespace golo::host::security {

namespace {

// "dns:///Host:80" and "host:80" name the same target.
std::string normalized(std::string_view t) {
  for (std::string_view prefix : {"dns:///", "ipv4:", "ipv6:"})
    if (t.substr(0, prefix.size()) == prefix) {
      t.remove_prefix(prefix.size());
      break;
    }
  std::string out(t);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return out;
}

}  // namespace

std::string check_remote_target(std::string_view target,
                                const std::vector<std::string> &allowed) {
  if (is_loopback_address(target)) return "";
  const std::string t = normalized(target);
  for (const auto &a : allowed)
    if (normalized(a) == t) return "";
  return "remoteTarget " + std::string(target) +
         " is not loopback and not allowed on this host (its operator can "
         "allow it with --allow-remote-target HOST:PORT)";
}

std::string check_allowed_entry(std::string_view entry) {
  const std::string t = normalized(entry);
  const auto colon = t.rfind(':');
  const bool has_port =
      colon != std::string::npos && colon + 1 < t.size() &&
      std::all_of(t.begin() + static_cast<long>(colon) + 1, t.end(),
                  [](unsigned char c) { return std::isdigit(c); });
  if (!has_port || host_part(t).empty())
    return "--allow-remote-target " + std::string(entry) +
           ": expected HOST:PORT (for example 10.0.0.7:9999 or "
           "[2001:db8::7]:9999)";
  return "";
}

}  // namespace golo::host::security
