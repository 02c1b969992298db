#include "host_client.h"

#include <grpcpp/support/client_interceptor.h>

#include "connection_probe.h"

namespace golo::cli {

namespace {

ConnectOptions g_options;

// Adds the token to every call's metadata. An interceptor rather than call
// credentials: gRPC sends call credentials only over TLS, and a loopback
// host may check tokens without it.
class BearerToken final : public grpc::experimental::Interceptor {
 public:
  explicit BearerToken(const std::string &token) : value_("Bearer " + token) {}
  void Intercept(grpc::experimental::InterceptorBatchMethods *m) override {
    if (m->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::
                PRE_SEND_INITIAL_METADATA))
      m->GetSendInitialMetadata()->insert({"authorization", value_});
    m->Proceed();
  }

 private:
  std::string value_;
};

class BearerTokenFactory final
    : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  explicit BearerTokenFactory(std::string token) : token_(std::move(token)) {}
  grpc::experimental::Interceptor *CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo *) override {
    return new BearerToken(token_);
  }

 private:
  std::string token_;
};

// A call that got no answer: gRPC's resolver and transport speak of their
// internals (c-ares, "failed to connect to all addresses", SSL routines),
// so golo looks at the port itself and says what is there.
std::string unreachable(const grpc::Status &status, const std::string &addr) {
  const auto &text = status.error_message();
  if (text.find("DNS resolution failed") != std::string::npos)
    return "cannot reach golo-host at " + addr + ": the name does not resolve";
  const std::string at = "cannot reach golo-host at " + addr + ": ";
  if (auto why = probe_connection(addr, g_options.tls); !why.empty())
    return at + why;
  if (text.find("certificate verify failed") != std::string::npos)
    return at +
           "its TLS certificate is not signed by a CA golo trusts: pass "
           "the CA that signed it with --tls-ca FILE (or GOLO_TLS_CA)";
  if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED)
    return "golo-host at " + addr + " did not answer in time";
  return at + text;
}

}  // namespace

void set_connect_options(ConnectOptions opts) { g_options = std::move(opts); }

std::shared_ptr<grpc::Channel> connect(const std::string &addr) {
  grpc::ChannelArguments args;
  // Responses carry up to 1 MiB of output plus tags; leave room.
  args.SetMaxReceiveMessageSize(64 * 1024 * 1024);
  std::shared_ptr<grpc::ChannelCredentials> creds;
  if (g_options.tls) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = g_options.ca_pem;
    ssl.pem_cert_chain = g_options.cert_pem;
    ssl.pem_private_key = g_options.key_pem;
    creds = grpc::SslCredentials(ssl);
  } else {
    creds = grpc::InsecureChannelCredentials();
  }
  if (g_options.token.empty())
    return grpc::CreateCustomChannel(addr, creds, args);
  std::vector<
      std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(std::make_unique<BearerTokenFactory>(g_options.token));
  return grpc::experimental::CreateCustomChannelWithInterceptors(
      addr, creds, args, std::move(interceptors));
}

void set_deadline(grpc::ClientContext &ctx, std::chrono::milliseconds timeout) {
  ctx.set_deadline(std::chrono::system_clock::now() + timeout);
}

std::string describe(const grpc::Status &status, const std::string &addr) {
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return unreachable(status, addr);
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      // gRPC's own words when every server thread is busy; say which cap.
      if (status.error_message() == "Server Threadpool Exhausted")
        return "golo-host at " + addr +
               " has no free server thread (its --max-threads cap): " +
               status.error_message();
      return status.error_message();
    case grpc::StatusCode::UNIMPLEMENTED:
      return addr + " does not serve this call (is it a golo-host?): " +
             status.error_message();
    case grpc::StatusCode::UNAUTHENTICATED:
      // golo-host's message names the flags already; another server's may not.
      return addr + " refused the token: " + status.error_message() +
             (status.error_message().find("--token-file") != std::string::npos
                  ? ""
                  : " (check --token-file or GOLO_TOKEN)");
    case grpc::StatusCode::PERMISSION_DENIED:
      return addr + " refused the call: " + status.error_message();
    default:
      return status.error_message();
  }
}

}  // namespace golo::cli
