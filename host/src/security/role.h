// The control plane's roles and which one each RPC needs: the one table that
// decides who may call what (docs/security.md).
#pragma once

#include <optional>
#include <string_view>

namespace golo::host::security {

// Ordered: each role may do everything the ones before it may.
enum class Role {
  kNone,     // no token: only what is open to all (health)
  kRead,     // ListPlugins, reflection
  kTrigger,  // + Job.Trigger
  kRun,      // + Runner.Run
  kAdmin,    // + Reload, Push, Remove
};

const char *to_string(Role r);
std::optional<Role> parse_role(std::string_view name);

// The role a method needs, by its gRPC path ("/golo.Host/Reload"). Health
// is open (kNone); a method not in the table needs kAdmin, so that an RPC
// added later is closed until someone decides otherwise.
Role required_role(std::string_view method_path);

}  // namespace golo::host::security
