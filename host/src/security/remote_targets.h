// Where Runner.Run may send load as Job.Trigger RPCs (RunRequest.remoteTarget):
// loopback, and the HOST:PORT targets the host's operator listed with
// --allow-remote-target. Anything else would let one small request turn the
// fleet into a traffic amplifier aimed at an address of the caller's choice.
//
// A target is parsed strictly, as exactly one HOST:PORT or [V6]:PORT: gRPC
// reads "ipv6:[::1]:1,[2001:db8::7]:80" as a list and dials the second entry
// when the first refuses, so a scheme, a list or an odd IPv4 spelling
// (0x7f.1, 2130706433, 0177.0.0.1) is refused before anything resolves, and
// the run dials the parsed form with an explicit scheme (dial()).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace golo::host::security {

struct RemoteTarget {
  std::string host;  // lower case; an IP literal in canonical form, no []
  std::uint16_t port = 0;
  enum class Kind { kName, kIpv4, kIpv6 } kind = Kind::kName;

  bool loopback() const;
  // What gRPC is handed: "ipv4:1.2.3.4:80", "ipv6:[::1]:80", "dns:///h:80".
  std::string dial() const;
  bool operator==(const RemoteTarget &) const = default;
};

// The target, or nullopt with the reason in `why`.
std::optional<RemoteTarget> parse_remote_target(std::string_view text,
                                                std::string &why);

// Empty when `target` may be used; otherwise why not, for the caller.
std::string check_remote_target(std::string_view target,
                                const std::vector<std::string> &allowed);

// Empty when an --allow-remote-target value is well formed (HOST:PORT);
// otherwise what is wrong with it.
std::string check_allowed_entry(std::string_view entry);

}  // namespace golo::host::security
