// Who killed a worker, read from its crash board and wait status after it
// died: evidence (a recorded crash or exit, a signal plugin code sent to its
// own worker) names a culprit; a guess (the only version with calls in
// flight) names a suspect, which the supervisor quarantines only when the
// guess repeats. An OOM kill or an outside SIGKILL blames no plugin.
#pragma once

#include <cstdint>
#include <string>

#include "board/board.h"

namespace golo::supervisor {

struct Verdict {
  std::uint32_t version = 0;  // board id; 0: no plugin named
  board::Entry entry = board::Entry::kNone;
  bool evidence = false;  // false with a version: a suspect only
  std::string what;       // "died of SIGSEGV", "exited (_exit() called, ...)"
};

// oom_kills: how many OOM kills the worker's cgroup counted during its life
// (memory.events), 0 when unknown.
Verdict attribute(const board::Board &b, int status, std::uint64_t oom_kills);

// "job \"x\" (generation 1, sha256 0123456789ab, /dir/x.so)"; bounds-checked
// (the board was written where plugin code runs).
std::string describe_version(const board::Board &b, std::uint32_t version);
const board::Version *board_version(const board::Board &b, std::uint32_t id);
std::string board_text(const char *p, std::size_t cap);

// The oom_kill count of this process's cgroup (cgroup v2 memory.events),
// 0 when it cannot be read.
std::uint64_t cgroup_oom_kills();

// "SIGSEGV", or "signal 77".
std::string signal_name(int sig);

}  // namespace golo::supervisor
