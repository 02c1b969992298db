#include "golo/wire/trigger_reply.h"

#include <algorithm>
#include <cstdint>

namespace golo::wire {

void to_current_layout(golo::Response &r, golo::ResponseCurrentLayout &out) {
  // Moves, not copies: output and its exact bytes may be megabytes.
  out.mutable_id()->swap(*r.mutable_id());
  out.mutable_jobname()->swap(*r.mutable_jobname());
  out.set_error(r.error());
  out.set_duration(
      static_cast<std::uint64_t>(std::max<std::int64_t>(r.durationnanos(), 0)));
  out.mutable_output()->swap(*r.mutable_output());
  out.mutable_tags()->Swap(r.mutable_tags());
  out.set_durationnanos(r.durationnanos());
  out.set_outputtruncated(r.outputtruncated());
  out.mutable_pluginversion()->swap(*r.mutable_pluginversion());
  out.set_plugingeneration(r.plugingeneration());
  out.mutable_outputbytes()->swap(*r.mutable_outputbytes());
  out.set_outputnotutf8(r.outputnotutf8());
  out.mutable_steps()->Swap(r.mutable_steps());
  out.mutable_checks()->Swap(r.mutable_checks());
  out.set_stepsdropped(r.stepsdropped());
  out.set_checksdropped(r.checksdropped());
  out.set_outputtextcut(r.outputtextcut());
  out.set_outputbytescut(r.outputbytescut());
}

void TriggerReply::use_layout(GoLoLayout l) {
  layout = l;
  if (l == GoLoLayout::kCurrent) to_current_layout(seed, current);
}

std::size_t TriggerReply::encoded_size() const {
  return layout == GoLoLayout::kCurrent ? current.ByteSizeLong()
                                        : seed.ByteSizeLong();
}

}  // namespace golo::wire
