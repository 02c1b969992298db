#include "security/grpc_auth.h"

#include "server/grpc_status.h"

namespace golo::host::security {

namespace {

template <class Map>
std::optional<std::string_view> find(const Map &m, std::string_view key) {
  for (const auto &[k, v] : m)
    if (std::string_view(k.data(), k.size()) == key)
      return std::string_view(v.data(), v.size());
  return std::nullopt;
}

}  // namespace

grpc::Status AuthProcessor::Process(const InputMetadata &metadata,
                                    grpc::AuthContext *, OutputMetadata *,
                                    OutputMetadata *) {
  // The AuthContext is shared by every call on the connection, so the role
  // is not stored there: a service that logs the caller asks again
  // (describe_caller), and the token stays in the call's metadata for it.
  const auto path = find(metadata, ":path");
  const auto d =
      authorizer_->check(path.value_or(""), find(metadata, "authorization"));
  switch (d.code) {
    case Decision::Code::kOk:
      return grpc::Status::OK;
    case Decision::Code::kUnauthenticated:
      return to_status(HostError::Code::kUnauthenticated, d.message);
    case Decision::Code::kPermissionDenied:
      return to_status(HostError::Code::kPermissionDenied, d.message);
  }
  return to_status(HostError::Code::kInternal, "unreachable");
}

std::string describe_caller(const grpc::ServerContext &ctx,
                            const Authorizer *authorizer) {
  if (!authorizer) return "caller at " + ctx.peer();
  const Role role =
      authorizer->role_of(find(ctx.client_metadata(), "authorization"));
  return std::string(to_string(role)) + " at " + ctx.peer();
}

}  // namespace golo::host::security
