// gRPC's side of the role check: an AuthMetadataProcessor that asks the
// Authorizer about every call before any service code runs (reflection and
// health included), and the caller's description for control-action logs.
#pragma once

#include <grpcpp/grpcpp.h>
#include <grpcpp/security/auth_metadata_processor.h>

#include <memory>
#include <string>

#include "security/authorizer.h"

namespace golo::host::security {

class AuthProcessor final : public grpc::AuthMetadataProcessor {
 public:
  explicit AuthProcessor(std::shared_ptr<const Authorizer> authorizer)
      : authorizer_(std::move(authorizer)) {}
  // A table look-up and one SHA-256: run inline, no thread hop per call.
  bool IsBlocking() const override { return false; }
  grpc::Status Process(const InputMetadata &metadata, grpc::AuthContext *,
                       OutputMetadata *consumed,
                       OutputMetadata *response) override;

 private:
  std::shared_ptr<const Authorizer> authorizer_;
};

// "admin at ipv4:10.0.0.5:41234" for the log; with no tokens configured
// (authorizer null), "caller at ..." since every caller may do everything.
std::string describe_caller(const grpc::ServerContext &ctx,
                            const Authorizer *authorizer);

}  // namespace golo::host::security
