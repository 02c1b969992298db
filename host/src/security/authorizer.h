// The decision for one call: which role its method needs (role.h) against
// the role of the token it carries (token_table.h). No gRPC here; the
// AuthMetadataProcessor in grpc_auth.h only passes metadata in and the
// verdict out.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "security/role.h"
#include "security/token_table.h"

namespace golo::host::security {

struct Decision {
  enum class Code { kOk, kUnauthenticated, kPermissionDenied };
  Code code = Code::kOk;
  std::string message;      // for the caller; names the role needed
  Role role = Role::kNone;  // the caller's role when known
};

class Authorizer {
 public:
  explicit Authorizer(TokenTable tokens);
  // SIGHUP: new tokens for calls that start from now on.
  void replace(TokenTable tokens);

  // `authorization` is the call's "authorization" metadata value, if any.
  Decision check(std::string_view method_path,
                 std::optional<std::string_view> authorization) const;
  // The role a call's metadata carries (kNone for none or an unknown token).
  Role role_of(std::optional<std::string_view> authorization) const;

 private:
  std::shared_ptr<const TokenTable> tokens() const;
  mutable std::mutex mutex_;
  std::shared_ptr<const TokenTable> tokens_;
};

}  // namespace golo::host::security
