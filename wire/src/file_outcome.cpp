#include "golo/wire/file_outcome.h"

namespace golo::wire {

static_assert(
    static_cast<int>(Outcome::kUnchanged) == golo::FileOutcome::UNCHANGED &&
        static_cast<int>(Outcome::kAdded) == golo::FileOutcome::ADDED &&
        static_cast<int>(Outcome::kReplaced) == golo::FileOutcome::REPLACED &&
        static_cast<int>(Outcome::kRemoved) == golo::FileOutcome::REMOVED &&
        static_cast<int>(Outcome::kFailed) == golo::FileOutcome::FAILED,
    "Outcome mirrors FileOutcome.Outcome");

golo::FileOutcome::Outcome to_wire(Outcome o) {
  return static_cast<golo::FileOutcome::Outcome>(o);
}

Outcome from_wire(golo::FileOutcome::Outcome o) {
  if (o < golo::FileOutcome::UNCHANGED || o > golo::FileOutcome::FAILED)
    return Outcome::kUnchanged;
  return static_cast<Outcome>(o);
}

}  // namespace golo::wire
