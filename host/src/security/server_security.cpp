#include "security/server_security.h"

#include <grpcpp/security/server_credentials.h>
#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_credentials_options.h>
#include <spdlog/spdlog.h>

#include "options/listen_policy.h"
#include "security/grpc_auth.h"
#include "security/remote_targets.h"

namespace golo::host::security {

namespace {

// How often gRPC re-reads the private copies: the delay between SIGHUP and
// a new certificate being served. One second is its minimum.
constexpr unsigned kCertificateRefreshSeconds = 1;

std::shared_ptr<grpc::ServerCredentials> tls_credentials(const TlsFiles &f) {
  using namespace grpc::experimental;
  const bool mutual = !f.paths().client_ca.empty();
  auto provider = std::make_shared<FileWatcherCertificateProvider>(
      f.key_copy().string(), f.cert_copy().string(),
      mutual ? f.ca_copy().string() : "", kCertificateRefreshSeconds);
  TlsServerCredentialsOptions options(provider);
  options.watch_identity_key_cert_pairs();
  if (mutual) {
    options.watch_root_certs();
    options.set_cert_request_type(
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  }
  return TlsServerCredentials(options);
}

}  // namespace

ServerSecurity::ServerSecurity(const HostOptions &opts) : opts_(opts) {
  if (!opts.tls_cert.empty()) {
    tls_ = std::make_unique<TlsFiles>(
        TlsPaths{opts.tls_cert, opts.tls_key, opts.tls_client_ca});
    credentials_ = tls_credentials(*tls_);
  }
  if (!opts.tokens_file.empty()) {
    auto table = TokenTable::load(opts.tokens_file);
    tokens_summary_ = table.summary();
    authorizer_ = std::make_shared<Authorizer>(std::move(table));
    if (!credentials_) {
      // gRPC runs an AuthMetadataProcessor only on secure credentials; local
      // credentials are those for loopback without TLS (the listen policy
      // allows tokens without TLS nowhere else).
      const bool unix_socket = opts.listen.rfind("unix", 0) == 0;
      credentials_ = grpc::experimental::LocalServerCredentials(
          unix_socket ? UDS : LOCAL_TCP);
    }
    credentials_->SetAuthMetadataProcessor(
        std::make_shared<AuthProcessor>(authorizer_));
  }
  if (!credentials_) credentials_ = grpc::InsecureServerCredentials();
  for (const auto &t : opts.allow_remote_targets)
    if (auto why = check_allowed_entry(t); !why.empty())
      throw std::runtime_error(why);
}

ServerSecurity::~ServerSecurity() = default;

std::string ServerSecurity::summary() const {
  std::string out =
      tls_ ? (opts_.tls_client_ca.empty() ? "TLS" : "mutual TLS") : "plaintext";
  out += authorizer_ ? ", " + tokens_summary_ : ", no tokens";
  return out;
}

void ServerSecurity::reload() {
  if (tls_) {
    try {
      spdlog::info("SIGHUP: TLS certificate {}; served within {} s",
                   tls_->install(), kCertificateRefreshSeconds);
    } catch (const std::exception &e) {
      spdlog::error("SIGHUP: {} (the previous certificate keeps serving)",
                    e.what());
    }
  }
  if (authorizer_) {
    try {
      auto table = TokenTable::load(opts_.tokens_file);
      tokens_summary_ = table.summary();
      authorizer_->replace(std::move(table));
      spdlog::info("SIGHUP: tokens reloaded ({})", tokens_summary_);
    } catch (const std::exception &e) {
      spdlog::error("SIGHUP: {} (the previous tokens stay in force)", e.what());
    }
  }
}

}  // namespace golo::host::security
