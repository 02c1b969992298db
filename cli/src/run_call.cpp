#include "run_call.h"

#include "golo/wire/pieces.h"

namespace golo::cli {

RunCall::RunCall(golo::Runner::Stub &stub, grpc::ClientContext &ctx,
                 const golo::RunRequest &req) {
  if (req.ByteSizeLong() <= wire::kMaxMessageBytes) {
    whole_ = stub.Run(&ctx, req);
    return;
  }
  pieces_ = stub.RunStream(&ctx);
  // A failed write means the host ended the call: Finish says why.
  wire::send_run_request_pieces(req, [&](const golo::RunRequest &piece) {
    return pieces_->Write(piece);
  });
  pieces_->WritesDone();
}

bool RunCall::Read(golo::RunUpdate *update) {
  return whole_ ? whole_->Read(update) : pieces_->Read(update);
}

grpc::Status RunCall::Finish() {
  if (whole_) return whole_->Finish();
  const grpc::Status status = pieces_->Finish();
  if (status.error_code() != grpc::StatusCode::UNIMPLEMENTED) return status;
  return {status.error_code(),
          "this golo-host predates Runner.RunStream, which a request over " +
              std::to_string(wire::kMaxMessageBytes / 1024) +
              " KiB (a schedule with a data file) needs: upgrade it (" +
              status.error_message() + ")"};
}

}  // namespace golo::cli
