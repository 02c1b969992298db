#include "golo/wire/outcome.h"

namespace golo::wire {

const char *outcome_name(Outcome o) {
  switch (o) {
    case Outcome::kAdded:
      return "added";
    case Outcome::kReplaced:
      return "replaced";
    case Outcome::kRemoved:
      return "removed";
    case Outcome::kFailed:
      return "failed";
    case Outcome::kUnchanged:
      break;
  }
  return "unchanged";
}

}  // namespace golo::wire
