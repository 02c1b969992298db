// What a reload, push or remove did to one file: the host's registry, the
// wire (FileOutcome.Outcome, same values) and the CLI's words all use this
// one enum and its one set of names.
#pragma once

namespace golo::wire {

enum class FileChange { kUnchanged, kAdded, kReplaced, kRemoved, kFailed };

// "unchanged", "added", "replaced", "removed", "failed".
const char *outcome_name(FileChange o);

}  // namespace golo::wire
