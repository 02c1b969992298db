// --max-memory: the worker's allocation limit. Plugin code runs in the
// worker, so a plugin that allocates without bound would otherwise grow it
// until the kernel's OOM killer takes the whole worker (every job's calls
// and runs) with no trace of who did it. Under a limit its malloc gets NULL
// and it fails in its own call, where the crash board names it.
#pragma once

#include <cstdint>
#include <string>

namespace golo::worker {

struct MemoryLimitOutcome {
  bool applied = false;
  std::string message;  // what was done, or why not (a warning)
};

// Sets RLIMIT_DATA (soft and hard, so plugin code cannot raise it) to bytes;
// 0 leaves the worker unlimited. Not applied in sanitizer builds, whose
// shadow memory is terabytes of reserved address space: every allocation
// there would fail.
MemoryLimitOutcome apply_memory_limit(std::uint64_t bytes);

// "512 MiB", "1.5 GiB", "100 bytes".
std::string size_text(std::uint64_t bytes);

}  // namespace golo::worker
