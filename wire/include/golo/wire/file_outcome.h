// FileChange <-> FileOutcome.Outcome.
#pragma once

#include "golo/golo.pb.h"
#include "golo/wire/file_change.h"

namespace golo::wire {

golo::FileOutcome::Outcome to_wire(FileChange o);
// A value this build does not know (a newer host's) reads as kUnchanged,
// never as a failure that did not happen.
FileChange from_wire(golo::FileOutcome::Outcome o);
// The name of an outcome as received.
inline const char *outcome_name(golo::FileOutcome::Outcome o) {
  return outcome_name(from_wire(o));
}

}  // namespace golo::wire
