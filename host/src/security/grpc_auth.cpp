#include "security/grpc_auth.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>

#include "errors/grpc_status.h"
#include "golo/agent/utf8.h"

namespace golo::host::security {

namespace {

template <class Map>
std::optional<std::string_view> find(const Map &m, std::string_view key) {
  for (const auto &[k, v] : m)
    if (std::string_view(k.data(), k.size()) == key)
      return std::string_view(v.data(), v.size());
  return std::nullopt;
}

// Refusals are logged, at most kMaxRefusalLines a second (a caller trying
// tokens must not flood the log), and a count of the ones left out.
constexpr int kMaxRefusalLines = 10;

void log_refusal(std::string_view path, const Decision &d,
                 std::optional<std::string_view> agent) {
  static std::atomic<std::int64_t> second{0};
  static std::atomic<int> in_second{0}, dropped{0};
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::steady_clock::now().time_since_epoch())
                       .count();
  if (second.exchange(now) != now) {
    in_second = 0;
    if (const int n = dropped.exchange(0); n > 0)
      spdlog::warn("{} more refused calls not logged", n);
  }
  if (in_second.fetch_add(1) >= kMaxRefusalLines) {
    ++dropped;
    return;
  }
  // gRPC hands this processor no peer address; the client's user agent is
  // the best name for it here (never the token).
  spdlog::warn("refused {} ({}): {}; client {}", agent::printable(path, 128),
               d.code == Decision::Code::kUnauthenticated ? "unauthenticated"
                                                          : "permission denied",
               d.message, agent::printable(agent.value_or("unknown"), 128));
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
  if (d.code != Decision::Code::kOk)
    log_refusal(path.value_or(""), d, find(metadata, "user-agent"));
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
