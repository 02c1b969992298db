// Text for protobuf string fields. A proto3 string must be valid UTF-8 or
// Python's and Go's clients refuse the whole message, while file names,
// plugin output and error texts are bytes: these make them safe to send.
#pragma once

#include <string>
#include <string_view>

#include "golo/golo.pb.h"

namespace golo::wire {

// s, with invalid UTF-8 replaced by U+FFFD.
std::string text(std::string_view s);
// The same into an existing string (a message's field), copying s once.
void assign_text(std::string &out, std::string_view s);

// Adds key/value pairs (any range of pairs of strings) as ResponseTags.
template <class Tags>
void add_tags(google::protobuf::RepeatedPtrField<golo::ResponseTag> &out,
              const Tags &tags) {
  for (const auto &[k, v] : tags) {
    auto *tag = out.Add();
    assign_text(*tag->mutable_key(), k);
    assign_text(*tag->mutable_value(), v);
  }
}

}  // namespace golo::wire
