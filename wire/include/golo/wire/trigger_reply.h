// Job.Trigger's reply in the layout the call gets (layout.h): the host
// fills a golo::Response (the seed layout) and, for a caller of current
// go-lo, moves its fields into a golo::ResponseCurrentLayout before it is
// sent. gRPC serialises whichever is chosen (SerializationTraits below), so
// one typed method serves both layouts with no byte-level rewriting.
#pragma once

#include <grpcpp/impl/codegen/proto_utils.h>

#include <cstddef>

#include "golo/golo.pb.h"
#include "golo/wire/layout.h"

namespace golo::wire {

struct TriggerReply {
  golo::Response seed;  // filled by the host; sent when layout is kSeed
  golo::ResponseCurrentLayout current;  // sent when layout is kCurrent
  GoLoLayout layout = GoLoLayout::kSeed;

  // Picks the layout to send: kCurrent moves seed's fields into current.
  void use_layout(GoLoLayout l);
  std::size_t encoded_size() const;
};

// r's fields (moved out) into out, at current go-lo's numbers; duration is
// durationNanos.
void to_current_layout(golo::Response &r, golo::ResponseCurrentLayout &out);

}  // namespace golo::wire

namespace grpc {

template <>
class SerializationTraits<golo::wire::TriggerReply, void> {
 public:
  static Status Serialize(const golo::wire::TriggerReply &reply, ByteBuffer *bb,
                          bool *own_buffer) {
    if (reply.layout == golo::wire::GoLoLayout::kCurrent)
      return GenericSerialize<ProtoBufferWriter, golo::ResponseCurrentLayout>(
          reply.current, bb, own_buffer);
    return GenericSerialize<ProtoBufferWriter, golo::Response>(reply.seed, bb,
                                                               own_buffer);
  }
};

}  // namespace grpc
