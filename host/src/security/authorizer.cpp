#include "security/authorizer.h"

#include <cctype>

namespace golo::host::security {

namespace {

constexpr std::string_view kBearer = "Bearer ";

// "Bearer " in any letter case (RFC 6750 schemes are case-insensitive).
bool bearer(std::string_view v) {
  if (v.size() < kBearer.size()) return false;
  for (std::size_t i = 0; i < kBearer.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(v[i])) !=
        std::tolower(static_cast<unsigned char>(kBearer[i])))
      return false;
  return true;
}

// "golo.Host/Reload" from "/golo.Host/Reload", for messages.
std::string_view method_name(std::string_view path) {
  if (!path.empty() && path[0] == '/') path.remove_prefix(1);
  return path;
}

}  // namespace

Authorizer::Authorizer(TokenTable tokens)
    : tokens_(std::make_shared<const TokenTable>(std::move(tokens))) {}

void Authorizer::replace(TokenTable tokens) {
  auto fresh = std::make_shared<const TokenTable>(std::move(tokens));
  std::lock_guard lock(mutex_);
  tokens_ = std::move(fresh);
}

std::shared_ptr<const TokenTable> Authorizer::tokens() const {
  std::lock_guard lock(mutex_);
  return tokens_;
}

Role Authorizer::role_of(std::optional<std::string_view> authorization) const {
  if (!authorization || !bearer(*authorization)) return Role::kNone;
  return tokens()
      ->find(authorization->substr(kBearer.size()))
      .value_or(Role::kNone);
}

Decision Authorizer::check(
    std::string_view method_path,
    std::optional<std::string_view> authorization) const {
  using Code = Decision::Code;
  const Role need = required_role(method_path);
  if (need == Role::kNone) return {};
  if (!authorization)
    return {Code::kUnauthenticated,
            "this golo-host requires a token: send metadata "
            "\"authorization: Bearer TOKEN\" (golo: --token-file FILE or "
            "GOLO_TOKEN); " +
                std::string(method_name(method_path)) + " needs the " +
                to_string(need) + " role",
            Role::kNone};
  if (!bearer(*authorization))
    return {Code::kUnauthenticated,
            "the authorization metadata must be \"Bearer TOKEN\"", Role::kNone};
  const auto role = tokens()->find(authorization->substr(kBearer.size()));
  if (!role)
    return {Code::kUnauthenticated,
            "unknown token (not in this host's --tokens file)", Role::kNone};
  if (*role < need)
    return {Code::kPermissionDenied,
            std::string(method_name(method_path)) + " needs the " +
                to_string(need) + " role; this token has the " +
                to_string(*role) + " role",
            *role};
  return {Code::kOk, "", *role};
}

}  // namespace golo::host::security
