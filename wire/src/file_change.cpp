#include "golo/wire/file_change.h"

namespace golo::wire {

const char *outcome_name(FileChange o) {
  switch (o) {
    case FileChange::kAdded:
      return "added";
    case FileChange::kReplaced:
      return "replaced";
    case FileChange::kRemoved:
      return "removed";
    case FileChange::kFailed:
      return "failed";
    case FileChange::kUnchanged:
      break;
  }
  return "unchanged";
}

}  // namespace golo::wire
