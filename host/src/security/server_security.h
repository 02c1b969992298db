// Everything golo-host's listening port needs from the control-plane
// options: the credentials (plaintext, local, or TLS with certificates that
// SIGHUP reloads), the token check on every call, and what the log says
// about it. Built once at start; a bad file stops the start with a message.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "options/host_options.h"
#include "security/authorizer.h"
#include "security/tls_files.h"

namespace golo::host::security {

class ServerSecurity {
 public:
  // Reads and checks the TLS files and the tokens; throws std::runtime_error
  // whose message names the file and what is wrong (golo-host exits 2).
  explicit ServerSecurity(const HostOptions &opts);
  ~ServerSecurity();

  std::shared_ptr<grpc::ServerCredentials> credentials() const {
    return credentials_;
  }
  // Null when no --tokens: every caller may do everything.
  const Authorizer *authorizer() const { return authorizer_.get(); }
  // "TLS (mutual), 3 tokens: 1 admin, 2 trigger", for the start line.
  std::string summary() const;

  // SIGHUP: re-reads the certificate files and the tokens. Each part whose
  // new files are bad keeps serving its previous ones; the reason is logged.
  void reload();

 private:
  HostOptions opts_;
  std::unique_ptr<TlsFiles> tls_;
  std::shared_ptr<Authorizer> authorizer_;
  std::string tokens_summary_;
  std::shared_ptr<grpc::ServerCredentials> credentials_;
};

}  // namespace golo::host::security
