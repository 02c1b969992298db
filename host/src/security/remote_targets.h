// Where Runner.Run may send load as Job.Trigger RPCs (RunRequest.remoteTarget):
// loopback, and the HOST:PORT targets the host's operator listed with
// --allow-remote-target. Anything else would let one small request turn the
// fleet into a traffic amplifier aimed at an address of the caller's choice.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace golo::host::security {

// Empty when `target` may be used; otherwise why not, for the caller.
std::string check_remote_target(std::string_view target,
                                const std::vector<std::string> &allowed);

// Empty when an --allow-remote-target value is well formed (HOST:PORT);
// otherwise what is wrong with it.
std::string check_allowed_entry(std::string_view entry);

}  // namespace golo::host::security
