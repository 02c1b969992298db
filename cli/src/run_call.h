// One Runner call for a request: Run when the request fits in one message
// (so hosts that predate RunStream take it), else RunStream with the
// request in pieces (wire/pieces.h), as every message a host receives is
// small.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>

#include "golo/golo.grpc.pb.h"

namespace golo::cli {

class RunCall {
 public:
  // Starts the call on ctx and sends the request.
  RunCall(golo::Runner::Stub &stub, grpc::ClientContext &ctx,
          const golo::RunRequest &req);
  bool Read(golo::RunUpdate *update);
  grpc::Status Finish();

 private:
  std::unique_ptr<grpc::ClientReader<golo::RunUpdate>> whole_;
  std::unique_ptr<grpc::ClientReaderWriter<golo::RunRequest, golo::RunUpdate>>
      pieces_;
};

}  // namespace golo::cli
