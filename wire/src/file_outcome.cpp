#include "golo/wire/file_outcome.h"

namespace golo::wire {

static_assert(
    static_cast<int>(FileChange::kUnchanged) == golo::FileOutcome::UNCHANGED &&
        static_cast<int>(FileChange::kAdded) == golo::FileOutcome::ADDED &&
        static_cast<int>(FileChange::kReplaced) ==
            golo::FileOutcome::REPLACED &&
        static_cast<int>(FileChange::kRemoved) == golo::FileOutcome::REMOVED &&
        static_cast<int>(FileChange::kFailed) == golo::FileOutcome::FAILED,
    "FileChange mirrors FileOutcome.Outcome");

golo::FileOutcome::Outcome to_wire(FileChange o) {
  return static_cast<golo::FileOutcome::Outcome>(o);
}

FileChange from_wire(golo::FileOutcome::Outcome o) {
  if (o < golo::FileOutcome::UNCHANGED || o > golo::FileOutcome::FAILED)
    return FileChange::kUnchanged;
  return static_cast<FileChange>(o);
}

}  // namespace golo::wire
