// Requests larger than one message, in pieces (Runner.RunStream, and
// Host.Push's settings): every message a golo-host receives is at most
// kMaxMessageBytes, whatever the method, so that nobody, with a token or
// without, makes gRPC hold a large message for them. Both ends use this
// file, so the CLI's pieces are what the host joins.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include "golo/golo.pb.h"

namespace golo::wire {

// The largest message a golo-host receives (gRPC's receive limit, for
// every method); larger ones are refused with RESOURCE_EXHAUSTED.
inline constexpr std::size_t kMaxMessageBytes = 16 * 1024;
// What a piece carries of a long field: room is left for the field's tag
// and length and the other fields of a first piece.
inline constexpr std::size_t kPieceBytes = 12 * 1024;

// Calls send with req in pieces of at most max_bytes encoded each, stopping
// when send returns false: the first holds every field but scheduleYaml,
// dataCsv and env (and whatever of them fits); the rest scheduleYaml's
// bytes (cut between UTF-8 characters), dataCsv's, then env entries. A
// request that fits is sent whole, as one piece. Returns false when send
// did.
bool send_run_request_pieces(
    const golo::RunRequest &req,
    const std::function<bool(const golo::RunRequest &)> &send,
    std::size_t max_bytes = kMaxMessageBytes);

// Joins Runner.RunStream's pieces into one request, refusing (a reason,
// naming what and how much) pieces that together exceed max_total bytes
// or a later piece carrying a field only the first may.
class RunRequestJoiner {
 public:
  explicit RunRequestJoiner(std::size_t max_total) : max_total_(max_total) {}
  // Adds the next piece; "" when fine, else why not.
  std::string add(golo::RunRequest &piece);
  golo::RunRequest &request() { return joined_; }
  // Whether add refused for the total size (else for a misplaced field).
  bool too_large() const { return total_ > max_total_; }
  std::size_t pieces() const { return pieces_; }

 private:
  std::size_t max_total_;
  std::size_t total_ = 0;
  std::size_t pieces_ = 0;
  golo::RunRequest joined_;
};

}  // namespace golo::wire
