#include "security/role.h"

#include <array>
#include <utility>

namespace golo::host::security {

namespace {

constexpr std::array<std::pair<std::string_view, Role>, 12> kMethodRoles{{
    {"/grpc.health.v1.Health/Check", Role::kNone},
    {"/grpc.health.v1.Health/Watch", Role::kNone},
    {"/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
     Role::kRead},
    {"/grpc.reflection.v1.ServerReflection/ServerReflectionInfo", Role::kRead},
    {"/golo.Host/ListPlugins", Role::kRead},
    {"/golo.Job/Trigger", Role::kTrigger},
    {"/golo.Runner/Run", Role::kRun},
    {"/golo.Runner/RunStream", Role::kRun},
    {"/golo.Runner/Stop", Role::kRun},
    {"/golo.Host/Reload", Role::kAdmin},
    {"/golo.Host/Push", Role::kAdmin},
    {"/golo.Host/Remove", Role::kAdmin},
}};

constexpr std::array<std::pair<std::string_view, Role>, 4> kNames{{
    {"read", Role::kRead},
    {"trigger", Role::kTrigger},
    {"run", Role::kRun},
    {"admin", Role::kAdmin},
}};

}  // namespace

const char *to_string(Role r) {
  for (const auto &[name, role] : kNames)
    if (role == r) return name.data();
  return "none";
}

std::optional<Role> parse_role(std::string_view name) {
  for (const auto &[n, role] : kNames)
    if (n == name) return role;
  return std::nullopt;
}

Role required_role(std::string_view method_path) {
  for (const auto &[path, role] : kMethodRoles)
    if (path == method_path) return role;
  return Role::kAdmin;
}

}  // namespace golo::host::security
